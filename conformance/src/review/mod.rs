//! The schema review a pull request gets: which migrations are new or were edited since
//! a base commit, the schema change per backend as structured items with destructive
//! and risky changes flagged, the verify table with every finding, a Mermaid diagram
//! of the tables touched, and the SQL of each new migration.
//!
//! The core is pure: [`Report::build`] compares the base's snapshot texts
//! ([`BaseSnapshots`]) with the current run's ([`Current`]). Reading the base from git
//! and running the suite ([`run`]) are thin layers around it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), conformance::review::ReviewError> {
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! let suite = conformance::Suite::<Migrator>::new().snapshots("snapshots");
//! let report = conformance::review::run(suite, "origin/main").await?;
//! println!("{report}");
//! # Ok(()) }
//! ```

mod changes;
mod diagram;
mod git;
mod markdown;
mod md;
mod model;
pub(crate) mod parse;
#[cfg(test)]
mod parse_round_trip_tests;
pub mod render;
mod rolling;

use std::collections::BTreeMap;
use std::fmt;

use sea_orm_migration::MigratorTrait;

pub use changes::{Aspect, Change, Flag, Item, Level, TypeChange};
pub use model::ColumnText;
pub(crate) use parse::parse_dump;
pub use parse::snapshot_body;

use crate::backends::Backend;
use crate::checks::BackendRun;
use crate::error::HarnessError;
use crate::report::SuiteReport;
use crate::snapshots::{self, SCHEMA, SnapshotMode};
use crate::suite::{Suite, SuiteOutcome};
use model::SchemaText;

/// The hidden line every report starts with, so that a CI job finds its own PR comment.
pub const MARKER: &str = "<!-- conformance-schema-review -->";

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    #[error("cannot run git: {0} (is git installed and on PATH?)")]
    /// Git cannot be run.
    GitMissing(std::io::Error),
    #[error(
        "`{reference}` is not a commit git knows here: {message} (fetch it first, e.g. `git fetch origin main`, or clone with full history)"
    )]
    /// The base reference is not a known commit.
    UnknownBase {
        /// The reference given.
        reference: String,
        /// Git's message.
        message: String,
    },
    #[error("`{0}` is not a git reference (it must not start with `-`)")]
    /// The reference is not a valid git reference.
    BadReference(String),
    #[error("git {command} failed: {message}")]
    /// A git command failed.
    Git {
        /// The command run.
        command: String,
        /// Git's message.
        message: String,
    },
    #[error(
        "the report needs the snapshot folder; configure one (`Suite::snapshots`, `--snapshots`)"
    )]
    /// No snapshot folder is configured.
    NoSnapshotFolder,
    #[error("the snapshot folder {0} does not exist")]
    /// The snapshot folder does not exist.
    MissingSnapshotFolder(std::path::PathBuf),
    #[error(transparent)]
    /// The harness failed.
    Harness(#[from] HarnessError),
}

/// The snapshot texts of one backend: the final schema and each migration's SQL, as the
/// bodies of their `.snap` files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendSnapshots {
    /// `schema.snap`'s body; `None` when there is none.
    pub schema: Option<String>,
    /// Each migration's snapshot body, by migration name.
    pub migrations: BTreeMap<String, String>,
}

impl BackendSnapshots {
    /// What a run of the suite would write as snapshots. A run that stopped before the
    /// last migration has no final schema (`schema: None`): a successful dump always
    /// holds at least the migrations table.
    pub fn of_run(run: &BackendRun) -> Self {
        let mut out = Self::default();
        for (name, content) in snapshots::contents(run) {
            if name == SCHEMA {
                out.schema = (!run.final_dump.objects.is_empty()).then_some(content);
            } else {
                out.migrations.insert(name, content);
            }
        }
        out
    }
}

/// The reviewed snapshots at the base commit.
#[derive(Debug, Clone, Default)]
pub struct BaseSnapshots {
    /// How the report names the base (the reference as given, e.g. `origin/main`).
    pub reference: String,
    /// Per backend; a backend absent here had no snapshots at the base.
    pub backends: BTreeMap<Backend, BackendSnapshots>,
}

/// The current tree: the migrator's migrations in order and what the suite recorded.
#[derive(Debug, Clone, Default)]
pub struct Current {
    /// The migrations, in order.
    pub migrations: Vec<String>,
    /// The snapshots of each backend.
    pub backends: BTreeMap<Backend, BackendSnapshots>,
    /// The suite's outcome, for the verify table and its findings.
    pub verify: Option<SuiteReport>,
}

impl Current {
    /// From a suite run of the migrator whose migrations are `migrations`.
    pub fn from_outcome(migrations: Vec<String>, outcome: &SuiteOutcome) -> Self {
        Self {
            migrations,
            backends: outcome
                .runs
                .iter()
                .map(|run| (run.backend, BackendSnapshots::of_run(run)))
                .collect(),
            verify: Some(outcome.report.clone()),
        }
    }

    /// The migration names of `M`, in order.
    pub fn migration_names<M: MigratorTrait>() -> Vec<String> {
        M::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect()
    }
}

/// How a migration differs from the base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationStatus {
    /// No backend had a snapshot of it at the base.
    New,
    /// Merged at the base, and the SQL it runs has changed since, on these backends.
    Edited(Vec<Backend>),
    /// Merged at the base, and no longer in the migrator.
    Removed,
}

/// A migration that is new, edited or removed, with its SQL per backend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationChange {
    /// The migration's name.
    pub name: String,
    /// Whether it was added, changed or removed.
    pub status: MigrationStatus,
    /// Per backend: the snapshot text at the base and now (`None` where there is none).
    pub sql: Vec<(Backend, Option<String>, Option<String>)>,
}

/// One backend's schema change.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BackendReview {
    /// The backend reviewed.
    pub backend: Backend,
    /// The changes on that backend.
    pub items: Vec<Item>,
    /// The base had no `schema.snap` for this backend (everything shows as added).
    pub base_missing: bool,
    /// The current run has no final schema (its migrations did not all apply): nothing
    /// is compared, and the report says so.
    pub current_missing: bool,
    base: SchemaText,
    current: SchemaText,
}

/// The whole review; `Display` writes it as Markdown.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Report {
    /// The base reference compared against.
    pub base: String,
    /// The migrations changed since the base.
    pub migrations: Vec<MigrationChange>,
    /// The review of each backend.
    pub backends: Vec<BackendReview>,
    /// The verification report, if one was run.
    pub verify: Option<SuiteReport>,
}

impl Report {
    /// Compares the base's snapshots with the current run's.
    pub fn build(base: &BaseSnapshots, current: &Current) -> Self {
        Self {
            base: base.reference.clone(),
            migrations: migration_changes(base, current),
            backends: backend_reviews(base, current),
            verify: current.verify.clone(),
        }
    }

    /// Whether any migration or the schema changed (or could not be compared).
    pub fn has_changes(&self) -> bool {
        !self.migrations.is_empty()
            || self
                .backends
                .iter()
                .any(|b| !b.items.is_empty() || b.current_missing)
    }

    /// Every flagged change, per backend.
    pub fn flagged(&self) -> Vec<(Backend, &Item)> {
        self.backends
            .iter()
            .flat_map(|b| {
                b.items
                    .iter()
                    .filter(|i| i.flag.is_some())
                    .map(move |i| (b.backend, i))
            })
            .collect()
    }

    /// The Mermaid ER diagram of the touched tables and their neighbours (`erDiagram`
    /// text, without the fence), drawn from PostgreSQL where it ran, else from the first
    /// backend reviewed (SQLite, else MySQL); `None` when no table changed.
    pub fn diagram(&self) -> Option<String> {
        let review = self
            .backends
            .iter()
            .find(|b| b.backend == Backend::Postgres)
            .or_else(|| self.backends.first())?;
        diagram::touched(review)
    }
}

/// The migrations new, edited or removed since the base, with their SQL then and now.
fn migration_changes(base: &BaseSnapshots, current: &Current) -> Vec<MigrationChange> {
    let mut migrations = Vec::new();
    for name in &current.migrations {
        let mut sql = Vec::new();
        let mut edited = Vec::new();
        let mut known = false;
        for (&backend, now) in &current.backends {
            let then = base
                .backends
                .get(&backend)
                .and_then(|b| b.migrations.get(name));
            let now = now.migrations.get(name);
            known |= then.is_some();
            if let (Some(then), Some(now)) = (then, now)
                && then.trim_end() != now.trim_end()
            {
                edited.push(backend);
            }
            sql.push((backend, then.cloned(), now.cloned()));
        }
        // A backend the current run did not reach may still know the migration.
        known |= base
            .backends
            .values()
            .any(|b| b.migrations.contains_key(name));
        let status = if !known {
            MigrationStatus::New
        } else if !edited.is_empty() {
            MigrationStatus::Edited(edited)
        } else {
            continue;
        };
        migrations.push(MigrationChange {
            name: name.clone(),
            status,
            sql,
        });
    }
    let mut removed: Vec<&String> = base
        .backends
        .values()
        .flat_map(|b| b.migrations.keys())
        .filter(|name| !current.migrations.contains(name))
        .collect();
    removed.sort();
    removed.dedup();
    for name in removed {
        migrations.push(MigrationChange {
            name: name.clone(),
            status: MigrationStatus::Removed,
            sql: base
                .backends
                .iter()
                .map(|(b, s)| (*b, s.migrations.get(name).cloned(), None))
                .collect(),
        });
    }
    migrations
}

/// Each backend the current run reached: its schema then and now, and what changed.
fn backend_reviews(base: &BaseSnapshots, current: &Current) -> Vec<BackendReview> {
    let empty = BackendSnapshots::default();
    current
        .backends
        .iter()
        .map(|(&backend, now)| {
            let then = base.backends.get(&backend).unwrap_or(&empty);
            let text = |s: &Option<String>| {
                SchemaText::new(parse_dump(s.as_deref().unwrap_or_default(), backend))
            };
            let (base_text, current_text) = (text(&then.schema), text(&now.schema));
            let current_missing = now.schema.is_none();
            BackendReview {
                backend,
                items: if current_missing {
                    Vec::new()
                } else {
                    changes::changes(&base_text, &current_text, backend)
                },
                base_missing: then.schema.is_none(),
                current_missing,
                base: base_text,
                current: current_text,
            }
        })
        .collect()
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&markdown::render(self))
    }
}

/// Reads the base's snapshots with git from the suite's snapshot folder, runs the suite
/// (comparing snapshots, never writing them) and builds the report, on every backend the
/// suite walks (MySQL too when it is one of them).
pub async fn run<M: MigratorTrait>(suite: Suite<M>, base: &str) -> Result<Report, ReviewError> {
    // Boxed: keeps the futures of callers shallow (no `recursion_limit` needed).
    Box::pin(async move {
        let dir = suite
            .config()
            .snapshots
            .clone()
            .ok_or(ReviewError::NoSnapshotFolder)?;
        let backends = suite.config().backends.clone();
        let base = git::read_base(&dir, base, &backends)?;
        let outcome = suite.snapshot_mode(SnapshotMode::Compare).run().await?;
        let current = Current::from_outcome(Current::migration_names::<M>(), &outcome);
        Ok(Report::build(&base, &current))
    })
    .await
}
