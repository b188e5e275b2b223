//! Records the SQL a real connection executes, through sea-orm's metric hook.
//!
//! Statements touching the migrations bookkeeping table (sea-orm-migration's own
//! install / select / insert / delete) are left out: they are the runner's, not the
//! migration's. So are statements that failed: the error is reported instead.

use std::sync::{Arc, Mutex};

use sea_orm::DatabaseConnection;

/// The statements executed on one connection since the last [`SqlLog::take`].
#[derive(Clone, Default)]
pub struct SqlLog {
    statements: Arc<Mutex<Vec<String>>>,
}

impl SqlLog {
    /// Starts recording what `conn` executes; `bookkeeping_table` is the migrations table.
    pub fn attach(conn: &mut DatabaseConnection, bookkeeping_table: &str) -> Self {
        let log = Self::default();
        let sink = Arc::clone(&log.statements);
        let bookkeeping_table = bookkeeping_table.to_owned();
        conn.set_metric_callback(move |info| {
            let sql = info.statement.sql.trim();
            if info.failed || sql.contains(&bookkeeping_table) {
                return;
            }
            if let Ok(mut all) = sink.lock() {
                all.push(sql.to_owned());
            }
        });
        log
    }

    /// The statements recorded so far, emptying the log.
    pub fn take(&self) -> Vec<String> {
        self.statements
            .lock()
            .map(|mut all| std::mem::take(&mut *all))
            .unwrap_or_default()
    }
}
