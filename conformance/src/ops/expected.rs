//! The expected schema: the given migrations applied, in order, to a throwaway database
//! of the live database's backend, then read from its catalog.

use migration_runner::PgSchema;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};

use super::live::{search_path, set_search_path};
use crate::backends::{Backend, TestDatabase};
use crate::catalog::{self, SchemaDump};
use crate::error::HarnessError;

/// The catalog of a throwaway `backend` database after `versions` (known to `M`, in
/// `M`'s order) were applied; on PostgreSQL in `schema`, created first unless `public`.
/// No bookkeeping table is created.
pub(crate) async fn expected_dump<M: MigratorTrait>(
    backend: Backend,
    schema: Option<&PgSchema>,
    versions: &[String],
) -> Result<SchemaDump, HarnessError> {
    let db = TestDatabase::fresh(backend).await?;
    let built = build::<M>(&db.conn, schema, versions).await;
    let closed = db.close().await;
    let dump = built?;
    closed?;
    Ok(dump)
}

async fn build<M: MigratorTrait>(
    conn: &DatabaseConnection,
    schema: Option<&PgSchema>,
    versions: &[String],
) -> Result<SchemaDump, HarnessError> {
    if let Some(schema) = schema {
        if schema.name() != "public" {
            // A quoted identifier, never the name as given.
            conn.execute_unprepared(&format!("CREATE SCHEMA {}", schema.quoted()))
                .await?;
        }
        // The connection is one session: the path holds for every migration and the dump.
        set_search_path(conn, &search_path(schema), false).await?;
    }
    let migrations = M::migrations();
    for version in versions {
        let Some(migration) = migrations.iter().find(|m| m.name() == version) else {
            return Err(HarnessError::UnknownAppliedVersions {
                versions: vec![version.clone()],
            });
        };
        apply(conn, migration.as_ref()).await.map_err(|e| {
            HarnessError::Setup(format!(
                "applying {version} to a throwaway {} database failed: {}",
                backend_name(conn),
                crate::checks::describe_db_error(&e)
            ))
        })?;
    }
    catalog::dump(conn).await
}

/// Runs `migration`'s `up` as sea-orm-migration does (in a transaction on PostgreSQL or
/// when the migration asks for one), without recording it.
async fn apply(conn: &DatabaseConnection, migration: &dyn MigrationTrait) -> Result<(), DbErr> {
    let in_transaction = migration
        .use_transaction()
        .unwrap_or(conn.get_database_backend() == DbBackend::Postgres);
    if in_transaction {
        let txn = conn.begin().await?;
        migration.up(&SchemaManager::new(&txn)).await?;
        txn.commit().await
    } else {
        migration.up(&SchemaManager::new(conn)).await
    }
}

fn backend_name(conn: &DatabaseConnection) -> &'static str {
    match conn.get_database_backend() {
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::Sqlite => "SQLite",
        _ => "other",
    }
}
