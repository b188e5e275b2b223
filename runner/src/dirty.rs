//! The dirty state of MySQL / MariaDB, whose DDL commits statement by statement: a
//! migration that fails after one of its statements took effect cannot be rolled back,
//! so the database is left half-migrated. As sqlx and golang-migrate do, the runner then
//! says so and stops until an operator has repaired it:
//!
//! 1. before a migration's `up` or `down` runs, a marker row naming it is committed in
//!    [`DIRTY_TABLE`];
//! 2. on success, its version and checksum rows are written (or deleted) and the marker
//!    removed, in one transaction (rows are transactional on InnoDB, DDL is not);
//! 3. on failure at its first statement (nothing took effect), the marker is removed and
//!    the error reported as on any backend; after a statement took effect, the marker
//!    stays, naming the statement that failed and the error, and the run fails with
//!    [`Error::LeftDirty`];
//! 4. while a marker is there, `status` shows it and every changing command refuses with
//!    [`Error::Dirty`], until `resolve-dirty VERSION --applied` (the operator completed
//!    the migration by hand: its rows are recorded) or `--rolled-back` (the operator
//!    undid what it did: its rows are removed) clears it.
//!
//! Which statements took effect is read from the calls the migration made (see
//! [`crate::trace`]): a successful command (not a query) counts; a failed
//! `execute_unprepared` batch of several statements counts too, since its first ones
//! may have run.

use std::sync::{Arc, Mutex, PoisonError};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait,
};

use crate::apply::Step;
use crate::backend::Direction;
use crate::checksum::{Checksum, unix_now};
use crate::error::Error;

/// The table of the dirty marker (MySQL / MariaDB only).
pub const DIRTY_TABLE: &str = "migration_dirty";

/// A migration left half-applied (or half-rolled-back) on MySQL / MariaDB.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct DirtyMigration {
    /// The migration.
    pub version: String,
    /// `up` or `down`: which of its methods failed.
    pub direction: String,
    /// The statement that failed (`None`: the run was killed, or its bookkeeping failed
    /// after the migration itself succeeded).
    pub statement: Option<String>,
    /// The database's error (`None` as for `statement`).
    pub error: Option<String>,
}

/// What the calls of a running migration did, as far as the dirty state cares.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    /// Commands that succeeded.
    effective: usize,
    /// The statement that failed.
    failed: Option<String>,
    /// Whether the failed call was a batch of several statements.
    failed_batch: bool,
    /// The last command, and whether it was a batch.
    last_command: Option<(String, bool)>,
}

impl Tracker {
    /// After the migration failed with `error`: whether a statement took effect, and
    /// the statement that failed. sea-orm does not always mark a failed call, so a
    /// database error with no failed call is the last command's.
    fn settle(&self, error: &DbErr) -> (bool, Option<String>) {
        if self.failed.is_some() {
            return (self.effective > 0 || self.failed_batch, self.failed.clone());
        }
        let from_database = matches!(error, DbErr::Exec(_) | DbErr::Query(_));
        match &self.last_command {
            Some((sql, batch)) if from_database => {
                (self.effective > 1 || *batch, Some(sql.clone()))
            }
            _ => (self.effective > 0, None),
        }
    }
}

tokio::task_local! {
    static TRACKER: Arc<Mutex<Tracker>>;
}

/// The tracker of the migration running on this task, if the runner tracks it.
pub(crate) fn current() -> Option<Arc<Mutex<Tracker>>> {
    TRACKER.try_with(Arc::clone).ok()
}

/// Notes one call of the migration.
pub(crate) fn note(tracker: &Mutex<Tracker>, call: &statement_capture::Call) {
    let mut tracker = tracker.lock().unwrap_or_else(PoisonError::into_inner);
    if call.failed {
        tracker.failed_batch = statement_capture::split_statements(&call.sql).len() > 1;
        tracker.failed = Some(call.sql.clone());
    } else if call.kind == statement_capture::StatementKind::Command {
        tracker.effective += 1;
        let batch = statement_capture::split_statements(&call.sql).len() > 1;
        tracker.last_command = Some((call.sql.clone(), batch));
    }
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn is_mysql<C: ConnectionTrait>(conn: &C) -> bool {
    conn.get_database_backend() == DbBackend::MySql
}

/// Creates the marker table when missing (MySQL only).
pub(crate) async fn ensure(db: &DatabaseConnection) -> Result<(), DbErr> {
    if !is_mysql(db) {
        return Ok(());
    }
    let create = Table::create()
        .table(col(DIRTY_TABLE))
        .if_not_exists()
        .col(
            ColumnDef::new(col("version"))
                .string()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(col("direction")).string().not_null())
        .col(ColumnDef::new(col("failed_statement")).text().null())
        .col(ColumnDef::new(col("error")).text().null())
        .col(ColumnDef::new(col("marked_at")).big_integer().not_null())
        .to_owned();
    db.execute(&create).await.map(|_| ())
}

/// Drops the marker table (`reset`).
pub(crate) async fn drop(db: &DatabaseConnection) -> Result<(), DbErr> {
    if !is_mysql(db) {
        return Ok(());
    }
    let drop = Table::drop().table(col(DIRTY_TABLE)).if_exists().to_owned();
    db.execute(&drop).await.map(|_| ())
}

/// The dirty migration, if any (never creates anything).
pub(crate) async fn read(db: &DatabaseConnection) -> Result<Option<DirtyMigration>, DbErr> {
    if !is_mysql(db) || !crate::state::table_exists(db, DIRTY_TABLE).await? {
        return Ok(None);
    }
    let query = Query::select()
        .columns([
            col("version"),
            col("direction"),
            col("failed_statement"),
            col("error"),
        ])
        .from(col(DIRTY_TABLE))
        .order_by(col("marked_at"), Order::Asc)
        .limit(1)
        .to_owned();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(None);
    };
    Ok(Some(DirtyMigration {
        version: row.try_get("", "version")?,
        direction: row.try_get("", "direction")?,
        statement: row.try_get("", "failed_statement")?,
        error: row.try_get("", "error")?,
    }))
}

/// Fails while a migration is dirty: a changing command must not run on a database in
/// an unknown state.
pub(crate) async fn refuse(db: &DatabaseConnection) -> Result<(), Error> {
    match read(db)
        .await
        .map_err(|e| Error::reading("reading the dirty marker", e))?
    {
        Some(dirty) => Err(Error::Dirty { dirty }),
        None => Ok(()),
    }
}

/// `error`, or [`Error::LeftDirty`] when the failed step left its migration dirty.
pub(crate) async fn explain(db: &DatabaseConnection, error: Error) -> Error {
    match read(db).await {
        Ok(Some(dirty)) => Error::LeftDirty {
            dirty,
            source: Box::new(error),
        },
        _ => error,
    }
}

async fn clear<C: ConnectionTrait>(conn: &C, version: &str) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(col(DIRTY_TABLE))
        .and_where(Expr::col(col("version")).eq(version))
        .to_owned();
    conn.execute(&delete).await.map(|_| ())
}

async fn mark(db: &DatabaseConnection, version: &str, direction: Direction) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(col(DIRTY_TABLE))
        .columns([col("version"), col("direction"), col("marked_at")])
        .values([version.into(), direction.name().into(), unix_now().into()])
        .map_err(|e| DbErr::Custom(format!("marking {version} as running: {e}")))?
        .to_owned();
    db.execute(&insert).await.map(|_| ())
}

async fn leave(
    db: &DatabaseConnection,
    version: &str,
    statement: Option<&str>,
    error: &str,
) -> Result<(), DbErr> {
    let update = Query::update()
        .table(col(DIRTY_TABLE))
        .values([
            (col("failed_statement"), statement.map(str::to_owned).into()),
            (col("error"), error.to_owned().into()),
        ])
        .and_where(Expr::col(col("version")).eq(version))
        .to_owned();
    db.execute(&update).await.map(|_| ())
}

/// Runs one step of `step`'s migration on MySQL with the marker around it (see the
/// module's documentation).
pub(crate) async fn run_step(
    step: &Step<'_>,
    db: &DatabaseConnection,
    direction: Direction,
    checksum: Option<&Checksum>,
) -> Result<(), DbErr> {
    let name = step.migration.name();
    // `--ddl-lock-timeout`: how long a statement may wait for a metadata lock the
    // application holds (MySQL's own default is a year). Zero waits for ever, as on
    // PostgreSQL. A number the runner formats: nothing is spliced.
    let seconds = match step.timeouts.lock.as_secs() {
        0 if step.timeouts.lock.is_zero() => 31_536_000,
        seconds => Ord::max(seconds, 1),
    };
    db.execute_raw(Statement::from_string(
        DbBackend::MySql,
        format!("SET SESSION lock_wait_timeout = {seconds}"),
    ))
    .await?;
    mark(db, name, direction).await?;
    let tracker = Arc::new(Mutex::new(Tracker::default()));
    let manager = SchemaManager::new(db);
    let outcome = TRACKER
        .scope(
            Arc::clone(&tracker),
            direction.run(step.migration, &manager),
        )
        .await;
    let error = match outcome {
        Ok(()) => {
            let txn = db.begin().await?;
            let done = match direction {
                Direction::Up => step.record(&txn, checksum).await,
                Direction::Down => step.forget(&txn).await,
            };
            let done = match done {
                Ok(()) => clear(&txn, name).await,
                Err(e) => Err(e),
            };
            return crate::apply::finish(txn, done).await;
        }
        Err(e) => e,
    };
    let (took_effect, failed) = tracker
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .settle(&error);
    if took_effect {
        leave(
            db,
            name,
            failed.as_deref(),
            &crate::redact(&error.to_string()),
        )
        .await?;
    } else {
        clear(db, name).await?;
    }
    Err(error)
}

/// `resolve-dirty`: after the operator repaired the database by hand, records
/// `version` as applied (`applied`) or not, and removes the marker, in one transaction.
pub(crate) async fn resolve(
    step: &Step<'_>,
    db: &DatabaseConnection,
    applied: bool,
    checksum: Option<&Checksum>,
) -> Result<(), Error> {
    let version = step.migration.name();
    match read(db)
        .await
        .map_err(|e| Error::reading("reading the dirty marker", e))?
    {
        Some(dirty) if dirty.version == version => {}
        other => {
            return Err(Error::NotDirty {
                version: version.to_owned(),
                dirty: other.map(|d| d.version),
            });
        }
    }
    let failed = |e| Error::failed(format!("resolving the dirty state of {version}"), e);
    let txn = db.begin().await.map_err(failed)?;
    // Whatever was recorded before, the operator's word is recorded now.
    let mut done = step.forget(&txn).await;
    if applied && done.is_ok() {
        done = step.record(&txn, checksum).await;
    }
    if done.is_ok() {
        done = clear(&txn, version).await;
    }
    crate::apply::finish(txn, done).await.map_err(failed)
}
