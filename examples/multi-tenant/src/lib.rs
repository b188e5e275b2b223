//! The multi-tenant plan (`shared/seeds/001_*`) applied on top of the application's 14
//! migrations: an `organizations` table with a default organization, `org_id` on every
//! org-scoped table (existing rows backfilled to the default organization), unique rules
//! scoped to the organization, PostgreSQL row-level security, and a sessions table.
//!
//! `Migrator` reuses `migration::Migrator`'s 14 migrations and appends its own, so one
//! `seaql_migrations` history covers both. Apply it with the safe runner:
//! `cargo run -p multi-tenant-migration -- up` (`-u postgres://...` for PostgreSQL). The
//! README explains each design decision; `parity-allowlist.txt` every SQLite difference.

pub use sea_orm_migration::prelude::*;

pub mod migrations;

use migrations::*;

/// The backend of `manager` for migration `migration`: SQLite or PostgreSQL, the two the
/// plan's own migrations are written for (row-level security, the SQLite table rebuilds);
/// any other (MySQL) is refused before anything runs.
pub(crate) fn backend(
    manager: &SchemaManager,
    migration: &str,
) -> Result<migration::schema::Backend, DbErr> {
    use migration::schema::Backend;
    match Backend::of(manager, migration)? {
        backend @ (Backend::Sqlite | Backend::Postgres) => Ok(backend),
        other => Err(other.unsupported(migration)),
    }
}

/// The organization every pre-existing row is given: the single tenant of an install
/// that predates organizations. Its id is fixed so that application code and operators
/// can name it.
pub const DEFAULT_ORG_ID: &str = "default";

/// The tables whose rows belong to one organization, in the schema's migration order.
/// `settings` (platform configuration) and `apps` (the install's own OAuth client, which
/// `organizations` replaces) stay global.
pub const ORG_SCOPED_TABLES: [&str; 14] = [
    "download_requests",
    "api_model_aliases",
    "model_metadata",
    "access_requests",
    "api_tokens",
    "toolsets",
    "app_toolset_configs",
    "user_aliases",
    "app_access_requests",
    "mcp_servers",
    "mcps",
    "mcp_auth_headers",
    "mcp_oauth_configs",
    "mcp_oauth_tokens",
];

/// Every migration's source file, compiled in: part of the runner's checksums. This
/// example's own, and the reused application migrations' (`migration::SOURCES`).
pub const SOURCES: migration_runner::Sources = migration_runner::migration_sources!(
    "src/migrations" =>
    m20260301_000001_organizations,
    m20260301_000002_org_id,
    m20260301_000003_row_level_security,
    m20260301_000004_sessions,
)
.and(&migration::SOURCES);

/// The 14 migrations of the application schema, then the multi-tenant ones.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = migration::Migrator::migrations();
        all.push(Box::new(m20260301_000001_organizations::Migration));
        all.push(Box::new(m20260301_000002_org_id::Migration));
        all.push(Box::new(m20260301_000003_row_level_security::Migration));
        all.push(Box::new(m20260301_000004_sessions::Migration));
        all
    }
}
