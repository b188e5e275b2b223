//! Fault injection: a migration that fails part-way leaves the schema and the
//! bookkeeping exactly as they were, on both backends.

mod common;

use common::*;
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
