//! How a run behaves: the schema, timeouts, the migrations' sources, and who hears about
//! its progress.

use std::time::Duration;

use crate::checksum::Sources;
use crate::error::Error;
use crate::event::Observer;

/// The longest timeout the runner accepts (a day): longer ones are surely mistakes, and
/// bounding them keeps deadline arithmetic from overflowing.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a migration's statement waits for a table lock by default: long enough for
/// a quick transaction of the running application to finish, short enough that the
/// queries queued behind the waiting `ALTER` do not pile up into an outage.
pub const DEFAULT_DDL_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a migration rolled back on its lock timeout is tried again by default.
pub const DEFAULT_DDL_RETRIES: u32 = 5;

/// Settings of a run. `Options::default()` waits 30 s for the lock, migrates the
/// connection's current schema on PostgreSQL, and has no migration sources.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The PostgreSQL schema to migrate, as a user would spell it (`app`, `"My App"`);
    /// `None`: the connection's current schema. Ignored on SQLite.
    pub schema: Option<String>,
    /// How long to wait for another migrator's lock.
    pub lock_timeout: Duration,
    /// How long to wait for the run's own PostgreSQL session.
    pub connect_timeout: Duration,
    /// The migrations' source files, the first part of each checksum.
    pub sources: Sources,
    /// Apply pending migrations even though applied ones changed.
    pub allow_checksum_mismatch: bool,
    /// Who hears about the run's progress.
    pub observer: Observer,
    /// Whether the observer hears about each statement ([`crate::Event::Statement`]).
    pub report_statements: bool,
    /// PostgreSQL: how long one statement of a migration may wait for a table lock
    /// (`SET LOCAL lock_timeout` at the start of each migration's transaction) before
    /// the migration is rolled back and tried again; zero waits for ever. Not the wait
    /// for the runner's own lock ([`Options::lock_timeout`]).
    pub ddl_lock_timeout: Duration,
    /// PostgreSQL: how many times a migration rolled back on its lock timeout is tried
    /// again, after a growing pause with jitter.
    pub ddl_retries: u32,
    /// PostgreSQL: the longest any statement of a migration may run
    /// (`SET LOCAL statement_timeout`); `None`: no limit.
    pub statement_timeout: Option<Duration>,
    /// PostgreSQL: before a migration outside a transaction, drop the schema's INVALID
    /// indexes (left by a failed concurrent build) instead of refusing to go on.
    pub drop_invalid_indexes: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            schema: None,
            lock_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            sources: Sources::none(),
            allow_checksum_mismatch: false,
            observer: Observer::default(),
            report_statements: false,
            ddl_lock_timeout: DEFAULT_DDL_LOCK_TIMEOUT,
            ddl_retries: DEFAULT_DDL_RETRIES,
            statement_timeout: None,
            drop_invalid_indexes: false,
        }
    }
}

impl Options {
    /// Migrates this PostgreSQL schema.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Waits at most this long for the lock.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Waits at most this long for the run's PostgreSQL session.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Includes these source files in the checksums.
    pub fn sources(mut self, sources: Sources) -> Self {
        self.sources = sources;
        self
    }

    /// Applies pending migrations even though applied ones changed.
    pub fn allow_checksum_mismatch(mut self, allow: bool) -> Self {
        self.allow_checksum_mismatch = allow;
        self
    }

    /// Reports the run's progress to `observer`.
    pub fn observer(mut self, observer: Observer) -> Self {
        self.observer = observer;
        self
    }

    /// Reports each statement the run sends, with its duration, to the observer.
    pub fn report_statements(mut self, report: bool) -> Self {
        self.report_statements = report;
        self
    }

    /// PostgreSQL: each statement of a migration waits at most this long for a table
    /// lock before the migration is rolled back and retried (zero: for ever).
    pub fn ddl_lock_timeout(mut self, timeout: Duration) -> Self {
        self.ddl_lock_timeout = timeout;
        self
    }

    /// PostgreSQL: retries of a migration rolled back on its lock timeout.
    pub fn ddl_retries(mut self, retries: u32) -> Self {
        self.ddl_retries = retries;
        self
    }

    /// PostgreSQL: the longest a statement of a migration may run (`None`: no limit).
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// PostgreSQL: drops the schema's INVALID indexes before a migration outside a
    /// transaction, instead of refusing to go on.
    pub fn drop_invalid_indexes(mut self, drop: bool) -> Self {
        self.drop_invalid_indexes = drop;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        check_timeout("the lock timeout", self.lock_timeout)?;
        check_timeout("the DDL lock timeout", self.ddl_lock_timeout)?;
        if let Some(timeout) = self.statement_timeout {
            check_timeout("the statement timeout", timeout)?;
        }
        check_timeout("the connect timeout", self.connect_timeout)
    }
}

/// Refuses a timeout longer than [`MAX_TIMEOUT`].
pub fn check_timeout(what: &'static str, timeout: Duration) -> Result<(), Error> {
    if timeout > MAX_TIMEOUT {
        return Err(Error::DurationTooLong {
            what,
            seconds: timeout.as_secs(),
            max: MAX_TIMEOUT.as_secs(),
        });
    }
    Ok(())
}
