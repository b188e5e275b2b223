//! Migrations outside a transaction (PostgreSQL, `use_transaction() == Some(false)`, as
//! `CREATE INDEX CONCURRENTLY` needs): a concurrent index build that fails leaves its
//! index behind, marked INVALID. The index is never used, yet it exists, so a retry's
//! `CREATE INDEX CONCURRENTLY IF NOT EXISTS` would skip it and record the migration as
//! applied without a working index. Before each such migration the runner looks for
//! INVALID indexes in the schema: it refuses to go on, naming them, unless the run was
//! asked to drop them (`Options::drop_invalid_indexes`, `--drop-invalid-indexes`), in
//! which case each is dropped with `DROP INDEX CONCURRENTLY` and reported.

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement,
};

use crate::error::Error;
use crate::event::Event;
use crate::options::Options;

/// Checks (and, if asked, drops) INVALID indexes of the run's schema before `migration`.
pub(crate) async fn guard(
    db: &DatabaseConnection,
    options: &Options,
    migration: &str,
) -> Result<(), Error> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let failed = |e| Error::failed("looking for INVALID indexes", e);
    let invalid = invalid_indexes(db).await.map_err(failed)?;
    if invalid.is_empty() {
        return Ok(());
    }
    if !options.drop_invalid_indexes {
        return Err(Error::InvalidIndexes {
            migration: migration.to_owned(),
            indexes: invalid,
        });
    }
    for index in &invalid {
        // The name comes from the catalog and is quoted as an identifier.
        let sql = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", quote(index));
        db.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .map_err(|e| Error::failed(format!("dropping the INVALID index {index}"), e))?;
        options.observer.notify(&Event::InvalidIndexDropped {
            index: index.clone(),
        });
    }
    Ok(())
}

/// The INVALID indexes of the current schema, by name.
async fn invalid_indexes(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT c.relname::text AS name FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT i.indisvalid AND n.nspname = current_schema() ORDER BY 1",
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect()
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
