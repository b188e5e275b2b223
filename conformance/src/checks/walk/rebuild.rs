//! Going on after a failed step (a fresh database rebuilt to the state the next
//! migration expects), and ending the walk when it cannot.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

use super::BackendRun;
use super::apply::{apply, mark_applied};
use super::state::Reader;
use crate::backends::{Backend, TestDatabase};
use crate::catalog::SchemaDump;
use crate::checks::failure::{StepFailure, guarded, written_for_another};
use crate::checks::{Check, Finding, NotRun};
use crate::config::Config;
use crate::error::HarnessError;
use migration_runner::Direction::Up;

/// How each migration walked so far is to be rebuilt after a failure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Prefix {
    Applied,
    /// Its `up` failed: marked applied, never run.
    Skipped,
}

/// Ends the walk at the first migration, which does not parse on `backend`: one finding
/// says the migrator looks written for the other backend and how to check it there
/// alone; every other migration, the round trip and the clean base are not run.
pub(super) fn unparsed_first_migration(
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
pub(super) fn stop(
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
pub(super) async fn rebuild<M: MigratorTrait>(
    old: TestDatabase,
    migrations: &[Box<dyn MigrationTrait>],
    prefix: &mut [Prefix],
    table: &str,
    config: &Config,
) -> Result<(TestDatabase, Reader), String> {
    let backend = old.backend;
    let _ = old.close().await;
    let db = TestDatabase::for_config(backend, config)
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
