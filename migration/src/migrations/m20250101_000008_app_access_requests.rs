//! Third-party apps' OAuth access requests (draft → approved / denied / failed).

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_index, drop_table, index, text_pk, unique_index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_STATUS: &str = "idx_app_access_requests_status";
const IDX_APP_CLIENT_ID: &str = "idx_app_access_requests_app_client_id";
const IDX_USER_ID: &str = "idx_app_access_requests_user_id";
const IDX_SCOPE_UNIQUE: &str = "idx_app_access_requests_scope_unique";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(AppAccessRequests::Table)
                    .col(text_pk(AppAccessRequests::Id))
                    .col(string(AppAccessRequests::AppClientId))
                    .col(string_null(AppAccessRequests::AppName))
                    .col(string_null(AppAccessRequests::AppDescription))
                    .col(string(AppAccessRequests::FlowType))
                    .col(string_null(AppAccessRequests::RedirectUri))
                    .col(string(AppAccessRequests::Status).default("draft"))
                    .col(string(AppAccessRequests::Requested))
                    .col(string_null(AppAccessRequests::Approved))
                    .col(string_null(AppAccessRequests::UserId))
                    .col(string(AppAccessRequests::RequestedRole))
                    .col(string_null(AppAccessRequests::ApprovedRole))
                    .col(string_null(AppAccessRequests::AccessRequestScope))
                    .col(string_null(AppAccessRequests::ErrorMessage))
                    .col(timestamp_with_time_zone(AppAccessRequests::ExpiresAt))
                    .col(timestamp_with_time_zone(AppAccessRequests::CreatedAt))
                    .col(timestamp_with_time_zone(AppAccessRequests::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                AppAccessRequests::Table,
                IDX_STATUS,
                [AppAccessRequests::Status],
            ))
            .await?;
        manager
            .create_index(index(
                AppAccessRequests::Table,
                IDX_APP_CLIENT_ID,
                [AppAccessRequests::AppClientId],
            ))
            .await?;
        manager
            .create_index(index(
                AppAccessRequests::Table,
                IDX_USER_ID,
                [AppAccessRequests::UserId],
            ))
            .await?;
        // The scope is assigned only once the identity provider has issued it.
        let mut scope_unique = unique_index(
            AppAccessRequests::Table,
            IDX_SCOPE_UNIQUE,
            [AppAccessRequests::AccessRequestScope],
        );
        // MySQL has no partial index, and needs none here: a unique index lets many
        // NULLs be, which is what the predicate says.
        if backend != Backend::MySql {
            scope_unique.and_where(Expr::col(AppAccessRequests::AccessRequestScope).is_not_null());
        }
        manager.create_index(scope_unique).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        for name in [IDX_SCOPE_UNIQUE, IDX_USER_ID, IDX_APP_CLIENT_ID, IDX_STATUS] {
            manager
                .drop_index(drop_index(AppAccessRequests::Table, name))
                .await?;
        }
        manager
            .drop_table(drop_table(AppAccessRequests::Table))
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum AppAccessRequests {
    Table,
    Id,
    AppClientId,
    AppName,
    AppDescription,
    FlowType,
    RedirectUri,
    Status,
    Requested,
    Approved,
    UserId,
    RequestedRole,
    ApprovedRole,
    AccessRequestScope,
    ErrorMessage,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}
