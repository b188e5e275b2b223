//! Upstream `0001_initial_schema`: the 15 tables, the 9 enum types and their indexes, in
//! upstream's creation order (each enum type just before the first table using it).

use sea_orm_migration::prelude::*;

use crate::columns::KeyPart::{Column, PortOrZero};
use crate::columns::{
    Backend, Origin, PgEnum, base_model, binary, comment_on_column, create_pending_unique,
    drop_index, drop_table, empty_array, enumeration, fk, index, string_array, uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SERVER_STATUS: PgEnum = PgEnum {
    name: "server_status",
    values: &["imported", "ready", "running", "stopped", "error"],
};
pub(crate) const LOG_TYPE: PgEnum = PgEnum {
    name: "log_type",
    values: &[
        "mcp_request",
        "mcp_response",
        "network",
        "alert",
        "error",
        "system",
        "audit",
    ],
};
pub(crate) const LOG_LEVEL: PgEnum = PgEnum {
    name: "log_level",
    values: &["debug", "info", "warning", "error"],
};
pub(crate) const EXTERNAL_MCP_AUTH_TYPE: PgEnum = PgEnum {
    name: "external_mcp_auth_type",
    values: &["none", "bearer", "header", "oauth"],
};
pub(crate) const EXTERNAL_MCP_TRANSPORT_TYPE: PgEnum = PgEnum {
    name: "external_mcp_transport_type",
    values: &["streamable_http", "sse"],
};
pub(crate) const EXTERNAL_MCP_SOURCE_STATUS: PgEnum = PgEnum {
    name: "external_mcp_source_status",
    values: &["active", "error", "disabled"],
};
pub(crate) const TOOL_TYPE: PgEnum = PgEnum {
    name: "tool_type",
    values: &["python_code", "mcp_passthrough"],
};
pub(crate) const APPROVAL_STATUS: PgEnum = PgEnum {
    name: "approval_status",
    values: &["draft", "pending_review", "approved", "rejected"],
};
/// Shared by module_requests and network_access_requests: created once.
pub(crate) const REQUEST_STATUS: PgEnum = PgEnum {
    name: "request_status",
    values: &["pending", "approved", "rejected"],
};

/// Upstream's downgrade drops the types in alphabetical order.
const ENUMS_BY_NAME: [&PgEnum; 9] = [
    &APPROVAL_STATUS,
    &EXTERNAL_MCP_AUTH_TYPE,
    &EXTERNAL_MCP_SOURCE_STATUS,
    &EXTERNAL_MCP_TRANSPORT_TYPE,
    &LOG_LEVEL,
    &LOG_TYPE,
    &REQUEST_STATUS,
    &SERVER_STATUS,
    &TOOL_TYPE,
];

const IX_ADMIN_USERS_USERNAME: &str = "ix_admin_users_username";
const IX_SETTINGS_KEY: &str = "ix_settings_key";
const IX_TOKEN_BLACKLIST_EXPIRES_AT: &str = "ix_token_blacklist_expires_at";
const IX_ACTIVITY_LOGS_LEVEL_CREATED: &str = "ix_activity_logs_level_created";
const IX_ACTIVITY_LOGS_LOG_TYPE: &str = "ix_activity_logs_log_type";
const IX_ACTIVITY_LOGS_REQUEST_ID: &str = "ix_activity_logs_request_id";
const IX_ACTIVITY_LOGS_SERVER_CREATED: &str = "ix_activity_logs_server_created";
const IX_ACTIVITY_LOGS_SERVER_ID: &str = "ix_activity_logs_server_id";
const IX_ACTIVITY_LOGS_TYPE_CREATED: &str = "ix_activity_logs_type_created";
pub(crate) const IX_MODULE_REQUESTS_PENDING_UNIQUE: &str = "ix_module_requests_pending_unique";
pub(crate) const IX_NETWORK_ACCESS_REQUESTS_PENDING_UNIQUE: &str =
    "ix_network_access_requests_pending_unique";
const IX_TOOL_EXECUTION_LOGS_SERVER_CREATED: &str = "ix_tool_execution_logs_server_created";
const IX_TOOL_EXECUTION_LOGS_TOOL_CREATED: &str = "ix_tool_execution_logs_tool_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::columns::backend(manager, self.name())?;
        let pg = backend == Backend::Postgres;
        let create_type = |ty: &'static PgEnum| async move {
            if pg {
                manager.create_type(ty.create()).await?;
            }
            Ok::<_, DbErr>(())
        };

        manager.create_table(admin_users(backend)).await?;
        manager
            .create_index(
                index(
                    AdminUsers::Table,
                    IX_ADMIN_USERS_USERNAME,
                    [AdminUsers::Username],
                )
                .unique()
                .take(),
            )
            .await?;
        manager.create_table(cloudflare_configs(backend)).await?;
        manager.create_table(global_config(backend)).await?;
        create_type(&SERVER_STATUS).await?;
        manager.create_table(servers(backend)).await?;

        manager.create_table(settings(backend)).await?;
        if pg {
            for (column, text) in [
                ("key", "Setting key (unique identifier)"),
                (
                    "value",
                    "Setting value (may be encrypted for sensitive data)",
                ),
                ("encrypted", "Whether the value is encrypted"),
                ("description", "Human-readable description of this setting"),
            ] {
                comment_on_column(manager, "settings", column, text).await?;
            }
        }
        manager
            .create_index(
                index(Settings::Table, IX_SETTINGS_KEY, [Settings::Key])
                    .unique()
                    .take(),
            )
            .await?;

        manager.create_table(token_blacklist()).await?;
        manager
            .create_index(index(
                TokenBlacklist::Table,
                IX_TOKEN_BLACKLIST_EXPIRES_AT,
                [TokenBlacklist::ExpiresAt],
            ))
            .await?;
        manager.create_table(tunnel_configurations(backend)).await?;

        create_type(&LOG_TYPE).await?;
        create_type(&LOG_LEVEL).await?;
        manager.create_table(activity_logs(backend)).await?;
        use ActivityLogs as A;
        for (name, cols) in [
            (
                IX_ACTIVITY_LOGS_LEVEL_CREATED,
                &[A::Level, A::CreatedAt][..],
            ),
            (IX_ACTIVITY_LOGS_LOG_TYPE, &[A::LogType]),
            (IX_ACTIVITY_LOGS_REQUEST_ID, &[A::RequestId]),
            (
                IX_ACTIVITY_LOGS_SERVER_CREATED,
                &[A::ServerId, A::CreatedAt],
            ),
            (IX_ACTIVITY_LOGS_SERVER_ID, &[A::ServerId]),
            (IX_ACTIVITY_LOGS_TYPE_CREATED, &[A::LogType, A::CreatedAt]),
        ] {
            manager
                .create_index(index(A::Table, name, cols.iter().copied()))
                .await?;
        }

        create_type(&EXTERNAL_MCP_AUTH_TYPE).await?;
        create_type(&EXTERNAL_MCP_TRANSPORT_TYPE).await?;
        create_type(&EXTERNAL_MCP_SOURCE_STATUS).await?;
        manager.create_table(external_mcp_sources(backend)).await?;
        manager.create_table(server_secrets(backend)).await?;

        create_type(&TOOL_TYPE).await?;
        create_type(&APPROVAL_STATUS).await?;
        manager.create_table(tools(backend)).await?;
        if pg {
            comment_on_column(
                manager,
                "tools",
                "current_version",
                "Current version number of this tool",
            )
            .await?;
        }

        create_type(&REQUEST_STATUS).await?;
        manager.create_table(module_requests(backend)).await?;
        create_pending_unique(
            manager,
            backend,
            IX_MODULE_REQUESTS_PENDING_UNIQUE,
            "module_requests",
            &[Column("tool_id"), Column("module_name")],
            Origin::Any,
        )
        .await?;
        manager
            .create_table(network_access_requests(backend))
            .await?;
        // Raw SQL upstream: an expression key, so that NULL ports compare equal.
        create_pending_unique(
            manager,
            backend,
            IX_NETWORK_ACCESS_REQUESTS_PENDING_UNIQUE,
            "network_access_requests",
            &[Column("tool_id"), Column("host"), PortOrZero],
            Origin::Any,
        )
        .await?;

        manager.create_table(tool_execution_logs(backend)).await?;
        use ToolExecutionLogs as L;
        manager
            .create_index(index(
                L::Table,
                IX_TOOL_EXECUTION_LOGS_SERVER_CREATED,
                [L::ServerId, L::CreatedAt],
            ))
            .await?;
        manager
            .create_index(index(
                L::Table,
                IX_TOOL_EXECUTION_LOGS_TOOL_CREATED,
                [L::ToolId, L::CreatedAt],
            ))
            .await?;

        manager.create_table(tool_versions(backend)).await?;
        if pg {
            for (column, text) in [
                (
                    "change_summary",
                    "Brief description of what changed in this version",
                ),
                (
                    "change_source",
                    "Source of change: manual, llm, import, rollback",
                ),
            ] {
                comment_on_column(manager, "tool_versions", column, text).await?;
            }
        }
        Ok(())
    }

    /// Upstream's downgrade, step for step.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::columns::backend(manager, self.name())?;
        manager.drop_table(drop_table(ToolVersions::Table)).await?;
        for name in [
            IX_TOOL_EXECUTION_LOGS_TOOL_CREATED,
            IX_TOOL_EXECUTION_LOGS_SERVER_CREATED,
        ] {
            manager
                .drop_index(drop_index(ToolExecutionLogs::Table, name))
                .await?;
        }
        manager
            .drop_table(drop_table(ToolExecutionLogs::Table))
            .await?;
        manager
            .drop_index(drop_index(
                NetworkAccessRequests::Table,
                IX_NETWORK_ACCESS_REQUESTS_PENDING_UNIQUE,
            ))
            .await?;
        manager
            .drop_table(drop_table(NetworkAccessRequests::Table))
            .await?;
        manager
            .drop_index(drop_index(
                ModuleRequests::Table,
                IX_MODULE_REQUESTS_PENDING_UNIQUE,
            ))
            .await?;
        manager
            .drop_table(drop_table(ModuleRequests::Table))
            .await?;
        manager.drop_table(drop_table(Tools::Table)).await?;
        manager.drop_table(drop_table(ServerSecrets::Table)).await?;
        manager
            .drop_table(drop_table(ExternalMcpSources::Table))
            .await?;
        for name in [
            IX_ACTIVITY_LOGS_TYPE_CREATED,
            IX_ACTIVITY_LOGS_SERVER_ID,
            IX_ACTIVITY_LOGS_SERVER_CREATED,
            IX_ACTIVITY_LOGS_REQUEST_ID,
            IX_ACTIVITY_LOGS_LOG_TYPE,
            IX_ACTIVITY_LOGS_LEVEL_CREATED,
        ] {
            manager
                .drop_index(drop_index(ActivityLogs::Table, name))
                .await?;
        }
        manager.drop_table(drop_table(ActivityLogs::Table)).await?;
        manager
            .drop_table(drop_table(TunnelConfigurations::Table))
            .await?;
        manager
            .drop_index(drop_index(
                TokenBlacklist::Table,
                IX_TOKEN_BLACKLIST_EXPIRES_AT,
            ))
            .await?;
        manager
            .drop_table(drop_table(TokenBlacklist::Table))
            .await?;
        manager
            .drop_index(drop_index(Settings::Table, IX_SETTINGS_KEY))
            .await?;
        manager.drop_table(drop_table(Settings::Table)).await?;
        manager.drop_table(drop_table(Servers::Table)).await?;
        manager.drop_table(drop_table(GlobalConfig::Table)).await?;
        manager
            .drop_table(drop_table(CloudflareConfigs::Table))
            .await?;
        manager
            .drop_index(drop_index(AdminUsers::Table, IX_ADMIN_USERS_USERNAME))
            .await?;
        manager.drop_table(drop_table(AdminUsers::Table)).await?;
        if backend == Backend::Postgres {
            for ty in ENUMS_BY_NAME {
                manager.drop_type(ty.drop()).await?;
            }
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn string255<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).string_len(255).take()
}

fn admin_users(backend: Backend) -> TableCreateStatement {
    use AdminUsers as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(string255(T::Username).not_null())
        .col(string255(T::PasswordHash).not_null())
        .col(ColumnDef::new(T::IsActive).boolean().not_null())
        .col(ColumnDef::new(T::PasswordVersion).integer().not_null())
        .col(
            ColumnDef::new(T::LastLoginAt)
                .timestamp_with_time_zone()
                .null(),
        );
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

fn cloudflare_configs(backend: Backend) -> TableCreateStatement {
    use CloudflareConfigs as T;
    let text = |c: T| ColumnDef::new(c).text().null().take();
    let varchar = |c: T, n: u32| ColumnDef::new(c).string_len(n).null().take();
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(ColumnDef::new(T::EncryptedApiToken).text().not_null())
        .col(ColumnDef::new(T::AccountId).string_len(64).not_null())
        .col(varchar(T::AccountName, 255))
        .col(varchar(T::TeamDomain, 255))
        .col(varchar(T::TunnelId, 64))
        .col(varchar(T::TunnelName, 255))
        .col(text(T::EncryptedTunnelToken))
        .col(varchar(T::VpcServiceId, 64))
        .col(varchar(T::VpcServiceName, 255))
        .col(varchar(T::WorkerName, 255))
        .col(varchar(T::WorkerUrl, 1024))
        .col(text(T::EncryptedServiceToken))
        .col(varchar(T::KvNamespaceId, 64))
        .col(varchar(T::AccessAppId, 64))
        .col(text(T::EncryptedAccessClientId))
        .col(text(T::EncryptedAccessClientSecret))
        .col(text(T::EncryptedCookieEncryptionKey))
        .col(varchar(T::AccessPolicyType, 16))
        .col(text(T::AccessPolicyEmails))
        .col(varchar(T::AccessPolicyEmailDomain, 255))
        // JSON arrays stored as text upstream too.
        .col(text(T::AllowedCorsOrigins))
        .col(text(T::AllowedRedirectUris))
        .col(ColumnDef::new(T::CompletedStep).integer().not_null())
        // A plain string upstream (pending / active / error), not an enum type.
        .col(ColumnDef::new(T::Status).string_len(32).not_null())
        .col(text(T::ErrorMessage));
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

fn global_config(backend: Backend) -> TableCreateStatement {
    use GlobalConfig as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(
            ColumnDef::new(T::ConfigKey)
                .string_len(50)
                .not_null()
                .unique_key(),
        )
        .col(string_array(T::AllowedModules, backend).null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

fn servers(backend: Backend) -> TableCreateStatement {
    use Servers as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(string255(T::Name).not_null())
        .col(ColumnDef::new(T::Description).text().null())
        .col(enumeration(T::Status, &SERVER_STATUS, backend))
        .col(
            string_array(T::AllowedHosts, backend)
                .not_null()
                .default(empty_array(backend)),
        )
        .col(ColumnDef::new(T::DefaultTimeoutMs).integer().not_null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

fn settings(backend: Backend) -> TableCreateStatement {
    use Settings as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(string255(T::Key).not_null())
        .col(ColumnDef::new(T::Value).text().null())
        .col(ColumnDef::new(T::Encrypted).boolean().not_null())
        .col(ColumnDef::new(T::Description).string_len(500).null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

/// The one table without the BaseModel columns: keyed by the JWT id.
fn token_blacklist() -> TableCreateStatement {
    use TokenBlacklist as T;
    Table::create()
        .table(T::Table)
        .col(ColumnDef::new(T::Jti).string_len(64).not_null())
        .col(
            ColumnDef::new(T::ExpiresAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .primary_key(Index::create().col(T::Jti))
        .take()
}

fn tunnel_configurations(backend: Backend) -> TableCreateStatement {
    use TunnelConfigurations as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(string255(T::Name).not_null())
        .col(ColumnDef::new(T::Description).text().null())
        .col(ColumnDef::new(T::TunnelToken).text().null())
        .col(ColumnDef::new(T::PublicUrl).string_len(1024).null())
        .col(ColumnDef::new(T::IsActive).boolean().not_null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt).take()
}

fn activity_logs(backend: Backend) -> TableCreateStatement {
    use ActivityLogs as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ServerId, backend).null())
        .col(enumeration(T::LogType, &LOG_TYPE, backend))
        .col(enumeration(T::Level, &LOG_LEVEL, backend))
        .col(ColumnDef::new(T::Message).text().not_null())
        .col(ColumnDef::new(T::Details).json_binary().null())
        .col(ColumnDef::new(T::RequestId).string_len(64).null())
        .col(ColumnDef::new(T::DurationMs).integer().null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ServerId,
            Servers::Table,
            Servers::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn external_mcp_sources(backend: Backend) -> TableCreateStatement {
    use ExternalMcpSources as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ServerId, backend).not_null())
        .col(string255(T::Name).not_null())
        .col(ColumnDef::new(T::Url).text().not_null())
        .col(enumeration(T::AuthType, &EXTERNAL_MCP_AUTH_TYPE, backend))
        // A soft reference to server_secrets.key_name: no constraint upstream.
        .col(string255(T::AuthSecretName).null())
        .col(string255(T::AuthHeaderName).null())
        .col(enumeration(
            T::TransportType,
            &EXTERNAL_MCP_TRANSPORT_TYPE,
            backend,
        ))
        .col(enumeration(T::Status, &EXTERNAL_MCP_SOURCE_STATUS, backend))
        .col(ColumnDef::new(T::OauthTokensEncrypted).text().null())
        .col(ColumnDef::new(T::OauthIssuer).string_len(2000).null())
        .col(string255(T::OauthClientId).null())
        .col(
            ColumnDef::new(T::LastDiscoveredAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new(T::ToolCount).integer().not_null())
        .col(ColumnDef::new(T::DiscoveredToolsCache).json_binary().null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ServerId,
            Servers::Table,
            Servers::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn server_secrets(backend: Backend) -> TableCreateStatement {
    use ServerSecrets as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ServerId, backend).not_null())
        .col(string255(T::KeyName).not_null())
        // NULL is a placeholder the admin has not filled in yet.
        .col(binary(T::EncryptedValue).null())
        .col(ColumnDef::new(T::Description).text().null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .index(
            Index::create()
                .name("uq_server_secrets_server_key")
                .unique()
                .col(T::ServerId)
                .col(T::KeyName),
        )
        .foreign_key(&mut fk(
            T::Table,
            T::ServerId,
            Servers::Table,
            Servers::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn tools(backend: Backend) -> TableCreateStatement {
    use Tools as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ServerId, backend).not_null())
        .col(string255(T::Name).not_null())
        .col(ColumnDef::new(T::Description).text().null())
        .col(ColumnDef::new(T::InputSchema).json_binary().null())
        .col(ColumnDef::new(T::Enabled).boolean().not_null())
        .col(ColumnDef::new(T::TimeoutMs).integer().null())
        .col(enumeration(T::ToolType, &TOOL_TYPE, backend).default("python_code"))
        .col(ColumnDef::new(T::PythonCode).text().null())
        .col(uuid(T::ExternalSourceId, backend).null())
        .col(string255(T::ExternalToolName).null())
        .col(string_array(T::CodeDependencies, backend).null())
        .col(ColumnDef::new(T::CurrentVersion).integer().not_null())
        .col(enumeration(T::ApprovalStatus, &APPROVAL_STATUS, backend))
        .col(
            ColumnDef::new(T::ApprovalRequestedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new(T::ApprovedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(string255(T::ApprovedBy).null())
        .col(ColumnDef::new(T::RejectionReason).text().null())
        .col(string255(T::CreatedBy).null())
        .col(ColumnDef::new(T::PublishNotes).text().null());
    // Upstream declares the foreign keys in this order.
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ExternalSourceId,
            ExternalMcpSources::Table,
            ExternalMcpSources::Id,
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut fk(
            T::Table,
            T::ServerId,
            Servers::Table,
            Servers::Id,
            ForeignKeyAction::Cascade,
        ))
        .index(
            Index::create()
                .name("uq_tools_server_id_name")
                .unique()
                .col(T::ServerId)
                .col(T::Name),
        )
        .take()
}

fn module_requests(backend: Backend) -> TableCreateStatement {
    use ModuleRequests as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ToolId, backend).not_null())
        .col(string255(T::ModuleName).not_null())
        .col(ColumnDef::new(T::Justification).text().not_null())
        .col(string255(T::RequestedBy).null())
        .col(enumeration(T::Status, &REQUEST_STATUS, backend))
        .col(
            ColumnDef::new(T::ReviewedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(string255(T::ReviewedBy).null())
        .col(ColumnDef::new(T::RejectionReason).text().null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ToolId,
            Tools::Table,
            Tools::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn network_access_requests(backend: Backend) -> TableCreateStatement {
    use NetworkAccessRequests as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ToolId, backend).not_null())
        .col(string255(T::Host).not_null())
        // NULL means any port.
        .col(ColumnDef::new(T::Port).integer().null())
        .col(ColumnDef::new(T::Justification).text().not_null())
        .col(string255(T::RequestedBy).null())
        .col(enumeration(T::Status, &REQUEST_STATUS, backend))
        .col(
            ColumnDef::new(T::ReviewedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(string255(T::ReviewedBy).null())
        .col(ColumnDef::new(T::RejectionReason).text().null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ToolId,
            Tools::Table,
            Tools::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn tool_execution_logs(backend: Backend) -> TableCreateStatement {
    use ToolExecutionLogs as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ToolId, backend).not_null())
        .col(uuid(T::ServerId, backend).not_null())
        .col(string255(T::ToolName).not_null())
        .col(ColumnDef::new(T::InputArgs).json_binary().null())
        .col(ColumnDef::new(T::Result).json_binary().null())
        .col(ColumnDef::new(T::Error).text().null())
        .col(ColumnDef::new(T::Stdout).text().null())
        .col(ColumnDef::new(T::DurationMs).integer().null())
        .col(ColumnDef::new(T::Success).boolean().not_null())
        .col(ColumnDef::new(T::IsTest).boolean().not_null())
        .col(string255(T::ExecutedBy).null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ServerId,
            Servers::Table,
            Servers::Id,
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            T::Table,
            T::ToolId,
            Tools::Table,
            Tools::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn tool_versions(backend: Backend) -> TableCreateStatement {
    use ToolVersions as T;
    let mut table = Table::create();
    table
        .table(T::Table)
        .col(uuid(T::ToolId, backend).not_null())
        .col(ColumnDef::new(T::VersionNumber).integer().not_null())
        .col(string255(T::Name).not_null())
        .col(ColumnDef::new(T::Description).text().null())
        .col(ColumnDef::new(T::Enabled).boolean().not_null())
        .col(ColumnDef::new(T::TimeoutMs).integer().null())
        .col(ColumnDef::new(T::PythonCode).text().null())
        .col(ColumnDef::new(T::InputSchema).json_binary().null())
        .col(ColumnDef::new(T::ChangeSummary).string_len(500).null())
        .col(ColumnDef::new(T::ChangeSource).string_len(50).not_null());
    base_model(&mut table, backend, T::Id, T::CreatedAt, T::UpdatedAt)
        .foreign_key(&mut fk(
            T::Table,
            T::ToolId,
            Tools::Table,
            Tools::Id,
            ForeignKeyAction::Cascade,
        ))
        .take()
}

#[derive(DeriveIden, Clone, Copy)]
enum AdminUsers {
    Table,
    Id,
    Username,
    PasswordHash,
    IsActive,
    PasswordVersion,
    LastLoginAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CloudflareConfigs {
    Table,
    Id,
    EncryptedApiToken,
    AccountId,
    AccountName,
    TeamDomain,
    TunnelId,
    TunnelName,
    EncryptedTunnelToken,
    VpcServiceId,
    VpcServiceName,
    WorkerName,
    WorkerUrl,
    EncryptedServiceToken,
    KvNamespaceId,
    AccessAppId,
    EncryptedAccessClientId,
    EncryptedAccessClientSecret,
    EncryptedCookieEncryptionKey,
    AccessPolicyType,
    AccessPolicyEmails,
    AccessPolicyEmailDomain,
    AllowedCorsOrigins,
    AllowedRedirectUris,
    CompletedStep,
    Status,
    ErrorMessage,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum GlobalConfig {
    Table,
    Id,
    ConfigKey,
    AllowedModules,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Servers {
    Table,
    Id,
    Name,
    Description,
    Status,
    AllowedHosts,
    DefaultTimeoutMs,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Settings {
    Table,
    Id,
    Key,
    Value,
    Encrypted,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TokenBlacklist {
    Table,
    Jti,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TunnelConfigurations {
    Table,
    Id,
    Name,
    Description,
    TunnelToken,
    PublicUrl,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActivityLogs {
    Table,
    Id,
    ServerId,
    LogType,
    Level,
    Message,
    Details,
    RequestId,
    DurationMs,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExternalMcpSources {
    Table,
    Id,
    ServerId,
    Name,
    Url,
    AuthType,
    AuthSecretName,
    AuthHeaderName,
    TransportType,
    Status,
    OauthTokensEncrypted,
    OauthIssuer,
    OauthClientId,
    LastDiscoveredAt,
    ToolCount,
    DiscoveredToolsCache,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ServerSecrets {
    Table,
    Id,
    ServerId,
    KeyName,
    EncryptedValue,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tools {
    Table,
    Id,
    ServerId,
    Name,
    Description,
    InputSchema,
    Enabled,
    TimeoutMs,
    ToolType,
    PythonCode,
    ExternalSourceId,
    ExternalToolName,
    CodeDependencies,
    CurrentVersion,
    ApprovalStatus,
    ApprovalRequestedAt,
    ApprovedAt,
    ApprovedBy,
    RejectionReason,
    CreatedBy,
    PublishNotes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ModuleRequests {
    Table,
    Id,
    ToolId,
    ModuleName,
    Justification,
    RequestedBy,
    Status,
    ReviewedAt,
    ReviewedBy,
    RejectionReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum NetworkAccessRequests {
    Table,
    Id,
    ToolId,
    Host,
    Port,
    Justification,
    RequestedBy,
    Status,
    ReviewedAt,
    ReviewedBy,
    RejectionReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ToolExecutionLogs {
    Table,
    Id,
    ToolId,
    ServerId,
    ToolName,
    InputArgs,
    Result,
    Error,
    Stdout,
    DurationMs,
    Success,
    IsTest,
    ExecutedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ToolVersions {
    Table,
    Id,
    ToolId,
    VersionNumber,
    Name,
    Description,
    Enabled,
    TimeoutMs,
    PythonCode,
    InputSchema,
    ChangeSummary,
    ChangeSource,
    CreatedAt,
    UpdatedAt,
}
