//! API tokens: only a prefix (for lookup) and a SHA-256 hash are stored.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_index, drop_table, index, text_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

// No index on token_prefix: its unique constraint already is one.
const IDX_USER_ID: &str = "idx_api_tokens_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(text_pk(ApiTokens::Id))
                    .col(string(ApiTokens::UserId))
                    .col(string(ApiTokens::Name).default(""))
                    .col(string_uniq(ApiTokens::TokenPrefix))
                    .col(string(ApiTokens::TokenHash))
                    .col(string(ApiTokens::Scopes))
                    .col(string(ApiTokens::Status))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone(ApiTokens::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(ApiTokens::Table, IDX_USER_ID, [ApiTokens::UserId]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .drop_index(drop_index(ApiTokens::Table, IDX_USER_ID))
            .await?;
        manager.drop_table(drop_table(ApiTokens::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenPrefix,
    TokenHash,
    Scopes,
    Status,
    CreatedAt,
    UpdatedAt,
}
