//! One migrator at a time: the lock that `up`, `down`, `fresh`, `refresh` and `reset`
//! hold for their whole run.
//!
//! - PostgreSQL: a session advisory lock taken on the CLI's single connection. The server
//!   releases it when the session ends, so a killed migrator never leaves it behind.
//! - SQLite: an exclusive `flock` on a lock file next to the database
//!   (`<file>.migration-lock`, kept, never deleted: deleting a lock file races with a
//!   process about to lock it). SQLite's own locks cannot do this job: a `BEGIN
//!   IMMEDIATE` cannot span sea-orm's per-migration transactions on the same connection,
//!   and a lock row in a table survives a crash and would need expiry. The kernel drops a
//!   `flock` when its process dies, and SQLite only works on local file systems anyway,
//!   where `flock` holds across processes. The holder writes its pid and start time into
//!   the file so that a waiter can say who holds it.
//! - SQLite in memory: nothing to lock, no other process can see the database.
//!
//! The lock is polled (`try`) until a deadline rather than waited on, so that the wait is
//! bounded by `--lock-timeout` on both backends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Value};
use sha2::{Digest, Sha256};

use super::database::Target;
use super::error::CliError;

/// How often a waiting migrator tries the lock again.
const POLL_EVERY: Duration = Duration::from_millis(100);

/// The lock, held until [`MigrationLock::release`] (or the process's end).
#[derive(Debug)]
pub struct MigrationLock {
    held: Held,
}

#[derive(Debug)]
enum Held {
    Postgres { key: i64 },
    SqliteFile { _file: File },
    Nothing,
}

/// The advisory lock key for a PostgreSQL schema: migrators of different schemas of one
/// database do not block each other. Stable across versions of this binary.
pub fn postgres_lock_key(schema: &str) -> i64 {
    let digest = Sha256::digest(format!("migration CLI lock for schema {schema}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// The lock file of a SQLite database file (absolute, for messages).
pub fn sqlite_lock_path(database: &Path) -> PathBuf {
    let database = std::path::absolute(database).unwrap_or_else(|_| database.to_path_buf());
    let mut name = database.into_os_string();
    name.push(".migration-lock");
    PathBuf::from(name)
}

impl MigrationLock {
    /// Takes the lock for `target`, waiting at most `timeout`. While it waits, it says so
    /// once on stdout, naming the holder.
    pub async fn acquire(
        target: &Target,
        db: &DatabaseConnection,
        pg_schema: &str,
        timeout: Duration,
    ) -> Result<Self, CliError> {
        let held = match target {
            Target::Sqlite { path: None } => Held::Nothing,
            Target::Sqlite { path: Some(path) } => {
                FileLock::new(path).acquire(target, timeout).await?
            }
            Target::Postgres { .. } => {
                let lock = AdvisoryLock::new(postgres_lock_key(pg_schema));
                lock.acquire(target, db, timeout).await?
            }
        };
        Ok(Self { held })
    }

    /// Fails unless this session still holds the lock. Run inside each migration's
    /// transaction: should the pool ever replace the connection, the advisory lock is
    /// gone with the old session, and nothing more may be applied.
    pub async fn verify<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        let Held::Postgres { key } = self.held else {
            // A file lock belongs to this process for as long as it runs.
            return Ok(());
        };
        let row = conn
            .query_one_raw(AdvisoryLock::statement(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                 AND granted AND pid = pg_backend_pid() AND classid::bigint = $1 \
                 AND objid::bigint = $2 AND objsubid = 1) AS held",
                AdvisoryLock::halves(key),
            ))
            .await?;
        match row.map(|r| r.try_get::<bool>("", "held")).transpose()? {
            Some(true) => Ok(()),
            _ => Err(DbErr::Custom(
                "the migration lock was lost (the database connection was replaced); \
                 nothing more was applied, run the command again"
                    .to_owned(),
            )),
        }
    }

    /// Releases the lock. Ending the session or the process releases it too, so a
    /// failure here is reported but harmless.
    pub async fn release(self, db: &DatabaseConnection) -> Result<(), DbErr> {
        match self.held {
            Held::Postgres { key } => db
                .execute_raw(AdvisoryLock::statement(
                    "SELECT pg_advisory_unlock($1)",
                    vec![key.into()],
                ))
                .await
                .map(|_| ()),
            // Closing the file releases the flock.
            Held::SqliteFile { .. } | Held::Nothing => Ok(()),
        }
    }
}

/// A PostgreSQL session advisory lock on one key.
struct AdvisoryLock {
    key: i64,
}

impl AdvisoryLock {
    fn new(key: i64) -> Self {
        Self { key }
    }

    fn statement(sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(sea_orm_migration::sea_orm::DbBackend::Postgres, sql, values)
    }

    /// `pg_locks` shows a bigint key as two oids: the high and the low 32 bits.
    fn halves(key: i64) -> Vec<Value> {
        let bits = key as u64;
        vec![
            ((bits >> 32) as i64).into(),
            ((bits & 0xffff_ffff) as i64).into(),
        ]
    }

    async fn acquire(
        &self,
        target: &Target,
        db: &DatabaseConnection,
        timeout: Duration,
    ) -> Result<Held, CliError> {
        let deadline = Instant::now() + timeout;
        let mut announced = false;
        loop {
            if self.try_lock(db).await.map_err(|e| lock_error(target, e))? {
                return Ok(Held::Postgres { key: self.key });
            }
            let holder = self.holder(db).await;
            if Instant::now() >= deadline {
                return Err(CliError::LockTimeout {
                    target: target.describe(),
                    waited: timeout.as_secs(),
                    holder,
                });
            }
            announce_wait(&mut announced, &holder, timeout);
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    async fn try_lock(&self, db: &DatabaseConnection) -> Result<bool, DbErr> {
        let row = db
            .query_one_raw(Self::statement(
                "SELECT pg_try_advisory_lock($1) AS locked",
                vec![self.key.into()],
            ))
            .await?;
        Ok(row
            .map(|r| r.try_get::<bool>("", "locked"))
            .transpose()?
            .unwrap_or(false))
    }

    /// Who holds the lock, as far as this session may see (`pg_stat_activity` hides
    /// other roles' details from non-superusers, never the pid).
    async fn holder(&self, db: &DatabaseConnection) -> String {
        let sql = "SELECT a.pid, COALESCE(a.application_name, '') AS application, \
                   COALESCE(host(a.client_addr), 'local socket') AS client, \
                   COALESCE(to_char(a.backend_start AT TIME ZONE 'UTC', \
                   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '?') AS since \
                   FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                   WHERE l.locktype = 'advisory' AND l.granted \
                   AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.objsubid = 1 \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";
        let row = match db
            .query_one_raw(Self::statement(sql, Self::halves(self.key)))
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

/// An exclusive `flock` on a SQLite database's lock file.
struct FileLock {
    path: PathBuf,
}

impl FileLock {
    fn new(database: &Path) -> Self {
        Self {
            path: sqlite_lock_path(database),
        }
    }

    async fn acquire(&self, target: &Target, timeout: Duration) -> Result<Held, CliError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(|e| self.error(e))?;
        let deadline = Instant::now() + timeout;
        let mut announced = false;
        loop {
            match file.try_lock() {
                Ok(()) => {
                    self.write_holder(&mut file).map_err(|e| self.error(e))?;
                    return Ok(Held::SqliteFile { _file: file });
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(self.error(e)),
            }
            let holder = self.holder(&mut file);
            if Instant::now() >= deadline {
                return Err(CliError::LockTimeout {
                    target: target.describe(),
                    waited: timeout.as_secs(),
                    holder,
                });
            }
            announce_wait(&mut announced, &holder, timeout);
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Says who holds the lock, for whoever waits for it.
    fn write_holder(&self, file: &mut File) -> std::io::Result<()> {
        let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        write!(file, "process {} since {since}", std::process::id())?;
        file.flush()
    }

    fn holder(&self, file: &mut File) -> String {
        let mut text = String::new();
        let read = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text));
        match read {
            Ok(_) if !text.trim().is_empty() => text.trim().to_owned(),
            // The holder has just taken it and not yet written its name.
            _ => format!("another process (see {})", self.path.display()),
        }
    }

    fn error(&self, e: std::io::Error) -> CliError {
        CliError::LockFile {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }
}

fn announce_wait(announced: &mut bool, holder: &str, timeout: Duration) {
    if !*announced {
        super::say!(
            "waiting up to {} s for the migration lock, held by {holder}",
            timeout.as_secs()
        );
        *announced = true;
    }
}

fn lock_error(target: &Target, source: DbErr) -> CliError {
    CliError::Lock {
        target: target.describe(),
        source,
    }
}
