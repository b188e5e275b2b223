//! The walk's state from one migration to the next, and one step: `up` (its locks
//! measured), `down`, `up` again, each state compared with the one before. Each step
//! says what happens next ([`Next`]); the walk's loop acts on it.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

use super::apply::{apply, apply_measured};
use super::rebuild::{Prefix, rebuild, unparsed_first_migration};
use super::state::{Delta, Reader, UpSeen, differs, losses};
use super::{BackendRun, StepRun};
use crate::backends::{Backend, TestDatabase};
use crate::capture::Executed;
use crate::catalog::{LogicalSchema, SchemaDump};
use crate::checks::failure::{Cause, StepFailure, guarded};
use crate::checks::lint::lint_step;
use crate::checks::locks::LockProbe;
use crate::checks::populate::{Irreversible, Populate, Seeder};
use crate::checks::{Check, CompatRunning, Finding, NotRun};
use crate::config::Config;
use crate::error::HarnessError;
use migration_runner::Direction::{Down, Up};
use statement_capture::Recorder;

/// What the walk does after a step.
pub(super) enum Next {
    /// Goes on with the next migration, on this database.
    Continue,
    /// The step failed: goes on from a fresh database rebuilt to the state the next
    /// migration expects (see [`Walker::rebuild`]).
    Rebuild,
    /// The first migration does not parse on the backend: the walk ends here.
    Unparsed(StepFailure),
}

/// The walk of migrator `M` on one backend, between two steps: its database and what
/// it knows of it, and how each migration walked so far went.
pub(super) struct Walker<'m, M> {
    backend: Backend,
    config: &'m Config,
    migrations: &'m [Box<dyn MigrationTrait>],
    names: &'m [String],
    /// The migrations table.
    table: String,
    recorder: Recorder,
    seeder: Seeder,
    /// How each migration walked so far is to be rebuilt.
    prefix: Vec<Prefix>,
    /// The migrations whose `up` failed, in order.
    skipped: Vec<String>,
    db: TestDatabase,
    reader: Reader,
    /// The running version's statements per table (check `compat`).
    running: CompatRunning,
    migrator: PhantomData<fn() -> M>,
}

/// The migration one step walks, and how its findings are worded.
struct Here<'m> {
    backend: Backend,
    index: usize,
    name: &'m str,
    migration: &'m dyn MigrationTrait,
    /// The last migration skipped before this one: a failure here may follow from it.
    earlier: Option<String>,
}

impl Here<'_> {
    fn finding(&self, check: Check, message: String) -> Finding {
        Finding::new(check, Some(self.backend), Some(self.name), message)
    }

    fn not_run(&self, check: Check, why: &str) -> NotRun {
        NotRun::new(check, Some(self.backend), Some(self.name), why.to_owned())
    }

    /// Said of failures after an earlier one that may be its consequence.
    fn context(&self, failure: &StepFailure) -> String {
        match &self.earlier {
            Some(earlier) if failure.may_follow_an_earlier_failure() => {
                format!(" (possibly because {earlier} failed before it)")
            }
            _ => String::new(),
        }
    }
}

impl<'m, M: MigratorTrait> Walker<'m, M> {
    /// A fresh database of `backend` with only the migrations table, ready to walk
    /// `migrations` (named `names`).
    pub(super) async fn open(
        backend: Backend,
        config: &'m Config,
        migrations: &'m [Box<dyn MigrationTrait>],
        names: &'m [String],
    ) -> Result<Self, HarnessError> {
        let seeder = Seeder::new(&populate_on(backend, &config.populate), backend);
        let table = M::migration_table_name().to_string();
        let recorder = Recorder::new(&table);
        let db = TestDatabase::for_config(backend, config).await?;
        M::install(&db.conn).await?;
        let reader = Reader::open(&db.conn, &table, config.check_catalog_reads).await?;
        Ok(Self {
            backend,
            config,
            migrations,
            names,
            table,
            recorder,
            seeder,
            prefix: Vec::new(),
            skipped: Vec::new(),
            db,
            reader,
            running: CompatRunning::default(),
            migrator: PhantomData,
        })
    }

    /// The schema now.
    pub(super) fn schema(&self) -> SchemaDump {
        self.reader.catalog.dump()
    }

    /// Walks migration `index`: rows in its empty tables, `up`, `down`, `up` again.
    pub(super) async fn step(
        &mut self,
        index: usize,
        run: &mut BackendRun,
    ) -> Result<Next, HarnessError> {
        let (names, migrations) = (self.names, self.migrations);
        let here = Here {
            backend: self.backend,
            index,
            name: &names[index],
            migration: migrations[index].as_ref(),
            earlier: self.skipped.last().cloned(),
        };
        self.recorder.take();
        self.seed(&here, run).await?;
        let compat = !self.config.skipped.contains(&Check::Compat);
        if compat {
            self.running_version(&here, run).await?;
        }
        let (up, up_delta) = match self.up(&here, run).await? {
            Ok(done) => done,
            Err(next) => return Ok(next),
        };
        if compat {
            self.compat(&here, &up_delta, run).await?;
        }
        self.forget(&up_delta);
        let mut step = StepRun {
            migration: here.name.to_owned(),
            up,
            down: Vec::new(),
        };
        let down_delta = self.down(&here, &mut step, &up_delta, run).await?;
        run.steps.push(step);
        self.prefix.push(Prefix::Applied);
        match down_delta {
            Some(down_delta) => {
                self.forget(&down_delta);
                self.up_again(&here, &down_delta, run).await
            }
            None => Ok(Next::Rebuild),
        }
    }

    /// Rows in every table that has none yet.
    async fn seed(&mut self, here: &Here<'_>, run: &mut BackendRun) -> Result<(), HarnessError> {
        let empty = self.reader.empty_tables();
        let seeded = self
            .seeder
            .fill(&self.db.conn, &empty, here.name, &mut run.not_seeded)
            .await?;
        self.reader.reread(&self.db.conn, &seeded).await?;
        let attributable = self.attributable();
        let related = self.reader.catalog.tables_related(&seeded, &attributable);
        self.running.forget(&seeded);
        self.running.forget(&related);
        Ok(())
    }

    /// What the running application version issues on every table there is before
    /// `up` (check `compat`), written anew for the tables a call changed since.
    async fn running_version(
        &mut self,
        here: &Here<'_>,
        run: &mut BackendRun,
    ) -> Result<(), HarnessError> {
        let known = self.reader.tables();
        let conn = &self.db.conn;
        let populate = &self.config.populate;
        self.running
            .prepare(
                conn,
                self.backend,
                populate,
                &known,
                here.name,
                &mut run.not_run,
            )
            .await?;
        self.reader.recount(conn).await
    }

    /// The running version's statements after `up`, outside the capture, on the tables
    /// `up` may have broken (see [`Delta::touched_tables`]) and those a foreign key ties
    /// to them either way:
    /// a break for each that fails (check `compat`). What `up` changed is forgotten.
    async fn compat(
        &mut self,
        here: &Here<'_>,
        up_delta: &Delta,
        run: &mut BackendRun,
    ) -> Result<(), HarnessError> {
        let conn = &self.db.conn;
        let catalog = &self.reader.catalog;
        let attributable = self.attributable();
        let touched = up_delta.touched_tables(&attributable);
        let tried = touched.as_ref().map(|touched| {
            let mut tables = catalog.tables_related(touched, &attributable);
            tables.extend(touched.iter().cloned());
            tables
        });
        let breaks = self
            .running
            .after(conn, self.backend, here.name, tried.as_ref(), |t| {
                catalog.has_table(t)
            })
            .await?;
        run.compat.extend(breaks);
        self.reader.recount(conn).await
    }

    /// The tables an object's name may belong to: those there are, and those the
    /// running version knew.
    fn attributable(&self) -> BTreeSet<String> {
        let mut tables = self.reader.tables();
        tables.extend(self.running.known());
        tables
    }

    /// Forgets the running version's statements on what a call changed.
    /// A table's statements depend on the tables a foreign key ties to it too (a
    /// `DELETE` a child's rows refuse): those are forgotten with it.
    fn forget(&mut self, delta: &Delta) {
        let attributable = self.attributable();
        let Some(mut changed) = delta.touched_tables(&attributable) else {
            self.running.clear();
            return;
        };
        changed.extend(delta.data_tables().cloned());
        changed.extend(delta.referenced(&attributable));
        let related = self.reader.catalog.tables_related(&changed, &attributable);
        self.running.forget(&changed);
        self.running.forget(&related);
    }

    /// `up`, its locks measured (PostgreSQL): what it executed and changed, or, when
    /// it failed, what the walk does next.
    async fn up(
        &mut self,
        here: &Here<'_>,
        run: &mut BackendRun,
    ) -> Result<Result<(Vec<Executed>, Delta), Next>, HarnessError> {
        let conn = &self.db.conn;
        let mut probe = LockProbe::open(conn, self.backend, &self.table).await?;
        let up = apply_measured::<M>(conn, here.migration, Up, probe.as_mut());
        if let Err(failure) = guarded(self.recorder.record(up)).await {
            let failure = failure.at(self.recorder.last_failed());
            if here.index == 0 && failure.cause() == Cause::Syntax {
                return Ok(Err(Next::Unparsed(failure)));
            }
            run.findings.push(here.finding(
                Check::StepReversibility,
                format!(
                    "up {failure}{}; walked on without it",
                    here.context(&failure)
                ),
            ));
            let why = "its up failed";
            run.not_run.push(here.not_run(Check::Lint, why));
            run.not_run.push(here.not_run(Check::Compat, why));
            run.not_run.push(here.not_run(Check::Snapshots, why));
            self.prefix.push(Prefix::Skipped);
            self.skipped.push(here.name.to_owned());
            return Ok(Err(Next::Rebuild));
        }
        if let Some(probe) = probe {
            run.locks.push(probe.finish(conn, here.name).await?);
        }
        let (up, bookkeeping) = self.recorder.take_with_bookkeeping();
        let up_delta = self.reader.after(conn, &up, &bookkeeping).await?;
        Ok(Ok((up, up_delta)))
    }

    /// `down` (what it executed goes to `step`), the step's lint, and whether `down`
    /// restored the state before `up`: what `down` changed, `None` when it failed.
    async fn down(
        &mut self,
        here: &Here<'_>,
        step: &mut StepRun,
        up_delta: &Delta,
        run: &mut BackendRun,
    ) -> Result<Option<Delta>, HarnessError> {
        let down = apply::<M>(&self.db.conn, here.migration, Down);
        if let Err(failure) = guarded(self.recorder.record(down)).await {
            let failure = failure.at(self.recorder.last_failed());
            step.down = self.recorder.take();
            run.findings.push(here.finding(
                Check::Lint,
                format!("down {failure}{}", here.context(&failure)),
            ));
            run.findings.push(here.finding(
                Check::StepReversibility,
                format!("cannot be rolled back (down {failure}); walked on with it applied"),
            ));
            return Ok(None);
        }
        let (down, bookkeeping) = self.recorder.take_with_bookkeeping();
        step.down = down;
        // Linted against the catalog as `up` left it.
        let seen = UpSeen {
            delta: up_delta,
            catalog: &self.reader.catalog,
        };
        run.findings.extend(lint_step(
            self.backend,
            here.migration,
            &commands(&step.up),
            &commands(&step.down),
            &seen,
        ));
        let down_delta = self
            .reader
            .after(&self.db.conn, &step.down, &bookkeeping)
            .await?;
        restored(here, up_delta, &down_delta, run);
        Ok(Some(down_delta))
    }

    /// `up` again after `down`, compared with the first time.
    async fn up_again(
        &mut self,
        here: &Here<'_>,
        down_delta: &Delta,
        run: &mut BackendRun,
    ) -> Result<Next, HarnessError> {
        let again = guarded(
            self.recorder
                .record(apply::<M>(&self.db.conn, here.migration, Up)),
        )
        .await
        .map_err(|failure| failure.at(self.recorder.last_failed()));
        let (executed, bookkeeping) = self.recorder.take_with_bookkeeping();
        if let Err(failure) = again {
            run.findings.push(here.finding(
                Check::StepReversibility,
                format!(
                    "up {failure} when applied again after down; walked on from a fresh database"
                ),
            ));
            return Ok(Next::Rebuild);
        }
        let again_delta = self
            .reader
            .after(&self.db.conn, &executed, &bookkeeping)
            .await?;
        self.forget(&again_delta);
        run.findings.extend(
            differs(
                down_delta,
                &again_delta,
                "applying again after down gave a different schema than the first time",
                "applying again after down gave different data than the first time",
                &[],
                // Rows inserted again get new generated keys and timestamps.
                true,
            )
            .map(|m| here.finding(Check::StepReversibility, m)),
        );
        Ok(Next::Continue)
    }

    /// The walk on a fresh database rebuilt to the state the next migration expects
    /// (see [`rebuild`]); `Err` says why there is none.
    pub(super) async fn rebuild(mut self) -> Result<Self, String> {
        let (db, reader) = rebuild::<M>(
            self.db,
            self.migrations,
            &mut self.prefix,
            &self.table,
            self.config,
        )
        .await?;
        self.db = db;
        self.reader = reader;
        self.seeder.restart();
        self.running.clear();
        Ok(self)
    }

    /// Ends the walk at the first migration, which does not parse (see
    /// [`unparsed_first_migration`]).
    pub(super) async fn unparsed(
        self,
        run: &mut BackendRun,
        failure: &StepFailure,
    ) -> Result<(), HarnessError> {
        self.db.close().await?;
        unparsed_first_migration(run, self.names, self.backend, failure);
        Ok(())
    }

    /// The walk's end: its final schema (and why it is not the migrator's, when a
    /// migration was skipped) go to `run`; the database is returned.
    pub(super) async fn finish(self, run: &mut BackendRun) -> Result<TestDatabase, HarnessError> {
        run.final_dump = self.reader.catalog.dump();
        run.final_logical = LogicalSchema::read(&self.db.conn, &[self.table.as_str()]).await?;
        if !self.skipped.is_empty() {
            run.incomplete = Some(format!(
                "the walk on {} could not apply {}",
                self.backend,
                self.skipped.join(", ")
            ));
        }
        Ok(self.db)
    }
}

/// The rows the walk puts in on `backend`: on SQLite, PostgreSQL and MySQL / MariaDB
/// as asked; none on a backend whose values the populate generator does not write
/// (the suite says so in a note).
pub(crate) fn populate_on(backend: Backend, populate: &Populate) -> Populate {
    match backend {
        Backend::Sqlite | Backend::Postgres | Backend::MySql => populate.clone(),
        _ => Populate::off(),
    }
}

/// The statements among `all` that are not queries.
fn commands(all: &[Executed]) -> Vec<String> {
    all.iter()
        .filter(|s| !s.is_query())
        .map(|s| s.sql.clone())
        .collect()
}

/// Whether `down` restored the schema and the data as they were before `up`: a
/// finding where it did not, and the data it could not bring back in `run.irreversible`.
fn restored(here: &Here<'_>, up_delta: &Delta, down_delta: &Delta, run: &mut BackendRun) {
    let losses = losses(up_delta, down_delta);
    run.findings.extend(
        differs(
            up_delta,
            down_delta,
            "down did not restore the schema as it was before up",
            "down did not restore the data as it was before up",
            &losses,
            false,
        )
        .map(|m| here.finding(Check::StepReversibility, m)),
    );
    run.irreversible
        .extend(losses.into_iter().map(|loss| Irreversible {
            backend: here.backend,
            migration: here.name.to_owned(),
            table: loss.table,
            column: loss.column,
            lost: loss.lost,
            message: loss.message,
        }));
}
