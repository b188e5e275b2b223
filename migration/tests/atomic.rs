//! Fault injection: a migration that fails part-way leaves the schema and the
//! bookkeeping exactly as they were, on both backends, whether it is run by sea-orm's
//! sea-orm's `Migrator::up` or by the safe runner (`migration_runner::up`).

mod common;

use common::*;
use conformance::{Backend, TestDatabase};
use migration::sea_orm::DatabaseConnection;
use migration::{
    Alias, ColumnDef, DbErr, Index, MigrationName, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use migration::{Migrator, MigratorTrait};
use migration_runner::{Operation, Options};
use pretty_assertions::assert_eq;
use rstest::rstest;

const PROBE_TABLE: &str = "atomicity_probe";
const FAILING: &str = "m20250101_999999_creates_then_fails";
/// The table the failing migration's second statement names, which does not exist:
/// the database (not the migration code, nor a dry run) rejects it.
const MISSING: &str = "no_such_table";

/// Creates a table, then fails on a bad second statement.
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
                    .table(Alias::new(PROBE_TABLE))
                    .col(ColumnDef::new(Alias::new("id")).string().primary_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_no_such_table_id")
                    .table(Alias::new(MISSING))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(PROBE_TABLE)).to_owned())
            .await
    }

    /// Ours say `Some(true)`; the control case turns it off to show the test can fail.
    fn use_transaction(&self) -> Option<bool> {
        Some(self.transactional)
    }
}

/// The first `K` real migrations, then one that fails half-way (in a transaction when
/// `TX`, like every one of ours).
struct FailsAfter<const K: usize, const TX: bool>;

impl<const K: usize, const TX: bool> MigratorTrait for FailsAfter<K, TX> {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all: Vec<Box<dyn MigrationTrait>> = Migrator::migrations();
        all.truncate(K);
        all.push(Box::new(CreatesThenFails { transactional: TX }));
        all.extend(Migrator::migrations().into_iter().skip(K));
        all
    }
}

/// Who runs the migrations.
#[derive(Debug, Clone, Copy)]
enum Runner {
    /// `Migrator::up`, as the application does when it embeds the migrator.
    SeaOrm,
    /// The safe runner's `up`, with its lock and checksum rows.
    Safe,
}

/// Everything a failed migration must not change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    ddl: String,
    versions: Vec<String>,
    checksums: Vec<String>,
}

impl Snapshot {
    async fn take(conn: &DatabaseConnection) -> Self {
        Self {
            // `to_string`: the canonical DDL text, whatever type the harness returns it in.
            ddl: conformance::catalog::dump(conn)
                .await
                .expect("dump")
                .to_string(),
            versions: versions(conn).await,
            checksums: checksummed_versions(conn).await,
        }
    }
}

async fn runner_up<M: MigratorTrait>(
    db: &TestDatabase,
    limit: Option<u32>,
) -> Result<(), migration_runner::Error> {
    let options = Options::default().sources(migration::SOURCES);
    migration_runner::run::<M>(&db.conn, Operation::Up { limit }, &options)
        .await
        .map(|_| ())
}

async fn up<M: MigratorTrait>(runner: Runner, db: &TestDatabase, num: Option<u32>) -> String {
    match runner {
        Runner::SeaOrm => M::up(&db.conn, num)
            .await
            .map(|()| String::new())
            .unwrap_or_else(|e| e.to_string()),
        Runner::Safe => runner_up::<M>(db, num)
            .await
            .map(|()| String::new())
            .unwrap_or_else(|e| e.to_string()),
    }
}

/// Applies the first `K` migrations, runs the failing one, and returns the snapshots
/// before and after it, with the error it reported.
async fn fail_after<const K: usize, const TX: bool>(
    backend: Backend,
    runner: Runner,
) -> Option<(Snapshot, Snapshot, String)> {
    let db = conformance::fresh_database(backend).await?;
    let setup = up::<Migrator>(runner, &db, Some(K as u32)).await;
    assert_eq!(setup, "", "applying the first {K} migrations");
    let before = Snapshot::take(&db.conn).await;
    assert_eq!(before.versions.len(), K);

    let error = up::<FailsAfter<K, TX>>(runner, &db, None).await;
    let after = Snapshot::take(&db.conn).await;
    db.close().await.expect("close");
    Some((before, after, error))
}

#[rstest]
#[case::sqlite_sea_orm(Backend::Sqlite, Runner::SeaOrm)]
#[case::sqlite_safe(Backend::Sqlite, Runner::Safe)]
#[case::postgres_sea_orm(Backend::Postgres, Runner::SeaOrm)]
#[case::postgres_safe(Backend::Postgres, Runner::Safe)]
#[tokio::test]
async fn a_migration_failing_part_way_changes_nothing(
    #[case] backend: Backend,
    #[case] runner: Runner,
    #[values(1, 9)] k: usize,
) {
    let outcome = match k {
        1 => fail_after::<1, true>(backend, runner).await,
        _ => fail_after::<9, true>(backend, runner).await,
    };
    let Some((before, after, error)) = outcome else {
        return;
    };
    assert!(error.contains(MISSING), "the failure is reported: {error}");
    if let Runner::Safe = runner {
        assert!(
            error.contains(&format!("applying {FAILING} failed")),
            "{error}"
        );
    }
    assert_eq!(after, before, "migration {k} failed half-way on {backend}");
    assert!(!after.ddl.contains(PROBE_TABLE));
    if let Runner::Safe = runner {
        assert_eq!(after.checksums, after.versions, "one checksum per version");
    }
}

/// The control: the same failure outside a transaction does leave the table behind, so
/// the comparison above would see a half-applied migration.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn without_a_transaction_the_same_failure_is_seen_half_applied(
    #[case] backend: Backend,
    #[values(Runner::SeaOrm, Runner::Safe)] runner: Runner,
) {
    let Some((before, after, error)) = fail_after::<1, false>(backend, runner).await else {
        return;
    };
    assert!(error.contains(MISSING), "{error}");
    assert_ne!(after.ddl, before.ddl);
    assert!(after.ddl.contains(PROBE_TABLE), "{}", after.ddl);
    assert_eq!(after.versions, before.versions, "no version row either way");
}

/// Our own migrations, made to fail part-way by the database: an index of the same name
/// already exists (index names are per schema on both backends), so the migration's
/// tables are created and then its `CREATE INDEX` fails. Nothing of it may remain.
#[rstest]
#[case::sqlite_sea_orm(Backend::Sqlite, Runner::SeaOrm)]
#[case::sqlite_safe(Backend::Sqlite, Runner::Safe)]
#[case::postgres_sea_orm(Backend::Postgres, Runner::SeaOrm)]
#[case::postgres_safe(Backend::Postgres, Runner::Safe)]
#[tokio::test]
async fn a_real_migration_failing_part_way_changes_nothing(
    #[case] backend: Backend,
    #[case] runner: Runner,
    #[values(
        (2, "idx_api_model_aliases_prefix_unique"),
        (6, "idx_toolsets_toolset_type"),
        (9, "idx_mcps_mcp_server_id"),
        (11, "idx_mcp_oauth_tokens_mcp_oauth_config_id")
    )]
    failing: (u32, &str),
) {
    let (k, index) = failing;
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    assert_eq!(up::<Migrator>(runner, &db, Some(k)).await, "");
    exec(&db.conn, "CREATE TABLE decoy (x varchar)")
        .await
        .expect("decoy table");
    exec(&db.conn, &format!("CREATE INDEX {index} ON decoy (x)"))
        .await
        .expect("decoy index");
    let before = Snapshot::take(&db.conn).await;

    let error = up::<Migrator>(runner, &db, None).await;
    let after = Snapshot::take(&db.conn).await;
    db.close().await.expect("close");
    assert!(error.contains("already exists"), "{error}");
    assert_eq!(after, before, "migration {k} failed half-way on {backend}");
}
