//! Named, encrypted HTTP headers used to authenticate to an MCP server.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{
    Backend, cascade_fk, ci_string, drop_index, drop_table, text_pk, unique_index,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK_MCP_SERVER_ID: &str = "fk_mcp_auth_headers_mcp_server_id";
const IDX_SERVER_NAME: &str = "idx_mcp_auth_headers_server_name";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(McpAuthHeaders::Table)
                    .col(text_pk(McpAuthHeaders::Id))
                    .col(ci_string(McpAuthHeaders::Name, backend).default("Header"))
                    .col(string(McpAuthHeaders::McpServerId))
                    .col(string(McpAuthHeaders::HeaderKey))
                    .col(string(McpAuthHeaders::EncryptedHeaderValue))
                    .col(string(McpAuthHeaders::HeaderValueSalt))
                    .col(string(McpAuthHeaders::HeaderValueNonce))
                    .col(string(McpAuthHeaders::CreatedBy))
                    .col(timestamp_with_time_zone(McpAuthHeaders::CreatedAt))
                    .col(timestamp_with_time_zone(McpAuthHeaders::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        FK_MCP_SERVER_ID,
                        McpAuthHeaders::Table,
                        McpAuthHeaders::McpServerId,
                        McpServers::Table,
                        McpServers::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                McpAuthHeaders::Table,
                IDX_SERVER_NAME,
                [McpAuthHeaders::McpServerId, McpAuthHeaders::Name],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        // MySQL: dropping a table drops its indexes, and an index a foreign key needs
        // cannot be dropped first (so the drop is one statement there).
        if backend != Backend::MySql {
            manager
                .drop_index(drop_index(McpAuthHeaders::Table, IDX_SERVER_NAME))
                .await?;
        }
        manager.drop_table(drop_table(McpAuthHeaders::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum McpServers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum McpAuthHeaders {
    Table,
    Id,
    Name,
    McpServerId,
    HeaderKey,
    EncryptedHeaderValue,
    HeaderValueSalt,
    HeaderValueNonce,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
