//! The checks the harness runs, and what a failed one reports.

mod allowlist;
mod compat;
pub(crate) mod data;
mod data_cases;
mod failure;
pub(crate) mod lint;
pub(crate) mod locks;
mod parity;
mod populate;
mod row_diff;
mod rows;
mod walk;

use std::fmt;

pub(crate) use allowlist::DriftAllowance;
pub use allowlist::{AllowList, AllowListError};
pub use compat::CompatBreak;
pub(crate) use compat::Running as CompatRunning;
pub(crate) use compat::{judge as judge_compat, stale as stale_compat};
pub(crate) use data_cases::run_cases as run_data_cases;
pub use data_cases::{DataCase, DataCaseError, DataCheckFn, IntoRows};
pub(crate) use failure::correct_backend_guess;
pub(crate) use lint::lint_transactions;
pub use locks::{LockMode, MeasuredLocks, TableLock};
pub(crate) use parity::across as parity_across;
#[cfg(test)]
pub(crate) use parity::{column_type_samples, portable_column_type};
pub use populate::{Irreversible, NotSeeded, Populate};
pub use walk::{BackendRun, StepRun};
pub(crate) use walk::{populate_on as walk_populate_on, walk_observed};

use crate::backends::Backend;

/// A database error as the harness quotes it (see `failure::describe`).
pub(crate) fn describe_db_error(err: &sea_orm::DbErr) -> String {
    failure::describe(err).0
}

/// Declares [`Check`] from one table: each check's variant, its name in reports, and
/// what it needs to run at all (see [`Requirement`]). `Check::ALL` lists them in the
/// table's order, which is the run order. A new check is one more line here.
macro_rules! checks {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal, needs $needs:ident;)*) => {
        /// One property the harness proves.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Check {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Check {
            /// Every check, in run order.
            pub const ALL: [Check; [$(stringify!($variant)),*].len()] = [$(Check::$variant),*];

            /// The check's name as written in reports.
            pub fn name(self) -> &'static str {
                match self {
                    $(Check::$variant => $name,)*
                }
            }

            /// What the check needs besides its backend, else it is skipped.
            pub(crate) fn needs(self) -> Requirement {
                match self {
                    $(Check::$variant => Requirement::$needs,)*
                }
            }
        }
    };
}

checks! {
    /// Every migration's `down` restores exactly the schema and the data before its `up`,
    /// and re-applying it gives exactly the schema and the data after it.
    StepReversibility = "step-reversibility", needs Nothing;
    /// Up all, down all, up all: the same schema both times, and the same as one by one.
    RoundTrip = "round-trip", needs Nothing;
    /// After down all, nothing but the migrations table is left.
    CleanBase = "clean-base", needs Nothing;
    /// Every pair of walked backends (SQLite–PostgreSQL, MySQL–PostgreSQL, MySQL–SQLite)
    /// holds the same logical schema, but for the differences allow-listed for the pair.
    Parity = "parity", needs BothBackends;
    /// `IF [NOT] EXISTS` on tables/indexes, a no-op or failing `down`, no transaction,
    /// PostgreSQL lock hazards on existing tables (squawk's rules).
    Lint = "lint", needs Nothing;
    /// The DDL matches the reviewed snapshots.
    Snapshots = "snapshots", needs SnapshotFolder;
    /// The data cases given to the suite: seeded rows migrate up and down as asserted.
    DataCases = "data-cases", needs DataCases;
    /// The previous application version keeps working after each migration's `up`: its
    /// `SELECT`, `INSERT`, `UPDATE` and `DELETE` on the tables it knew still run.
    Compat = "compat", needs Nothing;
}

/// Why a check does not run on a backend yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotOnBackend {
    /// Parity compares pairs of backends, and no backend to pair this one with (SQLite
    /// or PostgreSQL for MySQL) was walked.
    ParityPair,
}

impl fmt::Display for NotOnBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotOnBackend::ParityPair => {
                "parity compares pairs of backends; neither SQLite nor PostgreSQL was walked to pair with it"
            }
        })
    }
}

/// What a check needs to run besides its backend; without it, the check is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// Its backend is enough.
    Nothing,
    /// Both SQLite and PostgreSQL, requested and available.
    BothBackends,
    /// A snapshot folder.
    SnapshotFolder,
    /// At least one data case.
    DataCases,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed check: which check, where, and what a reviewer needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The check that found it.
    pub check: Check,
    /// `None` for cross-backend findings.
    pub backend: Option<Backend>,
    /// The migration it concerns, if any.
    pub migration: Option<String>,
    /// What was found.
    pub message: String,
    /// The lint rule broken, e.g. `require-concurrent-index-creation`; `None` elsewhere.
    pub rule: Option<lint::LintRule>,
}

impl Finding {
    /// Makes a finding.
    pub fn new(
        check: Check,
        backend: Option<Backend>,
        migration: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            check,
            backend,
            migration: migration.map(str::to_owned),
            message: message.into(),
            rule: None,
        }
    }

    /// Sets the rule that produced the finding.
    pub fn with_rule(mut self, rule: lint::LintRule) -> Self {
        self.rule = Some(rule);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "[{}:{rule}]", self.check)?,
            None => write!(f, "[{}]", self.check)?,
        }
        if let Some(backend) = self.backend {
            write!(f, " {backend}")?;
        }
        if let Some(migration) = &self.migration {
            write!(f, " {migration}")?;
        }
        write!(f, ": {}", self.message.trim_end())
    }
}

/// A check (or part of it) that could not run, and why: shown as `not run`, never `pass`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotRun {
    /// The check that was skipped.
    pub check: Check,
    /// `None` for cross-backend checks.
    pub backend: Option<Backend>,
    /// The migration it concerns, if any.
    pub migration: Option<String>,
    /// Why it was skipped.
    pub why: String,
}

impl NotRun {
    /// Makes a skip record.
    pub fn new(
        check: Check,
        backend: Option<Backend>,
        migration: Option<&str>,
        why: impl Into<String>,
    ) -> Self {
        Self {
            check,
            backend,
            migration: migration.map(str::to_owned),
            why: why.into(),
        }
    }
}

impl fmt::Display for NotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not run {}", self.check)?;
        if let Some(backend) = self.backend {
            write!(f, " on {backend}")?;
        }
        if let Some(migration) = &self.migration {
            write!(f, " for {migration}")?;
        }
        write!(f, ": {}", self.why)
    }
}
