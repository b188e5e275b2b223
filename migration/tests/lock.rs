//! One migrator at a time: several `migration up` processes started together on one fresh
//! database apply every migration exactly once, and a held lock ends in a clear timeout.

mod common;

use std::process::Output;
use std::time::{Duration, Instant};

use common::*;
use conformance::Backend;
use migration_runner::Options;
use pretty_assertions::assert_eq;
use rstest::rstest;

const PROCESSES: usize = 4;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn concurrent_ups_apply_every_migration_exactly_once(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            tokio::process::Command::from(command(dir.path(), &["-u", &db.url, "up"]))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start the migration binary")
        })
        .collect();
    let mut outputs: Vec<Output> = Vec::new();
    for child in children {
        outputs.push(child.wait_with_output().await.expect("wait"));
    }
    eprintln!(
        "{PROCESSES} concurrent `up` on {backend}: {} ms",
        started.elapsed().as_millis()
    );

    let texts: Vec<String> = outputs.iter().map(assert_ok).collect();
    let winners = texts
        .iter()
        .filter(|t| {
            t.contains(&format!(
                "{} migrations applied, 0 pending",
                migration_count()
            ))
        })
        .count();
    let losers = texts
        .iter()
        .filter(|t| {
            t.contains(&format!(
                "nothing pending: all {} migrations are applied",
                migration_count()
            ))
        })
        .count();
    assert_eq!((winners, losers), (1, PROCESSES - 1), "outputs: {texts:#?}");
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM seaql_migrations").await,
        migration_count() as i64
    );
    assert_eq!(versions(&db.conn).await.len(), migration_count());
    assert_eq!(
        checksummed_versions(&db.conn).await,
        versions(&db.conn).await
    );
    assert_eq!(actual_schema(&db.conn).await, expected_schema(backend));
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_held_lock_times_out_naming_its_holder_and_changes_nothing(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    // The test holds the lock the way a migrator would, through the runner.
    let holder_conn = connect(&db.url).await;
    let lock = migration_runner::lock(&holder_conn, &Options::default())
        .await
        .expect("take the lock");
    let holder = match backend {
        Backend::Sqlite => format!("held by process {} since", std::process::id()),
        Backend::Postgres => "held by PostgreSQL session pid ".to_owned(),
    };
    let holder_application = format!("migration-runner (pid {})", std::process::id());

    let started = Instant::now();
    let out = run(dir.path(), &["-u", &db.url, "--lock-timeout", "1", "up"]);
    let waited = started.elapsed();
    assert_fails_with(
        &out,
        &[
            "timed out after 1 s waiting for the migration lock on",
            &holder,
            "raise --lock-timeout",
        ],
    );
    if backend == Backend::Postgres {
        assert!(
            stderr(&out).contains(&holder_application),
            "{}",
            stderr(&out)
        );
    }
    assert!(
        stdout(&out).contains("waiting up to 1 s for the migration lock"),
        "{}",
        stdout(&out)
    );
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(10),
        "waited {waited:?}"
    );
    eprintln!(
        "lock timeout on {backend}: failed after {} ms",
        waited.as_millis()
    );
    assert!(versions(&db.conn).await.is_empty(), "nothing applied");

    // Released, the same command goes through: the lock was what stopped it.
    lock.release().await.expect("release");
    holder_conn.close().await.expect("close");
    let text = assert_ok(&run(
        dir.path(),
        &["-u", &db.url, "--lock-timeout", "1", "up"],
    ));
    assert!(
        text.contains(&format!("{} migrations applied", migration_count())),
        "{text}"
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn every_changing_command_waits_for_the_lock_and_status_does_not() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    assert_ok(&run(dir.path(), &["-u", url, "up", "-n", "2"]));
    let lock = migration_runner::lock(&db.conn, &Options::default())
        .await
        .expect("take the lock");
    for command in ["up", "down", "fresh", "refresh", "reset"] {
        let out = run(dir.path(), &["-u", url, "--lock-timeout", "0", command]);
        assert_fails_with(&out, &["waiting for the migration lock"]);
    }
    assert_ok(&run(dir.path(), &["-u", url, "status"]));
    lock.release().await.expect("release");
    assert_eq!(versions(&db.conn).await.len(), 2, "nothing changed");
    db.close().await.expect("close");
}
