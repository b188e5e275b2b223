//! What a run reports while it goes: the engine prints nothing, it tells an observer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Something that happened during a run, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Another migrator holds the lock; the run waits for it (reported once).
    WaitingForLock {
        /// Who holds it, as far as can be seen.
        holder: String,
        /// How long the run waits at most.
        timeout: Duration,
    },
    /// Applied migrations changed since they were applied, and the run goes on because
    /// it was told to ([`crate::Options::allow_checksum_mismatch`]).
    ChecksumMismatchAllowed {
        /// The changed versions.
        versions: Vec<String>,
    },
    /// Checksums were recorded for migrations applied without one.
    ChecksumsBackfilled {
        /// Those versions.
        versions: Vec<String>,
    },
    /// A migration starts: applied or rolled back (`rolling_back`), the `index`-th (from
    /// 0) of the `total` this run applies or rolls back in that direction.
    Starting {
        /// Its name.
        name: String,
        /// Whether it is rolled back rather than applied.
        rolling_back: bool,
        /// Its place in this run's sequence, from 0.
        index: usize,
        /// How many the sequence has.
        total: usize,
    },
    /// A migration waited longer than the DDL lock timeout for a table lock; it was
    /// rolled back whole and is tried again after `pause`.
    LockTimeoutRetry {
        /// The migration.
        name: String,
        /// The attempt that timed out, from 1.
        attempt: u32,
        /// How many retries are allowed in all.
        retries: u32,
        /// The pause before the next attempt.
        pause: Duration,
        /// The sessions holding locks on the schema's tables now.
        holders: Vec<String>,
    },
    /// An INVALID index (left by a failed concurrent build) was dropped before a
    /// migration outside a transaction, as [`crate::Options::drop_invalid_indexes`] asks.
    InvalidIndexDropped {
        /// The index.
        index: String,
    },
    /// One migration was applied (with its version and checksum rows).
    Applied {
        /// Its name.
        name: String,
        /// How long it took.
        elapsed: Duration,
    },
    /// One migration was rolled back (with its version and checksum rows).
    RolledBack {
        /// Its name.
        name: String,
        /// How long it took.
        elapsed: Duration,
    },
    /// One statement was sent (only with [`crate::Options::report_statements`]): its SQL
    /// with bound values inlined, as sea-orm shows it.
    Statement {
        /// The SQL.
        sql: String,
        /// How long it took.
        elapsed: Duration,
        /// Whether the database refused it.
        failed: bool,
        /// The migration whose `up` or `down` sent it; `None`: the runner's bookkeeping.
        migration: Option<String>,
        /// `Some((k, n))`: the k-th (from 1) of the n statements one call sent as one
        /// string (`execute_unprepared` of a batch); `elapsed` is the whole call's, on the
        /// first, and zero on the others.
        batch: Option<(usize, usize)>,
    },
}

/// Receives the [`Event`]s of a run; by default nobody does.
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<Callback>>);

type Callback = dyn Fn(&Event) + Send + Sync;

impl Observer {
    /// An observer calling `f` for each event.
    pub fn new(f: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    pub(crate) fn notify(&self, event: &Event) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(..)"
        } else {
            "Observer(none)"
        })
    }
}

/// `text` with control characters (line breaks, terminal escapes) shown as `\u{..}`.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
