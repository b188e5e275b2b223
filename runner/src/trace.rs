//! Each statement a run sends, with its duration, for `-v`: sea-orm's metric callback
//! on the run's own connection, which sees every statement sent with `execute`,
//! `query_one`, `query_all` (and their `_raw` forms), inside transactions too, with its
//! bound values shown. It does not see `execute_unprepared` (the usual way to write raw
//! SQL), nor BEGIN / COMMIT / ROLLBACK: a migration's `execute_unprepared` calls are
//! read from sea-orm's tracing spans instead (`statement-capture`), as they end, so
//! that `-v` shows them in their place.
//!
//! A statement is attributed to a migration when it is sent from within that migration's
//! own `up` or `down` (a task-local scope around the call); every other one is the
//! runner's bookkeeping (lock, version and checksum rows).

use std::future::Future;
use std::time::Duration;

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
            batch: None,
        });
    });
}

/// `migration` as the runner runs it, its statements attributed to it; with an
/// observer (`-v`), its `execute_unprepared` calls are reported too.
pub(crate) struct Traced<'a> {
    migration: &'a dyn MigrationTrait,
    unprepared_to: Option<Observer>,
}

impl<'a> Traced<'a> {
    pub(crate) fn new(migration: &'a dyn MigrationTrait, options: &crate::Options) -> Self {
        Self {
            migration,
            unprepared_to: options.report_statements.then(|| options.observer.clone()),
        }
    }

    async fn within<F: Future>(&self, work: F) -> F::Output {
        let name = self.migration.name().to_owned();
        // MySQL's dirty state needs to know which statements took effect.
        let tracker = crate::dirty::current();
        if self.unprepared_to.is_none() && tracker.is_none() {
            return MIGRATION.scope(name, work).await;
        }
        let observer = self.unprepared_to.clone();
        let migration = name.clone();
        let report = move |call: statement_capture::Call| {
            if let Some(tracker) = &tracker {
                crate::dirty::note(tracker, &call);
            }
            let Some(observer) = &observer else {
                return;
            };
            if !call.unprepared {
                return;
            }
            // A batch is shown as its statements, as the dry run and the harness show it.
            let pieces = statement_capture::split_statements(&call.sql);
            if pieces.len() < 2 {
                observer.notify(&Event::Statement {
                    sql: call.sql,
                    elapsed: call.elapsed,
                    failed: call.failed,
                    migration: Some(migration.clone()),
                    batch: None,
                });
                return;
            }
            let count = pieces.len();
            for (index, sql) in pieces.into_iter().enumerate() {
                observer.notify(&Event::Statement {
                    sql,
                    elapsed: if index == 0 {
                        call.elapsed
                    } else {
                        Duration::ZERO
                    },
                    failed: call.failed,
                    migration: Some(migration.clone()),
                    batch: Some((index + 1, count)),
                });
            }
        };
        statement_capture::observe(MIGRATION.scope(name, work), report).await
    }
}

impl MigrationName for Traced<'_> {
    fn name(&self) -> &str {
        self.migration.name()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Traced<'_> {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.within(self.migration.up(manager)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.within(self.migration.down(manager)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        self.migration.use_transaction()
    }
}
