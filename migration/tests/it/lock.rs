//! One migrator at a time: several `migration up` processes started together on one fresh
//! database apply every migration exactly once. (The runner's own tests cover the lock's
//! timeout, its keys and the embedded API.)

use std::process::Output;
use std::time::Instant;

use crate::common::*;
use conformance::Backend;
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
