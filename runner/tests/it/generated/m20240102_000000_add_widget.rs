//! m20240102_000000_add_widget: TODO say in one line what this migration changes, and why.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        supported_backend(manager, self.name())?;
        // The change, e.g. `manager.create_table(Table::create()...).await`.
        Err(not_written_yet(self.name(), "up"))
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        supported_backend(manager, self.name())?;
        // Exactly what undoes `up`, e.g. `manager.drop_table(Table::drop()...).await`.
        Err(not_written_yet(self.name(), "down"))
    }

    /// The change and its bookkeeping row commit together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Refuses a backend this migration was not written for, rather than half-migrating it.
fn supported_backend(manager: &SchemaManager, migration: &str) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        sea_orm::DbBackend::Sqlite | sea_orm::DbBackend::Postgres => Ok(()),
        other => Err(DbErr::Migration(format!(
            "migration {migration}: the {} backend is not supported; run it against SQLite or PostgreSQL",
            other.as_str()
        ))),
    }
}

/// Delete once `up` and `down` are written.
fn not_written_yet(migration: &str, direction: &str) -> DbErr {
    DbErr::Migration(format!(
        "migration {migration}: its {direction} is not written yet"
    ))
}
