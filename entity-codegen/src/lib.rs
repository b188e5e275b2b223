//! Regenerates the `entity` crate's `src/generated/` from the migrated schema.
//!
//! The pipeline: migrate a throwaway PostgreSQL database with `migration::Migrator`
//! ([`database`]), discover its tables with sea-schema ([`discover`]), turn them into
//! SeaORM entities with sea-orm-codegen and fix what it gets wrong ([`render`]), type
//! the enum-like columns from the one table of their values ([`enums`], [`retype`]), and
//! describe what the entities cannot express ([`fidelity`]). [`output`] writes the files
//! and compares them with a committed copy (the drift check).
//!
//! PostgreSQL is the source because its catalog holds the richest types (`citext`,
//! `jsonb`, `timestamptz`); SQLite discovery loses them (see `FIDELITY.md`).

pub mod database;
pub mod discover;
pub mod enums;
pub mod fidelity;
pub mod output;
pub mod render;
pub mod retype;

use std::path::{Path, PathBuf};

pub use output::{Drift, GeneratedFiles};

/// Where the generated modules live: `entity/src/generated` in this workspace.
pub fn default_out_dir() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .unwrap_or(manifest_dir)
        .join("entity/src/generated")
}

/// Migrates a fresh PostgreSQL database and renders every generated file from it.
pub async fn generate() -> anyhow::Result<GeneratedFiles> {
    // Boxed: sea-orm's futures with three drivers are deep; callers stay shallow.
    let db = Box::pin(database::migrated_postgres()).await?;
    let result = Box::pin(generate_from(&db.conn)).await;
    // Drop the throwaway database whether or not generation worked.
    let closed = db.close().await;
    let files = result?;
    closed.map_err(|e| anyhow::anyhow!("cannot drop the throwaway database: {e}"))?;
    Ok(files)
}

/// Renders the generated files from an already migrated PostgreSQL connection.
pub async fn generate_from(conn: &sea_orm::DatabaseConnection) -> anyhow::Result<GeneratedFiles> {
    let schema = Box::pin(discover::discover(conn)).await?;
    let mut files = render::render_entities(&schema)?;
    let report = Box::pin(fidelity::FidelityReport::read(conn)).await?;
    files.insert(fidelity::FILE_NAME, report.to_markdown());
    Ok(files)
}
