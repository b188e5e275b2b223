//! Model file downloads and their progress.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, bigint, drop_index, drop_table, index, text_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_STATUS: &str = "idx_download_requests_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(DownloadRequests::Table)
                    .col(text_pk(DownloadRequests::Id))
                    .col(string(DownloadRequests::Repo))
                    .col(string(DownloadRequests::Filename))
                    .col(string(DownloadRequests::Status))
                    .col(string_null(DownloadRequests::Error))
                    .col(bigint(DownloadRequests::TotalBytes, backend).null())
                    .col(
                        bigint(DownloadRequests::DownloadedBytes, backend)
                            .not_null()
                            .default(0),
                    )
                    .col(timestamp_with_time_zone_null(DownloadRequests::StartedAt))
                    .col(timestamp_with_time_zone(DownloadRequests::CreatedAt))
                    .col(timestamp_with_time_zone(DownloadRequests::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                DownloadRequests::Table,
                IDX_STATUS,
                [DownloadRequests::Status],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .drop_index(drop_index(DownloadRequests::Table, IDX_STATUS))
            .await?;
        manager
            .drop_table(drop_table(DownloadRequests::Table))
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum DownloadRequests {
    Table,
    Id,
    Repo,
    Filename,
    Status,
    Error,
    TotalBytes,
    DownloadedBytes,
    StartedAt,
    CreatedAt,
    UpdatedAt,
}
