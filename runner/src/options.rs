//! How a run behaves: the schema, timeouts, the migrations' sources, and who hears about
//! its progress.

use std::time::Duration;

use crate::checksum::Sources;
use crate::error::Error;
use crate::event::Observer;

/// The longest timeout the runner accepts (a day): longer ones are surely mistakes, and
/// bounding them keeps deadline arithmetic from overflowing.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

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

    pub(crate) fn validate(&self) -> Result<(), Error> {
        check_timeout("the lock timeout", self.lock_timeout)?;
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
