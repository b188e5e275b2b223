//! Domain types.
//!
//! Pattern A tables hold no secrets, so their entity `Model` is the domain type and
//! these are plain aliases. Pattern B tables hold encrypted triples; their domain
//! structs carry `has_*` flags instead, and are built from the views in
//! [`crate::views`] so that no salt, nonce or ciphertext reaches them.

use sea_orm::prelude::{DateTimeWithTimeZone, Json};
use serde::{Deserialize, Serialize};

use crate::generated::enums::{ApiFormat, AppStatus, McpRegistrationType};
use crate::generated::{
    access_requests, api_tokens, app_access_requests, app_toolset_configs, download_requests,
    mcp_servers, mcps, model_metadata, settings, user_aliases,
};

// Pattern A.
pub type DownloadRequest = download_requests::Model;
pub type ModelMetadata = model_metadata::Model;
pub type AccessRequest = access_requests::Model;
pub type ApiToken = api_tokens::Model;
pub type AppToolsetConfig = app_toolset_configs::Model;
pub type UserAlias = user_aliases::Model;
pub type AppAccessRequest = app_access_requests::Model;
pub type McpServer = mcp_servers::Model;
pub type Mcp = mcps::Model;
pub type Setting = settings::Model;

// Pattern B.

/// An API model alias (`api_model_aliases`), without its API key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiAlias {
    pub id: String,
    pub api_format: ApiFormat,
    pub base_url: String,
    pub models: Json,
    pub prefix: Option<String>,
    pub forward_all_with_prefix: bool,
    pub models_cache: Json,
    pub cache_fetched_at: DateTimeWithTimeZone,
    pub has_api_key: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

/// An auth header of an MCP server (`mcp_auth_headers`), without its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpAuthHeader {
    pub id: String,
    pub name: String,
    pub mcp_server_id: String,
    pub header_key: String,
    /// Always true: the value column is NOT NULL.
    pub has_header_value: bool,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

/// An OAuth client configuration of an MCP server (`mcp_oauth_configs`), without its
/// client secret and registration access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpOAuthConfig {
    pub id: String,
    pub name: String,
    pub mcp_server_id: String,
    pub registration_type: McpRegistrationType,
    pub client_id: String,
    pub has_client_secret: bool,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub registration_endpoint: Option<String>,
    pub has_registration_access_token: bool,
    pub client_id_issued_at: Option<DateTimeWithTimeZone>,
    pub token_endpoint_auth_method: Option<String>,
    pub scopes: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

/// Tokens obtained with an OAuth configuration (`mcp_oauth_tokens`), without the tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McpOAuthToken {
    pub id: String,
    pub mcp_oauth_config_id: String,
    /// Always true: the access-token column is NOT NULL.
    pub has_access_token: bool,
    pub has_refresh_token: bool,
    pub scopes_granted: Option<String>,
    pub expires_at: Option<DateTimeWithTimeZone>,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

/// A user's toolset (`toolsets`), without its API key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Toolset {
    pub id: String,
    pub user_id: String,
    pub toolset_type: String,
    pub slug: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub has_api_key: bool,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

/// The app's own OAuth client (`apps`), without its client secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    pub client_id: String,
    /// Always true: the secret column is NOT NULL.
    pub has_client_secret: bool,
    pub app_status: AppStatus,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}
