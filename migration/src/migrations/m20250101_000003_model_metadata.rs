//! Metadata extracted from local model files and remote API models.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_index, drop_table, index, text_pk, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_UNIQUE_KEY: &str = "idx_model_metadata_unique_key";
const IDX_SOURCE: &str = "idx_model_metadata_source";
const IDX_REPO: &str = "idx_model_metadata_repo";
const IDX_API_MODEL_ID: &str = "idx_model_metadata_api_model_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(ModelMetadata::Table)
                    .col(text_pk(ModelMetadata::Id))
                    .col(string(ModelMetadata::Source))
                    .col(string_null(ModelMetadata::Repo))
                    .col(string_null(ModelMetadata::Filename))
                    .col(string_null(ModelMetadata::Snapshot))
                    .col(string_null(ModelMetadata::ApiModelId))
                    .col(json_binary_null(ModelMetadata::Capabilities))
                    .col(json_binary_null(ModelMetadata::Context))
                    .col(json_binary_null(ModelMetadata::Architecture))
                    .col(string_null(ModelMetadata::AdditionalMetadata))
                    .col(string_null(ModelMetadata::ChatTemplate))
                    .col(timestamp_with_time_zone(ModelMetadata::ExtractedAt))
                    .col(timestamp_with_time_zone(ModelMetadata::CreatedAt))
                    .col(timestamp_with_time_zone(ModelMetadata::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                ModelMetadata::Table,
                IDX_UNIQUE_KEY,
                [
                    ModelMetadata::Source,
                    ModelMetadata::Repo,
                    ModelMetadata::Filename,
                    ModelMetadata::Snapshot,
                    ModelMetadata::ApiModelId,
                ],
            ))
            .await?;
        manager
            .create_index(index(
                ModelMetadata::Table,
                IDX_SOURCE,
                [ModelMetadata::Source],
            ))
            .await?;
        manager
            .create_index(index(ModelMetadata::Table, IDX_REPO, [ModelMetadata::Repo]))
            .await?;
        manager
            .create_index(index(
                ModelMetadata::Table,
                IDX_API_MODEL_ID,
                [ModelMetadata::ApiModelId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        for name in [IDX_API_MODEL_ID, IDX_REPO, IDX_SOURCE, IDX_UNIQUE_KEY] {
            manager
                .drop_index(drop_index(ModelMetadata::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(ModelMetadata::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum ModelMetadata {
    Table,
    Id,
    Source,
    Repo,
    Filename,
    Snapshot,
    ApiModelId,
    Capabilities,
    Context,
    Architecture,
    AdditionalMetadata,
    ChatTemplate,
    ExtractedAt,
    CreatedAt,
    UpdatedAt,
}
