//! Pattern B reads: `DerivePartialModel` views that never select a salt or a nonce.
//!
//! A `has_*` flag is computed by the database as `<ciphertext> IS NOT NULL`, so a
//! ciphertext is referenced only where a flag needs it and its value never leaves the
//! database. Where the ciphertext column is NOT NULL the flag is constantly true and the
//! view does not touch the column at all.
//!
//! Use: `toolsets::Entity::find().into_partial_model::<ToolsetView>().all(db)`, then
//! `Toolset::from(view)`.

use sea_orm::prelude::{DateTimeWithTimeZone, Json};
use sea_orm::{ColumnTrait, DerivePartialModel};

use crate::domain::{ApiAlias, App, McpAuthHeader, McpOAuthConfig, McpOAuthToken, Toolset};
use crate::generated::enums::{ApiFormat, AppStatus, McpRegistrationType};
use crate::generated::{
    api_model_aliases, apps, mcp_auth_headers, mcp_oauth_configs, mcp_oauth_tokens, toolsets,
};

/// `api_model_aliases` without the API-key triple.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "api_model_aliases::Entity")]
pub struct ApiAliasView {
    pub id: String,
    pub api_format: ApiFormat,
    pub base_url: String,
    pub models: Json,
    pub prefix: Option<String>,
    pub forward_all_with_prefix: bool,
    pub models_cache: Json,
    pub cache_fetched_at: DateTimeWithTimeZone,
    #[sea_orm(from_expr = "api_model_aliases::Column::EncryptedApiKey.is_not_null()")]
    pub has_api_key: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<ApiAliasView> for ApiAlias {
    fn from(v: ApiAliasView) -> Self {
        Self {
            id: v.id,
            api_format: v.api_format,
            base_url: v.base_url,
            models: v.models,
            prefix: v.prefix,
            forward_all_with_prefix: v.forward_all_with_prefix,
            models_cache: v.models_cache,
            cache_fetched_at: v.cache_fetched_at,
            has_api_key: v.has_api_key,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// `mcp_auth_headers` without the header-value triple.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "mcp_auth_headers::Entity")]
pub struct McpAuthHeaderView {
    pub id: String,
    pub name: String,
    pub mcp_server_id: String,
    pub header_key: String,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<McpAuthHeaderView> for McpAuthHeader {
    fn from(v: McpAuthHeaderView) -> Self {
        Self {
            id: v.id,
            name: v.name,
            mcp_server_id: v.mcp_server_id,
            header_key: v.header_key,
            // encrypted_header_value is NOT NULL: every row has a value.
            has_header_value: true,
            created_by: v.created_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// `mcp_oauth_configs` without its four salt/nonce columns; the two ciphertexts only
/// as `IS NOT NULL` flags.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "mcp_oauth_configs::Entity")]
pub struct McpOAuthConfigView {
    pub id: String,
    pub name: String,
    pub mcp_server_id: String,
    pub registration_type: McpRegistrationType,
    pub client_id: String,
    #[sea_orm(from_expr = "mcp_oauth_configs::Column::EncryptedClientSecret.is_not_null()")]
    pub has_client_secret: bool,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub registration_endpoint: Option<String>,
    #[sea_orm(
        from_expr = "mcp_oauth_configs::Column::EncryptedRegistrationAccessToken.is_not_null()"
    )]
    pub has_registration_access_token: bool,
    pub client_id_issued_at: Option<DateTimeWithTimeZone>,
    pub token_endpoint_auth_method: Option<String>,
    pub scopes: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<McpOAuthConfigView> for McpOAuthConfig {
    fn from(v: McpOAuthConfigView) -> Self {
        Self {
            id: v.id,
            name: v.name,
            mcp_server_id: v.mcp_server_id,
            registration_type: v.registration_type,
            client_id: v.client_id,
            has_client_secret: v.has_client_secret,
            authorization_endpoint: v.authorization_endpoint,
            token_endpoint: v.token_endpoint,
            registration_endpoint: v.registration_endpoint,
            has_registration_access_token: v.has_registration_access_token,
            client_id_issued_at: v.client_id_issued_at,
            token_endpoint_auth_method: v.token_endpoint_auth_method,
            scopes: v.scopes,
            created_by: v.created_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// `mcp_oauth_tokens` without the access-token triple and the refresh salt/nonce; the
/// refresh ciphertext only as an `IS NOT NULL` flag.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "mcp_oauth_tokens::Entity")]
pub struct McpOAuthTokenView {
    pub id: String,
    pub mcp_oauth_config_id: String,
    #[sea_orm(from_expr = "mcp_oauth_tokens::Column::EncryptedRefreshToken.is_not_null()")]
    pub has_refresh_token: bool,
    pub scopes_granted: Option<String>,
    pub expires_at: Option<DateTimeWithTimeZone>,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<McpOAuthTokenView> for McpOAuthToken {
    fn from(v: McpOAuthTokenView) -> Self {
        Self {
            id: v.id,
            mcp_oauth_config_id: v.mcp_oauth_config_id,
            // encrypted_access_token is NOT NULL: every row has one.
            has_access_token: true,
            has_refresh_token: v.has_refresh_token,
            scopes_granted: v.scopes_granted,
            expires_at: v.expires_at,
            created_by: v.created_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// `toolsets` without the API-key triple.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "toolsets::Entity")]
pub struct ToolsetView {
    pub id: String,
    pub user_id: String,
    pub toolset_type: String,
    pub slug: String,
    pub description: Option<String>,
    pub enabled: bool,
    #[sea_orm(from_expr = "toolsets::Column::EncryptedApiKey.is_not_null()")]
    pub has_api_key: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<ToolsetView> for Toolset {
    fn from(v: ToolsetView) -> Self {
        Self {
            id: v.id,
            user_id: v.user_id,
            toolset_type: v.toolset_type,
            slug: v.slug,
            description: v.description,
            enabled: v.enabled,
            has_api_key: v.has_api_key,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// `apps` without the client-secret triple.
#[derive(Clone, Debug, PartialEq, Eq, DerivePartialModel)]
#[sea_orm(entity = "apps::Entity")]
pub struct AppView {
    pub client_id: String,
    pub app_status: AppStatus,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

impl From<AppView> for App {
    fn from(v: AppView) -> Self {
        Self {
            client_id: v.client_id,
            // encrypted_client_secret is NOT NULL: every app has one.
            has_client_secret: true,
            app_status: v.app_status,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}
