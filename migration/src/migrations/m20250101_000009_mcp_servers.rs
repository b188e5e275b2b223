//! MCP servers (one row per URL, admin-managed) and users' MCP instances on them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{
    Backend, cascade_fk, ci_string, drop_index, drop_table, index, text_pk, unique_index,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK_MCPS_MCP_SERVER_ID: &str = "fk_mcps_mcp_server_id";
const IDX_MCPS_CREATED_BY_SLUG: &str = "idx_mcps_created_by_slug";
const IDX_MCPS_MCP_SERVER_ID: &str = "idx_mcps_mcp_server_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(McpServers::Table)
                    .col(text_pk(McpServers::Id))
                    // Unique ignoring case: `HTTPS://Example.com/mcp` is the same server.
                    .col(ci_string(McpServers::Url, backend).unique_key())
                    .col(string(McpServers::Name).default(""))
                    .col(string_null(McpServers::Description))
                    .col(boolean(McpServers::Enabled).default(false))
                    .col(string(McpServers::CreatedBy))
                    .col(string(McpServers::UpdatedBy))
                    .col(timestamp_with_time_zone(McpServers::CreatedAt))
                    .col(timestamp_with_time_zone(McpServers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Mcps::Table)
                    .col(text_pk(Mcps::Id))
                    .col(string(Mcps::CreatedBy))
                    .col(string(Mcps::McpServerId))
                    .col(string(Mcps::Name))
                    .col(ci_string(Mcps::Slug, backend))
                    .col(string_null(Mcps::Description))
                    .col(boolean(Mcps::Enabled).default(true))
                    .col(string_null(Mcps::ToolsCache))
                    .col(string_null(Mcps::ToolsFilter))
                    .col(string(Mcps::AuthType).default("public"))
                    // Points at an mcp_auth_headers or mcp_oauth_tokens row: no FK can say "either".
                    .col(string_null(Mcps::AuthUuid))
                    .col(timestamp_with_time_zone(Mcps::CreatedAt))
                    .col(timestamp_with_time_zone(Mcps::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        FK_MCPS_MCP_SERVER_ID,
                        Mcps::Table,
                        Mcps::McpServerId,
                        McpServers::Table,
                        McpServers::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                Mcps::Table,
                IDX_MCPS_CREATED_BY_SLUG,
                [Mcps::CreatedBy, Mcps::Slug],
            ))
            .await?;
        manager
            .create_index(index(
                Mcps::Table,
                IDX_MCPS_MCP_SERVER_ID,
                [Mcps::McpServerId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        // MySQL: dropping a table drops its indexes, and an index a foreign key needs
        // cannot be dropped first (so the drop is one statement there).
        for name in [IDX_MCPS_MCP_SERVER_ID, IDX_MCPS_CREATED_BY_SLUG] {
            if backend != Backend::MySql {
                manager.drop_index(drop_index(Mcps::Table, name)).await?;
            }
        }
        manager.drop_table(drop_table(Mcps::Table)).await?;
        manager.drop_table(drop_table(McpServers::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum McpServers {
    Table,
    Id,
    Url,
    Name,
    Description,
    Enabled,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Mcps {
    Table,
    Id,
    CreatedBy,
    McpServerId,
    Name,
    Slug,
    Description,
    Enabled,
    ToolsCache,
    ToolsFilter,
    AuthType,
    AuthUuid,
    CreatedAt,
    UpdatedAt,
}
