//! The runner's errors: each says what was wrong and what to do, in one line, and names
//! databases only in their redacted form.

use std::path::PathBuf;

use sea_orm_migration::DbErr;
use sea_orm_migration::sea_orm::RuntimeErr;

/// Everything the runner can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL does not parse.
    #[error(
        "database URL '{url}' is not a valid URL ({reason}); expected sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )]
    MalformedUrl {
        /// The URL, redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The URL names a backend the runner does not support.
    #[error(
        "database URL '{url}' uses the unsupported backend '{scheme}'; use sqlite://PATH or postgres://USER@HOST:PORT/DB"
    )]
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
    #[error("cannot create the SQLite database {}: the folder {} does not exist; create it or choose another path", path.display(), folder.display())]
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
    #[error("the SQLite database {} does not exist; nothing was created (run `up` to create and migrate it)", path.display())]
    MissingSqliteDatabase {
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
        /// The driver's message, redacted, with a hint.
        reason: String,
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
        "the PostgreSQL schema \"{schema}\" does not exist in database {database}; create it first (CREATE SCHEMA), nothing was changed"
    )]
    SchemaNotFound {
        /// The canonical schema name.
        schema: String,
        /// The database.
        database: String,
    },

    /// The role may not use the PostgreSQL schema.
    #[error(
        "this role may not use the PostgreSQL schema \"{schema}\" of database {database} (no USAGE privilege); grant it (GRANT USAGE ON SCHEMA) or connect as the role that migrates; nothing was read or changed"
    )]
    SchemaNotUsable {
        /// The canonical schema name.
        schema: String,
        /// The database.
        database: String,
    },

    /// The role may not read (or write) the bookkeeping tables.
    #[error(
        "{action} failed: permission denied ({detail}); this role needs SELECT on the bookkeeping tables (the migrations table and migration_checksums) to read the status, and INSERT/DELETE to migrate"
    )]
    PermissionDenied {
        /// What the runner was doing.
        action: String,
        /// The database's message.
        detail: String,
    },

    /// The PostgreSQL connection has no current schema to migrate.
    #[error(
        "the PostgreSQL connection has no current schema (its search_path names none that exists); give the schema to migrate"
    )]
    NoCurrentSchema,

    /// A duration is longer than the runner accepts.
    #[error("{what} of {seconds} s is too long; give at most {max} s")]
    DurationTooLong {
        /// Which duration.
        what: &'static str,
        /// As given.
        seconds: u64,
        /// The limit.
        max: u64,
    },

    /// The database has applied migrations this migrator does not know.
    #[error("the database has applied migrations this binary does not know: {}; it was migrated by another (newer?) version of the migrator, so run that version instead", versions.join(", "))]
    UnknownVersions {
        /// The unknown versions.
        versions: Vec<String>,
    },

    /// `down` was asked to roll back a number of migrations it cannot.
    #[error("down -n {requested}: {reason}")]
    BadDownCount {
        /// The number asked for.
        requested: u32,
        /// Why it cannot.
        reason: String,
    },

    /// `--to` names no migration of this migrator.
    #[error(
        "--to {given}: no migration of this binary is named so or starts so; nothing was changed"
    )]
    UnknownTargetVersion {
        /// The version given.
        given: String,
    },

    /// `--to` names the start of several migrations.
    #[error("--to {given}: several migrations start so ({}); give more of the name; nothing was changed", candidates.join(", "))]
    AmbiguousTargetVersion {
        /// The version given.
        given: String,
        /// The migrations it could mean.
        candidates: Vec<String>,
    },

    /// `down --to` names a migration that is not applied.
    #[error(
        "down --to {version}: it is not applied, so there is nothing to roll back to; nothing was changed"
    )]
    TargetNotApplied {
        /// The migration.
        version: String,
    },

    /// `up` was asked to apply no migration.
    #[error(
        "up -n 0 applies nothing; give -n 1 or more, or leave -n out to apply all pending migrations"
    )]
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
        "not applying {migration}: the schema has INVALID indexes, left by a failed concurrent index build: {}; a retry's CREATE INDEX CONCURRENTLY IF NOT EXISTS would keep them, unusable; drop them (DROP INDEX CONCURRENTLY name) and run again, or run with --drop-invalid-indexes; nothing was changed",
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
        "timed out after {waited} s waiting for the migration lock on {target}, held by {holder}; let that migrator finish, or raise --lock-timeout"
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
    #[error("applied migrations changed since they were applied (checksum mismatch): {}; restore their code, or roll them back and apply them again, or accept the change with `accept-checksum VERSION`; `up --allow-checksum-mismatch` applies pending migrations anyway", versions.join(", "))]
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
    /// ambiguous `--to` version): a CLI exits with its usage code.
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
    let sqlx = match error {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => e,
        _ => return None,
    };
    sqlx.as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}
