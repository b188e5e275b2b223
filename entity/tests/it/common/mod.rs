//! Shared by the entity tests: migrated databases and full rows for every table.

pub mod rows;

use std::fmt::Debug;

use conformance::{Backend, TestDatabase};
use migration::{Migrator, MigratorTrait};
use sea_orm::prelude::DateTimeWithTimeZone;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Iterable,
    PrimaryKeyToColumn, QueryOrder,
};

/// A fresh database on `backend` with every migration applied; `None` when PostgreSQL
/// is unavailable and the harness was told to skip (`CONFORMANCE_REQUIRE_POSTGRES=0`).
pub async fn migrated(backend: Backend) -> Option<TestDatabase> {
    let db = conformance::fresh_database(backend).await?;
    Migrator::up(&db.conn, None)
        .await
        .unwrap_or_else(|e| panic!("migrations failed on {backend}: {e}"));
    Some(db)
}

/// An RFC 3339 timestamp; the tests use non-UTC offsets and microseconds on purpose.
pub fn ts(rfc3339: &str) -> DateTimeWithTimeZone {
    DateTimeWithTimeZone::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("bad test timestamp {rfc3339}: {e}"))
}

/// Inserts `rows` through SeaORM and returns what `find()` reads back, in primary-key
/// order.
pub async fn insert_and_read_back<E>(db: &DatabaseConnection, rows: &[E::Model]) -> Vec<E::Model>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone + Debug,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    insert_all::<E>(db, rows).await;
    let pk = E::PrimaryKey::iter()
        .next()
        .expect("every table has a primary key")
        .into_column();
    E::find()
        .order_by_asc(pk)
        .all(db)
        .await
        .unwrap_or_else(|e| panic!("cannot read back {}: {e}", E::default().table_name()))
}

pub async fn insert_all<E>(db: &DatabaseConnection, rows: &[E::Model])
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone + Debug,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    for row in rows {
        E::insert(row.clone().into_active_model())
            .exec_without_returning(db)
            .await
            .unwrap_or_else(|e| panic!("cannot insert {row:?}: {e}"));
    }
}
