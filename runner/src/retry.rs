//! Lock timeouts with retries (PostgreSQL): a migration whose statement waited longer
//! than `lock_timeout` for a table lock was rolled back whole by the server; it is tried
//! again after a growing pause with jitter, up to [`Options::ddl_retries`] times, each
//! attempt reported to the observer. Giving up names the sessions holding locks on the
//! schema's tables, as the server shows them.
//!
//! Why: a waiting `ALTER TABLE` keeps its place in the table's lock queue, so every read
//! and write of that table queues behind it for as long as it waits. A short wait, then
//! a retry, keeps the application serving while a long transaction finishes.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement,
};

use crate::apply::is_lock_timeout;
use crate::error::Error;
use crate::event::Event;
use crate::options::Options;

/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// One migration's step (`attempt`, `action` for messages), tried again while it fails
/// on its lock timeout (only when `retryable`: it ran in one transaction, so nothing of
/// it stayed).
pub(crate) async fn with_lock_retries<F, Fut>(
    db: &DatabaseConnection,
    options: &Options,
    migration: &str,
    action: &str,
    retryable: bool,
    mut attempt: F,
) -> Result<(), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), DbErr>>,
{
    let mut tried = 1u32;
    loop {
        let error = match attempt().await {
            Ok(()) => return Ok(()),
            Err(e) if retryable && is_lock_timeout(&e) => e,
            Err(e) => return Err(Error::failed(action, e)),
        };
        let holders = lock_holders(db).await;
        if tried > options.ddl_retries {
            return Err(Error::LockTimeoutGaveUp {
                migration: migration.to_owned(),
                attempts: tried,
                waited_ms: options.ddl_lock_timeout.as_millis() as u64,
                holders: holders_text(&holders),
                detail: error.to_string(),
            });
        }
        let pause = pause_before(tried + 1);
        options.observer.notify(&Event::LockTimeoutRetry {
            name: migration.to_owned(),
            attempt: tried,
            retries: options.ddl_retries,
            pause,
            holders,
        });
        tokio::time::sleep(pause).await;
        tried += 1;
    }
}

/// 0.5 s before the 2nd attempt, doubling up to 30 s, each ±50 % at random so that
/// several deployers do not retry in step.
fn pause_before(attempt: u32) -> Duration {
    let base = Duration::from_millis(500).saturating_mul(1 << attempt.saturating_sub(2).min(16));
    let base = base.min(MAX_PAUSE);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    // 0.5 to 1.5 times the base.
    base.mul_f64(0.5 + f64::from(nanos % 1000) / 1000.0)
}

/// The other sessions holding locks on tables of the run's schema now: who the
/// migration most likely waited for. As far as this role may see.
async fn lock_holders(db: &DatabaseConnection) -> Vec<String> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Vec::new();
    }
    let sql = "SELECT a.pid, COALESCE(a.application_name, '') AS application, \
               COALESCE(a.state, '?') AS state, \
               COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - a.xact_start)::bigint, 0) AS age, \
               string_agg(DISTINCT l.mode || ' on ' || c.relname, ', ') AS holds \
               FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
               JOIN pg_namespace n ON n.oid = c.relnamespace \
               JOIN pg_stat_activity a ON a.pid = l.pid \
               WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() \
               AND n.nspname = current_schema() \
               GROUP BY a.pid, a.application_name, a.state, a.xact_start \
               ORDER BY age DESC LIMIT 5";
    let Ok(rows) = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
    else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| {
            let pid = row.try_get::<i32>("", "pid").unwrap_or_default();
            let application = row.try_get::<String>("", "application").unwrap_or_default();
            let state = row.try_get::<String>("", "state").unwrap_or_default();
            let age = row.try_get::<i64>("", "age").unwrap_or_default();
            let holds = row.try_get::<String>("", "holds").unwrap_or_default();
            crate::event::printable(&format!(
                "PostgreSQL session pid {pid} (application '{application}', {state}, transaction open for {age} s) holding {holds}"
            ))
        })
        .collect()
}

fn holders_text(holders: &[String]) -> String {
    if holders.is_empty() {
        "no session holding a lock on the schema's tables is visible now (it may have ended, or this role may not see it)".to_owned()
    } else {
        holders.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_with_jitter_and_a_cap() {
        for attempt in 2..40 {
            let pause = pause_before(attempt);
            let base = Duration::from_millis(500)
                .saturating_mul(1 << (attempt - 2).min(16))
                .min(MAX_PAUSE);
            assert!(
                pause >= base.mul_f64(0.5) && pause <= base.mul_f64(1.5),
                "{attempt}: {pause:?}"
            );
        }
        assert!(pause_before(40) <= MAX_PAUSE.mul_f64(1.5));
    }
}
