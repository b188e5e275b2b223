//! Users' requests for access to the server, reviewed by an administrator.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_index, drop_table, index, text_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_USER_ID: &str = "idx_access_requests_user_id";
const IDX_STATUS: &str = "idx_access_requests_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(AccessRequests::Table)
                    .col(text_pk(AccessRequests::Id))
                    .col(string(AccessRequests::Username))
                    .col(string(AccessRequests::UserId))
                    .col(string_null(AccessRequests::Reviewer))
                    .col(string(AccessRequests::Status).default("pending"))
                    .col(timestamp_with_time_zone(AccessRequests::CreatedAt))
                    .col(timestamp_with_time_zone(AccessRequests::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                AccessRequests::Table,
                IDX_USER_ID,
                [AccessRequests::UserId],
            ))
            .await?;
        manager
            .create_index(index(
                AccessRequests::Table,
                IDX_STATUS,
                [AccessRequests::Status],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        for name in [IDX_STATUS, IDX_USER_ID] {
            manager
                .drop_index(drop_index(AccessRequests::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(AccessRequests::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum AccessRequests {
    Table,
    Id,
    Username,
    UserId,
    Reviewer,
    Status,
    CreatedAt,
    UpdatedAt,
}
