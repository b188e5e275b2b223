//! Running one migration up or down with its row in the migrations table, as
//! sea-orm-migration does, and writing that row alone.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::{
    IntoSchemaManagerConnection, MigrationTrait, MigratorTrait, SchemaManager,
};

use crate::backends::Backend;
use crate::checks::locks::LockProbe;
use crate::error::HarnessError;
use migration_runner::Direction;
use migration_runner::Direction::{Down, Up};

/// Runs one migration's `up` or `down` exactly as sea-orm-migration's `up` / `down`
/// with one step do (in a transaction on PostgreSQL or when the migration asks for one,
/// its version row written or removed in the same transaction), without reading every
/// applied version first: that read made each call cost more as the migrator grows.
pub(super) async fn apply<M: MigratorTrait>(
    conn: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr> {
    apply_measured::<M>(conn, migration, direction, None).await
}

/// [`apply`], telling `probe` when the migration starts and letting it read the locks
/// its transaction holds just before commit (see [`LockProbe`]).
pub(super) async fn apply_measured<M: MigratorTrait>(
    conn: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
    mut probe: Option<&mut LockProbe>,
) -> Result<(), DbErr> {
    let in_transaction = Backend::from_db(conn.get_database_backend())
        .is_some_and(|backend| backend.runs_in_transaction(migration));
    if let Some(probe) = probe.as_deref_mut() {
        probe.start(in_transaction);
    }
    if in_transaction {
        let transaction = conn.begin().await?;
        run_and_record::<M, _>(&transaction, migration, direction).await?;
        if let Some(probe) = probe {
            probe.before_commit(&transaction).await;
        }
        transaction.commit().await
    } else {
        run_and_record::<M, _>(conn, migration, direction).await
    }
}

async fn run_and_record<'c, M: MigratorTrait, C>(
    conn: &'c C,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    &'c C: IntoSchemaManagerConnection<'c>,
{
    direction.run(migration, &SchemaManager::new(conn)).await?;
    match direction {
        Up => {
            let applied_at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            insert_version::<M, _>(conn, migration.name(), applied_at).await?;
        }
        Down => {
            let mut delete = Query::delete();
            delete
                .from_table(M::migration_table_name())
                .and_where(Expr::col(Alias::new("version")).eq(migration.name()));
            conn.execute(&delete).await?;
        }
    }
    Ok(())
}

/// Records `name` in the migrations table without running it.
pub(super) async fn mark_applied<M: MigratorTrait>(
    conn: &DatabaseConnection,
    name: &str,
) -> Result<(), HarnessError> {
    Ok(insert_version::<M, _>(conn, name, 0).await?)
}

/// `name`'s row in the migrations table, as sea-orm-migration writes it.
async fn insert_version<M: MigratorTrait, C: ConnectionTrait>(
    conn: &C,
    name: &str,
    applied_at: i64,
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(M::migration_table_name())
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .values([name.into(), applied_at.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    conn.execute(&insert).await?;
    Ok(())
}
