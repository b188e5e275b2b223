//! The CLI's errors: each says what was wrong and what to do, in one line.

use std::path::PathBuf;

use sea_orm_migration::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(
        "database URL '{url}' is not a valid URL ({reason}); expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB"
    )]
    MalformedUrl { url: String, reason: String },

    #[error(
        "database URL '{url}' uses the unsupported backend '{scheme}'; use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB"
    )]
    UnsupportedBackend { url: String, scheme: String },

    #[error("cannot create the SQLite database {}: the folder {} does not exist; create it or choose another path", path.display(), folder.display())]
    MissingSqliteFolder { path: PathBuf, folder: PathBuf },

    #[error("cannot create the folder {} for the default SQLite database: {reason}", folder.display())]
    DefaultFolder { folder: PathBuf, reason: String },

    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },

    #[error("the database has applied migrations this binary does not know: {}; it was migrated by another (newer?) version of the migrator, so run that version instead", versions.join(", "))]
    UnknownVersions { versions: Vec<String> },

    #[error("down -n {requested}: {reason}")]
    BadDownCount { requested: u32, reason: String },

    #[error(
        "up -n 0 applies nothing; give -n 1 or more, or leave -n out to apply all pending migrations"
    )]
    ZeroUpCount,

    #[error("{action} failed: {source}")]
    Migration { action: String, source: DbErr },

    #[error("{0}")]
    CheckFailed(String),

    #[error("cannot take the migration lock on {target}: {source}")]
    Lock { target: String, source: DbErr },

    #[error("cannot use the migration lock file {}: {reason}; check that this user may write to the database's folder and files", path.display())]
    LockFile { path: PathBuf, reason: String },

    #[error(
        "timed out after {waited} s waiting for the migration lock on {target}, held by {holder}; let that migrator finish, or raise --lock-timeout"
    )]
    LockTimeout {
        target: String,
        waited: u64,
        holder: String,
    },

    #[error("applied migrations changed since they were applied (checksum mismatch): {}; restore their code, or roll them back and apply them again; `up --allow-checksum-mismatch` applies pending migrations anyway", versions.join(", "))]
    ChecksumMismatch { versions: Vec<String> },
}
