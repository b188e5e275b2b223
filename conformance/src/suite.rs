//! Runs every check of a migrator on every requested backend.

use std::marker::PhantomData;
use std::path::PathBuf;

use sea_orm_migration::MigratorTrait;

use crate::backends::Backend;
use crate::checks::lint::{settle, stale_opt_outs};
use crate::checks::{AllowList, BackendRun, Check, Finding, lint_transactions, parity, walk};
use crate::error::HarnessError;
use crate::report::{NOT_REQUESTED, Status, SuiteReport};
use crate::snapshots;

/// The whole suite for migrator `M`:
///
/// ```no_run
/// # async fn demo() -> Result<(), conformance::HarnessError> {
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// let outcome = conformance::Suite::<Migrator>::new().run().await?;
/// assert!(outcome.report.passed(), "{}", outcome.report);
/// # Ok(()) }
/// ```
pub struct Suite<M> {
    backends: Vec<Backend>,
    allow_list: AllowList,
    snapshot_dir: Option<PathBuf>,
    migrator: PhantomData<M>,
}

/// The report, and each backend's recorded run (for snapshots).
pub struct SuiteOutcome {
    pub report: SuiteReport,
    pub runs: Vec<BackendRun>,
}

impl<M: MigratorTrait> Default for Suite<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: MigratorTrait> Suite<M> {
    /// Both backends, an empty allow-list, no snapshot comparison.
    pub fn new() -> Self {
        Self {
            backends: Backend::ALL.to_vec(),
            allow_list: AllowList::default(),
            snapshot_dir: None,
            migrator: PhantomData,
        }
    }

    pub fn backends(mut self, backends: &[Backend]) -> Self {
        self.backends = backends.to_vec();
        self
    }

    pub fn allow_list(mut self, allow_list: AllowList) -> Self {
        self.allow_list = allow_list;
        self
    }

    /// Compare against the snapshot files in `dir` (without insta) as check `snapshots`.
    pub fn snapshots_in(mut self, dir: PathBuf) -> Self {
        self.snapshot_dir = Some(dir);
        self
    }

    pub async fn run(&self) -> Result<SuiteOutcome, HarnessError> {
        let mut report = SuiteReport::default();
        let mut runs = Vec::new();
        let mut used_opt_outs = std::collections::BTreeSet::new();
        for &backend in &self.backends {
            let started = std::time::Instant::now();
            match walk::<M>(backend).await {
                Ok(mut run) => {
                    report.durations.push((backend, started.elapsed()));
                    run.findings.extend(lint_transactions::<M>(backend));
                    run.findings = settle(
                        std::mem::take(&mut run.findings),
                        &self.allow_list.lint_opt_outs,
                        &mut used_opt_outs,
                    );
                    if let Some(dir) = &self.snapshot_dir {
                        run.findings.extend(snapshots::compare_files(&run, dir));
                    }
                    report.findings.extend(run.findings.iter().cloned());
                    runs.push(run);
                }
                Err(HarnessError::PostgresUnavailable(reason)) => {
                    report.missing.push((backend, reason))
                }
                Err(e) => return Err(e),
            }
        }
        // An opt-out for one backend's rule silences nothing on the other: judge it
        // only when every backend ran.
        if Backend::ALL
            .iter()
            .all(|b| runs.iter().any(|r: &BackendRun| r.backend == *b))
        {
            report.findings.extend(stale_opt_outs(
                &self.allow_list.lint_opt_outs,
                &used_opt_outs,
            ));
        }
        let logical = |b: Backend| {
            runs.iter()
                .find(|r| r.backend == b)
                .map(|r| &r.final_logical)
        };
        if let (Some(sqlite), Some(postgres)) =
            (logical(Backend::Sqlite), logical(Backend::Postgres))
        {
            report
                .findings
                .extend(parity(sqlite, postgres, &self.allow_list));
        }
        for check in Check::ALL {
            for backend in Backend::ALL {
                let status = self.status(check, backend, &report);
                report.statuses.insert((check, backend), status);
            }
        }
        Ok(SuiteOutcome { report, runs })
    }

    fn status(&self, check: Check, backend: Backend, report: &SuiteReport) -> Status {
        if !self.backends.contains(&backend) {
            return Status::Skipped(NOT_REQUESTED.to_owned());
        }
        if let Some((_, why)) = report.missing.iter().find(|(b, _)| *b == backend) {
            return Status::Skipped(why.clone());
        }
        if check == Check::Parity
            && !Backend::ALL
                .iter()
                .all(|b| self.backends.contains(b) && !report.missing.iter().any(|(m, _)| m == b))
        {
            return Status::Skipped("needs both SQLite and PostgreSQL".to_owned());
        }
        if check == Check::Snapshots && self.snapshot_dir.is_none() {
            return Status::Skipped("no snapshot folder given".to_owned());
        }
        let failures = report
            .findings
            .iter()
            .filter(|f: &&Finding| f.check == check && f.backend.is_none_or(|b| b == backend))
            .count();
        if failures == 0 {
            Status::Pass
        } else {
            Status::Fail(failures)
        }
    }
}
