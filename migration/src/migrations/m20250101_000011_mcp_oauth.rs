//! OAuth client configurations for MCP servers and the tokens obtained with them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{
    Backend, cascade_fk, ci_string, drop_index, drop_table, index, text_pk, unique_index,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK_CONFIGS_MCP_SERVER_ID: &str = "fk_mcp_oauth_configs_mcp_server_id";
const IDX_CONFIGS_SERVER_NAME: &str = "idx_mcp_oauth_configs_server_name";
const FK_TOKENS_CONFIG_ID: &str = "fk_mcp_oauth_tokens_mcp_oauth_config_id";
const IDX_TOKENS_CONFIG_ID: &str = "idx_mcp_oauth_tokens_mcp_oauth_config_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(McpOauthConfigs::Table)
                    .col(text_pk(McpOauthConfigs::Id))
                    .col(ci_string(McpOauthConfigs::Name, backend).default("OAuth"))
                    .col(string(McpOauthConfigs::McpServerId))
                    .col(string(McpOauthConfigs::RegistrationType).default("pre_registered"))
                    .col(string(McpOauthConfigs::ClientId))
                    .col(string_null(McpOauthConfigs::EncryptedClientSecret))
                    .col(string_null(McpOauthConfigs::ClientSecretSalt))
                    .col(string_null(McpOauthConfigs::ClientSecretNonce))
                    .col(string(McpOauthConfigs::AuthorizationEndpoint))
                    .col(string(McpOauthConfigs::TokenEndpoint))
                    .col(string_null(McpOauthConfigs::RegistrationEndpoint))
                    .col(string_null(
                        McpOauthConfigs::EncryptedRegistrationAccessToken,
                    ))
                    .col(string_null(McpOauthConfigs::RegistrationAccessTokenSalt))
                    .col(string_null(McpOauthConfigs::RegistrationAccessTokenNonce))
                    .col(timestamp_with_time_zone_null(
                        McpOauthConfigs::ClientIdIssuedAt,
                    ))
                    .col(string_null(McpOauthConfigs::TokenEndpointAuthMethod))
                    .col(string_null(McpOauthConfigs::Scopes))
                    .col(string(McpOauthConfigs::CreatedBy))
                    .col(timestamp_with_time_zone(McpOauthConfigs::CreatedAt))
                    .col(timestamp_with_time_zone(McpOauthConfigs::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        FK_CONFIGS_MCP_SERVER_ID,
                        McpOauthConfigs::Table,
                        McpOauthConfigs::McpServerId,
                        McpServers::Table,
                        McpServers::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_index(
                McpOauthConfigs::Table,
                IDX_CONFIGS_SERVER_NAME,
                [McpOauthConfigs::McpServerId, McpOauthConfigs::Name],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(McpOauthTokens::Table)
                    .col(text_pk(McpOauthTokens::Id))
                    .col(string(McpOauthTokens::McpOauthConfigId))
                    .col(string(McpOauthTokens::EncryptedAccessToken))
                    .col(string(McpOauthTokens::AccessTokenSalt))
                    .col(string(McpOauthTokens::AccessTokenNonce))
                    .col(string_null(McpOauthTokens::EncryptedRefreshToken))
                    .col(string_null(McpOauthTokens::RefreshTokenSalt))
                    .col(string_null(McpOauthTokens::RefreshTokenNonce))
                    .col(string_null(McpOauthTokens::ScopesGranted))
                    .col(timestamp_with_time_zone_null(McpOauthTokens::ExpiresAt))
                    .col(string(McpOauthTokens::CreatedBy))
                    .col(timestamp_with_time_zone(McpOauthTokens::CreatedAt))
                    .col(timestamp_with_time_zone(McpOauthTokens::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        FK_TOKENS_CONFIG_ID,
                        McpOauthTokens::Table,
                        McpOauthTokens::McpOauthConfigId,
                        McpOauthConfigs::Table,
                        McpOauthConfigs::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                McpOauthTokens::Table,
                IDX_TOKENS_CONFIG_ID,
                [McpOauthTokens::McpOauthConfigId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager, self.name())?;
        // MySQL: dropping a table drops its indexes, and an index a foreign key needs
        // cannot be dropped first (so the drop is one statement there).
        let mysql = backend == Backend::MySql;
        if !mysql {
            manager
                .drop_index(drop_index(McpOauthTokens::Table, IDX_TOKENS_CONFIG_ID))
                .await?;
        }
        manager
            .drop_table(drop_table(McpOauthTokens::Table))
            .await?;
        if !mysql {
            manager
                .drop_index(drop_index(McpOauthConfigs::Table, IDX_CONFIGS_SERVER_NAME))
                .await?;
        }
        manager.drop_table(drop_table(McpOauthConfigs::Table)).await
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
enum McpOauthConfigs {
    Table,
    Id,
    Name,
    McpServerId,
    RegistrationType,
    ClientId,
    EncryptedClientSecret,
    ClientSecretSalt,
    ClientSecretNonce,
    AuthorizationEndpoint,
    TokenEndpoint,
    RegistrationEndpoint,
    EncryptedRegistrationAccessToken,
    RegistrationAccessTokenSalt,
    RegistrationAccessTokenNonce,
    ClientIdIssuedAt,
    TokenEndpointAuthMethod,
    Scopes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum McpOauthTokens {
    Table,
    Id,
    McpOauthConfigId,
    EncryptedAccessToken,
    AccessTokenSalt,
    AccessTokenNonce,
    EncryptedRefreshToken,
    RefreshTokenSalt,
    RefreshTokenNonce,
    ScopesGranted,
    ExpiresAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}
