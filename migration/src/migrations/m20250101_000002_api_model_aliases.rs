//! Remote API model aliases (OpenAI-compatible endpoints), with an encrypted API key.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_index, drop_table, index, text_pk, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_API_FORMAT: &str = "idx_api_model_aliases_api_format";
const IDX_UPDATED_AT: &str = "idx_api_model_aliases_updated_at";
const IDX_PREFIX_UNIQUE: &str = "idx_api_model_aliases_prefix_unique";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        let mut table = Table::create();
        table
            .table(ApiModelAliases::Table)
            .col(text_pk(ApiModelAliases::Id))
            .col(string(ApiModelAliases::ApiFormat))
            .col(string(ApiModelAliases::BaseUrl))
            .col(json_binary(ApiModelAliases::Models))
            .col(string_null(ApiModelAliases::Prefix))
            .col(boolean(ApiModelAliases::ForwardAllWithPrefix).default(false))
            .col(json_binary(ApiModelAliases::ModelsCache).default("[]"))
            .col(timestamp_with_time_zone(ApiModelAliases::CacheFetchedAt))
            .col(string_null(ApiModelAliases::EncryptedApiKey))
            .col(string_null(ApiModelAliases::Salt))
            .col(string_null(ApiModelAliases::Nonce))
            .col(timestamp_with_time_zone(ApiModelAliases::CreatedAt))
            .col(timestamp_with_time_zone(ApiModelAliases::UpdatedAt));
        if backend == Backend::MySql {
            // MySQL has no partial index: a generated column that is NULL outside the
            // predicate (a NULL or '' prefix), unique; MySQL lets many NULLs be.
            table.col(
                ColumnDef::new(ApiModelAliases::PrefixUnique)
                    .string()
                    .extra("GENERATED ALWAYS AS (NULLIF(`prefix`, '')) STORED"),
            );
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(index(
                ApiModelAliases::Table,
                IDX_API_FORMAT,
                [ApiModelAliases::ApiFormat],
            ))
            .await?;
        manager
            .create_index(index(
                ApiModelAliases::Table,
                IDX_UPDATED_AT,
                [ApiModelAliases::UpdatedAt],
            ))
            .await?;
        // A prefix is optional: many aliases may have none (NULL or ''), but a set one is unique.
        if backend == Backend::MySql {
            return manager
                .create_index(unique_index(
                    ApiModelAliases::Table,
                    IDX_PREFIX_UNIQUE,
                    [ApiModelAliases::PrefixUnique],
                ))
                .await;
        }
        manager
            .create_index(
                unique_index(
                    ApiModelAliases::Table,
                    IDX_PREFIX_UNIQUE,
                    [ApiModelAliases::Prefix],
                )
                .and_where(Expr::col(ApiModelAliases::Prefix).is_not_null())
                .and_where(Expr::col(ApiModelAliases::Prefix).ne(""))
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        for name in [IDX_PREFIX_UNIQUE, IDX_UPDATED_AT, IDX_API_FORMAT] {
            manager
                .drop_index(drop_index(ApiModelAliases::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(ApiModelAliases::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum ApiModelAliases {
    Table,
    Id,
    ApiFormat,
    BaseUrl,
    Models,
    Prefix,
    /// MySQL only: `NULLIF(prefix, '')`, what the partial unique index covers.
    PrefixUnique,
    ForwardAllWithPrefix,
    ModelsCache,
    CacheFetchedAt,
    EncryptedApiKey,
    Salt,
    Nonce,
    CreatedAt,
    UpdatedAt,
}
