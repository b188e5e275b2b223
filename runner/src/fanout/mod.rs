//! Many targets at once: one operation (or a status) over a list of targets, at most
//! [`FanOut::jobs`] at a time, each on its own connection and under its own lock (the
//! engine's [`crate::run`] per target), and a [`FanOutReport`] at the end. Prints
//! nothing, like the rest of the engine.
//!
//! A failed target does not stop the others; after [`FanOut::max_failures`] failures
//! no new target is started (those already started finish, and targets already migrated
//! stay so), and the ones never started are reported as skipped.

mod report;
mod targets;

pub use report::{FanOutReport, TargetOutcome};
pub use targets::{TargetSet, Tenant};

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use sea_orm_migration::MigratorTrait;

use crate::engine::Operation;
use crate::error::Error;
use crate::event::{Event, Observer};
use crate::options::Options;
use crate::target::Access;

/// How many targets run at once when [`FanOut::default`] is used.
pub const DEFAULT_JOBS: usize = 4;

/// How a fan-out runs: how many targets at once, when to stop starting new ones, and
/// the engine's options for every target.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FanOut {
    /// At most this many targets at once (each holds one or two sessions while it runs).
    pub jobs: NonZeroUsize,
    /// After this many failed targets, start no new one (`None`: never stop).
    pub max_failures: Option<NonZeroUsize>,
    /// The engine's options for each target; a [`Tenant`]'s own schema replaces
    /// [`Options::schema`]. An observer hears the events of all targets, interleaved.
    pub options: Options,
}

impl Default for FanOut {
    fn default() -> Self {
        Self {
            jobs: NonZeroUsize::new(DEFAULT_JOBS).unwrap_or(NonZeroUsize::MIN),
            max_failures: None,
            options: Options::default(),
        }
    }
}

impl FanOut {
    /// Runs at most `jobs` targets at once.
    pub fn jobs(mut self, jobs: NonZeroUsize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Starts no new target after `failures` failed ones.
    pub fn max_failures(mut self, failures: Option<NonZeroUsize>) -> Self {
        self.max_failures = failures;
        self
    }

    /// The engine's options for each target.
    pub fn options(mut self, options: Options) -> Self {
        self.options = options;
        self
    }
}

/// What a fan-out fails with before any target is started. Failures of single targets
/// are not errors of the fan-out: they are in its [`FanOutReport`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FanOutError {
    /// The targets file cannot be read.
    #[error("cannot read the targets file {}: {source}", path.display())]
    ReadTargetsFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The targets file is not UTF-8 text.
    #[error("the targets file {} is not UTF-8 text", path.display())]
    TargetsFileNotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A line of the targets file is not a target; no target was started.
    #[error("targets file {}, line {line}: {source}; no target was started", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it (any URL in it redacted).
        source: Box<Error>,
    },
    /// The targets file names no target (only blank lines and comments).
    #[error("the targets file {} names no target (only blank lines and # comments)", path.display())]
    EmptyTargetsFile {
        /// The file.
        path: PathBuf,
    },
    /// A schema pattern was given for a database that is not PostgreSQL.
    #[error("a schema pattern needs a PostgreSQL database, and {target} is not one")]
    SchemasNeedPostgres {
        /// The database, redacted.
        target: String,
    },
    /// No schema's name matches the pattern.
    #[error(
        "no schema of {target} matches the pattern {pattern:?} (a LIKE pattern: % any run of characters, _ any one character)"
    )]
    NoSchemaMatches {
        /// The pattern.
        pattern: String,
        /// The database, redacted.
        target: String,
    },
    /// Resolving the targets failed (the database of a schema pattern, say).
    #[error(transparent)]
    Runner(#[from] Error),
}

impl FanOutError {
    /// Whether the error is about the input (a bad or empty targets file, a pattern
    /// matching nothing, a pattern on SQLite) rather than the databases: a CLI exits
    /// with its usage code.
    pub fn is_usage(&self) -> bool {
        match self {
            Self::BadLine { source, .. } => !matches!(
                **source,
                Error::MissingSqliteDatabase { .. }
                    | Error::MissingSqliteFolder { .. }
                    | Error::NotARegularFile { .. }
            ),
            Self::TargetsFileNotUtf8 { .. }
            | Self::EmptyTargetsFile { .. }
            | Self::SchemasNeedPostgres { .. }
            | Self::NoSchemaMatches { .. } => true,
            Self::Runner(error) => error.is_usage(),
            Self::ReadTargetsFile { .. } => false,
        }
    }
}

/// Applies every pending migration of `M` on every target of `targets`, at most
/// `fan_out.jobs` at a time, each under its own lock; returns what each target did. A
/// failed target is reported, not returned: check [`FanOutReport::is_success`].
///
/// ```no_run
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// # async fn start() -> Result<(), Box<dyn std::error::Error>> {
/// use std::num::NonZeroUsize;
/// use migration_runner::{FanOut, Options, TargetSet};
/// // At start-up: every tenant schema of the application's database.
/// let targets = TargetSet::Schemas {
///     url: "postgres://app@localhost/app".to_owned(),
///     pattern: r"tenant\_%".to_owned(),
/// };
/// let fan_out = FanOut::default()
///     .jobs(NonZeroUsize::new(8).expect("not zero"))
///     .max_failures(NonZeroUsize::new(3))
///     .options(Options::default());
/// let report = migration_runner::up_many::<Migrator>(&targets, &fan_out).await?;
/// for failed in report.failed() {
///     eprintln!("{}: {}", failed.target, failed.error.as_ref().expect("failed"));
/// }
/// if !report.is_success() {
///     return Err(format!("{} targets failed, {} skipped", report.failed().len(), report.skipped.len()).into());
/// }
/// # Ok(()) }
/// ```
pub async fn up_many<M: MigratorTrait>(
    targets: &TargetSet,
    fan_out: &FanOut,
) -> Result<FanOutReport, FanOutError> {
    run_many::<M>(targets, Operation::Up { limit: None }, fan_out).await
}

/// Runs one changing [`Operation`] on every target of `targets`, as [`up_many`] does.
pub async fn run_many<M: MigratorTrait>(
    targets: &TargetSet,
    operation: Operation,
    fan_out: &FanOut,
) -> Result<FanOutReport, FanOutError> {
    operation.validate()?;
    Box::pin(fan::<M>(targets, Work::Run(operation), fan_out)).await
}

/// The status of every target of `targets` (what is applied and pending), at most
/// `fan_out.jobs` at a time; writes nothing, takes no lock. A target whose database
/// holds migrations `M` does not know fails with [`Error::UnknownVersions`].
pub async fn status_many<M: MigratorTrait>(
    targets: &TargetSet,
    fan_out: &FanOut,
) -> Result<FanOutReport, FanOutError> {
    Box::pin(fan::<M>(targets, Work::Status, fan_out)).await
}

/// What each target gets.
#[derive(Debug, Clone)]
enum Work {
    Run(Operation),
    Status,
}

impl Work {
    fn access(&self) -> Access {
        match self {
            Self::Run(_) => Access::ReadWrite,
            Self::Status => Access::ReadOnly,
        }
    }
}

/// Starts targets in order, at most `jobs` at once, until they are all started or
/// `max_failures` have failed; waits for those started.
async fn fan<M: MigratorTrait>(
    targets: &TargetSet,
    work: Work,
    fan_out: &FanOut,
) -> Result<FanOutReport, FanOutError> {
    fan_out.options.validate()?;
    let tenants = targets
        .resolve(work.access(), fan_out.options.connect_timeout)
        .await?;
    let mut outcomes: Vec<Option<TargetOutcome>> = tenants.iter().map(|_| None).collect();
    let mut running = FuturesUnordered::new();
    let mut next = tenants.iter().enumerate();
    let mut failures = 0usize;
    let stop_at = fan_out.max_failures.map_or(usize::MAX, NonZeroUsize::get);
    loop {
        while running.len() < fan_out.jobs.get() && failures < stop_at {
            let Some((index, tenant)) = next.next() else {
                break;
            };
            let work = &work;
            running.push(async move { (index, one::<M>(tenant, work, &fan_out.options).await) });
        }
        let Some((index, outcome)) = running.next().await else {
            break;
        };
        if outcome.failed() {
            failures += 1;
        }
        outcomes[index] = Some(outcome);
    }
    let skipped = next.map(|(_, tenant)| tenant.describe()).collect();
    Ok(FanOutReport {
        outcomes: outcomes.into_iter().flatten().collect(),
        skipped,
    })
}

/// One target: its own connection, the engine's run (or status) on it, closed after.
async fn one<M: MigratorTrait>(tenant: &Tenant, work: &Work, options: &Options) -> TargetOutcome {
    let started = Instant::now();
    let target = tenant.describe();
    let mut options = match &tenant.schema {
        Some(schema) => options.clone().schema(schema.clone()),
        None => options.clone(),
    };
    // What a run applied before it failed: its report is lost with the error, and the
    // summary must still say which migrations are in place on this target.
    let done = Arc::new(Mutex::new(Vec::new()));
    options.observer = {
        let (done, outer) = (Arc::clone(&done), options.observer.clone());
        Observer::new(move |event| {
            if let Event::Applied { name, .. } = event
                && let Ok(mut done) = done.lock()
            {
                done.push(name.clone());
            }
            outer.notify(event);
        })
    };
    let result = async {
        let db = tenant
            .target
            .connect(work.access(), options.connect_timeout)
            .await?;
        let result = match work {
            Work::Run(operation) => crate::run::<M>(&db, operation.clone(), &options)
                .await
                .map(|report| (report.applied, report.pending)),
            Work::Status => crate::status::<M>(&db, &options).await.and_then(|status| {
                let unknown = status.unknown();
                if !unknown.is_empty() {
                    return Err(Error::UnknownVersions {
                        versions: unknown.iter().map(|v| (*v).to_owned()).collect(),
                    });
                }
                let names = |list: Vec<&str>| list.into_iter().map(str::to_owned).collect();
                Ok((names(status.applied()), names(status.pending())))
            }),
        };
        // Closing is best effort: the outcome is what matters.
        let _ = db.close().await;
        result
    }
    .await;
    let (applied, pending, error) = match result {
        Ok((applied, pending)) => (applied, pending, None),
        Err(error) => (
            done.lock().map(|done| done.clone()).unwrap_or_default(),
            Vec::new(),
            Some(error),
        ),
    };
    TargetOutcome {
        target,
        applied,
        pending,
        duration: started.elapsed(),
        error,
    }
}
