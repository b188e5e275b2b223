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
//! Statements touching the migrations bookkeeping table (sea-orm-migration's own
//! install / select / insert / delete) are left out: they are the runner's, not the
//! migration's. So are statements that failed: the error is reported instead.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// Records the statements of the futures given to [`Recorder::record`].
#[derive(Clone)]
pub struct Recorder {
    state: Arc<Mutex<State>>,
    bookkeeping_table: Arc<str>,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Span id → index in `calls`, for the sea-orm call spans still open.
    open: Vec<(u64, usize)>,
    /// Spans entered and not yet exited, innermost last.
    entered: Vec<u64>,
    /// The SQL of a sea-orm debug event seen outside any call span: a transaction
    /// prints it just before opening the call's span.
    printed_before: Option<String>,
}

struct Call {
    sql: Option<String>,
    kind: StatementKind,
    failed: bool,
    unprepared: bool,
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
        });
        future.with_subscriber(dispatch).await
    }

    /// The statements recorded so far, emptying the log.
    pub fn take(&self) -> Vec<Executed> {
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
            .filter_map(|call| {
                let sql = call.sql?.trim().to_owned();
                (!sql.is_empty() && !sql.contains(&*self.bookkeeping_table)).then_some(Executed {
                    sql,
                    kind: call.kind,
                })
            })
            .collect()
    }
}

/// The subscriber: one per recorded future.
struct Tap {
    state: Arc<Mutex<State>>,
    next_id: AtomicU64,
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
            state.calls.push(Call {
                sql,
                kind,
                failed: false,
                unprepared: name == EXECUTE_UNPREPARED,
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
        if let Ok(mut state) = self.state.lock() {
            state.open.retain(|(id, _)| *id != span.into_u64());
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
