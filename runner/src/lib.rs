//! A safe runner for any SeaORM [`MigratorTrait`]: one migrator at a time (a lock),
//! each migration committed with its bookkeeping (atomic), edits after the fact revealed
//! (checksums), and a typed status. A library an application calls at startup, and a CLI
//! ([`cli`]) over it.
//!
//! The engine prints nothing: it returns typed results ([`Report`], [`Status`],
//! [`Error`]) and reports progress to an optional [`Observer`].
//!
//! ```no_run
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! # async fn start() -> Result<(), Box<dyn std::error::Error>> {
//! let db = sea_orm_migration::sea_orm::Database::connect("postgres://app@localhost/app").await?;
//! // At application start-up, with the application's own (pooled) connection:
//! let report = migration_runner::up::<Migrator>(&db, &migration_runner::Options::default()).await?;
//! println!("applied {} migrations", report.applied.len());
//! # Ok(()) }
//! ```
//!
//! Many targets at once (a schema or a database per tenant): [`up_many`] over a
//! [`TargetSet`], at most [`FanOut::jobs`] at a time, each under its own lock, returning a
//! [`FanOutReport`].
//!
//! # The lock with a pooled connection
//!
//! On PostgreSQL the lock is a session advisory lock, which belongs to one session; a
//! pool hands out different sessions. So every run opens one dedicated session from the
//! pool's own connect options, takes the lock on it, does all its work on it, and
//! closes it at the end. On SQLite the lock is a `flock` on the database file itself
//! (found with `PRAGMA database_list`), so the application's connection is used as is.

#![warn(missing_docs)]

#[cfg(not(unix))]
compile_error!("migration-runner supports Unix systems (Linux, macOS, the BSDs)");

mod apply;
mod backend;
mod checksum;
#[cfg(feature = "cli")]
pub mod cli;
mod dirty;
mod engine;
mod error;
mod event;
mod fanout;
mod file_lock;
mod fresh;
mod invalid_index;
mod lock;
mod mock_run;
mod mysql;
mod mysql_lock;
mod options;
mod pg_schema;
mod plan;
mod retry;
mod select;
mod session;
mod state;
mod status;
mod target;
mod trace;

pub use backend::{Backend, Direction};
pub use checksum::{
    CHECKSUM_HISTORY_TABLE, CHECKSUM_TABLE, Checksum, ChecksumGap, ChecksumPart, Sources,
};
pub use dirty::{DIRTY_TABLE, DirtyMigration};
pub use engine::{AcceptedChecksum, LockGuard, Operation, Report};
pub use error::Error;
pub use event::{Event, Observer};
pub use fanout::{
    DEFAULT_JOBS, FanOut, FanOutError, FanOutReport, TargetOutcome, TargetSet, Tenant, run_many,
    status_many, up_many,
};
pub use options::{
    DEFAULT_DDL_LOCK_TIMEOUT, DEFAULT_DDL_RETRIES, MAX_TIMEOUT, Options, check_timeout,
};
pub use pg_schema::PgSchema;
pub use plan::{Plan, PlannedMigration, PlannedStatement};
pub use secret_redact::{MASK, redact};
pub use status::{MigrationState, MigrationStatus, Status};
pub use target::{Access, Target};

use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::DatabaseConnection;

/// Applies every pending migration of `M`, under the lock, each in one transaction with
/// its version and checksum rows. Several instances calling it at once apply each
/// migration exactly once; the others find nothing pending.
///
/// ```no_run
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// # async fn start(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), migration_runner::Error> {
/// use std::time::Duration;
/// let options = migration_runner::Options::default()
///     .schema("app")
///     .lock_timeout(Duration::from_secs(60));
/// migration_runner::up::<Migrator>(db, &options).await?;
/// # Ok(()) }
/// ```
pub async fn up<M: MigratorTrait>(
    db: &DatabaseConnection,
    options: &Options,
) -> Result<Report, Error> {
    run::<M>(db, Operation::Up { limit: None }, options).await
}

/// Runs one changing [`Operation`] under the lock.
///
/// ```no_run
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// # async fn roll_back(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), migration_runner::Error> {
/// use migration_runner::{Operation, Options};
/// let report = migration_runner::run::<Migrator>(db, Operation::Down { count: 1 }, &Options::default()).await?;
/// assert_eq!(report.rolled_back.len(), 1);
/// # Ok(()) }
/// ```
pub async fn run<M: MigratorTrait>(
    db: &DatabaseConnection,
    operation: Operation,
    options: &Options,
) -> Result<Report, Error> {
    // Boxed: the engine's future is deep (three backends), and an application's `main`
    // awaiting it directly would otherwise need a `recursion_limit`.
    Box::pin(engine::run::<M>(db, operation, options)).await
}

/// Each migration's state (applied, pending, changed, unknown) and checksum coverage.
/// Takes no lock and writes nothing: no table, no schema, no file.
///
/// ```no_run
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// # async fn check(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), migration_runner::Error> {
/// let status = migration_runner::status::<Migrator>(db, &migration_runner::Options::default()).await?;
/// if !status.is_current() {
///     eprintln!("pending: {:?}, changed: {:?}", status.pending(), status.changed());
/// }
/// # Ok(()) }
/// ```
pub async fn status<M: MigratorTrait>(
    db: &DatabaseConnection,
    options: &Options,
) -> Result<Status, Error> {
    Box::pin(engine::status::<M>(db, options)).await
}

/// Takes the migration lock of `db`'s database (and schema) and holds it until
/// [`LockGuard::release`]: for work that must not overlap a migration run.
pub async fn lock(db: &DatabaseConnection, options: &Options) -> Result<LockGuard, Error> {
    Box::pin(LockGuard::acquire(db, options)).await
}

/// The SQL that `operation` ([`Operation::Up`] or [`Operation::Down`]) would send, per
/// migration and in order, on `db`'s backend, without changing the database: no lock,
/// no table (not even the migrations table), no row. A migration that reads data is
/// dry-run against no rows; [`PlannedMigration::reads_data_from`] says from where its
/// statements may differ on the real database.
///
/// ```no_run
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// # async fn review(db: &sea_orm_migration::sea_orm::DatabaseConnection) -> Result<(), migration_runner::Error> {
/// use migration_runner::{Operation, Options};
/// let plan = migration_runner::plan::<Migrator>(db, &Operation::Up { limit: None }, &Options::default()).await?;
/// for migration in &plan.migrations {
///     println!("-- {}", migration.name);
///     for statement in &migration.statements {
///         println!("{};", statement.sql);
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn plan<M: MigratorTrait>(
    db: &DatabaseConnection,
    operation: &Operation,
    options: &Options,
) -> Result<Plan, Error> {
    Box::pin(plan::plan::<M>(db, operation, options)).await
}
