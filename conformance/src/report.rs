//! The outcome of a suite run as a check × backend table.

use std::collections::BTreeMap;
use std::fmt;

use crate::backends::Backend;
use crate::checks::{
    Check, CompatBreak, Finding, MeasuredLocks, NotOnBackend, NotRun, NotSeeded, locks,
};

/// Why a backend the caller did not ask for shows as skipped (not worth a line): the
/// text of [`SkipReason::NotRequested`].
pub(crate) const NOT_REQUESTED: &str = "not requested";

/// Why a check was skipped on a backend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The caller did not ask for this backend (not worth a line in the report).
    NotRequested,
    /// The caller turned the check off.
    TurnedOff,
    /// The backend could not be had, and it was not required; says why.
    BackendMissing(String),
    /// Parity compares SQLite with PostgreSQL: it needs both.
    NeedsBothBackends,
    /// The snapshot check has no folder to compare with.
    NoSnapshotFolder,
    /// The data-case check has no case to run.
    NoDataCases,
    /// The check does not run on this backend yet: shown as `not run on <backend>`.
    NotOnBackend(NotOnBackend),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::NotRequested => NOT_REQUESTED,
            SkipReason::TurnedOff => "turned off",
            SkipReason::BackendMissing(why) => why,
            SkipReason::NeedsBothBackends => "needs both SQLite and PostgreSQL",
            SkipReason::NoSnapshotFolder => "no snapshot folder given",
            SkipReason::NoDataCases => "no data cases given",
            SkipReason::NotOnBackend(why) => return write!(f, "{why}"),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// The result of one check on one backend.
pub enum Status {
    /// No findings.
    Pass,
    /// This many findings.
    Fail(usize),
    /// Requested, but it could not run (e.g. an earlier step failed): never a pass.
    NotRun(String),
    /// Not requested, turned off, or its backend could not be had.
    Skipped(SkipReason),
}

/// Every check's status on every backend, and the findings behind the failures.
#[derive(Debug, Clone, Default)]
pub struct SuiteReport {
    /// The status of each check on each backend.
    pub statuses: BTreeMap<(Check, Backend), Status>,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Checks, or parts of them, that could not run.
    pub not_run: Vec<NotRun>,
    /// Backends that were asked for but could not be had, with the reason.
    pub missing: Vec<(Backend, String)>,
    /// How long each backend's checks took (database creation included).
    pub durations: Vec<(Backend, std::time::Duration)>,
    /// What the run did besides checking (snapshots it wrote), for the reader.
    pub notes: Vec<String>,
    /// Tables the walk could not fill with synthetic rows, and why.
    pub not_seeded: Vec<NotSeeded>,
    /// PostgreSQL: what each migration's first `up` locked and rewrote, and its time.
    pub locks: Vec<MeasuredLocks>,
    /// The running application version's statements each migration breaks (check
    /// `compat`), those the allow-list accepts included.
    pub compat: Vec<CompatBreak>,
}

impl SuiteReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
            && self.not_run.is_empty()
            && !self
                .statuses
                .values()
                .any(|s| matches!(s, Status::Fail(_) | Status::NotRun(_)))
    }

    /// The findings of one check (all backends).
    pub fn findings_of(&self, check: Check) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.check == check).collect()
    }

    /// The measured locks ([`SuiteReport::locks`]) as JSON, as `verify --locks-json`
    /// writes them; `rows_per_table` is the number of synthetic rows the walk seeded.
    pub fn locks_json(&self, rows_per_table: usize) -> String {
        locks::locks_json(&self.locks, rows_per_table)
    }
}

impl SuiteReport {
    /// Whether `backend` was asked for (any check's status says more than that).
    fn requested(&self, backend: Backend) -> bool {
        self.statuses
            .iter()
            .any(|((_, b), s)| *b == backend && *s != Status::Skipped(SkipReason::NotRequested))
    }

    /// The backends a table of this report has a column for: SQLite and PostgreSQL
    /// always, MySQL when it was asked for.
    pub(crate) fn columns(&self) -> Vec<Backend> {
        Backend::EVERY
            .into_iter()
            .filter(|b| Backend::ALL.contains(b) || self.requested(*b))
            .collect()
    }
}

impl fmt::Display for SuiteReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backends = self.columns();
        let mut header = format!("{:<20}", "check");
        for &backend in &backends {
            header.push_str(&format!("{:<12}", backend.name()));
        }
        writeln!(f, "{}", header.trim_end())?;
        for check in Check::ALL {
            let mut line = format!("{:<20}", check.name());
            for &backend in &backends {
                let cell = match self.statuses.get(&(check, backend)) {
                    Some(Status::Pass) => "pass".to_owned(),
                    Some(Status::Skipped(SkipReason::NotOnBackend(_))) => "not run".to_owned(),
                    Some(Status::Fail(n)) => format!("FAIL ({n})"),
                    Some(Status::NotRun(_)) => "not run".to_owned(),
                    Some(Status::Skipped(_)) | None => "skipped".to_owned(),
                };
                line.push_str(&format!("{cell:<12}"));
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        let mut reasons: Vec<String> = self
            .statuses
            .iter()
            .filter_map(|((check, backend), s)| match s {
                Status::Skipped(SkipReason::NotOnBackend(why)) => {
                    Some(format!("not run {check} on {backend}: {why}"))
                }
                Status::Skipped(why) if *why != SkipReason::NotRequested => {
                    Some(format!("skipped {check} on {backend}: {why}"))
                }
                Status::NotRun(why) => Some(format!("not run {check} on {backend}: {why}")),
                _ => None,
            })
            .collect();
        reasons.dedup();
        for reason in reasons {
            writeln!(f, "{reason}")?;
        }
        if !self.durations.is_empty() {
            let times: Vec<String> = self
                .durations
                .iter()
                .map(|(backend, took)| format!("{backend} {:.2} s", took.as_secs_f64()))
                .collect();
            writeln!(f, "time: {}", times.join(", "))?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        for table in &self.not_seeded {
            writeln!(f, "rows: {table}")?;
        }
        for line in locks::verify_lines(&self.locks) {
            writeln!(f, "{line}")?;
        }
        for finding in &self.findings {
            writeln!(f, "\n{finding}")?;
        }
        Ok(())
    }
}
