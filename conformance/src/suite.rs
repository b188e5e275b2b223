//! Runs every check of a migrator on every requested backend.

use std::marker::PhantomData;
use std::path::PathBuf;

use sea_orm_migration::MigratorTrait;

use crate::backends::Backend;
use crate::checks::{
    AllowList, BackendRun, Check, DataCase, Finding, NotRun, lint_transactions, parity, walk,
};
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
    data_cases: Vec<DataCase>,
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
            data_cases: Vec::new(),
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
        for &backend in &self.backends {
            let started = std::time::Instant::now();
            match walk::<M>(backend).await {
                Ok(mut run) => {
                    if !self.data_cases.is_empty() {
                        let (findings, not_run) =
                            crate::checks::run_data_cases::<M>(backend, &self.data_cases).await?;
                        run.findings.extend(findings);
                        run.not_run.extend(not_run);
                    }
                    report.durations.push((backend, started.elapsed()));
                    run.findings.extend(lint_transactions::<M>(backend));
                    if let Some(dir) = &self.snapshot_dir {
                        match &run.incomplete {
                            None => run.findings.extend(snapshots::compare_files(&run, dir)),
                            Some(why) => run.not_run.push(NotRun::new(
                                Check::Snapshots,
                                Some(backend),
                                None,
                                format!("{why}, so its snapshots describe a half-migrated schema"),
                            )),
                        }
                    }
                    report.findings.extend(run.findings.iter().cloned());
                    report.not_run.extend(run.not_run.iter().cloned());
                    runs.push(run);
                }
                Err(HarnessError::PostgresUnavailable(reason)) => {
                    report.missing.push((backend, reason))
                }
                Err(e) => return Err(e),
            }
        }
        let run_of = |b: Backend| runs.iter().find(|r| r.backend == b);
        if let (Some(sqlite), Some(postgres)) = (run_of(Backend::Sqlite), run_of(Backend::Postgres))
        {
            match sqlite.incomplete.as_ref().or(postgres.incomplete.as_ref()) {
                None => report.findings.extend(parity(
                    &sqlite.final_logical,
                    &postgres.final_logical,
                    &self.allow_list,
                )),
                Some(why) => report.not_run.push(NotRun::new(
                    Check::Parity,
                    None,
                    None,
                    format!("{why}, so there is no final schema to compare"),
                )),
            }
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
        if check == Check::DataCases && self.data_cases.is_empty() {
            return Status::Skipped("no data cases given".to_owned());
        }
        let here = |b: Option<Backend>| b.is_none_or(|b| b == backend);
        let failures = report
            .findings
            .iter()
            .filter(|f: &&Finding| f.check == check && here(f.backend))
            .count();
        let mut not_run = report
            .not_run
            .iter()
            .filter(|n| n.check == check && here(n.backend));
        if failures > 0 {
            Status::Fail(failures)
        } else if let Some(first) = not_run.next() {
            let more = not_run.count();
            let mut why = match &first.migration {
                Some(migration) => format!("{migration}: {}", first.why),
                None => first.why.clone(),
            };
            if more > 0 {
                why.push_str(&format!(" (and {more} more)"));
            }
            Status::NotRun(why)
        } else {
            Status::Pass
        }
    }
}

/// Data cases (see [`DataCase`]).
impl<M: MigratorTrait> Suite<M> {
    /// Adds a data case: rows seeded before one migration, asserted after its `up` and
    /// after its `down`, on every backend (check `data-cases`).
    pub fn data_case(mut self, case: DataCase) -> Self {
        self.data_cases.push(case);
        self
    }

    /// Adds several data cases.
    pub fn data_cases(mut self, cases: impl IntoIterator<Item = DataCase>) -> Self {
        self.data_cases.extend(cases);
        self
    }
}
