//! PostgreSQL's `citext` extension, which the case-insensitive columns need.
//! SQLite needs nothing: its case-insensitive columns use `COLLATE NOCASE`.

use sea_orm_migration::prelude::extension::postgres::Extension;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::schema::Backend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CITEXT: &str = "citext";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if Backend::of(manager, self.name())? == Backend::Postgres {
            // The one `IF NOT EXISTS` of the schema: the extension may be installed
            // database-wide by an administrator before the application ever runs.
            let sql = Extension::create()
                .name(CITEXT)
                .if_not_exists()
                .to_string(PostgresQueryBuilder);
            run_postgres(manager, sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if Backend::of(manager, self.name())? == Backend::Postgres {
            let sql = Extension::drop()
                .name(CITEXT)
                .if_exists()
                .to_string(PostgresQueryBuilder);
            run_postgres(manager, sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

async fn run_postgres(manager: &SchemaManager<'_>, sql: String) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&sql)
        .await
        .map(|_| ())
}
