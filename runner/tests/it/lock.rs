//! A held lock ends a changing command in a clear timeout naming its holder, changes
//! nothing, and lets `status` through.

use crate::common::*;
use conformance::Backend;
use migration_runner::Options;
use pretty_assertions::assert_eq;
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
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
        Backend::Sqlite => format!("held by process {} (", std::process::id()),
        Backend::Postgres => "held by PostgreSQL session pid ".to_owned(),
        Backend::MySql => "held by MySQL connection id ".to_owned(),
        other => unreachable!("no {other} here: SQLite, PostgreSQL and MySQL only"),
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

/// The old lock file's name, as a symlink to another file and to the database itself:
/// never followed, never written, the database intact.
#[tokio::test]
async fn a_symlink_where_a_lock_file_could_be_is_never_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("app.sqlite");
    let url = format!("sqlite://{}", db.display());
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up", "-n", "1"]).await);
    let link = dir.path().join("app.sqlite.migration-lock");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up", "-n", "1"]).await);
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    std::fs::remove_file(&link).expect("unlink");
    std::os::unix::fs::symlink(&db, &link).expect("symlink");
    let before = std::fs::read(&db).expect("read").len();
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up"]).await);
    assert!(std::fs::read(&db).expect("read").len() >= before);
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "status", "--check"]).await);
}

/// A hard link in another folder, a symlink and a `..` path reach one database: each is
/// held by the one lock, and two runs through two paths at once apply each migration once.
#[tokio::test]
async fn every_path_to_one_database_is_one_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    let db = dir.path().join("app.sqlite");
    let url = format!("sqlite://{}", db.display());
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up", "-n", "1"]).await);
    let hard = other.join("hard.sqlite");
    std::fs::hard_link(&db, &hard).expect("hard link");
    let sym = dir.path().join("sym.sqlite");
    std::os::unix::fs::symlink(&db, &sym).expect("symlink");
    let dotdot = other.join("../app.sqlite");
    let conn = connect(&url).await;
    let held = migration_runner::lock(&conn, &Options::default())
        .await
        .expect("take the lock");
    for path in [&hard, &sym, &dotdot] {
        let alias = format!("sqlite://{}", path.display());
        let run = cli::<TestMigrator>(&["-u", &alias, "--lock-timeout", "0", "up"]).await;
        assert_fails_with(
            &run,
            &[
                "timed out after 0 s waiting for the migration lock",
                &format!("held by process {} (", std::process::id()),
            ],
        );
    }
    held.release().await.expect("release");
    assert_eq!(
        applied(&conn, "seaql_migrations").await,
        migration_names()[..1]
    );
    for round in 0..5 {
        let hard_url = format!("sqlite://{}", hard.display());
        let (args_a, args_b) = (["-u", url.as_str(), "up"], ["-u", hard_url.as_str(), "up"]);
        let (a, b) = tokio::join!(cli::<TestMigrator>(&args_a), cli::<TestMigrator>(&args_b));
        assert_ok(&a);
        assert_ok(&b);
        assert_eq!(
            applied(&conn, "seaql_migrations").await,
            migration_names(),
            "round {round}"
        );
        assert_ok(&cli::<TestMigrator>(&["-u", &url, "down", "-n", "2"]).await);
    }
    conn.close().await.expect("close");
}
