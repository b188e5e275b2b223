//! The application's schema as 14 SeaORM migrations; `migration_runner` applies them.
//!
//! `Migrator` is an ordinary [`MigratorTrait`]: embed it in the application
//! (`Migrator::up(&db, None)`) or run it with `cargo run -p migration`.

pub use sea_orm_migration::prelude::*;

pub mod migrations;
pub mod schema;

use migrations::*;

/// The 14 migrations of the application schema, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000000_extensions::Migration),
            Box::new(m20250101_000001_download_requests::Migration),
            Box::new(m20250101_000002_api_model_aliases::Migration),
            Box::new(m20250101_000003_model_metadata::Migration),
            Box::new(m20250101_000004_access_requests::Migration),
            Box::new(m20250101_000005_api_tokens::Migration),
            Box::new(m20250101_000006_toolsets::Migration),
            Box::new(m20250101_000007_user_aliases::Migration),
            Box::new(m20250101_000008_app_access_requests::Migration),
            Box::new(m20250101_000009_mcp_servers::Migration),
            Box::new(m20250101_000010_mcp_auth_headers::Migration),
            Box::new(m20250101_000011_mcp_oauth::Migration),
            Box::new(m20250101_000012_settings::Migration),
            Box::new(m20250101_000013_apps::Migration),
        ]
    }
}
