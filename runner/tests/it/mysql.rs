//! MySQL / MariaDB: DDL commits statement by statement, so a migration that fails after
//! its first statement leaves the database dirty; `status` shows it, every changing
//! command refuses, and `resolve-dirty` clears it once an operator repaired the schema.
//! Also: eight concurrent runs apply each migration once (the `GET_LOCK` lock), and a
//! MySQL URL's password never shows.

use sea_orm_migration::prelude::*;

use crate::common::*;
use conformance::Backend;
use migration_runner::{Error, Operation, Options};
use pretty_assertions::assert_eq;

/// Creates `parts`, then fails at its second statement (a duplicate table).
struct FailsAtSecond;

impl MigrationName for FailsAtSecond {
    fn name(&self) -> &str {
        "m20240201_000001_fails_at_second"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FailsAtSecond {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        conn.execute_unprepared("CREATE TABLE parts (id integer PRIMARY KEY)")
            .await?;
        conn.execute_unprepared("CREATE TABLE parts (id integer PRIMARY KEY)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE parts")
            .await
            .map(|_| ())
    }
}

/// Fails at its first statement: nothing took effect.
struct FailsAtFirst;

impl MigrationName for FailsAtFirst {
    fn name(&self) -> &str {
        "m20240201_000001_fails_at_first"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for FailsAtFirst {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("CREATE TABLE no_such_type (id nonsense)")
            .await
            .map(|_| ())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

struct HalfMigrator;

#[async_trait::async_trait]
impl MigratorTrait for HalfMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = TestMigrator::migrations();
        all.push(Box::new(FailsAtSecond));
        all
    }
}

struct FirstFailsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for FirstFailsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = TestMigrator::migrations();
        all.push(Box::new(FailsAtFirst));
        all
    }
}

const HALF: &str = "m20240201_000001_fails_at_second";

#[tokio::test]
async fn a_migration_failing_at_its_second_statement_leaves_a_dirty_state_that_blocks_changes() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.as_str();
    let run = cli::<HalfMigrator>(&["-u", url, "up"]).await;
    assert_fails_with(
        &run,
        &[
            &format!("migration {HALF} is left dirty"),
            "the failed statement was `CREATE TABLE parts (id integer PRIMARY KEY)`",
            &format!("resolve-dirty {HALF} --applied"),
        ],
    );
    // The first statement did take effect, and the marker says where it stopped.
    assert!(tables(&db.conn).await.contains(&"parts".to_owned()));

    let status = migration_runner::status::<HalfMigrator>(&db.conn, &Options::default())
        .await
        .expect("status");
    let dirty = status
        .dirty
        .clone()
        .expect("the status shows the dirty migration");
    assert_eq!(dirty.version, HALF);
    assert_eq!(dirty.direction, "up");
    assert_eq!(
        dirty.statement.as_deref(),
        Some("CREATE TABLE parts (id integer PRIMARY KEY)")
    );
    assert!(!status.is_current());
    let text = cli::<HalfMigrator>(&["-u", url, "status"]).await;
    assert!(
        text.stdout.contains(&format!("dirty    {HALF}")),
        "{}",
        text.stdout
    );
    let json = cli::<HalfMigrator>(&["-u", url, "status", "--json"]).await;
    let parsed: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("json");
    assert_eq!(parsed["dirty"]["version"], HALF);

    // Every changing command refuses, changing nothing.
    for command in ["up", "down", "fresh", "refresh", "reset"] {
        let run = cli::<HalfMigrator>(&["-u", url, command]).await;
        assert_fails_with(
            &run,
            &[
                &format!("migration {HALF} is dirty"),
                "nothing was run",
                "resolve-dirty",
            ],
        );
    }
    let error = migration_runner::up::<HalfMigrator>(&db.conn, &Options::default())
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Dirty { .. }), "{error:?}");
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        migration_names()
    );

    // Another version is not the dirty one.
    let run = cli::<HalfMigrator>(&[
        "-u",
        url,
        "resolve-dirty",
        &migration_names()[0],
        "--applied",
    ])
    .await;
    assert_fails_with(&run, &["is not dirty", HALF]);

    // The operator finishes it by hand, and says so.
    exec(&db.conn, "CREATE TABLE parts_done (id integer PRIMARY KEY)").await;
    let run = cli::<HalfMigrator>(&["-u", url, "resolve-dirty", HALF, "--applied"]).await;
    assert!(
        assert_ok(&run).contains("recorded as applied"),
        "{}",
        run.stdout
    );
    let status = migration_runner::status::<HalfMigrator>(&db.conn, &Options::default())
        .await
        .expect("status");
    assert_eq!(status.dirty, None);
    assert!(status.pending().is_empty());
    // Down runs again, and so does up.
    assert_ok(&cli::<HalfMigrator>(&["-u", url, "down"]).await);
    assert!(!tables(&db.conn).await.contains(&"parts".to_owned()));
    db.close().await.expect("close");
}

#[tokio::test]
async fn rolled_back_by_hand_the_dirty_migration_is_pending_again() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.as_str();
    assert_eq!(cli::<HalfMigrator>(&["-u", url, "up"]).await.code, 1);
    exec(&db.conn, "DROP TABLE parts").await;
    let operation = Operation::ResolveDirty {
        version: HALF.to_owned(),
        applied: false,
    };
    migration_runner::run::<HalfMigrator>(&db.conn, operation, &Options::default())
        .await
        .expect("resolve");
    let status = migration_runner::status::<HalfMigrator>(&db.conn, &Options::default())
        .await
        .expect("status");
    assert_eq!(status.dirty, None);
    assert_eq!(status.pending(), [HALF]);
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_migration_failing_at_its_first_statement_leaves_nothing_dirty() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.as_str();
    let run = cli::<FirstFailsMigrator>(&["-u", url, "up"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("dirty"), "{}", run.stderr);
    let status = migration_runner::status::<FirstFailsMigrator>(&db.conn, &Options::default())
        .await
        .expect("status");
    assert_eq!(status.dirty, None);
    // Fixed, it would simply run: nothing stands in the way of `down` meanwhile.
    assert_ok(&cli::<FirstFailsMigrator>(&["-u", url, "down"]).await);
    db.close().await.expect("close");
}

const RUNS: usize = 8;

#[tokio::test]
async fn eight_concurrent_ups_apply_each_migration_once() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.clone();
    let runs: Vec<_> = (0..RUNS)
        .map(|_| {
            let url = url.clone();
            // A thread and a runtime each: eight migrators at once, as eight processes.
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(cli::<TestMigrator>(&["-u", &url, "up"]))
            })
        })
        .collect();
    let mut applied_by = Vec::new();
    for run in runs {
        let run = run.join().expect("join");
        let out = assert_ok(&run).to_owned();
        applied_by.push(out.matches("applied m2024").count());
    }
    assert_eq!(
        applied_by.iter().sum::<usize>(),
        migration_count(),
        "{applied_by:?}"
    );
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        migration_names()
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_mysql_password_never_shows() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let secret = "s3cr-Et.pw";
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_password(Some(secret)).expect("password");
    for command in ["up", "status"] {
        let run = cli::<TestMigrator>(&["-u", url.as_str(), command]).await;
        assert!(!run.all().contains(secret), "{}", run.all());
        assert!(run.all().contains("root:***@"), "{}", run.all());
    }
    let mariadb = url.as_str().replacen("mysql://", "mariadb://", 1);
    let target = migration_runner::Target::parse(&mariadb, migration_runner::Access::ReadOnly)
        .expect("mariadb:// parses");
    assert_eq!(target.backend(), Backend::MySql);
    assert!(!target.describe().contains(secret));
    db.close().await.expect("close");
}

/// `--ddl-lock-timeout` bounds a migration's wait for a metadata lock the application
/// holds (MySQL's own default is a year): the statement fails, nothing is left dirty.
#[tokio::test]
async fn a_held_metadata_lock_ends_the_migration_after_the_ddl_lock_timeout() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.as_str();
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "1"]).await);
    let app = connect(url).await;
    exec(&app, "START TRANSACTION").await;
    exec(&app, "SELECT * FROM widgets").await;
    let started = std::time::Instant::now();
    let run = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        cli::<TestMigrator>(&["-u", url, "--ddl-lock-timeout", "1", "down"]),
    )
    .await
    .expect("the migration waited past --ddl-lock-timeout");
    assert_fails_with(&run, &["Lock wait timeout"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(!run.stderr.contains("dirty"), "{}", run.stderr);
    exec(&app, "ROLLBACK").await;
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        migration_names()[..1]
    );
    db.close().await.expect("close");
}
