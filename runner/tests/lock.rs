//! A held lock ends a changing command in a clear timeout naming its holder, changes
//! nothing, and lets `status` through.

mod common;

use common::*;
use conformance::Backend;
use migration_runner::Options;
use pretty_assertions::assert_eq;
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_held_lock_stops_every_changing_command_naming_its_holder(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let url = db.url.as_str();
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "2"]).await);
    let held = migration_runner::lock(&db.conn, &Options::default())
        .await
        .expect("take the lock");
    let holder = match backend {
        Backend::Sqlite => format!("held by process {} since", std::process::id()),
        Backend::Postgres => "held by PostgreSQL session pid ".to_owned(),
    };
    for command in ["up", "down", "fresh", "refresh", "reset"] {
        let run = cli::<TestMigrator>(&["-u", url, "--lock-timeout", "0", command]).await;
        assert_fails_with(
            &run,
            &[
                "timed out after 0 s waiting for the migration lock on",
                &holder,
                "raise --lock-timeout",
            ],
        );
        if backend == Backend::Postgres {
            let application = format!(
                "application 'migration-runner (pid {})'",
                std::process::id()
            );
            assert!(run.stderr.contains(&application), "{}", run.stderr);
        }
    }
    let run = cli::<TestMigrator>(&["-u", url, "--lock-timeout", "1", "up"]).await;
    assert!(
        run.stdout
            .contains("waiting up to 1 s for the migration lock, held by"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    assert_ok(&cli::<TestMigrator>(&["-u", url, "status"]).await);
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        migration_names()[..2],
        "nothing changed"
    );

    // Released, the same command goes through: the lock was what stopped it.
    held.release().await.expect("release");
    let run = cli::<TestMigrator>(&["-u", url, "--lock-timeout", "0", "up"]).await;
    assert!(
        assert_ok(&run).contains("1 migration applied, 0 pending"),
        "{}",
        run.stdout
    );
    db.close().await.expect("close");
}
