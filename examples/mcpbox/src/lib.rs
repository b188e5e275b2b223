//! MCPBox's database schema: its two Alembic migrations (`0001_initial_schema`,
//! `0002_consolidate_approval_sources`) ported to SeaORM, for PostgreSQL as upstream runs
//! them and for SQLite with an honest equivalent of each PostgreSQL-only feature.
//!
//! `Migrator` is an ordinary [`MigratorTrait`]: `Migrator::up(&db, None)` applies both.
//! See the example's README for what the port changes from upstream, and
//! `parity-allowlist.txt` for every difference between the two backends.

pub use sea_orm_migration::prelude::*;

mod columns;
pub mod migrations;

use migrations::*;

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
