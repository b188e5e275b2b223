//! A conformance harness for SeaORM migrators.
//!
//! Point it at any [`sea_orm_migration::MigratorTrait`] and it runs the migrations on
//! real SQLite and PostgreSQL databases.

#![warn(missing_docs)]

pub mod backends;
/// Every statement a migration executes (the `statement-capture` crate, shared with the
/// runner's `-v`).
pub mod capture {
    pub use statement_capture::{Executed, Recorder, StatementKind, sql_of};
}
pub mod catalog;
pub mod checks;
pub mod cli;
mod config;
pub mod diff;
pub mod error;
pub mod ops;
mod progress;
mod progress_bar;
pub mod report;
pub mod review;
mod settings;
pub mod snapshots;
pub mod sqlfmt;
mod sqltokens;
pub mod suite;

pub use backends::{Backend, TestDatabase};
pub use checks::{AllowList, Check, Finding, NotSeeded, Populate};
pub use config::{AllowListSource, Config};
pub use error::HarnessError;
pub use progress::{Progress, ProgressObserver};
pub use report::{SkipReason, Status, SuiteReport};
pub use settings::{DEFAULT_PG_IMAGE, PostgresSettings};
pub use snapshots::SnapshotMode;
pub use suite::{Suite, SuiteOutcome};

/// A fresh database for a test. When PostgreSQL cannot be had, this fails the test
/// (the default) or, with `CONFORMANCE_REQUIRE_POSTGRES=0`, says so loudly and returns
/// `None` so that the test can return early.
pub async fn fresh_database(backend: Backend) -> Option<TestDatabase> {
    match TestDatabase::fresh(backend).await {
        Ok(db) => Some(db),
        Err(HarnessError::PostgresUnavailable(reason)) if !backends::postgres_required() => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "conformance: SKIPPED a PostgreSQL test, no PostgreSQL: {reason}"
            );
            None
        }
        Err(e) => {
            panic!("{e} (set CONFORMANCE_REQUIRE_POSTGRES=0 to skip PostgreSQL tests instead)")
        }
    }
}
