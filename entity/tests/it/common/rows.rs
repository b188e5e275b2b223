//! One row with every column set (JSON, booleans, big integers, timestamps with
//! offsets) and one with every nullable column NULL, for each of the 16 tables.
//!
//! Ids are fixed ULID-shaped strings; an `A` row sorts before its `B` row.

use entity::generated::enums::*;
use entity::generated::*;
use sea_orm::prelude::Json;
use serde_json::json;

use super::ts;

pub const SERVER_ID: &str = "01JSERVER00000000000000000";
pub const CONFIG_ID: &str = "01JCONFIG00000000000000000";

fn created() -> sea_orm::prelude::DateTimeWithTimeZone {
    ts("2025-01-02T03:04:05.123456+05:30")
}

fn updated() -> sea_orm::prelude::DateTimeWithTimeZone {
    ts("2025-06-30T23:59:59.000001-07:00")
}

fn strings(items: &[&str]) -> Json {
    json!(items)
}

pub fn download_requests() -> [download_requests::Model; 2] {
    [
        download_requests::Model {
            id: "01JDOWNLOADA0000000000000A".into(),
            repo: "TheBloke/Llama-2-7B-GGUF".into(),
            filename: "llama-2-7b.Q4_K_M.gguf".into(),
            status: DownloadStatus::Error,
            error: Some("connection reset".into()),
            // Above 2^32: the column must be a real 64-bit integer.
            total_bytes: Some(5_000_000_000_123),
            downloaded_bytes: 4_294_967_297,
            started_at: Some(ts("2025-01-02T03:00:00+01:00")),
            created_at: created(),
            updated_at: updated(),
        },
        download_requests::Model {
            id: "01JDOWNLOADB0000000000000B".into(),
            repo: "r".into(),
            filename: "f".into(),
            status: DownloadStatus::Pending,
            error: None,
            total_bytes: None,
            downloaded_bytes: 0,
            started_at: None,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn api_model_aliases() -> [api_model_aliases::Model; 2] {
    [
        api_model_aliases::Model {
            id: "01JALIASA00000000000000000".into(),
            api_format: ApiFormat::Openai,
            base_url: "https://api.openai.com/v1".into(),
            models: strings(&["gpt-4o", "gpt-4o-mini"]),
            prefix: Some("oai/".into()),
            forward_all_with_prefix: true,
            models_cache: json!([{"id": "gpt-4o", "owned_by": "openai", "n": 1.5}]),
            cache_fetched_at: ts("2025-03-04T05:06:07.5+02:00"),
            encrypted_api_key: Some("Y2lwaGVydGV4dA==".into()),
            salt: Some("c2FsdA==".into()),
            nonce: Some("bm9uY2U=".into()),
            created_at: created(),
            updated_at: updated(),
        },
        api_model_aliases::Model {
            id: "01JALIASB00000000000000000".into(),
            api_format: ApiFormat::Placeholder,
            base_url: "http://localhost:1".into(),
            models: strings(&[]),
            prefix: None,
            forward_all_with_prefix: false,
            models_cache: strings(&[]),
            cache_fetched_at: created(),
            encrypted_api_key: None,
            salt: None,
            nonce: None,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn model_metadata() -> [model_metadata::Model; 2] {
    [
        model_metadata::Model {
            id: "01JMETAA000000000000000000".into(),
            source: ModelMetadataSource::Model,
            repo: Some("Qwen/Qwen2.5-7B".into()),
            filename: Some("q.gguf".into()),
            snapshot: Some("abc123".into()),
            api_model_id: Some("qwen".into()),
            capabilities: Some(json!({"vision": false, "tools": true})),
            context: Some(json!({"max_input_tokens": 32768})),
            architecture: Some(json!({"family": "qwen2", "layers": [1, 2, 3]})),
            additional_metadata: Some(r#"{"k":"v"}"#.into()),
            chat_template: Some("{{ messages }}".into()),
            extracted_at: ts("2025-02-03T04:05:06-03:30"),
            created_at: created(),
            updated_at: updated(),
        },
        model_metadata::Model {
            id: "01JMETAB000000000000000000".into(),
            source: ModelMetadataSource::Api,
            repo: None,
            filename: None,
            snapshot: None,
            api_model_id: None,
            capabilities: None,
            context: None,
            architecture: None,
            additional_metadata: None,
            chat_template: None,
            extracted_at: created(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn access_requests() -> [access_requests::Model; 2] {
    [
        access_requests::Model {
            id: "01JACCESSA0000000000000000".into(),
            username: "alice@example.com".into(),
            user_id: "user-a".into(),
            reviewer: Some("admin".into()),
            status: AccessRequestStatus::Approved,
            created_at: created(),
            updated_at: updated(),
        },
        access_requests::Model {
            id: "01JACCESSB0000000000000000".into(),
            username: "bob".into(),
            user_id: "user-b".into(),
            reviewer: None,
            status: AccessRequestStatus::Pending,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn api_tokens() -> [api_tokens::Model; 2] {
    [
        api_tokens::Model {
            id: "01JTOKENA00000000000000000".into(),
            user_id: "user-a".into(),
            name: "CI token".into(),
            token_prefix: "bodhiapp_abc".into(),
            token_hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            scopes: "scope_token_user".into(),
            status: ApiTokenStatus::Active,
            created_at: created(),
            updated_at: updated(),
        },
        api_tokens::Model {
            id: "01JTOKENB00000000000000000".into(),
            user_id: "user-b".into(),
            name: String::new(),
            token_prefix: "bodhiapp_def".into(),
            token_hash: "00".into(),
            scopes: "scope_token_power_user".into(),
            status: ApiTokenStatus::Inactive,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn toolsets() -> [toolsets::Model; 2] {
    [
        toolsets::Model {
            id: "01JTOOLSETA000000000000000".into(),
            user_id: "user-a".into(),
            toolset_type: "builtin-exa-search".into(),
            slug: "My-Exa".into(),
            description: Some("web search".into()),
            enabled: true,
            encrypted_api_key: Some("Y2lwaGVy".into()),
            salt: Some("c2FsdA==".into()),
            nonce: Some("bm9uY2U=".into()),
            created_at: created(),
            updated_at: updated(),
        },
        toolsets::Model {
            id: "01JTOOLSETB000000000000000".into(),
            user_id: "user-a".into(),
            toolset_type: "builtin-exa-search".into(),
            slug: "second".into(),
            description: None,
            enabled: false,
            encrypted_api_key: None,
            salt: None,
            nonce: None,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn app_toolset_configs() -> [app_toolset_configs::Model; 2] {
    [
        app_toolset_configs::Model {
            id: "01JATCA0000000000000000000".into(),
            toolset_type: "builtin-exa-search".into(),
            enabled: true,
            updated_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
        app_toolset_configs::Model {
            id: "01JATCB0000000000000000000".into(),
            toolset_type: "builtin-other".into(),
            enabled: false,
            updated_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn user_aliases() -> [user_aliases::Model; 2] {
    [
        user_aliases::Model {
            id: "01JUSERALIASA0000000000000".into(),
            alias: "llama:chat".into(),
            repo: "TheBloke/Llama-2-7B-GGUF".into(),
            filename: "llama-2-7b.Q4_K_M.gguf".into(),
            snapshot: "main".into(),
            request_params: json!({"temperature": 0.7, "stop": ["</s>"], "seed": null}),
            context_params: strings(&["--ctx-size", "4096"]),
            created_at: created(),
            updated_at: updated(),
        },
        user_aliases::Model {
            id: "01JUSERALIASB0000000000000".into(),
            alias: "empty".into(),
            repo: "r".into(),
            filename: "f".into(),
            snapshot: "s".into(),
            request_params: json!({}),
            context_params: strings(&[]),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn app_access_requests() -> [app_access_requests::Model; 2] {
    [
        app_access_requests::Model {
            id: "01JAPPREQA0000000000000000".into(),
            app_client_id: "app-client".into(),
            app_name: Some("My App".into()),
            app_description: Some("does things".into()),
            flow_type: AppAccessFlowType::Redirect,
            redirect_uri: Some("https://app.example.com/cb".into()),
            status: AppAccessRequestStatus::Approved,
            requested: r#"{"toolset_types":["builtin-exa-search"],"mcp_servers":[]}"#.into(),
            approved: Some(r#"{"toolset_types":[],"mcp_servers":[]}"#.into()),
            user_id: Some("user-a".into()),
            requested_role: "scope_user_user".into(),
            approved_role: Some("scope_user_user".into()),
            access_request_scope: Some("scope_access_request:01JAPPREQA".into()),
            error_message: Some("none".into()),
            expires_at: ts("2025-01-02T03:14:05+05:30"),
            created_at: created(),
            updated_at: updated(),
        },
        app_access_requests::Model {
            id: "01JAPPREQB0000000000000000".into(),
            app_client_id: "app-client".into(),
            app_name: None,
            app_description: None,
            flow_type: AppAccessFlowType::Popup,
            redirect_uri: None,
            status: AppAccessRequestStatus::Draft,
            requested: r#"{"toolset_types":[],"mcp_servers":[]}"#.into(),
            approved: None,
            user_id: None,
            requested_role: "scope_user_user".into(),
            approved_role: None,
            access_request_scope: None,
            error_message: None,
            expires_at: created(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn mcp_servers() -> [mcp_servers::Model; 2] {
    [
        mcp_servers::Model {
            id: "01JSERVERA0000000000000000".into(),
            url: "https://MCP.Example.com/Sse".into(),
            name: "Example".into(),
            description: Some("an MCP server".into()),
            enabled: true,
            created_by: "admin".into(),
            updated_by: "admin2".into(),
            created_at: created(),
            updated_at: updated(),
        },
        mcp_servers::Model {
            id: "01JSERVERB0000000000000000".into(),
            url: "http://localhost:9".into(),
            name: String::new(),
            description: None,
            enabled: false,
            created_by: "admin".into(),
            updated_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

/// The parent every MCP child row points at (id [`SERVER_ID`]).
pub fn parent_server() -> mcp_servers::Model {
    mcp_servers::Model {
        id: SERVER_ID.into(),
        url: "https://parent.example.com/mcp".into(),
        name: "parent".into(),
        description: None,
        enabled: true,
        created_by: "admin".into(),
        updated_by: "admin".into(),
        created_at: created(),
        updated_at: updated(),
    }
}

pub fn mcps() -> [mcps::Model; 2] {
    [
        mcps::Model {
            id: "01JMCPA0000000000000000000".into(),
            created_by: "user-a".into(),
            mcp_server_id: SERVER_ID.into(),
            name: "Example tools".into(),
            slug: "Example-Tools".into(),
            description: Some("tools".into()),
            enabled: false,
            tools_cache: Some(r#"[{"name":"search"}]"#.into()),
            tools_filter: Some(r#"["search"]"#.into()),
            auth_type: McpAuthType::Header,
            auth_uuid: Some("01JHEADERA0000000000000000".into()),
            created_at: created(),
            updated_at: updated(),
        },
        mcps::Model {
            id: "01JMCPB0000000000000000000".into(),
            created_by: "user-a".into(),
            mcp_server_id: SERVER_ID.into(),
            name: "n".into(),
            slug: "other".into(),
            description: None,
            enabled: true,
            tools_cache: None,
            tools_filter: None,
            auth_type: McpAuthType::Public,
            auth_uuid: None,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn mcp_auth_headers() -> [mcp_auth_headers::Model; 2] {
    [
        mcp_auth_headers::Model {
            id: "01JHEADERA0000000000000000".into(),
            name: "Header".into(),
            mcp_server_id: SERVER_ID.into(),
            header_key: "Authorization".into(),
            encrypted_header_value: "Y2lwaGVy".into(),
            header_value_salt: "c2FsdA==".into(),
            header_value_nonce: "bm9uY2U=".into(),
            created_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
        mcp_auth_headers::Model {
            id: "01JHEADERB0000000000000000".into(),
            name: "Second".into(),
            mcp_server_id: SERVER_ID.into(),
            header_key: "X-Api-Key".into(),
            encrypted_header_value: "Y2lwaGVyMg==".into(),
            header_value_salt: "c2FsdDI=".into(),
            header_value_nonce: "bm9uY2Uy".into(),
            created_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn mcp_oauth_configs() -> [mcp_oauth_configs::Model; 2] {
    [
        mcp_oauth_configs::Model {
            id: "01JCONFIGA0000000000000000".into(),
            name: "OAuth".into(),
            mcp_server_id: SERVER_ID.into(),
            registration_type: McpRegistrationType::DynamicRegistration,
            client_id: "client-a".into(),
            encrypted_client_secret: Some("c2VjcmV0".into()),
            client_secret_salt: Some("c2FsdA==".into()),
            client_secret_nonce: Some("bm9uY2U=".into()),
            authorization_endpoint: "https://auth.example.com/authorize".into(),
            token_endpoint: "https://auth.example.com/token".into(),
            registration_endpoint: Some("https://auth.example.com/register".into()),
            encrypted_registration_access_token: Some("cmVn".into()),
            registration_access_token_salt: Some("c2FsdA==".into()),
            registration_access_token_nonce: Some("bm9uY2U=".into()),
            client_id_issued_at: Some(ts("2025-01-01T00:00:00.25+09:00")),
            token_endpoint_auth_method: Some("client_secret_post".into()),
            scopes: Some("read write".into()),
            created_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
        mcp_oauth_configs::Model {
            id: "01JCONFIGB0000000000000000".into(),
            name: "Public client".into(),
            mcp_server_id: SERVER_ID.into(),
            registration_type: McpRegistrationType::PreRegistered,
            client_id: "client-b".into(),
            encrypted_client_secret: None,
            client_secret_salt: None,
            client_secret_nonce: None,
            authorization_endpoint: "https://auth.example.com/authorize".into(),
            token_endpoint: "https://auth.example.com/token".into(),
            registration_endpoint: None,
            encrypted_registration_access_token: None,
            registration_access_token_salt: None,
            registration_access_token_nonce: None,
            client_id_issued_at: None,
            token_endpoint_auth_method: None,
            scopes: None,
            created_by: "admin".into(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

/// The parent every token row points at (id [`CONFIG_ID`], on [`SERVER_ID`]).
pub fn parent_config() -> mcp_oauth_configs::Model {
    let [mut config, _] = mcp_oauth_configs();
    config.id = CONFIG_ID.into();
    config.name = "parent".into();
    config
}

pub fn mcp_oauth_tokens() -> [mcp_oauth_tokens::Model; 2] {
    [
        mcp_oauth_tokens::Model {
            id: "01JOTOKENA0000000000000000".into(),
            mcp_oauth_config_id: CONFIG_ID.into(),
            encrypted_access_token: "YWNjZXNz".into(),
            access_token_salt: "c2FsdA==".into(),
            access_token_nonce: "bm9uY2U=".into(),
            encrypted_refresh_token: Some("cmVmcmVzaA==".into()),
            refresh_token_salt: Some("c2FsdA==".into()),
            refresh_token_nonce: Some("bm9uY2U=".into()),
            scopes_granted: Some("read".into()),
            expires_at: Some(ts("2025-01-02T04:04:05+05:30")),
            created_by: "user-a".into(),
            created_at: created(),
            updated_at: updated(),
        },
        mcp_oauth_tokens::Model {
            id: "01JOTOKENB0000000000000000".into(),
            mcp_oauth_config_id: CONFIG_ID.into(),
            encrypted_access_token: "YWNjZXNzMg==".into(),
            access_token_salt: "c2FsdA==".into(),
            access_token_nonce: "bm9uY2U=".into(),
            encrypted_refresh_token: None,
            refresh_token_salt: None,
            refresh_token_nonce: None,
            scopes_granted: None,
            expires_at: None,
            created_by: "user-a".into(),
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn settings() -> [settings::Model; 2] {
    [
        settings::Model {
            key: "BODHI_EXEC_VARIANT".into(),
            value: "cpu".into(),
            value_type: SettingValueType::String,
            created_at: created(),
            updated_at: updated(),
        },
        settings::Model {
            key: "BODHI_PORT".into(),
            value: "1135".into(),
            value_type: SettingValueType::Number,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}

pub fn apps() -> [apps::Model; 2] {
    [
        apps::Model {
            client_id: "app-a".into(),
            encrypted_client_secret: "c2VjcmV0".into(),
            salt_client_secret: "c2FsdA==".into(),
            nonce_client_secret: "bm9uY2U=".into(),
            app_status: AppStatus::Ready,
            created_at: created(),
            updated_at: updated(),
        },
        apps::Model {
            client_id: "app-b".into(),
            encrypted_client_secret: "c2VjcmV0Mg==".into(),
            salt_client_secret: "c2FsdA==".into(),
            nonce_client_secret: "bm9uY2U=".into(),
            app_status: AppStatus::Setup,
            created_at: created(),
            updated_at: updated(),
        },
    ]
}
