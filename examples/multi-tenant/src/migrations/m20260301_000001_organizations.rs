//! `organizations`, one row per tenant (it replaces the install's single app registration),
//! and the default organization that every existing row is given by the next migration.

use migration::schema::{ci_string, drop_table, text_pk, unique_index};
use sea_orm_migration::{prelude::*, schema::*};

use crate::DEFAULT_ORG_ID;

#[derive(DeriveMigrationName)]
pub struct Migration;

const IDX_SLUG: &str = "idx_organizations_slug";
const CHK_STATUS: &str = "chk_organizations_status";
/// `created_at` / `updated_at` of the default organization (RFC 3339, as on SQLite).
const DEFAULT_ORG_SINCE: &str = "2026-03-01T00:00:00+00:00";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::backend(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(text_pk(Organizations::Id))
                    // The subdomain: host names ignore case, so slugs do too.
                    .col(ci_string(Organizations::Slug, backend))
                    .col(string(Organizations::DisplayName))
                    .col(string(Organizations::KcClientId))
                    .col(string(Organizations::ClientSecret))
                    .col(string(Organizations::EncryptionKey))
                    .col(string(Organizations::Status).check((
                        CHK_STATUS,
                        Expr::col(Organizations::Status).is_in(["active", "suspended", "deleted"]),
                    )))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                Organizations::Table,
                IDX_SLUG,
                [Organizations::Slug],
            ))
            .await?;
        // The default organization stands for the install as it was. Its Keycloak client
        // is the one `apps` registered, when there is one; secrets stay where they are
        // (`apps`, encrypted) until the application moves them, so they start empty. Its
        // timestamps are the migration's date, not the time it ran: applying the
        // migration twice (up, down, up) gives the same row.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO \"organizations\" (\"id\", \"slug\", \"display_name\", \
                 \"kc_client_id\", \"client_secret\", \"encryption_key\", \"status\", \
                 \"created_at\", \"updated_at\") \
                 SELECT '{DEFAULT_ORG_ID}', '{DEFAULT_ORG_ID}', 'Default organization', \
                 COALESCE((SELECT \"client_id\" FROM \"apps\" ORDER BY \"created_at\", \"client_id\" LIMIT 1), ''), \
                 '', '', 'active', '{DEFAULT_ORG_SINCE}', '{DEFAULT_ORG_SINCE}'"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::backend(manager, self.name())?;
        manager
            .drop_index(migration::schema::drop_index(
                Organizations::Table,
                IDX_SLUG,
            ))
            .await?;
        // Dropping the table drops the default organization with it.
        manager.drop_table(drop_table(Organizations::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Slug,
    DisplayName,
    KcClientId,
    ClientSecret,
    EncryptionKey,
    Status,
    CreatedAt,
    UpdatedAt,
}
