//! MCPBox's database schema: its two Alembic migrations (`0001_initial_schema`,
//! `0002_consolidate_approval_sources`) ported to SeaORM, for PostgreSQL as upstream runs
//! them and for SQLite with an honest equivalent of each PostgreSQL-only feature.
//!
//! `Migrator` is an ordinary [`MigratorTrait`]. Apply it with the safe runner:
//! `cargo run -p mcpbox-migration -- up` (SQLite file `data/app.sqlite` by default,
//! `-u postgres://...` for PostgreSQL), or `migration_runner::up::<Migrator>(&db, ..)` at start-up.
//! See the example's README for what the port changes from upstream, and
//! `parity-allowlist.txt` for every difference between the two backends.

pub use sea_orm_migration::prelude::*;

mod columns;
pub mod migrations;

use migrations::*;

/// Each migration's source file, compiled in: part of the runner's checksums.
pub const SOURCES: migration_runner::Sources = migration_runner::migration_sources!(
    "src/migrations" =>
    m20260227_000001_initial_schema,
    m20260228_000002_consolidate_approval_sources,
);

/// The two MCPBox migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260227_000001_initial_schema::Migration),
            Box::new(m20260228_000002_consolidate_approval_sources::Migration),
        ]
    }
}
