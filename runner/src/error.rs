//! The runner's errors: each says what happened, in one line, with what it is about in
//! typed fields, and names databases only in their redacted form.
//!
//! What to do about an error depends on who called: an application calling [`crate::up`]
//! cannot "raise --lock-timeout". So the errors state facts only; the CLI adds its advice
//! (`hint: ...`, see `cli/hints.rs`).

use std::path::PathBuf;

use sea_orm_migration::DbErr;
use sea_orm_migration::sea_orm::RuntimeErr;

use crate::backend::Backend;

/// Everything the runner can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL does not parse.
    #[error("database URL '{url}' is not a valid URL ({reason})")]
    MalformedUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The URL names a backend the runner does not support.
    #[error("database URL '{url}' uses the unsupported backend '{scheme}'")]
    UnsupportedBackend {
        /// The URL, redacted.
        url: String,
        /// Its scheme.
        scheme: String,
    },

    /// The connection given is of a backend the runner does not support.
    #[error("the runner supports SQLite and PostgreSQL connections, not {backend}")]
    UnsupportedConnection {
        /// The connection's backend.
        backend: String,
    },

    /// A new SQLite database cannot be created: its folder is missing.
    #[error("cannot create the SQLite database {}: the folder {} does not exist", path.display(), folder.display())]
    MissingSqliteFolder {
        /// The database file.
        path: PathBuf,
        /// Its missing folder.
        folder: PathBuf,
    },

    /// The SQLite database path names something other than a regular file.
    #[error("{} is not a regular file, so it cannot be a SQLite database; nothing was changed", path.display())]
    NotARegularFile {
        /// The path given.
        path: PathBuf,
    },

    /// A read-only command was given a SQLite database that does not exist.
    #[error("the SQLite database {} does not exist; nothing was created", path.display())]
    MissingSqliteDatabase {
        /// The database file.
        path: PathBuf,
    },

    /// A read-only command was given a WAL database with a `-wal` file but no `-shm`
    /// index, which SQLite would have to create to read it.
    #[error("the WAL database {} has a -wal file but no -shm index, which SQLite would have to create to read it; a read-only command creates no file", path.display())]
    WalIndexMissing {
        /// The database file.
        path: PathBuf,
    },

    /// The folder of the default SQLite database cannot be created.
    #[error("cannot create the folder {} for the default SQLite database: {reason}", folder.display())]
    DefaultFolder {
        /// The folder.
        folder: PathBuf,
        /// Why.
        reason: String,
    },

    /// Connecting failed.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// The database, redacted.
        target: String,
        /// Its backend.
        backend: Backend,
        /// The driver's message, redacted, on one line.
        reason: String,
        /// The server's SQLSTATE, when it answered (`28P01`: wrong password).
        sqlstate: Option<String>,
    },

    /// The PostgreSQL schema given is not one identifier.
    #[error("invalid PostgreSQL schema name {given:?}: {reason}")]
    InvalidSchemaName {
        /// The name as given.
        given: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The PostgreSQL schema does not exist.
    #[error(
        "the PostgreSQL schema \"{schema}\" does not exist in database {database}; nothing was changed"
    )]
    SchemaNotFound {
        /// The canonical schema name.
        schema: String,
        /// The database.
        database: String,
    },

    /// The role may not use the PostgreSQL schema.
    #[error(
        "this role may not use the PostgreSQL schema \"{schema}\" of database {database} (no USAGE privilege); nothing was read or changed"
    )]
    SchemaNotUsable {
        /// The canonical schema name.
        schema: String,
        /// The database.
        database: String,
    },

    /// The role may not read (or write) the bookkeeping tables.
    #[error("{action} failed: permission denied ({detail})")]
    PermissionDenied {
        /// What the runner was doing.
        action: String,
        /// The database's message.
        detail: String,
    },

    /// The PostgreSQL connection has no current schema to migrate.
    #[error(
        "the PostgreSQL connection has no current schema (its search_path names none that exists)"
    )]
    NoCurrentSchema,

    /// A duration is longer than the runner accepts.
    #[error("{what} of {seconds} s is too long: at most {max} s is accepted")]
    DurationTooLong {
        /// Which duration.
        what: &'static str,
        /// As given.
        seconds: u64,
        /// The limit.
        max: u64,
    },

    /// The database has applied migrations this migrator does not know.
    #[error("the database has applied migrations this binary does not know: {}; it was migrated by another (newer?) version of the migrator", versions.join(", "))]
    UnknownVersions {
        /// The unknown versions.
        versions: Vec<String>,
    },

    /// `down` was asked to roll back more migrations than are applied.
    #[error(
        "cannot roll back {requested} migrations: only {applied} migration{} applied; nothing was rolled back",
        if *applied == 1 { " is" } else { "s are" }
    )]
    DownCountTooLarge {
        /// The number asked for.
        requested: u32,
        /// How many are applied (of the migrations this binary knows).
        applied: usize,
    },

    /// `down` was asked to roll back no migration.
    #[error("rolling back 0 migrations does nothing; nothing was rolled back")]
    ZeroDownCount,

    /// A target version names no migration of this migrator.
    #[error(
        "version {given}: no migration of this binary is named so or starts so; nothing was changed"
    )]
    UnknownTargetVersion {
        /// The version given.
        given: String,
    },

    /// A target version names the start of several migrations.
    #[error("version {given}: several migrations start so ({}); nothing was changed", candidates.join(", "))]
    AmbiguousTargetVersion {
        /// The version given.
        given: String,
        /// The migrations it could mean.
        candidates: Vec<String>,
    },

    /// `down` to a version names a migration that is not applied.
    #[error("{version} is not applied, so there is nothing to roll back to; nothing was changed")]
    TargetNotApplied {
        /// The migration.
        version: String,
    },

    /// `up` was asked to apply no migration.
    #[error("applying 0 migrations does nothing; nothing was applied")]
    ZeroUpCount,

    /// A dry run was asked of an operation that has none (only `up` and `down` do).
    #[error("a dry run shows the SQL of `up` and `down` only, not of {operation}")]
    DryRunUnsupported {
        /// The operation asked for.
        operation: String,
    },

    /// A database operation failed.
    #[error("{action} failed: {source}")]
    Migration {
        /// What the runner was doing.
        action: String,
        /// The database's error.
        source: DbErr,
    },

    /// A migration waited longer than the DDL lock timeout for a table lock on every
    /// attempt; each attempt was rolled back whole.
    #[error(
        "gave up on {migration} after {attempts} attempts: each waited {waited_ms} ms for a table lock (lock_timeout) and was rolled back, so nothing of it was applied; held by: {holders} (last error: {detail})"
    )]
    LockTimeoutGaveUp {
        /// The migration.
        migration: String,
        /// How many times it was tried.
        attempts: u32,
        /// How long each attempt's statement waited, in milliseconds.
        waited_ms: u64,
        /// The sessions holding locks on the schema's tables, as far as can be seen.
        holders: String,
        /// The database's last error.
        detail: String,
    },

    /// A migration outside a transaction was not started: INVALID indexes (left by a
    /// failed concurrent index build) are in the schema.
    #[error(
        "not applying {migration}: the schema has INVALID indexes, left by a failed concurrent index build: {}; a retry's CREATE INDEX CONCURRENTLY IF NOT EXISTS would keep them, unusable; nothing was changed",
        indexes.join(", ")
    )]
    InvalidIndexes {
        /// The migration not started.
        migration: String,
        /// The INVALID indexes.
        indexes: Vec<String>,
    },

    /// Taking the PostgreSQL lock failed.
    #[error("cannot take the migration lock on {target}: {source}")]
    Lock {
        /// The database, redacted.
        target: String,
        /// The database's error.
        source: DbErr,
    },

    /// The SQLite database file cannot be locked.
    #[error("cannot lock the SQLite database file {}: {reason}", path.display())]
    LockFile {
        /// The database file (on Linux) or its lock file.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// Another migrator held the lock for longer than the timeout.
    #[error(
        "timed out after {waited} s waiting for the migration lock on {target}, held by {holder}"
    )]
    LockTimeout {
        /// The database, redacted.
        target: String,
        /// Seconds waited.
        waited: u64,
        /// Who holds it, as far as can be seen.
        holder: String,
    },

    /// Applied migrations changed since they were applied; `up` refuses to go on.
    #[error("applied migrations changed since they were applied (checksum mismatch): {}; nothing was applied", versions.join(", "))]
    ChecksumMismatch {
        /// The changed versions, oldest first.
        versions: Vec<String>,
    },

    /// `accept-checksum` was given a version this migrator does not have.
    #[error("accept-checksum: {version} is not a migration of this binary")]
    NotAMigration {
        /// The version given.
        version: String,
    },

    /// `accept-checksum` was given a version that is not applied.
    #[error("accept-checksum: {version} is not applied, so it has no checksum to accept")]
    NotApplied {
        /// The version given.
        version: String,
    },

    /// A migration is dirty (MySQL / MariaDB): it failed half-way earlier, and no
    /// changing command runs until an operator has repaired the database and said so.
    #[error(
        "migration {} is dirty: its {} failed after some of its statements took effect{}; nothing was run",
        dirty.version,
        dirty.direction,
        dirty_detail(dirty)
    )]
    Dirty {
        /// The dirty migration.
        dirty: crate::dirty::DirtyMigration,
    },

    /// A migration failed after some of its statements took effect (MySQL / MariaDB,
    /// whose DDL commits statement by statement): the database is left dirty.
    #[error(
        "{source}; migration {} is left dirty (its {} failed after some of its statements took effect, and MySQL cannot roll back DDL){}",
        dirty.version,
        dirty.direction,
        dirty.statement.as_deref().map(|s| format!(": the failed statement was `{}`", s.replace('\n', " "))).unwrap_or_default()
    )]
    LeftDirty {
        /// The migration left dirty.
        dirty: crate::dirty::DirtyMigration,
        /// The failure.
        source: Box<Error>,
    },

    /// `resolve-dirty` was given a migration that is not the dirty one.
    #[error("resolve-dirty: {version} is not dirty ({})", match dirty {
        Some(other) => format!("the dirty migration is {other}"),
        None => "no migration is dirty".to_owned(),
    })]
    NotDirty {
        /// The version given.
        version: String,
        /// The dirty migration, if any.
        dirty: Option<String>,
    },

    /// A MySQL URL or connection names no database.
    #[error(
        "the MySQL connection has no current database (name one in the URL: mysql://HOST/DATABASE)"
    )]
    NoCurrentDatabase,

    /// `accept-checksum` found the recorded checksum already current.
    #[error(
        "accept-checksum: the recorded checksum of {version} is already current; nothing to accept"
    )]
    ChecksumAlreadyCurrent {
        /// The version given.
        version: String,
    },

    /// No part of a migration's checksum can be computed.
    #[error("accept-checksum: no checksum can be computed for {version}: {reasons}")]
    NoChecksum {
        /// The version given.
        version: String,
        /// Why each part is missing.
        reasons: String,
    },
}

impl Error {
    pub(crate) fn failed(action: impl Into<String>, source: DbErr) -> Self {
        Self::Migration {
            action: action.into(),
            source,
        }
    }

    /// Whether this error is about the input rather than the database (an unknown or
    /// ambiguous target version): a CLI exits with its usage code.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Self::UnknownTargetVersion { .. } | Self::AmbiguousTargetVersion { .. }
        )
    }

    /// Reading the bookkeeping failed: a missing privilege (SQLSTATE 42501) is said as
    /// such.
    pub(crate) fn reading(action: impl Into<String>, source: DbErr) -> Self {
        if sqlstate(&source).as_deref() != Some("42501") {
            return Self::failed(action, source);
        }
        let text = source.to_string();
        let at = text.find("permission denied").unwrap_or(0);
        Self::PermissionDenied {
            action: action.into(),
            detail: text[at..].to_owned(),
        }
    }
}

/// The SQLSTATE of a database's error, when sqlx got one from the server.
pub(crate) fn sqlstate(error: &DbErr) -> Option<String> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => sqlx_sqlstate(e),
        _ => None,
    }
}

/// The SQLSTATE of sqlx's error, when it got one from the server.
pub(crate) fn sqlx_sqlstate(error: &sea_orm_migration::sea_orm::sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}

/// The failed statement and the error of a dirty migration, for messages.
fn dirty_detail(dirty: &crate::dirty::DirtyMigration) -> String {
    let mut detail = String::new();
    if let Some(statement) = &dirty.statement {
        detail.push_str(&format!(
            " at the statement `{}`",
            statement.replace('\n', " ")
        ));
    }
    if let Some(error) = &dirty.error {
        detail.push_str(&format!(" ({})", error.replace('\n', " ")));
    }
    detail
}
