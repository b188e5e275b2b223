//! Records every statement a migration executes, through every path of sea-orm 2.0:
//! `SchemaManager` builders, `execute`, `execute_raw`, `execute_unprepared`,
//! `query_one` / `query_all`, on a connection or inside a transaction.
//!
//! Why tracing: sea-orm's metric callback does not fire for `execute_unprepared`, and a
//! proxy connection would change what the migration sees (its rows are re-typed into
//! `sea_query::Value`s). sea-orm's `tracing-spans` feature opens one span per call
//! (`sea_orm.execute`, `sea_orm.query_one`, …) carrying the prepared SQL and its outcome;
//! the SQL of `execute_unprepared` is not put on its span, but `debug-print` emits it as
//! an event inside that span. A subscriber attached to the migration's *future* only
//! ([`Recorder::record`], `WithSubscriber`) sees exactly the calls made while polling it:
//! no global subscriber, so parallel tests and the harness's own catalog queries (made
//! outside that future) stay out of the log.
//!
//! Two ways to use it: [`Recorder`] keeps the statements of the futures it runs, for
//! a harness to read afterwards, one entry per statement (a string of several passed to
//! `execute_unprepared` is split where the database splits it, see
//! [`split_statements`]; statements touching the migrations bookkeeping table,
//! sea-orm-migration's own install / select / insert / delete, are left out: they are
//! the runner's, not the migration's; so are statements that failed: the error is
//! reported instead); [`observe`] hands each call to a callback as it ends, with its
//! duration, for a runner that shows statements as they run.

mod split;

pub use split::split_statements;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// How a statement was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// `execute`, `execute_raw`, `execute_unprepared`, or a `SchemaManager` builder.
    Command,
    /// `query_one` / `query_all` (including `SchemaManager::has_table` and friends).
    Query,
}

/// One statement a migration executed, as sent (placeholders, not values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// The statement's SQL text.
    pub sql: String,
    /// What kind of statement it is.
    pub kind: StatementKind,
}

impl Executed {
    /// Whether the statement is a query that returns rows.
    pub fn is_query(&self) -> bool {
        self.kind == StatementKind::Query
    }
}

/// The SQL texts of `statements`, in order.
pub fn sql_of(statements: &[Executed]) -> Vec<String> {
    statements.iter().map(|s| s.sql.clone()).collect()
}

/// One sea-orm call that ended, as [`observe`] hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The statement's SQL text, as sea-orm put it on its span or printed it.
    pub sql: String,
    /// What kind of statement it is.
    pub kind: StatementKind,
    /// Sent with `execute_unprepared` (which sea-orm's metric callback does not see).
    pub unprepared: bool,
    /// Whether the database refused it.
    pub failed: bool,
    /// From the call's start to its end.
    pub elapsed: Duration,
}

/// Runs `future`, handing every sea-orm call it makes to `on_call` when the call ends.
///
/// ```
/// # async fn demo() -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{ConnectionTrait, Database};
///
/// let db = Database::connect("sqlite::memory:").await?;
/// let sql = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
/// let seen = sql.clone();
/// statement_capture::observe(db.execute_unprepared("CREATE TABLE t (id integer)"), move |call| {
///     seen.lock().unwrap().push(call.sql);
/// })
/// .await?;
/// assert_eq!(*sql.lock().unwrap(), ["CREATE TABLE t (id integer)"]);
/// # Ok(())
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
/// ```
pub async fn observe<F, C>(future: F, on_call: C) -> F::Output
where
    F: Future,
    C: Fn(Call) + Send + Sync + 'static,
{
    let dispatch = Dispatch::new(Tap {
        state: Arc::default(),
        next_id: AtomicU64::new(1),
        on_call: Some(Box::new(on_call)),
    });
    future.with_subscriber(dispatch).await
}

/// Records the statements of the futures given to [`Recorder::record`].
#[derive(Clone)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
    bookkeeping_table: Arc<str>,
}

#[derive(Default)]
struct State {
    calls: Vec<Open>,
    /// Span id → index in `calls`, for the sea-orm call spans still open.
    open: Vec<(u64, usize)>,
    /// Spans entered and not yet exited, innermost last.
    entered: Vec<u64>,
    /// The SQL of a sea-orm debug event seen outside any call span: a transaction
    /// prints it just before opening the call's span.
    printed_before: Option<String>,
}

struct Open {
    sql: Option<String>,
    kind: StatementKind,
    failed: bool,
    unprepared: bool,
    started: Instant,
}

impl Recorder {
    /// `bookkeeping_table` is the migrations table, whose statements are left out.
    pub fn new(bookkeeping_table: &str) -> Self {
        Self {
            state: Arc::default(),
            bookkeeping_table: Arc::from(bookkeeping_table),
        }
    }

    /// Runs `future`, recording the statements it executes.
    pub async fn record<F: Future>(&self, future: F) -> F::Output {
        let dispatch = Dispatch::new(Tap {
            state: Arc::clone(&self.state),
            next_id: AtomicU64::new(1),
            on_call: None,
        });
        future.with_subscriber(dispatch).await
    }

    /// The statement a failed migration stopped at (the log is kept): the SQL of the
    /// last call recorded so far that is known to have failed, or else of the last call.
    pub fn last_failed(&self) -> Option<String> {
        let state = self.state.lock().ok()?;
        let with_sql = || state.calls.iter().rev().filter(|call| call.sql.is_some());
        with_sql()
            .find(|call| call.failed)
            .or_else(|| with_sql().next())
            .and_then(|call| call.sql.clone())
    }

    /// The statements recorded so far, one entry per statement, emptying the log.
    pub fn take(&self) -> Vec<Executed> {
        self.take_with_bookkeeping().0
    }

    /// The statements recorded so far, emptying the log: those [`Recorder::take`]
    /// returns, and apart those that touch the bookkeeping table (a reader of the
    /// catalog needs them: one may create a trigger on that table).
    pub fn take_with_bookkeeping(&self) -> (Vec<Executed>, Vec<Executed>) {
        let calls = match self.state.lock() {
            Ok(mut state) => {
                state.printed_before = None;
                std::mem::take(&mut state.calls)
            }
            Err(_) => Vec::new(),
        };
        calls
            .into_iter()
            .filter(|call| !call.failed)
            .filter_map(|call| Some((call.sql?, call.kind)))
            .flat_map(|(sql, kind)| {
                split_statements(&sql)
                    .into_iter()
                    .map(move |sql| Executed { sql, kind })
            })
            .partition(|executed| !executed.sql.contains(&*self.bookkeeping_table))
    }
}

/// What [`observe`] calls for each call that ended.
type OnCall = Box<dyn Fn(Call) + Send + Sync>;

/// The subscriber: one per recorded future.
struct Tap {
    state: Arc<Mutex<State>>,
    next_id: AtomicU64,
    /// [`observe`]'s callback; [`Recorder`] keeps the calls instead.
    on_call: Option<OnCall>,
}

const EXECUTE: &str = "sea_orm.execute";
const EXECUTE_UNPREPARED: &str = "sea_orm.execute_unprepared";
const QUERY_ONE: &str = "sea_orm.query_one";
const QUERY_ALL: &str = "sea_orm.query_all";

fn call_kind(span_name: &str) -> Option<StatementKind> {
    match span_name {
        EXECUTE | EXECUTE_UNPREPARED => Some(StatementKind::Command),
        QUERY_ONE | QUERY_ALL => Some(StatementKind::Query),
        _ => None,
    }
}

/// sea-orm's `debug-print` events (the SQL of `execute_unprepared`), not
/// sea-orm-migration's.
fn is_sea_orm_event(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    metadata.is_event() && (target == "sea_orm" || target.starts_with("sea_orm::"))
}

impl Subscriber for Tap {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        // `sometimes`, not `always`: other dispatchers (other tests) share the callsites.
        if self.wanted(metadata) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.wanted(metadata)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let name = span.metadata().name();
        if let (Some(kind), Ok(mut state)) = (call_kind(name), self.state.lock()) {
            let mut fields = Fields::default();
            span.record(&mut fields);
            let printed_before = state.printed_before.take();
            let sql = match name {
                // On a transaction the SQL was printed just before; on a connection it
                // is printed inside the span (see `event`).
                EXECUTE_UNPREPARED => printed_before,
                _ => fields.statement,
            };
            let index = state.calls.len();
            state.calls.push(Open {
                sql,
                kind,
                failed: false,
                unprepared: name == EXECUTE_UNPREPARED,
                started: Instant::now(),
            });
            state.open.push((id, index));
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let Some(&(_, index)) = state.open.iter().find(|(id, _)| *id == span.into_u64()) else {
            return;
        };
        let call = &mut state.calls[index];
        if let Some(sql) = fields.statement {
            call.sql = Some(sql);
        }
        if fields.status.as_deref() == Some("ERROR") {
            call.failed = true;
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if !is_sea_orm_event(event.metadata()) {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        // The innermost entered span, if it is a sea-orm call's.
        let inside = state.entered.last().and_then(|entered| {
            state
                .open
                .iter()
                .find(|(id, _)| id == entered)
                .map(|&(_, index)| index)
        });
        match inside {
            Some(index) => {
                let call = &mut state.calls[index];
                if call.unprepared && call.sql.is_none() {
                    call.sql = fields.message;
                }
            }
            None => state.printed_before = fields.message,
        }
    }

    fn enter(&self, span: &Id) {
        if let Ok(mut state) = self.state.lock() {
            state.entered.push(span.into_u64());
        }
    }

    fn exit(&self, span: &Id) {
        if let Ok(mut state) = self.state.lock()
            && let Some(at) = state.entered.iter().rposition(|id| *id == span.into_u64())
        {
            state.entered.remove(at);
        }
    }

    fn try_close(&self, span: Id) -> bool {
        let ended = match self.state.lock() {
            Ok(mut state) => {
                let closing = state.open.iter().position(|(id, _)| *id == span.into_u64());
                let index = closing.map(|at| state.open.remove(at).1);
                match (&self.on_call, index) {
                    // Streaming: hand the call over and forget it.
                    (Some(_), Some(index)) if index + 1 == state.calls.len() => state.calls.pop(),
                    (Some(_), Some(index)) => state.calls.get(index).map(|call| Open {
                        sql: call.sql.clone(),
                        ..*call
                    }),
                    _ => None,
                }
            }
            Err(_) => None,
        };
        // Outside the lock: the callback may print, or run anything.
        if let (Some(on_call), Some(call)) = (&self.on_call, ended)
            && let Some(sql) = call.sql
        {
            on_call(Call {
                sql: sql.trim().to_owned(),
                kind: call.kind,
                unprepared: call.unprepared,
                failed: call.failed,
                elapsed: call.started.elapsed(),
            });
        }
        true
    }
}

impl Tap {
    fn wanted(&self, metadata: &Metadata<'_>) -> bool {
        (metadata.is_span() && call_kind(metadata.name()).is_some()) || is_sea_orm_event(metadata)
    }
}

/// The fields the tap reads from sea-orm's spans and events.
#[derive(Default)]
struct Fields {
    statement: Option<String>,
    status: Option<String>,
    message: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "db.statement" => self.statement = Some(value.to_owned()),
            "otel.status_code" => self.status = Some(value.to_owned()),
            "message" => self.message = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `message` arrives as `format_args!`, whose Debug is the formatted text.
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        }
    }
}
