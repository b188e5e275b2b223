//! Data cases: rows seeded before one migration, and what must hold after its `up` and
//! after its `down` (the way pytest-alembic and Atlas test data migrations).
//!
//! Each case runs on a fresh database of each backend: migrations before the case's
//! migration are applied, the seed runs, then `up` of the migration, the `after_up`
//! assertions, `down`, the `after_down` assertions. Every failure is a finding of check
//! `data-cases` naming the migration and the case.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};

use super::failure::describe;

/// What a seed or assertion closure returns on failure: any error (`?` on a `DbErr`
/// works) or a message (`Err("expected 3 rows".into())`).
pub type DataCaseError = Box<dyn std::error::Error + Send + Sync>;

/// A seed or assertion written with SeaORM, in the style of
/// `TransactionTrait::transaction`: `|db| Box::pin(async move { … })`.
pub type DataCheckFn = Arc<
    dyn for<'a> Fn(
            &'a DatabaseConnection,
        ) -> Pin<Box<dyn Future<Output = Result<(), DataCaseError>> + Send + 'a>>
        + Send
        + Sync,
>;

/// One data case for one migration. Built with chained calls, given to
/// [`Suite::data_case`](crate::Suite::data_case):
///
/// ```no_run
/// # async fn demo() -> Result<(), conformance::HarnessError> {
/// # use sea_orm_migration::prelude::*;
/// # struct Migrator;
/// # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
/// use conformance::DataCase;
/// use sea_orm::ConnectionTrait;
///
/// let case = DataCase::new("names are split", "m20250301_000000_split_name")
///     .seed_sql(["INSERT INTO person (id, name) VALUES (1, 'Ada Lovelace')"])
///     // Each row of the result as text: integers in decimal, NULL as `NULL`.
///     .after_up_sql("SELECT first_name, last_name FROM person", [["Ada", "Lovelace"]])
///     .after_down_sql("SELECT name FROM person", [["Ada Lovelace"]])
///     .after_up(|db| {
///         Box::pin(async move {
///             let sql = "SELECT count(*) AS n FROM person WHERE last_name IS NULL";
///             let row = db.query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await?;
///             let unsplit: i64 = row.ok_or("no row")?.try_get("", "n")?;
///             if unsplit != 0 {
///                 return Err(format!("{unsplit} names were not split").into());
///             }
///             Ok(())
///         })
///     });
/// let outcome = conformance::Suite::<Migrator>::new().data_case(case).run().await?;
/// assert!(outcome.report.passed(), "{}", outcome.report);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DataCase {
    pub(crate) name: String,
    pub(crate) migration: String,
    pub(crate) seed: Vec<Action>,
    pub(crate) after_up: Vec<Action>,
    pub(crate) after_down: Vec<Action>,
}

#[derive(Clone)]
pub(crate) enum Action {
    /// Executed as is (`execute_unprepared`).
    Sql(String),
    /// The query's rows, each value as text, must equal `rows`.
    Expect {
        sql: String,
        rows: Vec<Vec<String>>,
    },
    Closure(DataCheckFn),
}

impl DataCase {
    /// A case called `name` for the migration named `migration`.
    pub fn new(name: impl Into<String>, migration: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            migration: migration.into(),
            seed: Vec::new(),
            after_up: Vec::new(),
            after_down: Vec::new(),
        }
    }

    /// The case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The migration the case runs after.
    pub fn migration(&self) -> &str {
        &self.migration
    }

    /// SQL statements run, in order, before the migration's `up`.
    pub fn seed_sql<S: Into<String>>(mut self, statements: impl IntoIterator<Item = S>) -> Self {
        self.seed
            .extend(statements.into_iter().map(|s| Action::Sql(s.into())));
        self
    }

    /// A SeaORM closure run before the migration's `up`.
    pub fn seed<F>(mut self, seed: F) -> Self
    where
        F: for<'a> Fn(
                &'a DatabaseConnection,
            )
                -> Pin<Box<dyn Future<Output = Result<(), DataCaseError>> + Send + 'a>>
            + Send
            + Sync
            + 'static,
    {
        self.seed.push(Action::Closure(Arc::new(seed)));
        self
    }

    /// After `up`, `query` returns exactly `rows` (in order; each value as text).
    pub fn after_up_sql(mut self, query: impl Into<String>, rows: impl IntoRows) -> Self {
        self.after_up.push(Action::Expect {
            sql: query.into(),
            rows: rows.into_rows(),
        });
        self
    }

    /// After `up`, `check` succeeds.
    pub fn after_up<F>(mut self, check: F) -> Self
    where
        F: for<'a> Fn(
                &'a DatabaseConnection,
            )
                -> Pin<Box<dyn Future<Output = Result<(), DataCaseError>> + Send + 'a>>
            + Send
            + Sync
            + 'static,
    {
        self.after_up.push(Action::Closure(Arc::new(check)));
        self
    }

    /// After `down`, `query` returns exactly `rows` (in order; each value as text).
    pub fn after_down_sql(mut self, query: impl Into<String>, rows: impl IntoRows) -> Self {
        self.after_down.push(Action::Expect {
            sql: query.into(),
            rows: rows.into_rows(),
        });
        self
    }

    /// After `down`, `check` succeeds.
    pub fn after_down<F>(mut self, check: F) -> Self
    where
        F: for<'a> Fn(
                &'a DatabaseConnection,
            )
                -> Pin<Box<dyn Future<Output = Result<(), DataCaseError>> + Send + 'a>>
            + Send
            + Sync
            + 'static,
    {
        self.after_down.push(Action::Closure(Arc::new(check)));
        self
    }
}

/// Expected rows: anything like `[["a", "1"], ["b", "2"]]` or `[[3]]`; `[] as [[&str; 0]; 0]`
/// (or `Vec::<Vec<String>>::new()`) for no rows.
pub trait IntoRows {
    /// Turns the value into rows of text cells.
    fn into_rows(self) -> Vec<Vec<String>>;
}

impl<R, V> IntoRows for R
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = V>,
    V: ToString,
{
    fn into_rows(self) -> Vec<Vec<String>> {
        self.into_iter()
            .map(|row| row.into_iter().map(|v| v.to_string()).collect())
            .collect()
    }
}

impl Action {
    /// Runs the action; `Err` is the message of a finding.
    pub(crate) async fn run(&self, db: &DatabaseConnection) -> Result<(), String> {
        match self {
            Action::Sql(sql) => db
                .execute_unprepared(sql)
                .await
                .map(|_| ())
                .map_err(|e| format!("`{sql}` failed: {}", describe(&e).0)),
            Action::Expect { sql, rows } => {
                let result = db
                    .query_all_raw(sea_orm::Statement::from_string(
                        db.get_database_backend(),
                        sql.clone(),
                    ))
                    .await
                    .map_err(|e| format!("`{sql}` failed: {}", describe(&e).0))?;
                let actual = result
                    .iter()
                    .map(row_text)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("`{sql}`: {e}"))?;
                if &actual == rows {
                    Ok(())
                } else {
                    Err(format!("`{sql}` returned {actual:?}, expected {rows:?}"))
                }
            }
            Action::Closure(check) => match super::failure::catch_panic(check(db)).await {
                Ok(result) => result.map_err(|e| super::failure::describe_any(e.as_ref())),
                Err(message) => Err(format!("panicked: {message}")),
            },
        }
    }
}

/// Every value of `row` as text, the same on both backends for integers, reals and text.
fn row_text(row: &QueryResult) -> Result<Vec<String>, String> {
    (0..row.column_names().len())
        .map(|i| value_text(row, i))
        .collect()
}

fn value_text(row: &QueryResult, i: usize) -> Result<String, String> {
    fn text<T: ToString>(value: Option<T>) -> String {
        value.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
    }
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<i16>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<f64>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<f32>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<bool>>(i) {
        return Ok(text(v));
    }
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return Ok(text(v));
    }
    Err(format!(
        "column {} has a type the data cases cannot show as text; cast it in the query, \
         e.g. CAST(x AS TEXT)",
        i + 1
    ))
}

/// Runs every case of `cases` on fresh databases of `backend`.
pub(crate) async fn run_cases<M: sea_orm_migration::MigratorTrait>(
    backend: crate::Backend,
    cases: &[DataCase],
    config: &crate::Config,
) -> Result<(Vec<super::Finding>, Vec<super::NotRun>), crate::HarnessError> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let mut findings = Vec::new();
    let mut not_run = Vec::new();
    for case in cases {
        let finding = |message: String| {
            super::Finding::new(
                super::Check::DataCases,
                Some(backend),
                Some(&case.migration),
                format!("case `{}`: {message}", case.name),
            )
        };
        let Some(index) = names.iter().position(|n| *n == case.migration) else {
            findings.push(finding(format!(
                "the migrator has no migration named {}; the names are: {}",
                case.migration,
                names.join(", ")
            )));
            continue;
        };
        let db = crate::TestDatabase::for_config(backend, config).await?;
        let outcome = run_case::<M>(&db.conn, case, index).await;
        db.close().await?;
        match outcome? {
            CaseOutcome::Failed(messages) => findings.extend(messages.into_iter().map(finding)),
            CaseOutcome::NotRun(why) => not_run.push(super::NotRun::new(
                super::Check::DataCases,
                Some(backend),
                Some(&case.migration),
                format!("case `{}`: {why}", case.name),
            )),
        }
    }
    Ok((findings, not_run))
}

enum CaseOutcome {
    /// The failures (none when the case passed).
    Failed(Vec<String>),
    NotRun(String),
}

async fn run_case<M: sea_orm_migration::MigratorTrait>(
    db: &DatabaseConnection,
    case: &DataCase,
    index: usize,
) -> Result<CaseOutcome, crate::HarnessError> {
    use super::failure::guarded;
    M::install(db).await?;
    if index > 0 {
        let steps = u32::try_from(index).unwrap_or(u32::MAX);
        if let Err(failure) = guarded(M::up(db, Some(steps))).await {
            return Ok(CaseOutcome::NotRun(format!(
                "the migrations before it could not be applied: up {failure}"
            )));
        }
    }
    let mut failures = Vec::new();
    for action in &case.seed {
        if let Err(message) = action.run(db).await {
            failures.push(format!("seed: {message}"));
            return Ok(CaseOutcome::Failed(failures));
        }
    }
    if let Err(failure) = guarded(M::up(db, Some(1))).await {
        failures.push(format!("up on the seeded rows {failure}"));
        return Ok(CaseOutcome::Failed(failures));
    }
    for action in &case.after_up {
        if let Err(message) = action.run(db).await {
            failures.push(format!("after up: {message}"));
        }
    }
    if let Err(failure) = guarded(M::down(db, Some(1))).await {
        failures.push(format!("down on the migrated rows {failure}"));
        return Ok(CaseOutcome::Failed(failures));
    }
    for action in &case.after_down {
        if let Err(message) = action.run(db).await {
            failures.push(format!("after down: {message}"));
        }
    }
    Ok(CaseOutcome::Failed(failures))
}
