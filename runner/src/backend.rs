//! The backends a migration supports, for migrations to branch on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The backends the toolkit's migrations support. Anything else is refused up front, so
/// that a migration never silently does nothing (or half of its work) on MySQL.
///
/// ```
/// # use sea_orm_migration::prelude::*;
/// use migration_runner::Backend;
///
/// async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
///     match Backend::of(manager, "m20250101_000001_widgets")? {
///         Backend::Postgres => { /* citext, partial indexes… */ }
///         Backend::Sqlite => { /* COLLATE NOCASE… */ }
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend behind `manager`, or an error naming the migration and the backend.
    pub fn of(manager: &SchemaManager, migration: &str) -> Result<Self, DbErr> {
        match manager.get_database_backend() {
            DbBackend::Sqlite => Ok(Self::Sqlite),
            DbBackend::Postgres => Ok(Self::Postgres),
            other => Err(DbErr::Migration(format!(
                "migration {migration}: the {} backend is not supported; \
                 run it against SQLite or PostgreSQL",
                other.as_str()
            ))),
        }
    }
}
