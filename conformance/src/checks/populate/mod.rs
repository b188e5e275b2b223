//! Synthetic rows: before each migration of the walk, every table that exists and is
//! empty gets a few rows generated from the catalog alone, so that each step meets
//! rows as it would in production (a `NOT NULL` column added without a default, a
//! CHECK or unique index that existing rows break, an `UPDATE` that `down` does not
//! undo, a dropped column whose values `down` cannot bring back).
//!
//! What is generated, per column: a value of its type (integers, reals, decimals,
//! booleans, text within its length, JSON, UUIDs, dates, times, timestamps, blobs,
//! intervals, addresses, PostgreSQL enums and arrays), within the column's CHECK
//! constraints of the usual shapes (see [`rules`]), distinct from row to row (so that
//! unique constraints, unique and partial unique indexes and case-insensitive
//! uniqueness hold), NULL in every third row where the column is nullable and not part
//! of a key. Foreign keys reference existing rows of their parent (tables are seeded
//! parents first; a reference with no parent row, or a cycle, is left NULL when it may
//! be). Identity, serial, rowid, `AUTO_INCREMENT` and generated columns are left to
//! the database. On MySQL / MariaDB, its own types as it names them (`mysql.rs`), its
//! CHECKs with backquoted names, and unique indexes on a prefix of a column (values
//! differ within the prefix) or on a generated column (its source columns distinct).
//! Deterministic: the same [`Populate::seed`] gives the same rows on every run.
//!
//! A table no valid row can be made for is reported as *not seeded* with the reason
//! ([`NotSeeded`]), never skipped in silence.

mod insert;
mod mysql;
mod plan;
pub(crate) mod probe;
mod rules;
mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sea_orm::DatabaseConnection;

use self::insert::{Outcome, parents_first, seed_table};
use crate::backends::Backend;
use crate::catalog::LogicalSchema;
use crate::checks::describe_db_error;
use crate::error::HarnessError;

/// The synthetic rows the walk puts into every table before each migration. The
/// default: 3 rows per table, seed 0. [`Populate::off`] walks empty tables.
///
/// ```
/// use conformance::Populate;
///
/// let populate = Populate::default()
///     .rows(5)
///     .seed(42)
///     // Rows this project writes itself for one table.
///     .table_sql("settings", ["INSERT INTO settings (key, value) VALUES ('theme', 'dark')"])
///     .skip_table("audit_log", "append-only; written by triggers");
/// assert_eq!(populate.rows_per_table(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Populate {
    rows: usize,
    seed: u64,
    tables: BTreeMap<String, TableRows>,
}

/// A project's own rows for one table, instead of generated ones.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TableRows {
    /// These statements, run as written.
    Sql(Vec<String>),
    /// No rows, for this reason.
    Skip(String),
}

impl Default for Populate {
    fn default() -> Self {
        Self {
            rows: 3,
            seed: 0,
            tables: BTreeMap::new(),
        }
    }
}

impl Populate {
    /// No synthetic rows: every step walks empty tables.
    pub fn off() -> Self {
        Self::default().rows(0)
    }

    /// Rows per table (0 turns the synthetic rows off).
    pub fn rows(mut self, rows: usize) -> Self {
        self.rows = rows;
        self
    }

    /// The seed every generated value derives from.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Rows per table.
    pub fn rows_per_table(&self) -> usize {
        self.rows
    }

    /// Seeds `table` (as the catalog names it: `name`, or `schema.name` outside
    /// PostgreSQL's `public`) with these statements instead of generated rows.
    pub fn table_sql<S: Into<String>>(
        mut self,
        table: impl Into<String>,
        statements: impl IntoIterator<Item = S>,
    ) -> Self {
        let statements = statements.into_iter().map(Into::into).collect();
        self.tables.insert(table.into(), TableRows::Sql(statements));
        self
    }

    /// Leaves `table` empty; the report says so with `reason`.
    pub fn skip_table(mut self, table: impl Into<String>, reason: impl Into<String>) -> Self {
        self.tables
            .insert(table.into(), TableRows::Skip(reason.into()));
        self
    }
}

/// A table the walk could not put rows into (or all the rows asked for), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotSeeded {
    /// The backend.
    pub backend: Backend,
    /// The migration about to run when the table was to be seeded.
    pub before: String,
    /// The table.
    pub table: String,
    /// How many rows went in (fewer than asked for).
    pub rows: usize,
    /// Why.
    pub why: String,
}

impl fmt::Display for NotSeeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.rows == 0 {
            "not seeded".to_owned()
        } else {
            format!("seeded with {} row(s) only", self.rows)
        };
        write!(
            f,
            "{} {what} on {} (before {}): {}",
            self.table, self.backend, self.before, self.why
        )
    }
}

/// Data one migration's `up` destroys by nature (a dropped table or column) and its
/// `down` cannot bring back. A finding of `step-reversibility` unless the allow-list
/// accepts it with a line `irreversible MIGRATION TABLE[.COLUMN]  # REASON`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Irreversible {
    /// The backend.
    pub backend: Backend,
    /// The migration.
    pub migration: String,
    /// The table.
    pub table: String,
    /// The column, or `None` for the whole table.
    pub column: Option<String>,
    /// How many rows (a table) or values (a column) are lost.
    pub lost: usize,
    /// What was lost, as a finding says it.
    pub message: String,
}

impl Irreversible {
    /// `table` or `table.column`: what an allow-list line names.
    pub fn path(&self) -> String {
        match &self.column {
            Some(column) => format!("{}.{column}", self.table),
            None => self.table.clone(),
        }
    }
}

/// Fills the walk's empty tables, each table once per database.
pub(crate) struct Seeder {
    populate: Populate,
    backend: Backend,
    tried: BTreeSet<String>,
}

impl Seeder {
    pub(crate) fn new(populate: &Populate, backend: Backend) -> Self {
        Self {
            populate: populate.clone(),
            backend,
            tried: BTreeSet::new(),
        }
    }

    /// Forgets what was seeded: the walk goes on on a fresh database.
    pub(crate) fn restart(&mut self) {
        self.tried.clear();
    }

    /// Seeds every table of `empty` not tried before, before migration `before`.
    /// Returns the tables that got rows; what could not be seeded goes to `not_seeded`.
    pub(crate) async fn fill(
        &mut self,
        conn: &DatabaseConnection,
        empty: &BTreeSet<String>,
        before: &str,
        not_seeded: &mut Vec<NotSeeded>,
    ) -> Result<BTreeSet<String>, HarnessError> {
        let rows = self.populate.rows;
        let fresh: BTreeSet<String> = empty.difference(&self.tried).cloned().collect();
        if rows == 0 || fresh.is_empty() {
            return Ok(BTreeSet::new());
        }
        self.tried.extend(fresh.iter().cloned());
        let schema = LogicalSchema::read_tables(conn, &fresh).await?;
        let mut seeded = BTreeSet::new();
        let report = |table: &str, rows: usize, why: String| NotSeeded {
            backend: self.backend,
            before: before.to_owned(),
            table: table.to_owned(),
            rows,
            why,
        };
        let counters = Counters::read(conn, self.backend).await?;
        for table in parents_first(&fresh, &schema) {
            let outcome = match self.populate.tables.get(&table) {
                Some(TableRows::Skip(reason)) => Outcome::NotSeeded(format!("skipped: {reason}")),
                Some(TableRows::Sql(statements)) => own_rows(conn, statements).await,
                None => {
                    seed_table(
                        conn,
                        self.backend,
                        &schema,
                        &table,
                        rows,
                        self.populate.seed,
                    )
                    .await?
                }
            };
            match outcome {
                Outcome::Seeded => {
                    seeded.insert(table);
                }
                Outcome::Partly { rows, why } => {
                    not_seeded.push(report(&table, rows, why));
                    seeded.insert(table);
                }
                Outcome::NotSeeded(why) => not_seeded.push(report(&table, 0, why)),
            }
        }
        counters.restore(conn, &fresh).await?;
        Ok(seeded)
    }
}

/// SQLite's AUTOINCREMENT counters (`sqlite_sequence`), part of the schema the walk
/// compares and the snapshots show: the synthetic rows move them, so they are put back
/// as they were once the rows are in. (The next row still gets a fresh key: SQLite takes
/// the larger of the counter and the largest key in the table.) PostgreSQL's sequences
/// are not part of the compared schema, nor MySQL's `AUTO_INCREMENT` counters (the dump
/// leaves the table option `AUTO_INCREMENT=n` out).
struct Counters(Option<BTreeMap<String, i64>>);

impl Counters {
    async fn read(conn: &DatabaseConnection, backend: Backend) -> Result<Self, HarnessError> {
        use sea_orm::ConnectionTrait;
        if backend != Backend::Sqlite {
            return Ok(Self(None));
        }
        let exists = conn
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT 1 AS x FROM sqlite_master WHERE name = 'sqlite_sequence'",
            ))
            .await?
            .is_some();
        if !exists {
            return Ok(Self(None));
        }
        let rows = conn
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT name, seq FROM sqlite_sequence",
            ))
            .await?;
        let mut counters = BTreeMap::new();
        for row in rows {
            counters.insert(row.try_get("", "name")?, row.try_get("", "seq")?);
        }
        Ok(Self(Some(counters)))
    }

    /// Puts the counters of `tables` back as they were read.
    async fn restore(
        &self,
        conn: &DatabaseConnection,
        tables: &BTreeSet<String>,
    ) -> Result<(), HarnessError> {
        use sea_orm::ConnectionTrait;
        let Some(before) = &self.0 else {
            return Ok(());
        };
        for table in tables {
            let statement = match before.get(table) {
                Some(seq) => sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Sqlite,
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = ?",
                    [(*seq).into(), table.as_str().into()],
                ),
                None => sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Sqlite,
                    "DELETE FROM sqlite_sequence WHERE name = ?",
                    [table.as_str().into()],
                ),
            };
            conn.execute_raw(statement).await?;
        }
        Ok(())
    }
}

/// Runs a project's own statements for a table.
async fn own_rows(conn: &DatabaseConnection, statements: &[String]) -> Outcome {
    use sea_orm::ConnectionTrait;
    for statement in statements {
        if let Err(err) = conn.execute_unprepared(statement).await {
            return Outcome::NotSeeded(format!(
                "its own rows failed: {}: {}",
                statement,
                describe_db_error(&err)
            ));
        }
    }
    Outcome::Seeded
}
