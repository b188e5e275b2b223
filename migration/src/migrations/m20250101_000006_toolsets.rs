//! Per-user toolsets (with an encrypted API key) and the admin's per-type switches.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, ci_string, drop_index, drop_table, index, text_pk, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_USER_ID_SLUG: &str = "idx_toolsets_user_id_slug";
const IDX_TOOLSET_TYPE: &str = "idx_toolsets_toolset_type";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(Toolsets::Table)
                    .col(text_pk(Toolsets::Id))
                    .col(string(Toolsets::UserId))
                    .col(string(Toolsets::ToolsetType))
                    .col(ci_string(Toolsets::Slug, backend))
                    .col(string_null(Toolsets::Description))
                    .col(boolean(Toolsets::Enabled).default(false))
                    .col(string_null(Toolsets::EncryptedApiKey))
                    .col(string_null(Toolsets::Salt))
                    .col(string_null(Toolsets::Nonce))
                    .col(timestamp_with_time_zone(Toolsets::CreatedAt))
                    .col(timestamp_with_time_zone(Toolsets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The slug is case-insensitive, so a user's slugs are unique ignoring case.
        manager
            .create_index(unique_index(
                Toolsets::Table,
                IDX_USER_ID_SLUG,
                [Toolsets::UserId, Toolsets::Slug],
            ))
            .await?;
        manager
            .create_index(index(
                Toolsets::Table,
                IDX_TOOLSET_TYPE,
                [Toolsets::ToolsetType],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppToolsetConfigs::Table)
                    .col(text_pk(AppToolsetConfigs::Id))
                    .col(string_uniq(AppToolsetConfigs::ToolsetType))
                    .col(boolean(AppToolsetConfigs::Enabled).default(false))
                    .col(string(AppToolsetConfigs::UpdatedBy))
                    .col(timestamp_with_time_zone(AppToolsetConfigs::CreatedAt))
                    .col(timestamp_with_time_zone(AppToolsetConfigs::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .drop_table(drop_table(AppToolsetConfigs::Table))
            .await?;
        for name in [IDX_TOOLSET_TYPE, IDX_USER_ID_SLUG] {
            manager
                .drop_index(drop_index(Toolsets::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(Toolsets::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Toolsets {
    Table,
    Id,
    UserId,
    ToolsetType,
    Slug,
    Description,
    Enabled,
    EncryptedApiKey,
    Salt,
    Nonce,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppToolsetConfigs {
    Table,
    Id,
    ToolsetType,
    Enabled,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}
