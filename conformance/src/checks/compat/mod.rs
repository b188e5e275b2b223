//! The `compat` check: the previous version of the application keeps working while a
//! migration is applied under it (a rolling deploy).
//!
//! Before each migration's `up`, the walk reads the schema of the tables that exist
//! (what the running version was built against) and writes the statements that version
//! issues on each: `SELECT` of every column it knows, `INSERT` of a new row (the
//! columns without a default, not nullable and not filled by the database, with values
//! the populate generator makes for their types and CHECK rules, foreign keys taking an
//! existing parent row's key), `UPDATE` of every column but the key's and `DELETE` of an
//! existing row by its primary key. Each is run once before `up` and once after it (on
//! the tables `up` changed, and those referencing them), each time in a transaction
//! rolled back (a savepoint per statement): a statement that
//! works before `up` and fails after it is a break; one that already fails before (a
//! row other rows reference, a value a CHECK of an unknown shape refuses) is not held
//! against the migration. A table `up` drops is one break.
//!
//! A break is a finding unless the allow-list accepts it, with its reason: a line
//! `compat MIGRATION  # REASON` (every table) or `compat MIGRATION TABLE  # REASON`.

mod statements;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

use self::statements::{Known, Probe, probes};
use super::allowlist::AcceptedBreak;
use super::populate::Populate;
use super::populate::probe::{first_key, new_row};
use super::{Check, Finding, NotRun, describe_db_error};
use crate::backends::Backend;
use crate::catalog::LogicalSchema;
use crate::error::HarnessError;

/// A statement of the running version that a migration makes fail, or a table it drops.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompatBreak {
    /// The backend.
    pub backend: Backend,
    /// The migration.
    pub migration: String,
    /// The table the statement is on.
    pub table: String,
    /// The statement that fails; `None` when `up` drops the table.
    pub statement: Option<String>,
    /// The database's error, or what `up` did to the table.
    pub error: String,
}

impl fmt::Display for CompatBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.statement {
            Some(statement) => write!(
                f,
                "breaks the running version: {statement} fails: {}",
                self.error
            ),
            None => write!(f, "{}", self.error),
        }
    }
}

/// The running version's statements on one table, those that work before `up`.
struct TableProbes {
    table: String,
    probes: Vec<Probe>,
}

/// What the running version issues on each table, written from the schema before a
/// migration's `up`: kept from one migration to the next for the tables no call changed
/// since (see [`Running::forget`]), so that a step costs what it touches.
#[derive(Default)]
pub(crate) struct Running {
    tables: BTreeMap<String, TableProbes>,
}

impl Running {
    /// Forgets what is known of `tables` (a call changed their schema or rows).
    pub(crate) fn forget<'a>(&mut self, tables: impl IntoIterator<Item = &'a String>) {
        for table in tables {
            self.tables.remove(table);
        }
    }

    /// The tables whose statements are known.
    pub(crate) fn known(&self) -> BTreeSet<String> {
        self.tables.keys().cloned().collect()
    }

    /// Forgets everything (a fresh database, or a change of no one table).
    pub(crate) fn clear(&mut self) {
        self.tables.clear();
    }

    /// Makes the statements on every table of `known` not known yet (as the catalog
    /// names them) and keeps those that work now; what could not be written goes to
    /// `not_run`.
    pub(crate) async fn prepare(
        &mut self,
        conn: &DatabaseConnection,
        backend: Backend,
        populate: &Populate,
        known: &BTreeSet<String>,
        migration: &str,
        not_run: &mut Vec<NotRun>,
    ) -> Result<(), HarnessError> {
        self.tables.retain(|t, _| known.contains(t));
        let missing: BTreeSet<String> = known
            .iter()
            .filter(|t| !self.tables.contains_key(*t))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let schema = LogicalSchema::read_tables(conn, &missing).await?;
        for (name, table) in &schema.tables {
            let rows = count(conn, backend, name).await?;
            let row = new_row(conn, backend, populate, &schema, name, rows).await?;
            let key = match table.primary_key.is_empty() {
                true => None,
                false => first_key(conn, backend, name, &table.primary_key).await?,
            };
            let known = Known {
                name,
                table,
                row,
                key,
            };
            let (probes, skipped) = probes(backend, &known);
            if let Some(why) = skipped {
                not_run.push(NotRun::new(
                    Check::Compat,
                    Some(backend),
                    Some(migration),
                    format!("INSERT and UPDATE on {name} not tried: {why}"),
                ));
            }
            let works = run(conn, &probes).await?;
            let probes = probes
                .into_iter()
                .zip(works)
                .filter_map(|(probe, result)| result.is_ok().then_some(probe))
                .collect();
            self.tables.insert(
                name.clone(),
                TableProbes {
                    table: name.clone(),
                    probes,
                },
            );
        }
        Ok(())
    }

    /// The statements run again after `up` of `migration`: a break for each that
    /// fails now, and for each table gone (`exists` says which are there).
    /// Only `tables` are tried, when given: the others' statements cannot have broken.
    pub(crate) async fn after(
        &self,
        conn: &DatabaseConnection,
        backend: Backend,
        migration: &str,
        tables: Option<&BTreeSet<String>>,
        exists: impl Fn(&str) -> bool,
    ) -> Result<Vec<CompatBreak>, HarnessError> {
        let mut breaks = Vec::new();
        let broken = |table: &str, statement: Option<String>, error: String| CompatBreak {
            backend,
            migration: migration.to_owned(),
            table: table.to_owned(),
            statement,
            error,
        };
        let tried = self
            .tables
            .values()
            .filter(|t| tables.is_none_or(|only| only.contains(&t.table)));
        for table in tried {
            if !exists(&table.table) {
                let error = format!(
                    "drops table {}, which the running version reads",
                    table.table
                );
                breaks.push(broken(&table.table, None, error));
                continue;
            }
            let results = run(conn, &table.probes).await?;
            for (probe, result) in table.probes.iter().zip(results) {
                if let Err(err) = result {
                    let error = describe_db_error(&err);
                    breaks.push(broken(&table.table, Some(probe.sql.clone()), error));
                }
            }
        }
        Ok(breaks)
    }
}

/// How many rows `table` holds (the new row's number, so that its unique values are
/// not the existing rows').
async fn count(
    conn: &DatabaseConnection,
    backend: Backend,
    table: &str,
) -> Result<usize, HarnessError> {
    let target = super::populate::probe::quoted_table(table, backend);
    let count = match backend {
        Backend::MySql => "CAST(count(*) AS SIGNED)",
        _ => "CAST(count(*) AS BIGINT)",
    };
    let sql = format!("SELECT {count} AS n FROM {target}");
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(backend.db(), sql))
        .await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(usize::try_from(n).unwrap_or_default())
}

/// Runs each statement in a savepoint of one transaction, every one rolled back.
async fn run(
    conn: &DatabaseConnection,
    probes: &[Probe],
) -> Result<Vec<Result<(), DbErr>>, HarnessError> {
    if probes.is_empty() {
        return Ok(Vec::new());
    }
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let nonce = RUNS.fetch_add(1, Ordering::Relaxed);
    let txn = conn.begin().await?;
    let mut results = Vec::new();
    for probe in probes {
        let savepoint = txn.begin().await?;
        let result = savepoint
            .execute_raw(probe.statement(nonce))
            .await
            .map(|_| ());
        savepoint.rollback().await?;
        results.push(result);
    }
    txn.rollback().await?;
    Ok(results)
}

/// A finding for each break the allow-list does not accept; the accepting lines'
/// numbers go to `used`.
pub(crate) fn judge(
    breaks: &[CompatBreak],
    accepted: &[AcceptedBreak],
    used: &mut BTreeSet<usize>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for broken in breaks {
        let line = accepted.iter().find(|a| {
            a.migration == broken.migration && a.table.as_ref().is_none_or(|t| *t == broken.table)
        });
        match line {
            Some(line) => {
                used.insert(line.line);
            }
            None => findings.push(Finding::new(
                Check::Compat,
                Some(broken.backend),
                Some(&broken.migration),
                format!(
                    "{broken}\nIf the break is intended (a contract step the running version no longer needs), accept it in the allow-list: `compat {} {}  # why`",
                    broken.migration, broken.table
                ),
            )),
        }
    }
    findings
}

/// A finding for each `compat` line that accepted nothing.
pub(crate) fn stale(accepted: &[AcceptedBreak], used: &BTreeSet<usize>) -> Vec<Finding> {
    accepted
        .iter()
        .filter(|a| !used.contains(&a.line))
        .map(|a| {
            let what = match &a.table {
                Some(table) => format!("{} {table}", a.migration),
                None => a.migration.clone(),
            };
            Finding::new(
                Check::Compat,
                None,
                Some(&a.migration),
                format!(
                    "allow-list line {}: `compat {what}` accepts nothing: the running version keeps working there; remove the line",
                    a.line
                ),
            )
        })
        .collect()
}
