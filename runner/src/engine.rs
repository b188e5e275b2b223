//! The runs: every changing operation holds the lock for its whole run and reads what
//! is applied only under it; each migration commits with its bookkeeping rows.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::time::Instant;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend, TransactionTrait};

use crate::apply::{Step, Timeouts};
use crate::checksum::{ChecksumTable, Expected};
use crate::error::Error;
use crate::event::Event;
use crate::lock::MigrationLock;
use crate::options::Options;
use crate::retry::with_lock_retries;
use crate::select::select;
use crate::session::Session;
use crate::state::State;
use crate::status::{MigrationState, MigrationStatus, Status};
use crate::trace::Traced;

/// A changing operation for [`run`](crate::run).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Apply pending migrations: all, or the next `limit`.
    Up {
        /// At most this many (at least 1).
        limit: Option<u32>,
    },
    /// Apply every pending migration up to `version`, that one included (its whole
    /// name or a prefix of exactly one name).
    UpTo {
        /// The last migration to apply.
        version: String,
    },
    /// Roll back the newest `count` applied migrations (at least 1).
    Down {
        /// How many.
        count: u32,
    },
    /// Roll back every applied migration newer than `version`, which stays applied.
    DownTo {
        /// The migration to stop at.
        version: String,
    },
    /// Drop every table of the database (schema), then apply all migrations.
    Fresh,
    /// Roll back all applied migrations, then apply all.
    Refresh,
    /// Roll back all applied migrations and drop the bookkeeping tables.
    Reset,
    /// Record the current checksum of an applied migration that was changed on purpose,
    /// keeping the old and the new one in the checksum history.
    AcceptChecksum {
        /// The migration's name.
        version: String,
    },
    /// Clear the dirty state of `version` (MySQL / MariaDB) after an operator repaired
    /// the database by hand: record it as applied (`applied`) or as not applied.
    ResolveDirty {
        /// The dirty migration's name.
        version: String,
        /// Whether its changes are now in place (`--applied`) or undone
        /// (`--rolled-back`).
        applied: bool,
    },
}

impl Operation {
    /// Refuses counts that can never be right (`Up { limit: Some(0) }`,
    /// `Down { count: 0 }`), whatever the database holds. The one check of an operation
    /// on its own: [`crate::run`] and [`crate::plan`] make it before opening anything,
    /// and so can a caller that must refuse before it even connects (the CLI).
    pub fn validate(&self) -> Result<(), Error> {
        match self {
            Operation::Up { limit: Some(0) } => Err(Error::ZeroUpCount),
            Operation::Down { count: 0 } => Err(Error::ZeroDownCount),
            _ => Ok(()),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Migrations applied, in order.
    pub applied: Vec<String>,
    /// Migrations rolled back, in order (newest first).
    pub rolled_back: Vec<String>,
    /// Migrations applied earlier without a checksum, whose checksum this run recorded.
    pub backfilled: Vec<String>,
    /// Migrations still pending after the run.
    pub pending: Vec<String>,
    /// Whether every table was dropped first (`fresh`).
    pub dropped_all_tables: bool,
    /// The checksum change recorded by `accept-checksum`.
    pub accepted: Option<AcceptedChecksum>,
}

/// A checksum change accepted on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptedChecksum {
    /// The migration.
    pub version: String,
    /// The checksum recorded before.
    pub old: String,
    /// The checksum recorded now.
    pub new: String,
}

pub(crate) async fn status<M: MigratorTrait>(
    db: &DatabaseConnection,
    options: &Options,
) -> Result<Status, Error> {
    options.validate()?;
    let session = Session::open(db, options.schema.as_deref(), options.connect_timeout).await?;
    let expected = Expected::of::<M>(session.conn.get_database_backend(), &options.sources).await;
    let result = read_status::<M>(&session.conn, &expected).await;
    session.close().await;
    result
}

pub(crate) async fn read_status<M: MigratorTrait>(
    db: &DatabaseConnection,
    expected: &Expected,
) -> Result<Status, Error> {
    let state = State::read::<M>(db).await?;
    let recorded = ChecksumTable::read(db)
        .await
        .map_err(|e| Error::reading("reading the recorded checksums", e))?;
    let applied: HashSet<&str> = state.applied_known().into_iter().collect();
    let mut migrations = Vec::new();
    for name in &state.known {
        let computed = expected.get(name);
        let gaps = computed.map(|c| c.gaps.clone()).unwrap_or_default();
        let state = if !applied.contains(&name.as_str()) {
            MigrationState::Pending
        } else {
            match (recorded.get(name), computed) {
                (None, _) => MigrationState::AppliedUnrecorded,
                (Some(found), Some(computed)) => {
                    let parts = computed.checksum.changed_parts(found);
                    if parts.is_empty() {
                        MigrationState::Applied
                    } else {
                        MigrationState::Changed { parts }
                    }
                }
                (Some(_), None) => MigrationState::Applied,
            }
        };
        migrations.push(MigrationStatus {
            name: name.clone(),
            state,
            recorded_checksum: recorded.get(name).cloned(),
            current_checksum: expected.recordable(name).map(|c| c.encode()),
            gaps,
        });
    }
    for name in state.unknown() {
        migrations.push(MigrationStatus {
            recorded_checksum: recorded.get(&name).cloned(),
            name,
            state: MigrationState::Unknown,
            current_checksum: None,
            gaps: Vec::new(),
        });
    }
    let dirty = crate::dirty::read(db)
        .await
        .map_err(|e| Error::reading("reading the dirty marker", e))?;
    Ok(Status { migrations, dirty })
}

pub(crate) async fn run<M: MigratorTrait>(
    db: &DatabaseConnection,
    operation: Operation,
    options: &Options,
) -> Result<Report, Error> {
    options.validate()?;
    operation.validate()?;
    let mut session = Session::open(db, options.schema.as_deref(), options.connect_timeout).await?;
    if options.report_statements {
        crate::trace::watch(&mut session.conn, &options.observer);
    }
    let result = locked_run::<M>(&session, operation, options).await;
    session.close().await;
    result
}

async fn locked_run<M: MigratorTrait>(
    session: &Session,
    operation: Operation,
    options: &Options,
) -> Result<Report, Error> {
    let lock = MigrationLock::acquire(session, options.lock_timeout, &options.observer).await?;
    let result = under_lock::<M>(session, &lock, operation, options).await;
    let released = lock.release(&session.conn).await;
    let report = result?;
    released.map_err(|e| Error::failed("releasing the migration lock", e))?;
    Ok(report)
}

async fn under_lock<M: MigratorTrait>(
    session: &Session,
    lock: &MigrationLock,
    operation: Operation,
    options: &Options,
) -> Result<Report, Error> {
    let db = &session.conn;
    // Read only now, under the lock: whoever held it before may have applied some.
    let state = State::read::<M>(db).await?;
    state.refuse_unknown()?;
    if !matches!(operation, Operation::ResolveDirty { .. }) {
        crate::dirty::refuse(db).await?;
    }
    // Once per run: four dry runs per migration.
    let expected = Expected::of::<M>(db.get_database_backend(), &options.sources).await;
    let runner = Runner::<M> {
        db,
        lock,
        expected: &expected,
        options,
        migrator: PhantomData,
    };
    let mut report = Report::default();
    match operation {
        Operation::Up { .. } | Operation::UpTo { .. } => {
            let names = select(&state, &operation)?;
            let status = read_status::<M>(db, &expected).await?;
            let changed: Vec<String> = status.changed().iter().map(|v| (*v).to_owned()).collect();
            if !changed.is_empty() {
                if !options.allow_checksum_mismatch {
                    return Err(Error::ChecksumMismatch { versions: changed });
                }
                // The recorded checksums stay: they say what was really applied.
                options
                    .observer
                    .notify(&Event::ChecksumMismatchAllowed { versions: changed });
            }
            runner.prepare().await?;
            let unrecorded: Vec<String> = status
                .migrations
                .iter()
                .filter(|m| m.state == MigrationState::AppliedUnrecorded)
                .map(|m| m.name.clone())
                .collect();
            report.backfilled = runner.record_checksums(&unrecorded).await?;
            if !report.backfilled.is_empty() {
                options.observer.notify(&Event::ChecksumsBackfilled {
                    versions: report.backfilled.clone(),
                });
            }
            report.applied = runner.up(&names).await?;
        }
        Operation::Down { .. } | Operation::DownTo { .. } => {
            let names = select(&state, &operation)?;
            runner.prepare().await?;
            let newest_first: Vec<&str> = names.iter().map(String::as_str).collect();
            report.rolled_back = runner.roll_back(&newest_first).await?;
        }
        Operation::Fresh => {
            // All or nothing (one transaction; MySQL: bookkeeping first), then each
            // migration as `up` applies it.
            let versions_table = M::migration_table_name().to_string();
            crate::fresh::drop_everything(db, &versions_table)
                .await
                .map_err(|e| {
                    Error::failed(
                        if db.get_database_backend() == DbBackend::MySql {
                            "fresh: dropping every table (MySQL commits each drop: run fresh again to finish)"
                        } else {
                            "fresh: dropping every table (nothing was dropped)"
                        },
                        e,
                    )
                })?;
            report.dropped_all_tables = true;
            runner.prepare().await?;
            let state = State::read::<M>(db).await?;
            report.applied = runner
                .up(&select(&state, &Operation::Up { limit: None })?)
                .await?;
        }
        Operation::Refresh => {
            runner.prepare().await?;
            report.rolled_back = runner.roll_back_all(&state).await?;
            let state = State::read::<M>(db).await?;
            report.applied = runner
                .up(&select(&state, &Operation::Up { limit: None })?)
                .await?;
        }
        Operation::Reset => {
            runner.prepare().await?;
            report.rolled_back = runner.roll_back_all(&state).await?;
            M::uninstall(db)
                .await
                .map_err(|e| Error::failed("dropping the migrations table", e))?;
            ChecksumTable::drop(db)
                .await
                .map_err(|e| Error::failed("dropping the checksum tables", e))?;
            crate::dirty::drop(db)
                .await
                .map_err(|e| Error::failed("dropping the dirty marker table", e))?;
        }
        Operation::AcceptChecksum { version } => {
            report.accepted = Some(runner.accept(&state, &version).await?);
        }
        Operation::ResolveDirty { version, applied } => {
            runner.resolve_dirty(&version, applied).await?;
        }
    }
    report.pending = State::read::<M>(db)
        .await?
        .pending()
        .into_iter()
        .map(str::to_owned)
        .collect();
    Ok(report)
}

/// Runs migrations of `M` one at a time, each with its bookkeeping, under the lock.
struct Runner<'a, M> {
    db: &'a DatabaseConnection,
    lock: &'a MigrationLock,
    expected: &'a Expected,
    options: &'a Options,
    migrator: PhantomData<M>,
}

impl<M: MigratorTrait> Runner<'_, M> {
    /// Creates the bookkeeping tables when missing.
    async fn prepare(&self) -> Result<(), Error> {
        M::install(self.db)
            .await
            .map_err(|e| Error::failed("creating the migrations table", e))?;
        ChecksumTable::ensure(self.db)
            .await
            .map_err(|e| Error::failed("creating the checksum tables", e))?;
        crate::dirty::ensure(self.db)
            .await
            .map_err(|e| Error::failed("creating the dirty marker table", e))
    }

    /// Records the current checksum of each of `versions` that has one; returns those.
    async fn record_checksums(&self, versions: &[String]) -> Result<Vec<String>, Error> {
        let mut recorded = Vec::new();
        for version in versions {
            let Some(checksum) = self.expected.recordable(version) else {
                continue;
            };
            ChecksumTable::record(self.db, version, checksum)
                .await
                .map_err(|e| Error::failed(format!("recording the checksum of {version}"), e))?;
            recorded.push(version.clone());
        }
        Ok(recorded)
    }

    fn step<'m>(&'m self, migration: &'m dyn MigrationTrait) -> Step<'m> {
        Step {
            migration,
            versions_table: M::migration_table_name(),
            lock: self.lock,
            timeouts: Timeouts {
                lock: self.options.ddl_lock_timeout,
                statement: self.options.statement_timeout,
            },
        }
    }

    /// Applies `names`, oldest first.
    async fn up(&self, names: &[String]) -> Result<Vec<String>, Error> {
        let take = names.len();
        let migrations = M::migrations();
        let by_name = by_name(&migrations);
        let mut applied = Vec::new();
        for (index, name) in names.iter().enumerate() {
            self.options.observer.notify(&Event::Starting {
                name: (*name).to_owned(),
                rolling_back: false,
                index,
                total: take,
            });
            let started = Instant::now();
            let migration = Traced::new(find(&by_name, name)?, self.options);
            let step = self.step(&migration);
            let retryable = step.uses_transaction(self.db.get_database_backend());
            if !retryable {
                crate::invalid_index::guard(self.db, self.options, name).await?;
            }
            let checksum = self.expected.recordable(name);
            let action = format!("applying {name}");
            if let Err(e) =
                with_lock_retries(self.db, self.options, name, &action, retryable, || {
                    step.apply(self.db, checksum)
                })
                .await
            {
                return Err(crate::dirty::explain(self.db, e).await);
            }
            crate::session::trim_statement_cache(self.db, index).await?;
            self.options.observer.notify(&Event::Applied {
                name: (*name).to_owned(),
                elapsed: started.elapsed(),
            });
            applied.push((*name).to_owned());
        }
        Ok(applied)
    }

    async fn roll_back_all(&self, state: &State) -> Result<Vec<String>, Error> {
        let newest_first: Vec<&str> = state.applied_known().into_iter().rev().collect();
        self.roll_back(&newest_first).await
    }

    async fn roll_back(&self, newest_first: &[&str]) -> Result<Vec<String>, Error> {
        let migrations = M::migrations();
        let by_name = by_name(&migrations);
        let mut rolled_back = Vec::new();
        for (index, name) in newest_first.iter().enumerate() {
            self.options.observer.notify(&Event::Starting {
                name: (*name).to_owned(),
                rolling_back: true,
                index,
                total: newest_first.len(),
            });
            let started = Instant::now();
            let migration = Traced::new(find(&by_name, name)?, self.options);
            let step = self.step(&migration);
            let retryable = step.uses_transaction(self.db.get_database_backend());
            let action = format!("rolling back {name}");
            if let Err(e) =
                with_lock_retries(self.db, self.options, name, &action, retryable, || {
                    step.roll_back(self.db)
                })
                .await
            {
                return Err(crate::dirty::explain(self.db, e).await);
            }
            crate::session::trim_statement_cache(self.db, index).await?;
            self.options.observer.notify(&Event::RolledBack {
                name: (*name).to_owned(),
                elapsed: started.elapsed(),
            });
            rolled_back.push((*name).to_owned());
        }
        Ok(rolled_back)
    }

    /// `resolve-dirty`: records `version` as `applied` or not, and clears its marker.
    async fn resolve_dirty(&self, version: &str, applied: bool) -> Result<(), Error> {
        let migrations = M::migrations();
        let migration = find(&by_name(&migrations), version)?;
        let step = self.step(migration);
        let checksum = self.expected.recordable(version);
        crate::dirty::resolve(&step, self.db, applied, checksum).await
    }

    /// Replaces `version`'s recorded checksum with the current one, in one transaction
    /// with its history row.
    async fn accept(&self, state: &State, version: &str) -> Result<AcceptedChecksum, Error> {
        if !state.known.iter().any(|v| v == version) {
            return Err(Error::NotAMigration {
                version: version.to_owned(),
            });
        }
        if !state.applied_known().contains(&version) {
            return Err(Error::NotApplied {
                version: version.to_owned(),
            });
        }
        let Some(new) = self.expected.recordable(version) else {
            let reasons = self
                .expected
                .get(version)
                .map(|c| {
                    c.gaps
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            return Err(Error::NoChecksum {
                version: version.to_owned(),
                reasons,
            });
        };
        self.prepare().await?;
        let recorded = ChecksumTable::read(self.db)
            .await
            .map_err(|e| Error::failed("reading the recorded checksums", e))?;
        let old = recorded
            .get(version)
            .cloned()
            .unwrap_or_else(|| "-".to_owned());
        if old == new.encode() {
            return Err(Error::ChecksumAlreadyCurrent {
                version: version.to_owned(),
            });
        }
        let failed = |e| Error::failed(format!("accepting the checksum of {version}"), e);
        let txn = self.db.begin().await.map_err(failed)?;
        match ChecksumTable::accept(&txn, version, &old, new).await {
            Ok(()) => txn.commit().await.map_err(failed)?,
            Err(e) => {
                // The original error is the one worth reporting.
                let _ = txn.rollback().await;
                return Err(failed(e));
            }
        }
        Ok(AcceptedChecksum {
            version: version.to_owned(),
            old,
            new: new.encode(),
        })
    }
}

/// The migrations by name: a run looks each one up, so not by a search of the list.
fn by_name(migrations: &[Box<dyn MigrationTrait>]) -> HashMap<&str, &dyn MigrationTrait> {
    migrations.iter().map(|m| (m.name(), m.as_ref())).collect()
}

fn find<'m>(
    by_name: &HashMap<&str, &'m dyn MigrationTrait>,
    name: &str,
) -> Result<&'m dyn MigrationTrait, Error> {
    by_name
        .get(name)
        .copied()
        .ok_or_else(|| Error::UnknownVersions {
            versions: vec![name.to_owned()],
        })
}

/// The migration lock, held by the caller (to run its own steps under it, or in tests).
#[derive(Debug)]
pub struct LockGuard {
    session: Session,
    lock: MigrationLock,
}

impl LockGuard {
    pub(crate) async fn acquire(db: &DatabaseConnection, options: &Options) -> Result<Self, Error> {
        options.validate()?;
        let session = Session::open(db, options.schema.as_deref(), options.connect_timeout).await?;
        match MigrationLock::acquire(&session, options.lock_timeout, &options.observer).await {
            Ok(lock) => Ok(Self { session, lock }),
            Err(e) => {
                session.close().await;
                Err(e)
            }
        }
    }

    /// Releases the lock (dropping the guard releases it too, when its session closes).
    pub async fn release(self) -> Result<(), Error> {
        let released = self.lock.release(&self.session.conn).await;
        self.session.close().await;
        released.map_err(|e| Error::failed("releasing the migration lock", e))
    }
}
