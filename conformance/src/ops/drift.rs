//! `drift`: a live database compared with what its applied migrations produce.

use std::fmt;

use migration_runner::Access;
use sea_orm_migration::MigratorTrait;

use super::expected::expected_dump;
use super::known_in_order;
use super::live::Live;
use super::scope::Scope;
use crate::backends::Backend;
use crate::catalog::SchemaDump;
use crate::checks::{AllowList, DriftAllowance};
use crate::diff::{ObjectChange, compare};
use crate::error::HarnessError;

/// What [`drift`] compares with and accepts.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DriftOptions {
    /// PostgreSQL: the schema the migrations ran in (`public` when `None`).
    pub schema: Option<String>,
    /// The allow-list whose `drift KIND NAME  # REASON` lines accept known differences.
    pub allow_list: AllowList,
}

impl DriftOptions {
    /// Compares this PostgreSQL schema.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Accepts the differences this list's `drift` lines name.
    pub fn allow_list(mut self, allow_list: AllowList) -> Self {
        self.allow_list = allow_list;
        self
    }
}

/// The differences between an expected and an actual schema, after the allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Comparison {
    /// Differences no allow-list line accepts.
    pub differences: Vec<ObjectChange>,
    /// Differences an allow-list line accepts, with that line.
    pub accepted: Vec<(ObjectChange, DriftAllowance)>,
    /// `drift` lines that match no difference.
    pub unmatched: Vec<DriftAllowance>,
}

impl Comparison {
    /// `actual` against `expected`, the allow-list's `drift` lines applied.
    pub(crate) fn of(expected: &SchemaDump, actual: &SchemaDump, allow_list: &AllowList) -> Self {
        let mut comparison = Self::default();
        for change in compare(expected, actual) {
            match allow_list
                .drift
                .iter()
                .find(|a| &a.object == change.object())
            {
                Some(allowance) => comparison.accepted.push((change, allowance.clone())),
                None => comparison.differences.push(change),
            }
        }
        comparison.unmatched = allow_list
            .drift
            .iter()
            .filter(|a| !comparison.accepted.iter().any(|(_, b)| b == *a))
            .cloned()
            .collect();
        comparison
    }

    /// Whether a difference is left that no line accepts.
    pub fn differs(&self) -> bool {
        !self.differences.is_empty()
    }
}

impl fmt::Display for Comparison {
    /// Each difference (`-` as the migrations make it, `+` as the database holds it),
    /// then the accepted ones and the allow-list lines that matched nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.differences {
            write_change(f, change)?;
        }
        for (change, allowance) in &self.accepted {
            writeln!(
                f,
                "accepted {} (allow-list line {}: {})",
                describe_change(change),
                allowance.line,
                allowance.reason
            )?;
        }
        for allowance in &self.unmatched {
            writeln!(
                f,
                "note: allow-list line {} (`drift {}`) matches no difference; remove it once \
                 it is no longer needed",
                allowance.line, allowance.object
            )?;
        }
        Ok(())
    }
}

/// `missing index x`, `extra index x`, `changed table t`.
fn describe_change(change: &ObjectChange) -> String {
    match change {
        ObjectChange::Missing { object, .. } => format!("missing {object}"),
        ObjectChange::Extra { object, .. } => format!("extra {object}"),
        ObjectChange::Changed { object, .. } => format!("changed {object}"),
    }
}

fn write_change(f: &mut fmt::Formatter<'_>, change: &ObjectChange) -> fmt::Result {
    match change {
        ObjectChange::Missing { object, ddl } => {
            writeln!(
                f,
                "  missing {object} (the migrations make it; the database has none):"
            )?;
            for line in ddl.trim().lines() {
                writeln!(f, "    - {line}")?;
            }
            Ok(())
        }
        ObjectChange::Extra { object, ddl } => {
            writeln!(
                f,
                "  extra {object} (in the database; no applied migration makes it):"
            )?;
            for line in ddl.trim().lines() {
                writeln!(f, "    + {line}")?;
            }
            Ok(())
        }
        // `changed OBJECT:`, each changed column, then the DDL as a diff.
        changed => write!(f, "{changed}"),
    }
}

/// What [`drift`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriftReport {
    /// The live database, as messages name it (no password).
    pub target: String,
    /// Its backend.
    pub backend: Backend,
    /// The applied versions the expected schema was built from, in order.
    pub applied: Vec<String>,
    /// Whether the migrations table exists (without it, nothing is applied).
    pub has_migrations_table: bool,
    /// What differs.
    pub comparison: Comparison,
}

impl DriftReport {
    /// Whether the live database differs from what its applied migrations make, beyond
    /// what the allow-list accepts.
    pub fn has_drift(&self) -> bool {
        self.comparison.differs()
    }
}

impl fmt::Display for DriftReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "drift: {}", self.target)?;
        match (self.has_migrations_table, self.applied.last()) {
            (false, _) => writeln!(
                f,
                "no migrations table: nothing is recorded as applied (a database made \
                 without migrations? see `baseline`)"
            )?,
            (true, None) => writeln!(f, "no migration is recorded as applied")?,
            (true, Some(last)) => writeln!(
                f,
                "{} applied migration{}, the last {last}; expected schema built from them on a \
                 throwaway {} database",
                self.applied.len(),
                if self.applied.len() == 1 { "" } else { "s" },
                self.backend
            )?,
        }
        write!(f, "{}", self.comparison)?;
        let count = self.comparison.differences.len();
        if count == 0 {
            writeln!(
                f,
                "drift: none; the database is what its applied migrations make"
            )
        } else {
            writeln!(
                f,
                "drift: FOUND, {count} difference{} (- as the migrations make it, + as the \
                 database holds it)",
                if count == 1 { "" } else { "s" }
            )
        }
    }
}

/// Compares the live database at `url` with what its applied migrations (as `M`'s
/// migrations table records them) make on a throwaway database of the same backend.
/// Writes nothing to the live database (see [the module](super)).
pub async fn drift<M: MigratorTrait>(
    url: &str,
    options: &DriftOptions,
) -> Result<DriftReport, HarnessError> {
    // Boxed: keeps the futures of callers shallow (no `recursion_limit` needed).
    Box::pin(async move {
        let live = Live::open(url, options.schema.as_deref(), Access::ReadOnly).await?;
        let result = drift_of::<M>(&live, options).await;
        live.close().await;
        result
    })
    .await
}

async fn drift_of<M: MigratorTrait>(
    live: &Live,
    options: &DriftOptions,
) -> Result<DriftReport, HarnessError> {
    let snapshot = live.read::<M>().await?;
    let has_migrations_table = snapshot.recorded.is_some();
    let applied = known_in_order::<M>(&snapshot.recorded.unwrap_or_default())?;
    let scope = Scope::of::<M>(live.schema.as_ref());
    let expected = expected_dump::<M>(live.backend, live.schema.as_ref(), &applied).await?;
    let comparison = Comparison::of(
        &scope.apply(expected),
        &scope.apply(snapshot.dump),
        &options.allow_list,
    );
    Ok(DriftReport {
        target: live.described.clone(),
        backend: live.backend,
        applied,
        has_migrations_table,
        comparison,
    })
}
