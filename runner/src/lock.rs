//! One migrator at a time: the lock that every changing run holds for its whole run.
//!
//! - PostgreSQL: a session advisory lock on the run's dedicated session (see
//!   [`crate::session`]), keyed by the canonical database and schema. The server releases
//!   it when the session ends, so a killed migrator never leaves it behind.
//! - SQLite: an exclusive `flock` on the database file itself, so that every path to it
//!   is one lock (see [`crate::file_lock`]). The kernel drops a `flock` when its process
//!   dies; SQLite only works on local file systems anyway, where `flock` holds across
//!   processes. SQLite's own locks cannot do this job: a `BEGIN IMMEDIATE` cannot span
//!   per-migration transactions, and a lock row survives a crash and would need expiry.
//! - MySQL / MariaDB: a named `GET_LOCK` on the run's dedicated session, keyed by the
//!   canonical database (see [`crate::mysql_lock`]).
//! - SQLite in memory: nothing to lock, no other process can see the database.
//!
//! Both are tried (never waited on) until a deadline, by one loop, so that the wait is
//! bounded by the lock timeout the same way on both backends.

use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value,
};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::event::printable;
use crate::event::{Event, Observer};
use crate::file_lock::{DatabaseFile, FileLockError};
use crate::session::{LockScope, Session};

/// How often a waiting migrator tries the lock again.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// The lock, held until [`MigrationLock::release`] (or the session's or process's end).
#[derive(Debug)]
pub(crate) enum MigrationLock {
    Postgres { key: i64 },
    SqliteFile { _file: DatabaseFile },
    MySql { name: String },
    Nothing,
}

/// The advisory lock key of one schema of one database: migrators of different schemas
/// do not block each other. Stable across versions of the runner.
pub(crate) fn postgres_lock_key(database: &str, schema: &str) -> i64 {
    let digest = Sha256::digest(format!("migration-runner lock\0{database}\0{schema}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// One kind of lock, tried once at a time by [`wait_for`].
pub(crate) trait Attempt {
    /// Takes the lock if free.
    async fn try_take(&mut self) -> Result<Option<MigrationLock>, Error>;
    /// Who holds it, for messages.
    async fn holder(&mut self) -> String;
}

/// The one wait loop: tries until `timeout`, says once that it waits, then gives up
/// naming the holder.
async fn wait_for<A: Attempt>(
    attempt: &mut A,
    target: &str,
    timeout: Duration,
    observer: &Observer,
) -> Result<MigrationLock, Error> {
    let started = Instant::now();
    let mut announced = false;
    loop {
        if let Some(lock) = attempt.try_take().await? {
            return Ok(lock);
        }
        let holder = printable(&attempt.holder().await);
        if started.elapsed() >= timeout {
            return Err(Error::LockTimeout {
                target: target.to_owned(),
                waited: timeout.as_secs(),
                holder,
            });
        }
        if !announced {
            observer.notify(&Event::WaitingForLock { holder, timeout });
            announced = true;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

impl MigrationLock {
    /// Takes the lock of `session`'s database, waiting at most `timeout`.
    pub async fn acquire(
        session: &Session,
        timeout: Duration,
        observer: &Observer,
    ) -> Result<Self, Error> {
        let target = session.describe();
        match &session.scope {
            LockScope::Nothing => Ok(Self::Nothing),
            LockScope::SqliteFile { database } => {
                let file = DatabaseFile::open(database).map_err(file_error)?;
                let mut attempt = FileAttempt { file: Some(file) };
                wait_for(&mut attempt, &target, timeout, observer).await
            }
            LockScope::Postgres { database, schema } => {
                let mut attempt = AdvisoryAttempt {
                    key: postgres_lock_key(database, schema.name()),
                    db: &session.conn,
                    target: &target,
                };
                wait_for(&mut attempt, &target, timeout, observer).await
            }
            LockScope::MySql { database } => {
                let mut attempt = crate::mysql_lock::UserLockAttempt {
                    name: crate::mysql_lock::lock_name(database),
                    db: &session.conn,
                    target: &target,
                };
                wait_for(&mut attempt, &target, timeout, observer).await
            }
        }
    }

    /// Fails unless this session still holds the lock. Run inside each migration's
    /// transaction: should the session ever be replaced, the advisory lock is gone with
    /// the old one, and nothing more may be applied.
    pub async fn verify<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        if let Self::MySql { name } = self {
            return crate::mysql_lock::verify(conn, name).await;
        }
        let Self::Postgres { key } = self else {
            // A file lock belongs to this process for as long as it runs.
            return Ok(());
        };
        let row = conn
            .query_one_raw(statement(&format!("SELECT {HELD}"), halves(*key)))
            .await?;
        held(row)
    }

    /// The PostgreSQL advisory key's halves, bound as `$1` and `$2` of [`HELD`]; `None`
    /// for the other locks, which [`MigrationLock::verify`] checks without a query.
    pub(crate) fn held_values(&self) -> Option<Vec<Value>> {
        match self {
            Self::Postgres { key } => Some(halves(*key)),
            _ => None,
        }
    }

    /// Releases the lock. Ending the session or the process releases it too, so a
    /// failure here is reported but harmless.
    pub async fn release(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        match self {
            Self::Postgres { key } => db
                .execute_raw(statement("SELECT pg_advisory_unlock($1)", vec![key.into()]))
                .await
                .map(|_| ()),
            Self::MySql { name } => crate::mysql_lock::release(db, &name).await,
            // Closing the file releases the flock.
            // Dropping the descriptor unlocks it (and keeps it open, see file_lock).
            Self::SqliteFile { .. } | Self::Nothing => Ok(()),
        }
    }
}

/// PostgreSQL: whether this session holds the advisory lock whose key halves are `$1`
/// and `$2`, as the column `held`.
pub(crate) const HELD: &str = "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
     AND granted AND pid = pg_backend_pid() AND classid::bigint = $1 \
     AND objid::bigint = $2 AND objsubid = 1) AS held";

/// Succeeds when `row`'s `held` column ([`HELD`]) is true.
pub(crate) fn held(row: Option<QueryResult>) -> Result<(), DbErr> {
    match row.map(|r| r.try_get::<bool>("", "held")).transpose()? {
        Some(true) => Ok(()),
        _ => Err(DbErr::Custom(
            "the migration lock was lost (the database session was replaced); \
             nothing more was applied, run the command again"
                .to_owned(),
        )),
    }
}

fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// `pg_locks` shows a bigint key as two oids: the high and the low 32 bits.
fn halves(key: i64) -> Vec<Value> {
    let bits = key as u64;
    vec![
        ((bits >> 32) as i64).into(),
        ((bits & 0xffff_ffff) as i64).into(),
    ]
}

/// A PostgreSQL session advisory lock on one key.
struct AdvisoryAttempt<'a> {
    key: i64,
    db: &'a DatabaseConnection,
    target: &'a str,
}

impl Attempt for AdvisoryAttempt<'_> {
    async fn try_take(&mut self) -> Result<Option<MigrationLock>, Error> {
        let row = self
            .db
            .query_one_raw(statement(
                "SELECT pg_try_advisory_lock($1) AS locked",
                vec![self.key.into()],
            ))
            .await
            .and_then(|row| row.map(|r| r.try_get::<bool>("", "locked")).transpose())
            .map_err(|source| Error::Lock {
                target: self.target.to_owned(),
                source,
            })?;
        Ok((row == Some(true)).then_some(MigrationLock::Postgres { key: self.key }))
    }

    /// As far as this session may see (`pg_stat_activity` hides other roles' details
    /// from non-superusers, never the pid).
    async fn holder(&mut self) -> String {
        let sql = "SELECT a.pid, COALESCE(a.application_name, '') AS application, \
                   COALESCE(host(a.client_addr), 'local socket') AS client, \
                   COALESCE(to_char(a.backend_start AT TIME ZONE 'UTC', \
                   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '?') AS since \
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                   WHERE l.locktype = 'advisory' AND l.granted \
                   AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
        let row = match self
            .db
            .query_one_raw(statement(sql, halves(self.key)))
            .await
        {
            Ok(Some(row)) => row,
            _ => return "another session (not visible to this user)".to_owned(),
        };
        let pid = row.try_get::<i32>("", "pid").unwrap_or_default();
        let application = row.try_get::<String>("", "application").unwrap_or_default();
        let client = row.try_get::<String>("", "client").unwrap_or_default();
        let since = row.try_get::<String>("", "since").unwrap_or_default();
        format!(
            "PostgreSQL session pid {pid} (application '{application}', client {client}, connected since {since})"
        )
    }
}

/// An exclusive `flock` on a SQLite database file (see [`crate::file_lock`]).
struct FileAttempt {
    file: Option<DatabaseFile>,
}

impl Attempt for FileAttempt {
    async fn try_take(&mut self) -> Result<Option<MigrationLock>, Error> {
        let Some(file) = self.file.as_ref() else {
            return Ok(None);
        };
        if !file.try_lock().map_err(file_error)? {
            return Ok(None);
        }
        Ok(self
            .file
            .take()
            .map(|file| MigrationLock::SqliteFile { _file: file }))
    }

    async fn holder(&mut self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| "another process".to_owned(), DatabaseFile::holder)
    }
}

fn file_error(e: FileLockError) -> Error {
    Error::LockFile {
        path: e.path,
        reason: e.reason,
    }
}
