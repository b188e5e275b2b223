//! How a failed migration call reads in a finding: one formatter for every database
//! error the harness quotes, and what kind of failure it is.
//!
//! A database error shows its SQLSTATE (SQLite: its result code; MySQL: its error number
//! too), message, detail, hint
//! and the position inside the statement; never the server's own source file and line
//! (sqlx prints PostgreSQL's `at line 1164`, a line of `scan.l`, as if it were one of the
//! migration).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::mysql::MySqlDatabaseError;
use sea_orm::sqlx::postgres::{PgDatabaseError, PgErrorPosition};
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr};

use super::{BackendRun, Finding};
use crate::backends::Backend;

/// What kind of failure a database error is, as far as the harness can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The statement does not parse on this backend.
    Syntax,
    /// It names a table, column, type, function or schema that does not exist: possibly
    /// one an earlier, failed migration would have created.
    MissingObject,
    /// Anything else the database refused.
    Database,
    /// Not the database's refusal (a panic, an error of the migration's own), so the
    /// harness cannot tell why.
    Unknown,
}

/// SQLSTATEs of a missing object: undefined table, column, object (a type), function;
/// invalid schema name.
const MISSING_OBJECT: [&str; 5] = ["42P01", "42703", "42704", "42883", "3F000"];

/// PostgreSQL's `syntax_error`.
const SYNTAX_ERROR: &str = "42601";

/// A database error as a finding quotes it, and its cause.
pub(crate) fn describe(err: &DbErr) -> (String, Cause) {
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx))
    | DbErr::Conn(RuntimeErr::SqlxError(sqlx))) = err
    else {
        return (err.to_string(), Cause::Unknown);
    };
    let Some(database) = sqlx.as_database_error() else {
        return (sqlx.to_string(), Cause::Unknown);
    };
    if let Some(pg) = database.try_downcast_ref::<PgDatabaseError>() {
        return (postgres(pg), postgres_cause(pg.code()));
    }
    if let Some(sqlite) = database.try_downcast_ref::<SqliteError>() {
        let code = sqlite.code().unwrap_or_default();
        let message = sqlite.message();
        return (
            format!("{message} (SQLite result code {code})"),
            sqlite_cause(message),
        );
    }
    if let Some(mysql) = database.try_downcast_ref::<MySqlDatabaseError>() {
        let number = mysql.number();
        let state = mysql
            .code()
            .map(|c| format!(", SQLSTATE {c}"))
            .unwrap_or_default();
        return (
            format!("{} (MySQL error {number}{state})", mysql.message()),
            mysql_cause(number),
        );
    }
    (database.message().to_owned(), Cause::Database)
}

/// MySQL's and MariaDB's error numbers: a parse error; a table, column, key or routine
/// that does not exist.
fn mysql_cause(number: u16) -> Cause {
    match number {
        1064 => Cause::Syntax,
        1146 | 1054 | 1091 | 1305 | 1176 => Cause::MissingObject,
        _ => Cause::Database,
    }
}

/// `message (SQLSTATE code, at character N of the statement); detail: …; hint: …`.
fn postgres(pg: &PgDatabaseError) -> String {
    let mut out = format!("{} (SQLSTATE {}", pg.message(), pg.code());
    match pg.position() {
        Some(PgErrorPosition::Original(at)) => {
            out.push_str(&format!(", at character {at} of the statement"));
        }
        Some(PgErrorPosition::Internal { position, query }) => {
            out.push_str(&format!(
                ", at character {position} of the query the server ran for it: {query}"
            ));
        }
        None => {}
    }
    out.push(')');
    if let Some(detail) = pg.detail() {
        out.push_str(&format!("; detail: {detail}"));
    }
    if let Some(hint) = pg.hint() {
        out.push_str(&format!("; hint: {hint}"));
    }
    out
}

fn postgres_cause(code: &str) -> Cause {
    if code == SYNTAX_ERROR {
        Cause::Syntax
    } else if MISSING_OBJECT.contains(&code) {
        Cause::MissingObject
    } else {
        Cause::Database
    }
}

/// SQLite gives every such error the same result code (`SQLITE_ERROR`); its message
/// says which.
fn sqlite_cause(message: &str) -> Cause {
    if message.contains("syntax error")
        || message.starts_with("unrecognized token")
        || message.starts_with("incomplete input")
    {
        Cause::Syntax
    } else if ["no such table", "no such column", "no such index"]
        .iter()
        .any(|missing| message.starts_with(missing))
    {
        Cause::MissingObject
    } else {
        Cause::Database
    }
}

/// A data case's error: a database error through [`describe`], anything else as it
/// says.
pub(crate) fn describe_any(err: &(dyn std::error::Error + 'static)) -> String {
    match err.downcast_ref::<DbErr>() {
        Some(db) => describe(db).0,
        None => err.to_string(),
    }
}

/// What a finding says when the first migration does not parse on `backend`: the
/// migrator looks written for the other one, and how to check it there alone.
pub(crate) fn written_for_another(backend: Backend) -> String {
    let other = match backend {
        Backend::Sqlite => Backend::Postgres,
        Backend::Postgres => Backend::Sqlite,
        // MySQL, the backend a migrator is least often written for: not one guess.
        _ => {
            return format!(
                "The first migration does not parse on {backend}: the migrator looks written for other backends only, so nothing else was run on {backend}. To check it on SQLite and PostgreSQL alone: `Suite::backends(&Backend::ALL)`, or `verify --backend sqlite` and `verify --backend postgres`."
            );
        }
    };
    let variant = format!("{other:?}");
    format!(
        "The first migration does not parse on {backend}: the migrator looks written for {other} only, so nothing else was run on {backend}. To check it on {other} alone: `Suite::backends(&[Backend::{variant}])`, or `verify --backend {other}`."
    )
}

/// What replaces [`written_for_another`] when the first migration parses on no backend.
const PARSES_NOWHERE: &str = "The first migration does not parse on any backend either.";

/// When the first migration parsed on none of several backends, it is not written for
/// another one: the findings say so instead.
pub(crate) fn correct_backend_guess(runs: &[BackendRun], findings: &mut [Finding]) {
    if runs.len() < 2 || !runs.iter().all(|r| r.first_migration_unparsed) {
        return;
    }
    for finding in findings {
        if let Some(backend) = finding.backend {
            finding.message = finding
                .message
                .replace(&written_for_another(backend), PARSES_NOWHERE);
        }
    }
}

/// How one migration call ended when it did not succeed.
#[derive(Debug, Clone)]
pub(crate) enum StepFailure {
    /// It returned an error: the text a finding quotes, and its cause.
    Error(String, Cause),
    /// It panicked, with this message.
    Panic(String),
}

impl StepFailure {
    /// What kind of failure it is.
    pub(crate) fn cause(&self) -> Cause {
        match self {
            StepFailure::Error(_, cause) => *cause,
            StepFailure::Panic(_) => Cause::Unknown,
        }
    }

    /// The failure, naming `statement` (the call it stopped at) when there is one.
    pub(crate) fn at(self, statement: Option<String>) -> Self {
        match (self, statement) {
            (StepFailure::Error(text, cause), Some(sql)) => {
                let sql = sql.trim();
                let shown: String = sql.chars().take(300).collect();
                let more = if shown.len() < sql.len() { " …" } else { "" };
                StepFailure::Error(format!("{text}\n  at statement: {shown}{more}"), cause)
            }
            (failure, _) => failure,
        }
    }

    /// Whether it may follow from an earlier migration that failed (and so did not
    /// create what this one uses): a missing object, or a failure the harness cannot
    /// read; never a syntax error.
    pub(crate) fn may_follow_an_earlier_failure(&self) -> bool {
        matches!(self.cause(), Cause::MissingObject | Cause::Unknown)
    }
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepFailure::Error(e, _) => write!(f, "failed: {e}"),
            StepFailure::Panic(message) => write!(f, "panicked: {message}"),
        }
    }
}

/// Awaits `future`, turning a panic inside it into a [`StepFailure::Panic`].
pub(crate) async fn guarded<F>(future: F) -> Result<(), StepFailure>
where
    F: Future<Output = Result<(), DbErr>>,
{
    match catch_panic(future).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            let (text, cause) = describe(&e);
            Err(StepFailure::Error(text, cause))
        }
        Err(message) => Err(StepFailure::Panic(message)),
    }
}

/// Awaits `future`; a panic inside it becomes `Err` with the panic's message.
pub(crate) async fn catch_panic<F: Future>(future: F) -> Result<F::Output, String> {
    CatchUnwind(Box::pin(future))
        .await
        .map_err(|panic| panic_message(panic.as_ref()))
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// A future that catches a panic raised while polling the inner one.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_read_from_sqlstate_and_sqlite_messages() {
        assert_eq!(postgres_cause("42601"), Cause::Syntax);
        assert_eq!(postgres_cause("42P01"), Cause::MissingObject);
        assert_eq!(postgres_cause("23505"), Cause::Database);
        assert_eq!(sqlite_cause("near \"TYPE\": syntax error"), Cause::Syntax);
        assert_eq!(sqlite_cause("no such table: a"), Cause::MissingObject);
        assert_eq!(
            sqlite_cause("UNIQUE constraint failed: a.id"),
            Cause::Database
        );
        assert_eq!(mysql_cause(1064), Cause::Syntax);
        assert_eq!(mysql_cause(1146), Cause::MissingObject);
        assert_eq!(mysql_cause(1062), Cause::Database);
    }

    #[test]
    fn errors_that_are_not_the_databases_are_quoted_as_they_are() {
        let (text, cause) = describe(&DbErr::Custom("no such thing".to_owned()));
        assert_eq!(
            (text.as_str(), cause),
            ("Custom Error: no such thing", Cause::Unknown)
        );
    }
}
