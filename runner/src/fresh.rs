//! `fresh`'s first half: drop every table of the database (schema) in one transaction,
//! so that a run killed at any moment leaves either everything or nothing dropped, never
//! a database whose bookkeeping says a migration is applied while its tables are gone.
//!
//! sea-orm's own `drop_everything` drops SQLite tables one by one outside a transaction
//! (it must turn foreign keys off, which SQLite ignores inside one). Here, on the run's
//! own connection (see [`crate::session`]), foreign keys are turned off first, then the
//! drops run in one transaction, then foreign keys are turned back on.
//!
//! What is dropped is what sea-orm's `fresh` drops, plus SQLite's views: every table of
//! the schema (PostgreSQL: `CASCADE`, which takes the views on them too) and
//! PostgreSQL's enum types of the schema.

use sea_orm_migration::prelude::extension::postgres::Type;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};

/// Drops every table (and PostgreSQL enum type) of `db`'s schema, all or nothing (on
/// MySQL, whose DDL commits statement by statement, the bookkeeping tables first, the
/// versions table `versions_table` the very first: see [`crate::mysql::drop_everything`]).
pub(crate) async fn drop_everything(
    db: &DatabaseConnection,
    versions_table: &str,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::MySql {
        let bookkeeping = [
            versions_table,
            crate::checksum::CHECKSUM_TABLE,
            crate::checksum::CHECKSUM_HISTORY_TABLE,
        ];
        return crate::mysql::drop_everything(db, &bookkeeping).await;
    }
    if backend == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    }
    let txn = db.begin().await?;
    let dropped = match backend {
        DbBackend::Sqlite => drop_sqlite(&txn).await,
        _ => drop_postgres(&txn).await,
    };
    let outcome = match dropped {
        Ok(()) => txn.commit().await,
        Err(e) => {
            // The drop's error is the one worth reporting.
            let _ = txn.rollback().await;
            Err(e)
        }
    };
    if backend == DbBackend::Sqlite {
        // Back on even after a failure: later steps of the run rely on the CASCADE rules.
        let restored = db.execute_unprepared("PRAGMA foreign_keys = ON").await;
        outcome?;
        restored?;
        return Ok(());
    }
    outcome
}

async fn drop_sqlite(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    let objects = names(
        txn,
        "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type DESC, name",
        DbBackend::Sqlite,
    )
    .await?;
    for (kind, name) in objects {
        let sql = if kind == "view" {
            format!("DROP VIEW IF EXISTS {}", quote(&name))
        } else {
            Table::drop()
                .table(Alias::new(&name))
                .if_exists()
                .to_string(SqliteQueryBuilder)
        };
        txn.execute_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await?;
    }
    Ok(())
}

async fn drop_postgres(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    let tables = names(
        txn,
        "SELECT 'table', tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         UNION ALL SELECT 'type', t.typname::text FROM pg_type t \
         JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() AND t.typtype = 'e' ORDER BY 1, 2",
        DbBackend::Postgres,
    )
    .await?;
    for (kind, name) in tables {
        let sql = if kind == "type" {
            Type::drop()
                .name(Alias::new(&name))
                .if_exists()
                .cascade()
                .to_string(PostgresQueryBuilder)
        } else {
            Table::drop()
                .table(Alias::new(&name))
                .if_exists()
                .cascade()
                .to_string(PostgresQueryBuilder)
        };
        txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
    }
    Ok(())
}

/// `(kind, name)` pairs of a two-column query.
async fn names(
    txn: &DatabaseTransaction,
    sql: &str,
    backend: DbBackend,
) -> Result<Vec<(String, String)>, DbErr> {
    let rows = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get_by_index(0)?, row.try_get_by_index(1)?)))
        .collect()
}

/// A SQLite identifier in double quotes, quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
