//! Runs every check of a migrator on every requested backend.

use std::marker::PhantomData;
use std::path::Path;

use sea_orm_migration::MigratorTrait;

use crate::backends::Backend;
use crate::checks::lint::{settle, stale_opt_outs};
use crate::checks::walk_observed;
use crate::checks::{
    AllowList, BackendRun, Check, DataCase, Finding, Irreversible, NotOnBackend, NotRun, Populate,
    Requirement, lint_transactions, parity_across,
};
use crate::config::{AllowListSource, Config, resolve};
use crate::error::HarnessError;
use crate::progress::{Progress, ProgressObserver};
use crate::report::{SkipReason, Status, SuiteReport};
use crate::settings::PostgresSettings;
use crate::snapshots;
use crate::snapshots::SnapshotMode;

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
    pub(crate) config: Config,
    data_cases: Vec<DataCase>,
    progress: ProgressObserver,
    migrator: PhantomData<M>,
}

/// The report, and each backend's recorded run (for snapshots).
pub struct SuiteOutcome {
    /// The suite's report.
    pub report: SuiteReport,
    /// The run on each backend.
    pub runs: Vec<BackendRun>,
}

impl<M: MigratorTrait> Default for Suite<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: MigratorTrait> Suite<M> {
    /// Both backends, every check, no allow-list, no snapshots, PostgreSQL and the
    /// snapshot mode from the environment ([`Config::from_env`]).
    pub fn new() -> Self {
        Self::with_config(Config::from_env())
    }

    /// A suite with exactly this configuration (nothing read from the environment).
    pub fn with_config(config: Config) -> Self {
        Self {
            config,
            data_cases: Vec::new(),
            progress: ProgressObserver::default(),
            migrator: PhantomData,
        }
    }

    /// The configuration this suite runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs on these backends only.
    pub fn backends(mut self, backends: &[Backend]) -> Self {
        self.config.backends = backends.to_vec();
        self
    }

    /// Where PostgreSQL comes from (default: [`PostgresSettings::from_env`]).
    pub fn postgres(mut self, postgres: PostgresSettings) -> Self {
        self.config.postgres = postgres;
        self
    }

    /// The parity allow-list: a file (`"parity-allowlist.txt"`, a relative path meaning
    /// the calling crate's folder; a missing file is an error when the suite runs) or an
    /// [`AllowList`](crate::AllowList) built in code.
    pub fn allow_list(mut self, source: impl Into<AllowListSource>) -> Self {
        self.config.allow_list = source.into();
        self
    }

    /// The snapshot folder (`<dir>/<backend>/*.snap`, `<dir>/schema.md`); a relative path
    /// is resolved against the calling crate's folder. Without one, `snapshots` is skipped.
    pub fn snapshots(mut self, dir: impl AsRef<Path>) -> Self {
        self.config.snapshots = Some(resolve(dir.as_ref()));
        self
    }

    /// What the snapshot check does with missing or differing files
    /// (default: [`SnapshotMode::from_env`]).
    pub fn snapshot_mode(mut self, mode: SnapshotMode) -> Self {
        self.config.snapshot_mode = mode;
        self
    }

    /// Tells `observer` which migration the suite walks on which backend, as it goes
    /// (`verify` shows it as a progress bar on a terminal).
    pub fn progress(mut self, observer: ProgressObserver) -> Self {
        self.progress = observer;
        self
    }

    /// The synthetic rows put into every table before each migration (by default 3
    /// per table; [`Populate::off`] walks empty tables).
    pub fn populate(mut self, populate: Populate) -> Self {
        self.config.populate = populate;
        self
    }

    /// Leaves `check` out: it shows as `skipped (turned off)` in the table.
    pub fn skip(mut self, check: Check) -> Self {
        self.config.skipped.insert(check);
        self
    }

    /// Runs every check that is on, on every requested backend. `Err` only when the
    /// harness itself cannot work (an allow-list that cannot be read, a database that
    /// cannot be created); everything the migrations get wrong is a finding.
    pub async fn run(&self) -> Result<SuiteOutcome, HarnessError> {
        // Boxed: keeps the futures of callers shallow (no `recursion_limit` needed).
        Box::pin(async move {
            let allow_list = self.config.load_allow_list()?;
            let mut report = SuiteReport::default();
            let mut runs = Vec::new();
            let mut used = Used::default();
            if self.config.backends.contains(&Backend::Postgres) {
                // Starts (or finds) the process's server with this suite's settings.
                if let Err(HarnessError::PostgresUnavailable(reason)) =
                    crate::backends::postgres_server_with(&self.config.postgres)
                {
                    report.missing.push((Backend::Postgres, reason));
                }
            }
            if self.config.backends.contains(&Backend::MySql)
                && let Err(HarnessError::MySqlUnavailable(reason)) =
                    crate::backends::mysql_server_with(&self.config.mysql)
            {
                report.missing.push((Backend::MySql, reason));
            }
            for &backend in &self.config.backends {
                if report.missing.iter().any(|(b, _)| *b == backend) {
                    continue;
                }
                let started = std::time::Instant::now();
                let walked =
                    Box::pin(walk_observed::<M>(backend, &self.progress, &self.config)).await;
                self.progress.notify(&Progress::Finished { backend });
                match walked {
                    Ok(mut run) => {
                        Box::pin(self.data_cases_on(&mut run)).await?;
                        report.durations.push((backend, started.elapsed()));
                        self.judge_run(&mut run, &allow_list, &mut used, &mut report);
                        runs.push(run);
                    }
                    Err(
                        HarnessError::PostgresUnavailable(reason)
                        | HarnessError::MySqlUnavailable(reason),
                    ) => report.missing.push((backend, reason)),
                    Err(e) => return Err(e),
                }
            }
            self.across_backends(&runs, &allow_list, &used, &mut report);
            let skipped = &self.config.skipped;
            report.findings.retain(|f| !skipped.contains(&f.check));
            for check in Check::ALL {
                for backend in Backend::EVERY {
                    let status = self.status(check, backend, &report);
                    report.statuses.insert((check, backend), status);
                }
            }
            // Files written in the caller's tree are said out loud, past the test harness's
            // output capture, even when the run passes: a first run creates the snapshots.
            // So are tables the walk could not give rows: their steps met empty tables.
            for note in &report.notes {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "conformance: note: {note}");
            }
            for table in &report.not_seeded {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "conformance: rows: {table}");
            }
            Ok(SuiteOutcome { report, runs })
        })
        .await
    }

    /// The data cases, on the backend `run` walked (not run when the migrator does not
    /// parse there).
    async fn data_cases_on(&self, run: &mut BackendRun) -> Result<(), HarnessError> {
        if self.data_cases.is_empty() {
            return Ok(());
        }
        let backend = run.backend;
        if run.first_migration_unparsed {
            let why = format!("the first migration does not parse on {backend}");
            run.not_run
                .push(NotRun::new(Check::DataCases, Some(backend), None, why));
            return Ok(());
        }
        let (findings, not_run) = Box::pin(crate::checks::run_data_cases::<M>(
            backend,
            &self.data_cases,
            &self.config,
        ))
        .await?;
        run.findings.extend(findings);
        run.not_run.extend(not_run);
        Ok(())
    }

    /// One backend's run judged: the migrator's transactions linted, the lint opt-outs
    /// and accepted losses applied, the snapshots compared; its findings, the tables
    /// it could not fill and the locks it measured go to `report`.
    fn judge_run(
        &self,
        run: &mut BackendRun,
        allow_list: &AllowList,
        used: &mut Used,
        report: &mut SuiteReport,
    ) {
        let backend = run.backend;
        // A migrator that does not parse here is said to be so once.
        if !run.first_migration_unparsed {
            run.findings.extend(lint_transactions::<M>(backend));
        }
        run.findings = settle(
            std::mem::take(&mut run.findings),
            &allow_list.lint_opt_outs,
            &mut used.opt_outs,
        );
        if let Some(dir) = self.snapshot_dir() {
            match &run.incomplete {
                None => {
                    let checked = snapshots::check(run, dir, self.config.snapshot_mode);
                    run.findings.extend(checked.findings);
                    report.notes.extend(checked.notes);
                }
                Some(why) => run.not_run.push(NotRun::new(
                    Check::Snapshots,
                    Some(backend),
                    None,
                    format!("{why}, so its snapshots describe a half-migrated schema"),
                )),
            }
        }
        if self.config.populate.rows_per_table() > 0
            && crate::checks::walk_populate_on(backend, &self.config.populate).rows_per_table() == 0
        {
            report.notes.push(format!(
                "not run on {backend}: the populated walk (the populate generator does not \
                 write {backend}'s values yet): its steps walked empty tables"
            ));
        }
        report.not_seeded.extend(run.not_seeded.iter().cloned());
        report.locks.extend(run.locks.iter().cloned());
        report.compat.extend(run.compat.iter().cloned());
        run.findings.extend(judge_losses(
            &run.irreversible,
            allow_list,
            &mut used.losses,
        ));
        run.findings.extend(crate::checks::judge_compat(
            &run.compat,
            &allow_list.compat,
            &mut used.compat,
        ));
        report.findings.extend(run.findings.iter().cloned());
        report.not_run.extend(run.not_run.iter().cloned());
    }

    /// What needs every backend's run: the backend guess corrected, stale allow-list
    /// lines (when every backend ran), parity and the ER diagram.
    fn across_backends(
        &self,
        runs: &[BackendRun],
        allow_list: &AllowList,
        used: &Used,
        report: &mut SuiteReport,
    ) {
        crate::checks::correct_backend_guess(runs, &mut report.findings);
        // An opt-out for one backend's rule silences nothing on another: judge it when
        // that backend ran (any other opt-out when every backend did).
        let ran: Vec<Backend> = runs.iter().map(|r: &BackendRun| r.backend).collect();
        report.findings.extend(stale_opt_outs(
            &allow_list.lint_opt_outs,
            &used.opt_outs,
            &ran,
        ));
        if Backend::ALL.iter().all(|b| ran.contains(b)) {
            report
                .findings
                .extend(stale_losses(allow_list, &used.losses));
            report.findings.extend(crate::checks::stale_compat(
                &allow_list.compat,
                &used.compat,
            ));
        }
        if !self.config.skipped.contains(&Check::Parity) {
            parity_across(runs, allow_list, &mut report.findings, &mut report.not_run);
        }
        let run_of = |b: Backend| runs.iter().find(|r| r.backend == b);
        // The ER diagram is drawn from PostgreSQL's catalog, the richer of the two.
        if let (Some(dir), Some(postgres)) = (
            self.snapshot_dir(),
            run_of(Backend::Postgres).filter(|r| r.incomplete.is_none()),
        ) {
            let checked =
                snapshots::check_diagram(&postgres.final_logical, dir, self.config.snapshot_mode);
            report.findings.extend(checked.findings);
            report.notes.extend(checked.notes);
        }
    }

    /// Whether parity on MySQL has a backend to pair it with (SQLite or PostgreSQL,
    /// walked).
    fn mysql_has_a_pair(&self, report: &SuiteReport) -> bool {
        [Backend::Sqlite, Backend::Postgres].iter().any(|b| {
            self.config.backends.contains(b) && !report.missing.iter().any(|(m, _)| m == b)
        })
    }

    /// The snapshot folder, unless there is none or the check is off.
    fn snapshot_dir(&self) -> Option<&Path> {
        if self.config.skipped.contains(&Check::Snapshots) {
            return None;
        }
        self.config.snapshots.as_deref()
    }

    /// Why a check that needs `requirement` is skipped, if it is.
    fn unmet(&self, requirement: Requirement, report: &SuiteReport) -> Option<SkipReason> {
        let (met, reason) = match requirement {
            Requirement::Nothing => return None,
            Requirement::BothBackends => (
                Backend::ALL.iter().all(|b| {
                    self.config.backends.contains(b) && !report.missing.iter().any(|(m, _)| m == b)
                }),
                SkipReason::NeedsBothBackends,
            ),
            Requirement::SnapshotFolder => (
                self.config.snapshots.is_some(),
                SkipReason::NoSnapshotFolder,
            ),
            Requirement::DataCases => (!self.data_cases.is_empty(), SkipReason::NoDataCases),
        };
        (!met).then_some(reason)
    }

    fn status(&self, check: Check, backend: Backend, report: &SuiteReport) -> Status {
        if !self.config.backends.contains(&backend) {
            return Status::Skipped(SkipReason::NotRequested);
        }
        if self.config.skipped.contains(&check) {
            return Status::Skipped(SkipReason::TurnedOff);
        }
        if let Some((_, why)) = report.missing.iter().find(|(b, _)| *b == backend) {
            // A required backend that could not be had did not pass anything.
            let required = match backend {
                Backend::Postgres => self.config.postgres.required,
                Backend::MySql => self.config.mysql.required,
                _ => true,
            };
            return if !required {
                Status::Skipped(SkipReason::BackendMissing(why.clone()))
            } else {
                Status::NotRun(why.clone())
            };
        }
        if check == Check::Parity && backend == Backend::MySql {
            // MySQL's pairs need one partner, not SQLite and PostgreSQL both.
            if !self.mysql_has_a_pair(report) {
                return Status::Skipped(SkipReason::NotOnBackend(NotOnBackend::ParityPair));
            }
        } else if let Some(reason) = self.unmet(check.needs(), report) {
            return Status::Skipped(reason);
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

/// The allow-list lines a run used: lint opt-outs, accepted losses and accepted compat
/// breaks (by line number).
#[derive(Default)]
struct Used {
    opt_outs: std::collections::BTreeSet<usize>,
    losses: std::collections::BTreeSet<usize>,
    compat: std::collections::BTreeSet<usize>,
}

/// A finding for each loss the allow-list does not accept; the accepted lines' numbers
/// go to `used`.
fn judge_losses(
    losses: &[Irreversible],
    allow_list: &AllowList,
    used: &mut std::collections::BTreeSet<usize>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for loss in losses {
        let accepted = allow_list
            .irreversible
            .iter()
            .find(|a| a.migration == loss.migration && a.path == loss.path());
        match accepted {
            Some(line) => {
                used.insert(line.line);
            }
            None => findings.push(Finding::new(
                Check::StepReversibility,
                Some(loss.backend),
                Some(&loss.migration),
                format!(
                    "{}\nIf the loss is intended, accept it in the allow-list: `irreversible {} {}  # why`",
                    loss.message,
                    loss.migration,
                    loss.path()
                ),
            )),
        }
    }
    findings
}

/// A finding for each `irreversible` line that accepted nothing.
fn stale_losses(allow_list: &AllowList, used: &std::collections::BTreeSet<usize>) -> Vec<Finding> {
    allow_list
        .irreversible
        .iter()
        .filter(|a| !used.contains(&a.line))
        .map(|a| {
            Finding::new(
                Check::StepReversibility,
                None,
                Some(&a.migration),
                format!(
                    "allow-list line {}: `irreversible {} {}` accepts no loss: the migration loses no data there; remove the line",
                    a.line, a.migration, a.path
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;
    use sea_orm_migration::prelude::{DbErr, MigrationName, SchemaManager, async_trait};
    use sea_orm_migration::{MigrationTrait, MigratorTrait};

    use super::*;

    struct Items;

    impl MigrationName for Items {
        fn name(&self) -> &str {
            "m1_items"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Items {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            let sql = "CREATE TABLE items (id integer PRIMARY KEY)";
            manager.get_connection().execute_unprepared(sql).await?;
            Ok(())
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            let sql = "DROP TABLE items";
            manager.get_connection().execute_unprepared(sql).await?;
            Ok(())
        }

        fn use_transaction(&self) -> Option<bool> {
            Some(true)
        }
    }

    struct OneTable;

    impl MigratorTrait for OneTable {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            vec![Box::new(Items)]
        }
    }

    async fn on_postgres(settings: &PostgresSettings) -> SuiteOutcome {
        Suite::<OneTable>::with_config(Config::default())
            .backends(&[Backend::Postgres])
            .postgres(settings.clone())
            .run()
            .await
            .expect("the suite runs")
    }

    fn ran_on_postgres(outcome: &SuiteOutcome) -> bool {
        outcome.runs.iter().any(|r| r.backend == Backend::Postgres)
    }

    /// Two suites of one process with different PostgreSQL settings: each gets its own
    /// server, whichever started first (the process used to keep the first one for all).
    #[tokio::test]
    async fn each_suite_uses_its_own_postgresql_settings() {
        let given = crate::settings::environment().postgres.clone();
        let unreachable = PostgresSettings {
            url: Some("postgres://postgres@127.0.0.1:1/postgres".to_owned()),
            required: false,
            ..PostgresSettings::default()
        };
        let first = on_postgres(&given).await;
        if !ran_on_postgres(&first) {
            assert!(!given.required, "{}", first.report);
            eprintln!("conformance: SKIPPED a PostgreSQL test, no PostgreSQL");
            return;
        }
        assert!(first.report.passed(), "{}", first.report);

        // After a suite on a working server, a suite given an unreachable one is told so.
        let second = on_postgres(&unreachable).await;
        assert!(!ran_on_postgres(&second), "{}", second.report);
        assert!(
            matches!(
                second.report.missing.as_slice(),
                [(Backend::Postgres, why)] if why.contains("127.0.0.1:1")
            ),
            "{:?}",
            second.report.missing
        );
        assert!(matches!(
            second
                .report
                .statuses
                .get(&(Check::StepReversibility, Backend::Postgres)),
            Some(Status::Skipped(_))
        ));

        // And the working settings still get their server afterwards.
        let third = on_postgres(&given).await;
        assert!(ran_on_postgres(&third), "{}", third.report);
        assert!(third.report.passed(), "{}", third.report);
    }
}
