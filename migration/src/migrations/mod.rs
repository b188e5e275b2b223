//! One file per migration, in the order of `../shared/spec/schema.md`.

pub mod m20250101_000000_extensions;
pub mod m20250101_000001_download_requests;
pub mod m20250101_000002_api_model_aliases;
pub mod m20250101_000003_model_metadata;
pub mod m20250101_000004_access_requests;
pub mod m20250101_000005_api_tokens;
pub mod m20250101_000006_toolsets;
pub mod m20250101_000007_user_aliases;
pub mod m20250101_000008_app_access_requests;
pub mod m20250101_000009_mcp_servers;
pub mod m20250101_000010_mcp_auth_headers;
pub mod m20250101_000011_mcp_oauth;
pub mod m20250101_000012_settings;
pub mod m20250101_000013_apps;
