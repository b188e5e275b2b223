//! One backend's run: the step-by-step walk (step reversibility of schema and data,
//! lint of the captured SQL) and the full round trip on a second fresh database (round
//! trip, clean base).
//!
//! The walk applies each migration, rolls it back and applies it again before moving
//! on: 3·N migrations applied, not O(N²), and every state is compared with the one before.
//! A state is the schema dump and every table's data; after a call, only the tables
//! that call may have changed are read again (see [`Reader`](state::Reader)), so that the data half
//! of a step does not grow with the number of tables.
//!
//! It keeps going after a failure. When a step fails (an error or a panic in `up`, in
//! `down`, or in the second `up`), the finding is recorded and the walk goes on from a
//! fresh database rebuilt to the state the next migration expects:
//! - every earlier migration that applied cleanly is applied again, one by one;
//! - a migration whose `up` failed (on its first try, or again while rebuilding) is
//!   *marked* applied in the migrations table without running it. The later
//!   migrations then run without its changes: those that depend on it fail too (each
//!   reported; one that names a missing table, column, type or function is worded as
//!   possibly caused by the earlier failure, a syntax error never is), those that do not
//!   are walked and checked as usual. So a migrator whose step 3 fails still has a
//!   defect in its step 7 found.
//!
//! A first migration that does not parse on the backend (a syntax error) ends the walk
//! there with one finding: the migrator looks written for the other backend, and the
//! finding says how to check it there alone.
//!
//! A fresh database rather than the failed one because a failed step may have left
//! half its changes behind (SQLite, or a migration without a transaction).
//!
//! A walk that skipped a migration did not produce the migrator's real final schema:
//! [`BackendRun::incomplete`] says why, and the suite reports parity and snapshots as
//! not run rather than compare a half-migrated schema.

mod apply;
mod rebuild;
mod round_trip;
mod state;
mod walker;

use sea_orm_migration::MigratorTrait;

use self::rebuild::stop;
use self::round_trip::round_trip;
pub(crate) use self::walker::populate_on;
use self::walker::{Next, Walker};
use super::locks::MeasuredLocks;
use super::populate::{Irreversible, NotSeeded};
use super::{CompatBreak, Finding, NotRun};
use crate::backends::{Backend, TestDatabase};
use crate::capture::Executed;
use crate::catalog::{self, LogicalSchema, SchemaDump};
use crate::config::Config;
use crate::error::HarnessError;
use crate::progress::{Progress, ProgressObserver};
use statement_capture::sql_of;

/// What one migration executed on one backend, queries included, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// The migration's name.
    pub migration: String,
    /// The statements run by its up step.
    pub up: Vec<Executed>,
    /// The statements run by its down step.
    pub down: Vec<Executed>,
}

impl StepRun {
    /// The SQL of `up`, in order.
    pub fn up_sql(&self) -> Vec<String> {
        sql_of(&self.up)
    }

    /// The SQL of `down`, in order.
    pub fn down_sql(&self) -> Vec<String> {
        sql_of(&self.down)
    }
}

/// Everything one backend's run found and recorded.
#[derive(Debug, Clone)]
pub struct BackendRun {
    /// The backend walked.
    pub backend: Backend,
    /// The migrations walked to the end (a failed step has none).
    pub steps: Vec<StepRun>,
    /// The schema after all migrations, applied one by one.
    pub final_dump: SchemaDump,
    /// The logical schema after the last migration.
    pub final_logical: LogicalSchema,
    /// What the walk found.
    pub findings: Vec<Finding>,
    /// Checks, or parts of them, that could not run.
    pub not_run: Vec<NotRun>,
    /// Why the walk did not apply every migration, when it did not: then `final_dump`
    /// is not the migrator's final schema.
    pub incomplete: Option<String>,
    /// The first migration's `up` did not parse on this backend (a syntax error): the
    /// migrator looks written for another backend, and nothing else was run here.
    pub first_migration_unparsed: bool,
    /// Tables the walk could not fill with synthetic rows (see [`Populate`](crate::Populate)).
    pub not_seeded: Vec<NotSeeded>,
    /// Data a migration's `up` destroys and its `down` cannot bring back; a finding
    /// unless the allow-list accepts it.
    pub irreversible: Vec<Irreversible>,
    /// PostgreSQL: what each migration's first `up` locked and rewrote, and how long
    /// it took (see [`MeasuredLocks`]); empty on SQLite.
    pub locks: Vec<MeasuredLocks>,
    /// The running application version's statements each migration's `up` makes fail
    /// (check `compat`); a finding unless the allow-list accepts it.
    pub compat: Vec<CompatBreak>,
}

/// Runs the walk (on tables holding `config.populate`'s synthetic rows) and the round
/// trip of `M` on fresh databases of `backend`, telling `progress` which migration it
/// walks. Its databases come from `config`'s PostgreSQL settings.
pub(crate) async fn walk_observed<M: MigratorTrait>(
    backend: Backend,
    progress: &ProgressObserver,
    config: &Config,
) -> Result<BackendRun, HarnessError> {
    let mut run = BackendRun {
        backend,
        steps: Vec::new(),
        final_dump: SchemaDump::default(),
        final_logical: LogicalSchema::default(),
        findings: Vec::new(),
        not_run: Vec::new(),
        incomplete: None,
        first_migration_unparsed: false,
        not_seeded: Vec::new(),
        irreversible: Vec::new(),
        locks: Vec::new(),
        compat: Vec::new(),
    };
    // The round trip goes on from where a complete walk ended; after an incomplete
    // one, from a fresh database.
    let walked = step_walk::<M>(backend, &mut run, progress, config).await?;
    let (db, base, walked) = match walked {
        Some((db, base)) if run.incomplete.is_none() => (db, base, true),
        _ if run.first_migration_unparsed => return Ok(run),
        other => {
            if let Some((db, _)) = other {
                db.close().await?;
            }
            let db = TestDatabase::for_config(backend, config).await?;
            M::install(&db.conn).await?;
            let base = catalog::dump(&db.conn).await?;
            (db, base, false)
        }
    };
    progress.notify(&Progress::RoundTrip { backend });
    let result = round_trip::<M>(&db, &base, walked, &mut run).await;
    db.close().await?;
    result?;
    Ok(run)
}

/// Walks every migration of `M`; returns the database it ended on (every migration
/// applied) and the schema it started from, unless the walk had to stop.
async fn step_walk<M: MigratorTrait>(
    backend: Backend,
    run: &mut BackendRun,
    progress: &ProgressObserver,
    config: &Config,
) -> Result<Option<(TestDatabase, SchemaDump)>, HarnessError> {
    let migrations = M::migrations();
    let names: Vec<String> = migrations.iter().map(|m| m.name().to_owned()).collect();
    let mut walker = Walker::<M>::open(backend, config, &migrations, &names).await?;
    let base = walker.schema();
    for (index, name) in names.iter().enumerate() {
        progress.notify(&Progress::Step {
            backend,
            index,
            total: names.len(),
            migration: name.clone(),
        });
        match walker.step(index, run).await? {
            Next::Continue => {}
            Next::Rebuild => match walker.rebuild().await {
                Ok(rebuilt) => walker = rebuilt,
                Err(why) => return stop(run, &names[index + 1..], backend, why),
            },
            Next::Unparsed(failure) => {
                walker.unparsed(run, &failure).await?;
                return Ok(None);
            }
        }
    }
    let db = walker.finish(run).await?;
    Ok(Some((db, base)))
}
