//! Fault injection on the application's own migrations: one that fails part-way leaves
//! the schema and the bookkeeping exactly as they were, on both backends, whether it is
//! run by sea-orm's `Migrator::up` or by the safe runner (`migration_runner::up`).

use crate::common::*;
use conformance::{Backend, TestDatabase};
use migration::sea_orm::DatabaseConnection;
use migration::{Migrator, MigratorTrait};
use migration_runner::{Operation, Options};
use pretty_assertions::assert_eq;
use rstest::rstest;

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
