//! `baseline --to VERSION`: adopt a database whose schema was made without migrations.
//! Its schema must be what the migrations up to VERSION make (the drift comparison,
//! bookkeeping left out on both sides); only then are those versions recorded as
//! applied, under the runner's lock, with their checksums.

use std::fmt;

use migration_runner::{Access, Operation, Options, Sources};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use super::drift::Comparison;
use super::expected::expected_dump;
use super::live::{Live, set_search_path};
use super::scope::Scope;
use super::{known_in_order, resolve_version, runner_error};
use crate::checks::AllowList;
use crate::error::HarnessError;

/// How [`baseline`] runs.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BaselineOptions {
    /// PostgreSQL: the schema to adopt (`public` when `None`).
    pub schema: Option<String>,
    /// The allow-list whose `drift` lines accept known differences.
    pub allow_list: AllowList,
    /// Record the versions even though the schema differs.
    pub force: bool,
    /// The migrations' source files, for the source part of their checksums.
    pub sources: Sources,
}

impl BaselineOptions {
    /// Adopts this PostgreSQL schema.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Accepts the differences this list's `drift` lines name.
    pub fn allow_list(mut self, allow_list: AllowList) -> Self {
        self.allow_list = allow_list;
        self
    }

    /// Records the versions even when the schema differs.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// The migrations' sources (`migration_runner::migration_sources!`).
    pub fn sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }
}

/// What [`baseline`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaselineOutcome {
    /// The schema is the expected one; the versions are recorded.
    Recorded,
    /// The schema differs; nothing was recorded.
    Refused,
    /// The schema differs, and the versions were recorded anyway (`--force`).
    Forced,
}

/// What [`baseline`] compared and recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BaselineReport {
    /// The database, as messages name it (no password).
    pub target: String,
    /// The migration adopted up to (its whole name).
    pub version: String,
    /// The live schema against the one the migrations up to `version` make.
    pub comparison: Comparison,
    /// What was done.
    pub outcome: BaselineOutcome,
    /// Versions recorded as applied by this run, in order.
    pub recorded: Vec<String>,
    /// Versions up to `version` that were recorded already.
    pub already_recorded: Vec<String>,
    /// Versions whose checksum the runner recorded.
    pub checksummed: Vec<String>,
}

impl fmt::Display for BaselineReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "baseline: {} up to {}", self.target, self.version)?;
        write!(f, "{}", self.comparison)?;
        let count = self.comparison.differences.len();
        match self.outcome {
            BaselineOutcome::Refused => {
                return writeln!(
                    f,
                    "baseline: REFUSED, the schema differs from what the migrations up to {} \
                     make ({count} difference{}, - as the migrations make it, + as the \
                     database holds it); nothing was recorded (--force records anyway)",
                    self.version,
                    if count == 1 { "" } else { "s" }
                );
            }
            BaselineOutcome::Forced => writeln!(
                f,
                "WARNING: --force: the schema DIFFERS from what the migrations up to {} make \
                 ({count} difference{} above), and they are recorded as applied ANYWAY: \
                 those differences are now drift",
                self.version,
                if count == 1 { "" } else { "s" }
            )?,
            BaselineOutcome::Recorded => writeln!(
                f,
                "the schema is what the migrations up to {} make",
                self.version
            )?,
        }
        if !self.already_recorded.is_empty() {
            let n = self.already_recorded.len();
            writeln!(f, "{n} version(s) were recorded already")?;
        }
        for version in &self.recorded {
            writeln!(f, "recorded {version} as applied")?;
        }
        if !self.checksummed.is_empty() {
            writeln!(
                f,
                "recorded the checksums of {} migration(s)",
                self.checksummed.len()
            )?;
        }
        writeln!(
            f,
            "baseline: done, {} version(s) recorded",
            self.recorded.len()
        )
    }
}

/// Adopts the database at `url` up to `to` (a migration's name or the start of exactly
/// one): compares its schema with what `M`'s migrations up to `to` make and, when equal
/// (or `force`), records them as applied in `M`'s migrations table (created as
/// sea-orm-migration does, [`MigratorTrait::install`]), under the runner's lock; then
/// the runner records their checksums. An unknown or ambiguous `to` changes nothing.
pub async fn baseline<M: MigratorTrait>(
    url: &str,
    to: &str,
    options: &BaselineOptions,
) -> Result<BaselineReport, HarnessError> {
    // Boxed: keeps the futures of callers shallow (no `recursion_limit` needed).
    Box::pin(async move {
        secret_redact::register_secrets_of(url);
        let version = resolve_version::<M>(to)?;
        let names: Vec<String> = M::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let last = names.iter().position(|n| n == &version).unwrap_or(0);
        let upto = &names[..=last];
        let live = Live::open(url, options.schema.as_deref(), Access::ReadWrite).await?;
        let result = adopt::<M>(&live, &version, upto, options).await;
        live.close().await;
        result
    })
    .await
}

async fn adopt<M: MigratorTrait>(
    live: &Live,
    version: &str,
    upto: &[String],
    options: &BaselineOptions,
) -> Result<BaselineReport, HarnessError> {
    let mut runner_options = Options::default().sources(options.sources);
    if let Some(schema) = &live.schema {
        runner_options = runner_options.schema(schema.quoted());
    }
    let lock = migration_runner::lock(&live.conn, &runner_options)
        .await
        .map_err(runner_error)?;
    let result = compare_and_record::<M>(live, version, upto, options).await;
    let released = lock.release().await;
    let mut report = result?;
    released.map_err(runner_error)?;
    if report.outcome != BaselineOutcome::Refused {
        // Every version up to `version` is applied now: the runner's `up` to it applies
        // nothing and records the checksums of those applied without one.
        let operation = Operation::UpTo {
            version: version.to_owned(),
        };
        let run = migration_runner::run::<M>(&live.conn, operation, &runner_options)
            .await
            .map_err(runner_error)?;
        report.checksummed = run.backfilled;
    }
    Ok(report)
}

async fn compare_and_record<M: MigratorTrait>(
    live: &Live,
    version: &str,
    upto: &[String],
    options: &BaselineOptions,
) -> Result<BaselineReport, HarnessError> {
    let snapshot = live.read::<M>().await?;
    let recorded = known_in_order::<M>(&snapshot.recorded.unwrap_or_default())?;
    let beyond: Vec<String> = recorded
        .iter()
        .filter(|v| !upto.contains(v))
        .cloned()
        .collect();
    if !beyond.is_empty() {
        return Err(HarnessError::AlreadyBeyond {
            target: version.to_owned(),
            versions: beyond,
        });
    }
    let scope = Scope::of::<M>(live.schema.as_ref());
    let expected = expected_dump::<M>(live.backend, live.schema.as_ref(), upto).await?;
    let comparison = Comparison::of(
        &scope.apply(expected),
        &scope.apply(snapshot.dump),
        &options.allow_list,
    );
    let outcome = match (comparison.differs(), options.force) {
        (false, _) => BaselineOutcome::Recorded,
        (true, true) => BaselineOutcome::Forced,
        (true, false) => BaselineOutcome::Refused,
    };
    let missing: Vec<String> = upto
        .iter()
        .filter(|v| !recorded.contains(v))
        .cloned()
        .collect();
    let mut report = BaselineReport {
        target: live.described.clone(),
        version: version.to_owned(),
        comparison,
        outcome,
        recorded: Vec::new(),
        already_recorded: recorded,
        checksummed: Vec::new(),
    };
    if outcome != BaselineOutcome::Refused {
        record::<M>(live, &missing).await?;
        report.recorded = missing;
    }
    Ok(report)
}

/// Creates the migrations table when missing and records `versions`, in one transaction.
async fn record<M: MigratorTrait>(live: &Live, versions: &[String]) -> Result<(), HarnessError> {
    if let Some(path) = live.search_path() {
        // One session: the table is made and written in the adopted schema.
        set_search_path(&live.conn, &path, false).await?;
    }
    M::install(&live.conn).await?;
    let applied_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let txn = live.conn.begin().await?;
    for version in versions {
        let mut insert = Query::insert();
        insert
            .into_table(M::migration_table_name())
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values([version.as_str().into(), applied_at.into()])
            .map_err(|e| HarnessError::Setup(format!("recording {version}: {e}")))?;
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    Ok(())
}
