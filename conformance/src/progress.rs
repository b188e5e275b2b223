//! What a suite reports while it runs: the harness prints nothing of its own while it
//! walks; it tells an optional observer ([`Suite::progress`](crate::Suite::progress)),
//! which `verify` turns into a progress bar on a terminal.

use std::fmt;
use std::sync::Arc;

use crate::backends::Backend;

/// One step of a suite's run, in the order it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// The walk on `backend` starts migration number `index` (from 0) of `total`.
    Step {
        /// The backend walked.
        backend: Backend,
        /// Which migration, from 0.
        index: usize,
        /// How many the migrator has.
        total: usize,
        /// Its name.
        migration: String,
    },
    /// The walk on `backend` is done; the round trip (down all, up all) starts.
    RoundTrip {
        /// The backend.
        backend: Backend,
    },
    /// Everything on `backend` is done.
    Finished {
        /// The backend.
        backend: Backend,
    },
}

/// Receives a suite's [`Progress`]; by default nobody does.
#[derive(Clone, Default)]
pub struct ProgressObserver(Option<Arc<Callback>>);

type Callback = dyn Fn(&Progress) + Send + Sync;

impl ProgressObserver {
    /// An observer calling `f` for each step.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    pub(crate) fn notify(&self, progress: &Progress) {
        if let Some(f) = &self.0 {
            f(progress);
        }
    }
}

impl fmt::Debug for ProgressObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressObserver(..)"
        } else {
            "ProgressObserver(none)"
        })
    }
}
