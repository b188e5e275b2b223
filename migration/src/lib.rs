//! The application's schema as 14 SeaORM migrations.
//!
//! `Migrator` is an ordinary [`MigratorTrait`]. Apply it with the safe runner, which
//! holds a lock, commits each migration with its bookkeeping and keeps checksums: at
//! application start-up with
//! `migration_runner::up::<Migrator>(&db, &migration_runner::Options::default().sources(SOURCES))`,
//! or from the command line with `cargo run -p migration`.

pub use sea_orm_migration::prelude::*;

pub mod migrations;
pub mod schema;

use migrations::*;

/// The 14 migrations of the application schema, oldest first.
pub struct Migrator;

/// Lists the migrations once, for the migrator and for their checksummed sources.
macro_rules! migrations {
    ($($migration:ident),* $(,)?) => {
        /// Each migration's source file, compiled in: the first part of its checksum.
        pub const SOURCES: migration_runner::Sources =
            migration_runner::migration_sources!("src/migrations" => $($migration),*);

        #[async_trait::async_trait]
        impl MigratorTrait for Migrator {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![$(Box::new($migration::Migration)),*]
            }
        }
    };
}

migrations!(
    m20250101_000000_extensions,
    m20250101_000001_download_requests,
    m20250101_000002_api_model_aliases,
    m20250101_000003_model_metadata,
    m20250101_000004_access_requests,
    m20250101_000005_api_tokens,
    m20250101_000006_toolsets,
    m20250101_000007_user_aliases,
    m20250101_000008_app_access_requests,
    m20250101_000009_mcp_servers,
    m20250101_000010_mcp_auth_headers,
    m20250101_000011_mcp_oauth,
    m20250101_000012_settings,
    m20250101_000013_apps,
);
