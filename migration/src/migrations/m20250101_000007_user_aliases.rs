//! User-defined aliases for a local model file with default request parameters.

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
                    .table(UserAliases::Table)
                    .col(text_pk(UserAliases::Id))
                    .col(string_uniq(UserAliases::Alias))
                    .col(string(UserAliases::Repo))
                    .col(string(UserAliases::Filename))
                    .col(string(UserAliases::Snapshot))
                    .col(json_binary(UserAliases::RequestParams))
                    .col(json_binary(UserAliases::ContextParams))
                    .col(timestamp_with_time_zone(UserAliases::CreatedAt))
                    .col(timestamp_with_time_zone(UserAliases::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager.drop_table(drop_table(UserAliases::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum UserAliases {
    Table,
    Id,
    Alias,
    Repo,
    Filename,
    Snapshot,
    RequestParams,
    ContextParams,
    CreatedAt,
    UpdatedAt,
}
