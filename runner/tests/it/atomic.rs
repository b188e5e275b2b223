//! Fault injection: a migration that fails part-way leaves the schema and the
//! bookkeeping exactly as they were, on both backends.

use crate::common::*;
use conformance::Backend;
use migration_runner::{Operation, Options};
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseConnection;

const FAILING: &str = "m20240101_000002_creates_then_fails";

/// Creates a table, then fails on an index over a table that does not exist: the
/// database (not the migration code) rejects it.
struct CreatesThenFails {
    transactional: bool,
}

impl MigrationName for CreatesThenFails {
    fn name(&self) -> &str {
        FAILING
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatesThenFails {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("atomicity_probe"))
                    .col(ColumnDef::new(Alias::new("id")).string().primary_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_no_such_table_id")
                    .table(Alias::new("no_such_table"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("atomicity_probe"))
                    .to_owned(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(self.transactional)
    }
}

/// The first test migration, then the failing one (in a transaction when `TX`).
struct FailsSecond<const TX: bool>;

impl<const TX: bool> MigratorTrait for FailsSecond<TX> {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = TestMigrator::migrations();
        all.truncate(1);
        all.push(Box::new(CreatesThenFails { transactional: TX }));
        all
    }
}

/// Everything a failed migration must not change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tables: Vec<String>,
    versions: Vec<String>,
    checksums: Vec<String>,
}

impl Snapshot {
    async fn take(conn: &DatabaseConnection) -> Self {
        Self {
            tables: tables(conn).await,
            versions: applied(conn, "seaql_migrations").await,
            checksums: strings(
                conn,
                "SELECT version FROM migration_checksums ORDER BY version",
            )
            .await,
        }
    }
}

async fn fail_second<const TX: bool>(backend: Backend) -> Option<(Snapshot, Snapshot, String)> {
    let db = conformance::fresh_database(backend).await?;
    let options = Options::default();
    migration_runner::run::<TestMigrator>(&db.conn, Operation::Up { limit: Some(1) }, &options)
        .await
        .expect("first migration");
    let before = Snapshot::take(&db.conn).await;
    let error = migration_runner::up::<FailsSecond<TX>>(&db.conn, &options)
        .await
        .expect_err("the second migration fails")
        .to_string();
    let after = Snapshot::take(&db.conn).await;
    db.close().await.expect("close");
    Some((before, after, error))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_migration_failing_part_way_changes_nothing(#[case] backend: Backend) {
    let Some((before, after, error)) = fail_second::<true>(backend).await else {
        return;
    };
    assert!(
        error.contains(&format!("applying {FAILING} failed")),
        "{error}"
    );
    assert!(error.contains("no_such_table"), "{error}");
    assert_eq!(after, before, "half-applied on {backend}");
    assert_eq!(after.checksums, after.versions, "one checksum per version");
}

/// The control: the same failure outside a transaction does leave the table behind, so
/// the comparison above would see a half-applied migration.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn without_a_transaction_the_same_failure_is_seen_half_applied(#[case] backend: Backend) {
    let Some((before, after, _)) = fail_second::<false>(backend).await else {
        return;
    };
    assert_ne!(after.tables, before.tables);
    assert!(
        after.tables.iter().any(|t| t == "atomicity_probe"),
        "{:?}",
        after.tables
    );
    assert_eq!(after.versions, before.versions, "no version row either way");
}

/// PostgreSQL: a migration blocked by another session's table lock waits at most the DDL
/// lock timeout, is rolled back whole and retried; it gives up naming the holder, with
/// nothing applied, and succeeds when the holder commits between two attempts.
#[tokio::test]
async fn a_blocked_migration_times_out_retries_and_names_the_holder() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let url = db.url.as_str();
    let names = migration_names();
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "2"]).await);
    let blocker = connect(url).await;
    exec(&blocker, "BEGIN").await;
    exec(&blocker, "LOCK TABLE widgets IN ACCESS EXCLUSIVE MODE").await;

    let started = std::time::Instant::now();
    let args = [
        "-u",
        url,
        "--ddl-lock-timeout",
        "1",
        "--ddl-retries",
        "1",
        "up",
    ];
    let run = cli::<TestMigrator>(&args).await;
    assert_fails_with(
        &run,
        &[
            "gave up on m20240101_000003_name_widgets after 2 attempts",
            "each waited 1000 ms for a table lock",
            "AccessExclusiveLock on widgets",
            "nothing of it was applied",
        ],
    );
    assert!(
        run.stdout
            .contains("waited too long for a table lock (attempt 1 of 2) and was rolled back"),
        "{}",
        run.stdout
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "two waits of 1 s"
    );
    assert_eq!(applied(&db.conn, "seaql_migrations").await, names[..2]);

    // The holder commits while the runner waits between attempts: the retry goes through.
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        exec(&blocker, "COMMIT").await;
        blocker
    });
    let args = [
        "-u",
        url,
        "--ddl-lock-timeout",
        "1",
        "--ddl-retries",
        "5",
        "up",
    ];
    let run = cli::<TestMigrator>(&args).await;
    let text = assert_ok(&run);
    assert!(text.contains("trying again in"), "{text}");
    assert!(text.contains("1 migration applied, 0 pending"), "{text}");
    assert_eq!(applied(&db.conn, "seaql_migrations").await, names);
    release
        .await
        .expect("release")
        .close()
        .await
        .expect("close");
    db.close().await.expect("close");
}

/// A migration outside a transaction: a unique index built concurrently over duplicates.
struct ConcurrentIndex;

impl MigrationName for ConcurrentIndex {
    fn name(&self) -> &str {
        "m20240401_000001_unique_label"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ConcurrentIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_labels_label ON labels (label)",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX CONCURRENTLY IF EXISTS idx_labels_label")
            .await
            .map(|_| ())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(false)
    }
}

struct ConcurrentMigrator;

impl MigratorTrait for ConcurrentMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(ConcurrentIndex)]
    }
}

/// PostgreSQL: a failed concurrent index build leaves an INVALID index; the next run
/// refuses to go on naming it (a retry's IF NOT EXISTS would keep it, unusable), and
/// drops it first only when asked; the migration's bookkeeping is written only after
/// it succeeded.
#[tokio::test]
async fn a_failed_concurrent_index_build_is_found_before_a_retry() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    exec(
        &db.conn,
        "CREATE TABLE labels (id integer PRIMARY KEY, label text)",
    )
    .await;
    exec(&db.conn, "INSERT INTO labels VALUES (1, 'a'), (2, 'a')").await;
    let options = Options::default();
    let failed = migration_runner::up::<ConcurrentMigrator>(&db.conn, &options).await;
    let message = failed.expect_err("duplicates").to_string();
    assert!(
        message.contains("could not create unique index"),
        "{message}"
    );
    assert!(
        applied(&db.conn, "seaql_migrations").await.is_empty(),
        "not recorded"
    );
    let invalid = strings(
        &db.conn,
        "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid",
    )
    .await;
    assert_eq!(invalid, ["idx_labels_label"], "the failed build left it");

    // The duplicates fixed, a plain retry would skip the index: refused, naming it.
    exec(&db.conn, "UPDATE labels SET label = 'b' WHERE id = 2").await;
    let refused = migration_runner::up::<ConcurrentMigrator>(&db.conn, &options).await;
    let message = refused.expect_err("INVALID index").to_string();
    assert!(
        message.contains("INVALID indexes") && message.contains("idx_labels_label"),
        "{message}"
    );
    assert!(applied(&db.conn, "seaql_migrations").await.is_empty());

    // Asked to, the run drops it, builds it again, valid, and records the migration.
    let run = cli::<ConcurrentMigrator>(&["-u", &db.url, "--drop-invalid-indexes", "up"]).await;
    let text = assert_ok(&run);
    assert!(
        text.contains("dropped the INVALID index idx_labels_label"),
        "{text}"
    );
    let valid = strings(
        &db.conn,
        "SELECT i.indisvalid::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'idx_labels_label'",
    )
    .await;
    assert_eq!(valid, ["true"]);
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        ["m20240401_000001_unique_label"]
    );
    db.close().await.expect("close");
}
