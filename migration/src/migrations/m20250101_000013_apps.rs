//! This server's own OAuth client registration, with its encrypted client secret.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_table, text_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(Apps::Table)
                    .col(text_pk(Apps::ClientId))
                    .col(string(Apps::EncryptedClientSecret))
                    .col(string(Apps::SaltClientSecret))
                    .col(string(Apps::NonceClientSecret))
                    .col(string(Apps::AppStatus).default("setup"))
                    .col(timestamp_with_time_zone(Apps::CreatedAt))
                    .col(timestamp_with_time_zone(Apps::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager.drop_table(drop_table(Apps::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Apps {
    Table,
    ClientId,
    EncryptedClientSecret,
    SaltClientSecret,
    NonceClientSecret,
    AppStatus,
    CreatedAt,
    UpdatedAt,
}
