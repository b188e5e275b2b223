//! `sessions`: HTTP sessions in the shape tower-sessions' SQL stores use (id, data,
//! expiry_date) plus the `user_id` and `org_id` the application records with each.
//!
//! `org_id` references `organizations` ON DELETE CASCADE: a session is worth nothing once
//! its organization is gone (unlike org data, which RESTRICT protects). Not under
//! row-level security: the session layer loads a session by its id before any
//! organization is set for the request.

use migration::schema::{drop_index, drop_table, index, text_pk};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK_ORG_ID: &str = "fk_sessions_org_id";
const IDX_EXPIRY_DATE: &str = "idx_sessions_expiry_date";
const IDX_ORG_ID_USER_ID: &str = "idx_sessions_org_id_user_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::backend(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(text_pk(Sessions::Id))
                    .col(blob(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiryDate))
                    .col(string_null(Sessions::UserId))
                    .col(string(Sessions::OrgId))
                    .foreign_key(
                        ForeignKey::create()
                            .name(FK_ORG_ID)
                            .from(Sessions::Table, Sessions::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The store deletes expired sessions by expiry_date; logging a user out everywhere
        // finds their sessions by organization and user.
        manager
            .create_index(index(
                Sessions::Table,
                IDX_EXPIRY_DATE,
                [Sessions::ExpiryDate],
            ))
            .await?;
        manager
            .create_index(index(
                Sessions::Table,
                IDX_ORG_ID_USER_ID,
                [Sessions::OrgId, Sessions::UserId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::backend(manager, self.name())?;
        for name in [IDX_ORG_ID_USER_ID, IDX_EXPIRY_DATE] {
            manager
                .drop_index(drop_index(Sessions::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(Sessions::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiryDate,
    UserId,
    OrgId,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
