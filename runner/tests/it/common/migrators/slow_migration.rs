//! What the slow migrations (`m20240301_*_slow_*`, for the kill test) share: migration
//! N creates the table `slow_N`, an index on it and two rows; its `down` drops them.
//! While [`SLOW`] is set (only in the process the kill test kills) each pauses between
//! statements, which widens every window a kill can land in. Dry runs (the checksum's,
//! on a mock connection) do not pause: they issue the same SQL either way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm_migration::prelude::*;

/// Pause between statements; set by the killed process only.
pub static SLOW: AtomicBool = AtomicBool::new(false);

/// One pause. Up pauses twice, down three times.
pub const PAUSE: Duration = Duration::from_millis(8);

pub fn table(n: u32) -> String {
    format!("slow_{n}")
}

pub fn index(n: u32) -> String {
    format!("idx_slow_{n}_label")
}

/// The rows migration `n` inserts, sorted.
pub fn labels(n: u32) -> Vec<String> {
    vec![format!("slow_{n}_a"), format!("slow_{n}_b")]
}

async fn pause(manager: &SchemaManager<'_>) {
    // The dry runs are on a mock connection; MySQL's real run is on a plain connection
    // (no transaction), the others' in a transaction.
    let real_run = match manager.get_connection() {
        SchemaManagerConnection::Connection(conn) => !matches!(
            conn.inner,
            sea_orm_migration::sea_orm::DatabaseConnectionType::MockDatabaseConnection(_)
        ),
        _ => true,
    };
    if real_run && SLOW.load(Ordering::Relaxed) {
        tokio::time::sleep(PAUSE).await;
    }
}

pub async fn up(manager: &SchemaManager<'_>, n: u32) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(Alias::new(table(n)))
                .col(
                    ColumnDef::new(Alias::new("id"))
                        .integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Alias::new("label")).string().not_null())
                .to_owned(),
        )
        .await?;
    pause(manager).await;
    manager
        .create_index(
            Index::create()
                .name(index(n))
                .table(Alias::new(table(n)))
                .col(Alias::new("label"))
                .to_owned(),
        )
        .await?;
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(table(n)))
        .columns([Alias::new("label")]);
    for label in labels(n) {
        insert.values_panic([label.into()]);
    }
    manager.execute(insert).await?;
    pause(manager).await;
    Ok(())
}

pub async fn down(manager: &SchemaManager<'_>, n: u32) -> Result<(), DbErr> {
    pause(manager).await;
    manager
        .drop_index(
            Index::drop()
                .name(index(n))
                .table(Alias::new(table(n)))
                .to_owned(),
        )
        .await?;
    pause(manager).await;
    manager
        .drop_table(Table::drop().table(Alias::new(table(n))).to_owned())
        .await?;
    pause(manager).await;
    Ok(())
}
