//! The throwaway database the entities are generated from.

use anyhow::Context;
use conformance::{Backend, TestDatabase};
use migration::{Migrator, MigratorTrait};

/// A fresh PostgreSQL database (from the conformance harness: `CONFORMANCE_PG_URL`,
/// testcontainers image `CONFORMANCE_PG_IMAGE`, or local binaries) with every migration
/// applied. The caller closes it.
pub async fn migrated_postgres() -> anyhow::Result<TestDatabase> {
    let db = TestDatabase::fresh(Backend::Postgres).await.context(
        "cannot get a PostgreSQL database to generate from \
         (set CONFORMANCE_PG_IMAGE, CONFORMANCE_PG_URL, or install PostgreSQL)",
    )?;
    if let Err(e) = Box::pin(Migrator::up(&db.conn, None)).await {
        let _ = db.close().await;
        return Err(e).context("the migrations failed on the throwaway PostgreSQL database");
    }
    Ok(db)
}
