//! Each statement a run sends, with its duration, for `-v`: sea-orm's metric callback
//! on the run's own connection, which sees every statement sent with `execute`,
//! `query_one`, `query_all` (and their `_raw` forms), inside transactions too. It does
//! not see `execute_unprepared`, nor BEGIN / COMMIT / ROLLBACK.
//!
//! A statement is attributed to a migration when it is sent from within that migration's
//! own `up` or `down` (a task-local scope around the call); every other one is the
//! runner's bookkeeping (lock, version and checksum rows).

use std::future::Future;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseConnection;

use crate::event::{Event, Observer};

tokio::task_local! {
    static MIGRATION: String;
}

/// Reports every statement `conn` sends to `observer`.
pub(crate) fn watch(conn: &mut DatabaseConnection, observer: &Observer) {
    let observer = observer.clone();
    conn.set_metric_callback(move |info| {
        observer.notify(&Event::Statement {
            sql: info.statement.to_string(),
            elapsed: info.elapsed,
            failed: info.failed,
            migration: MIGRATION.try_with(Clone::clone).ok(),
        });
    });
}

/// `migration` as the runner runs it, its statements attributed to it.
pub(crate) struct Traced<'a>(pub &'a dyn MigrationTrait);

impl MigrationName for Traced<'_> {
    fn name(&self) -> &str {
        self.0.name()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Traced<'_> {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        within(self.0.name(), self.0.up(manager)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        within(self.0.name(), self.0.down(manager)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        self.0.use_transaction()
    }
}

async fn within<F: Future>(name: &str, work: F) -> F::Output {
    MIGRATION.scope(name.to_owned(), work).await
}
