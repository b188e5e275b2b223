//! One backend's run: the step-by-step walk (step reversibility of schema and data,
//! lint of the captured SQL) and the full round trip on a second fresh database (round
//! trip, clean base).
//!
//! The walk applies each migration, rolls it back and applies it again before moving
//! on: 3·N migrations applied, not O(N²), and every state is compared with the one before.
//! A state is the schema dump and every table's data; after a call, only the tables
//! that call may have changed are read again (see [`Reader`]), so that the data half
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

mod state;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::{
    IntoSchemaManagerConnection, MigrationTrait, MigratorTrait, SchemaManager,
};

use self::state::{Reader, UpSeen, differs, losses, schema_differs};
use super::failure::{Cause, StepFailure, guarded, written_for_another};
use super::lint::lint_step;
use super::locks::{LockProbe, MeasuredLocks};
use super::populate::{Irreversible, NotSeeded, Seeder};
use super::{Check, Finding, NotRun};
use crate::backends::{Backend, TestDatabase};
use crate::capture::Executed;
use crate::catalog::{self, LogicalSchema, SchemaDump};
use crate::config::Config;
use crate::error::HarnessError;
use crate::progress::{Progress, ProgressObserver};
use migration_runner::Direction;
use statement_capture::{Recorder, sql_of};

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
}

/// Runs the walk (on tables holding the default synthetic rows, see
/// [`Populate`](super::Populate)) and
/// the round trip of `M` on fresh databases of `backend`, with the settings of the
/// environment ([`Config::from_env`]).
#[allow(dead_code)] // no caller outside the crate since the API was curated
pub async fn walk<M: MigratorTrait>(backend: Backend) -> Result<BackendRun, HarnessError> {
    walk_observed::<M>(backend, &ProgressObserver::default(), &Config::from_env()).await
}

/// [`walk`], telling `progress` which migration it walks. Its databases come from
/// `config`'s PostgreSQL settings, its synthetic rows from `config.populate`.
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
            let db = TestDatabase::fresh_with(backend, &config.postgres).await?;
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

/// How each migration walked so far is to be rebuilt after a failure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Applied,
    /// Its `up` failed: marked applied, never run.
    Skipped,
}

/// Walks every migration of `M`; returns the database it ended on (every migration
/// applied) and the schema it started from, unless the walk had to stop.
async fn step_walk<M: MigratorTrait>(
    backend: Backend,
    run: &mut BackendRun,
    progress: &ProgressObserver,
    config: &Config,
) -> Result<Option<(TestDatabase, SchemaDump)>, HarnessError> {
    let mut seeder = Seeder::new(&config.populate, backend);
    let table = M::migration_table_name().to_string();
    let recorder = Recorder::new(&table);
    let migrations = M::migrations();
    let names: Vec<String> = migrations.iter().map(|m| m.name().to_owned()).collect();
    let mut prefix: Vec<Prefix> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();

    let mut db = TestDatabase::fresh_with(backend, &config.postgres).await?;
    M::install(&db.conn).await?;
    let mut reader = Reader::open(&db.conn, &table, config.check_catalog_reads).await?;
    let base = reader.catalog.dump();

    for (index, name) in names.iter().enumerate() {
        progress.notify(&Progress::Step {
            backend,
            index,
            total: names.len(),
            migration: name.clone(),
        });
        let migration = Some(name.as_str());
        let finding =
            |check, message: String| Finding::new(check, Some(backend), migration, message);
        let not_run =
            |check, why: &str| NotRun::new(check, Some(backend), migration, why.to_owned());
        // Said of failures after an earlier one that may be its consequence.
        let earlier = skipped.last().cloned();
        let context = |failure: &StepFailure| match &earlier {
            Some(earlier) if failure.may_follow_an_earlier_failure() => {
                format!(" (possibly because {earlier} failed before it)")
            }
            _ => String::new(),
        };
        recorder.take();

        // rows in every table that has none yet
        let empty = reader.empty_tables();
        let seeded = seeder
            .fill(&db.conn, &empty, name, &mut run.not_seeded)
            .await?;
        reader.reread(&db.conn, &seeded).await?;

        // up, its locks measured (PostgreSQL)
        let migration = migrations[index].as_ref();
        let mut probe = LockProbe::open(&db.conn, backend, &table).await?;
        let up = apply_measured::<M>(&db.conn, migration, Up, probe.as_mut());
        if let Err(failure) = guarded(recorder.record(up)).await {
            let failure = failure.at(recorder.last_failed());
            if index == 0 && failure.cause() == Cause::Syntax {
                db.close().await?;
                unparsed_first_migration(run, &names, backend, &failure);
                return Ok(None);
            }
            run.findings.push(finding(
                Check::StepReversibility,
                format!("up {failure}{}; walked on without it", context(&failure)),
            ));
            let why = "its up failed";
            run.not_run.push(not_run(Check::Lint, why));
            run.not_run.push(not_run(Check::Snapshots, why));
            prefix.push(Prefix::Skipped);
            skipped.push(name.clone());
            match rebuild::<M>(db, &migrations, &mut prefix, &table, config).await {
                Ok((fresh, next)) => {
                    db = fresh;
                    reader = next;
                    seeder.restart();
                    continue;
                }
                Err(why) => return stop(run, &names[index + 1..], backend, why),
            }
        }
        if let Some(probe) = probe {
            run.locks.push(probe.finish(&db.conn, name).await?);
        }
        let (up, bookkeeping) = recorder.take_with_bookkeeping();
        let up_delta = reader.after(&db.conn, &up, &bookkeeping).await?;

        // down
        if let Err(failure) = guarded(recorder.record(apply::<M>(&db.conn, migration, Down))).await
        {
            let failure = failure.at(recorder.last_failed());
            let down = recorder.take();
            run.findings.push(finding(
                Check::Lint,
                format!("down {failure}{}", context(&failure)),
            ));
            run.findings.push(finding(
                Check::StepReversibility,
                format!("cannot be rolled back (down {failure}); walked on with it applied"),
            ));
            run.steps.push(StepRun {
                migration: name.clone(),
                up,
                down,
            });
            prefix.push(Prefix::Applied);
            match rebuild::<M>(db, &migrations, &mut prefix, &table, config).await {
                Ok((fresh, next)) => {
                    db = fresh;
                    reader = next;
                    seeder.restart();
                    continue;
                }
                Err(why) => return stop(run, &names[index + 1..], backend, why),
            }
        }
        let (down, bookkeeping) = recorder.take_with_bookkeeping();
        let commands = |all: &[Executed]| -> Vec<String> {
            all.iter()
                .filter(|s| !s.is_query())
                .map(|s| s.sql.clone())
                .collect()
        };
        let seen = UpSeen {
            delta: &up_delta,
            catalog: &reader.catalog,
        };
        run.findings.extend(lint_step(
            backend,
            migrations[index].as_ref(),
            &commands(&up),
            &commands(&down),
            &seen,
        ));
        let down_delta = reader.after(&db.conn, &down, &bookkeeping).await?;
        let losses = losses(&up_delta, &down_delta);
        run.findings.extend(
            differs(
                &up_delta,
                &down_delta,
                "down did not restore the schema as it was before up",
                "down did not restore the data as it was before up",
                &losses,
                false,
            )
            .map(|m| finding(Check::StepReversibility, m)),
        );
        run.irreversible
            .extend(losses.into_iter().map(|loss| Irreversible {
                backend,
                migration: name.clone(),
                table: loss.table,
                column: loss.column,
                lost: loss.lost,
                message: loss.message,
            }));

        // up again
        let again = guarded(recorder.record(apply::<M>(&db.conn, migration, Up)))
            .await
            .map_err(|failure| failure.at(recorder.last_failed()));
        let (again_executed, bookkeeping) = recorder.take_with_bookkeeping();
        run.steps.push(StepRun {
            migration: name.clone(),
            up,
            down,
        });
        prefix.push(Prefix::Applied);
        if let Err(failure) = again {
            run.findings.push(finding(
                Check::StepReversibility,
                format!(
                    "up {failure} when applied again after down; walked on from a fresh database"
                ),
            ));
            match rebuild::<M>(db, &migrations, &mut prefix, &table, config).await {
                Ok((fresh, next)) => {
                    db = fresh;
                    reader = next;
                    seeder.restart();
                    continue;
                }
                Err(why) => return stop(run, &names[index + 1..], backend, why),
            }
        }
        let again_delta = reader
            .after(&db.conn, &again_executed, &bookkeeping)
            .await?;
        run.findings.extend(
            differs(
                &down_delta,
                &again_delta,
                "applying again after down gave a different schema than the first time",
                "applying again after down gave different data than the first time",
                &[],
                // Rows inserted again get new generated keys and timestamps.
                true,
            )
            .map(|m| finding(Check::StepReversibility, m)),
        );
    }

    run.final_dump = reader.catalog.dump();
    run.final_logical = LogicalSchema::read(&db.conn, &[table.as_str()]).await?;
    if !skipped.is_empty() {
        run.incomplete = Some(format!(
            "the walk on {backend} could not apply {}",
            skipped.join(", ")
        ));
    }
    Ok(Some((db, base)))
}

/// Ends the walk at the first migration, which does not parse on `backend`: one finding
/// says the migrator looks written for the other backend and how to check it there
/// alone; every other migration, the round trip and the clean base are not run.
fn unparsed_first_migration(
    run: &mut BackendRun,
    names: &[String],
    backend: Backend,
    failure: &StepFailure,
) {
    let first = names.first().map(String::as_str);
    run.findings.push(Finding::new(
        Check::StepReversibility,
        Some(backend),
        first,
        format!("up {failure}\n{}", written_for_another(backend)),
    ));
    let why = format!("not walked: the first migration does not parse on {backend}");
    for (index, name) in names.iter().enumerate() {
        let checks: &[Check] = if index == 0 {
            &[Check::Lint, Check::Snapshots]
        } else {
            &[Check::StepReversibility, Check::Lint, Check::Snapshots]
        };
        for &check in checks {
            run.not_run
                .push(NotRun::new(check, Some(backend), Some(name), why.clone()));
        }
    }
    for check in [Check::RoundTrip, Check::CleanBase] {
        run.not_run
            .push(NotRun::new(check, Some(backend), None, why.clone()));
    }
    run.incomplete = Some(format!("the first migration does not parse on {backend}"));
    run.first_migration_unparsed = true;
}

/// Ends the walk early: every migration in `rest` is reported as not walked.
fn stop(
    run: &mut BackendRun,
    rest: &[String],
    backend: Backend,
    why: String,
) -> Result<Option<(TestDatabase, SchemaDump)>, HarnessError> {
    run.findings.push(Finding::new(
        Check::StepReversibility,
        Some(backend),
        None,
        format!("the walk stopped: {why}"),
    ));
    for name in rest {
        for check in [Check::StepReversibility, Check::Lint, Check::Snapshots] {
            run.not_run.push(NotRun::new(
                check,
                Some(backend),
                Some(name),
                format!("not walked: {why}"),
            ));
        }
    }
    run.incomplete = Some(format!("the walk on {backend} stopped: {why}"));
    Ok(None)
}

/// A fresh database with every migration in `prefix` applied (or marked applied), and
/// its reader. The old database is removed. A migration that fails while being applied
/// again is marked skipped from then on. `Err` says why no such database could be had.
async fn rebuild<M: MigratorTrait>(
    old: TestDatabase,
    migrations: &[Box<dyn MigrationTrait>],
    prefix: &mut [Prefix],
    table: &str,
    config: &Config,
) -> Result<(TestDatabase, Reader), String> {
    let backend = old.backend;
    let _ = old.close().await;
    let db = TestDatabase::fresh_with(backend, &config.postgres)
        .await
        .map_err(|e| format!("cannot create a fresh database: {e}"))?;
    M::install(&db.conn)
        .await
        .map_err(|e| format!("cannot install the migrations table: {e}"))?;
    for (how, migration) in prefix.iter_mut().zip(migrations) {
        let name = migration.name();
        if *how == Prefix::Applied
            && guarded(apply::<M>(&db.conn, migration.as_ref(), Up))
                .await
                .is_err()
        {
            *how = Prefix::Skipped;
        }
        if *how == Prefix::Skipped {
            mark_applied::<M>(&db.conn, name)
                .await
                .map_err(|e| format!("cannot mark {name} applied: {e}"))?;
        }
    }
    let next = Reader::open(&db.conn, table, config.check_catalog_reads)
        .await
        .map_err(|e| format!("cannot read the rebuilt database: {e}"))?;
    Ok((db, next))
}

use Direction::{Down, Up};

/// Runs one migration's `up` or `down` exactly as sea-orm-migration's `up` / `down`
/// with one step do (in a transaction on PostgreSQL or when the migration asks for one,
/// its version row written or removed in the same transaction), without reading every
/// applied version first: that read made each call cost more as the migrator grows.
async fn apply<M: MigratorTrait>(
    conn: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr> {
    apply_measured::<M>(conn, migration, direction, None).await
}

/// [`apply`], telling `probe` when the migration starts and letting it read the locks
/// its transaction holds just before commit (see [`LockProbe`]).
async fn apply_measured<M: MigratorTrait>(
    conn: &DatabaseConnection,
    migration: &dyn MigrationTrait,
    direction: Direction,
    mut probe: Option<&mut LockProbe>,
) -> Result<(), DbErr> {
    let in_transaction = Backend::from_db(conn.get_database_backend())
        .is_some_and(|backend| backend.runs_in_transaction(migration));
    if let Some(probe) = probe.as_deref_mut() {
        probe.start(in_transaction);
    }
    if in_transaction {
        let transaction = conn.begin().await?;
        run_and_record::<M, _>(&transaction, migration, direction).await?;
        if let Some(probe) = probe {
            probe.before_commit(&transaction).await;
        }
        transaction.commit().await
    } else {
        run_and_record::<M, _>(conn, migration, direction).await
    }
}

async fn run_and_record<'c, M: MigratorTrait, C>(
    conn: &'c C,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<(), DbErr>
where
    C: ConnectionTrait,
    &'c C: IntoSchemaManagerConnection<'c>,
{
    direction.run(migration, &SchemaManager::new(conn)).await?;
    match direction {
        Up => {
            let applied_at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            insert_version::<M, _>(conn, migration.name(), applied_at).await?;
        }
        Down => {
            let mut delete = Query::delete();
            delete
                .from_table(M::migration_table_name())
                .and_where(Expr::col(Alias::new("version")).eq(migration.name()));
            conn.execute(&delete).await?;
        }
    }
    Ok(())
}

/// Records `name` in the migrations table without running it.
async fn mark_applied<M: MigratorTrait>(
    conn: &DatabaseConnection,
    name: &str,
) -> Result<(), HarnessError> {
    Ok(insert_version::<M, _>(conn, name, 0).await?)
}

/// `name`'s row in the migrations table, as sea-orm-migration writes it.
async fn insert_version<M: MigratorTrait, C: ConnectionTrait>(
    conn: &C,
    name: &str,
    applied_at: i64,
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table(M::migration_table_name())
        .columns([Alias::new("version"), Alias::new("applied_at")])
        .values([name.into(), applied_at.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    conn.execute(&insert).await?;
    Ok(())
}

/// Down all, then up all, on the database the walk left with every migration applied
/// (`walked`), compared with the walk's final schema; or, after an incomplete walk, on
/// a fresh database: up all first, and the second up all compared with the first.
/// `base` is the schema with only the migrations table.
async fn round_trip<M: MigratorTrait>(
    db: &TestDatabase,
    base: &SchemaDump,
    walked: bool,
    run: &mut BackendRun,
) -> Result<(), HarnessError> {
    let backend = Some(db.backend);
    let conn = &db.conn;
    let finding = |check, message: String| Finding::new(check, backend, None, message);
    let not_run = |check, why: &str| NotRun::new(check, backend, None, why.to_owned());
    let unchanged = |check, expected: &SchemaDump, actual: &SchemaDump, headline: &str| {
        schema_differs(expected, actual, headline).map(|message| finding(check, message))
    };

    let first = if walked {
        run.final_dump.clone()
    } else {
        if let Err(failure) = guarded(M::up(conn, None)).await {
            run.findings
                .push(finding(Check::RoundTrip, format!("up all {failure}")));
            run.not_run.push(not_run(Check::CleanBase, "up all failed"));
            return Ok(());
        }
        catalog::dump(conn).await?
    };

    if let Err(failure) = guarded(M::down(conn, None)).await {
        run.findings
            .push(finding(Check::RoundTrip, format!("down all {failure}")));
        run.not_run
            .push(not_run(Check::CleanBase, "down all failed"));
        return Ok(());
    }
    let emptied = catalog::dump(conn).await?;
    run.findings.extend(unchanged(
        Check::CleanBase,
        base,
        &emptied,
        "down all did not leave only the migrations table",
    ));

    if let Err(failure) = guarded(M::up(conn, None)).await {
        run.findings.push(finding(
            Check::RoundTrip,
            format!("up all after down all {failure}"),
        ));
        return Ok(());
    }
    let second = catalog::dump(conn).await?;
    let headline = if walked {
        "up all after down all differs from applying one by one"
    } else {
        "up all after down all gave a different schema"
    };
    run.findings
        .extend(unchanged(Check::RoundTrip, &first, &second, headline));
    Ok(())
}
