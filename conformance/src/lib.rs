//! A conformance harness for SeaORM migrators.
//!
//! Point it at any [`sea_orm_migration::MigratorTrait`] and it runs the migrations on
//! real SQLite and PostgreSQL databases: every step reversible (schema and data), the
//! round trip, a clean base, SQLite/PostgreSQL parity, the lint, the reviewed snapshots
//! and the data cases ([`Check`]).
//!
//! # The surface
//!
//! What a project writes in its test and in its CI binary, and the catalog as read-only
//! data. Everything else is private; each item has one path.
//!
//! ## The suite: one test
//!
//! [`Suite`] is the builder, [`SuiteOutcome`] what a run gives ([`SuiteReport`] and one
//! [`BackendRun`] per backend):
//!
//! ```no_run
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! # async fn test() {
//! let outcome = conformance::Suite::<Migrator>::new()
//!     .allow_list("parity-allowlist.txt")
//!     .snapshots("snapshots")
//!     .run()
//!     .await
//!     .expect("the suite runs");
//! assert!(outcome.report.passed(), "{}", outcome.report);
//! # }
//! ```
//!
//! Its settings, each a builder method or a [`Config`] field:
//! - [`Backend`] (the runner's), [`PostgresSettings`] (an URL, or the image
//!   [`DEFAULT_PG_IMAGE`] started with testcontainers): where to run;
//! - [`AllowList`] (parsed from a file or text; [`AllowListError`]) through an
//!   [`AllowListSource`]: the differences the project accepts, each with its reason;
//! - [`SnapshotMode`]: compare, create the missing, or accept;
//! - [`Populate`]: the synthetic rows the walk runs on;
//! - [`DataCase`] (with [`IntoRows`], [`DataCheckFn`], [`DataCaseError`]): rows seeded
//!   before a migration and asserted after its `up` and its `down`;
//! - [`Progress`] / [`ProgressObserver`]: what the run is doing, as it does it.
//!
//! ```no_run
//! use conformance::{Backend, Check, DataCase, Populate, SnapshotMode, Suite};
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! let suite = Suite::<Migrator>::new()
//!     .backends(&[Backend::Sqlite])
//!     .skip(Check::Parity)
//!     .snapshot_mode(SnapshotMode::Compare)
//!     .populate(Populate::default().rows(5).skip_table("audit_log", "append-only"))
//!     .data_case(
//!         DataCase::new("every row gets the default org", "m20260301_000002_org_id")
//!             .seed_sql(["INSERT INTO toolsets (id, slug) VALUES ('t1', 'web')"])
//!             .after_up_sql("SELECT org_id FROM toolsets", [["default"]]),
//!     );
//! ```
//!
//! ## The outcome
//!
//! [`SuiteReport`]: a [`Status`] per check and backend ([`SkipReason`] when skipped),
//! every [`Finding`] (a lint finding names its [`lint::LintRule`]), what could not run
//! ([`NotRun`]), tables not seeded ([`NotSeeded`]) and, on PostgreSQL, the
//! [`MeasuredLocks`] ([`TableLock`], [`LockMode`]). A [`BackendRun`] holds each
//! migration's [`StepRun`] (its statements, [`capture::Executed`]), the final
//! [`catalog::SchemaDump`] and the data an `up` destroys by nature ([`Irreversible`]).
//! A run that cannot even start is a [`HarnessError`].
//!
//! ```no_run
//! # async fn demo(outcome: conformance::SuiteOutcome) {
//! use conformance::Check;
//! for finding in outcome.report.findings_of(Check::StepReversibility) {
//!     println!("{}: {}", finding.migration.as_deref().unwrap_or("-"), finding.message);
//! }
//! let json = outcome.report.locks_json(5); // what `verify --locks-json` writes
//! for run in &outcome.runs {
//!     let snapshots: Vec<(String, String)> = run.snapshots(); // (name, text)
//!     # let _ = (&json, snapshots);
//! }
//! # }
//! ```
//!
//! ## Databases for a project's own tests
//!
//! [`fresh_database`] (or [`TestDatabase::fresh`]) gives a throwaway database with one
//! connection; [`backends`] says which PostgreSQL server they live on.
//!
//! ```no_run
//! use conformance::{Backend, fresh_database};
//! # async fn test() {
//! let Some(db) = fresh_database(Backend::Postgres).await else {
//!     return; // no PostgreSQL and CONFORMANCE_REQUIRE_POSTGRES=0: skipped, loudly
//! };
//! let schema = conformance::catalog::dump(&db.conn).await.expect("dump");
//! println!("{schema}");
//! db.close().await.expect("close");
//! # }
//! ```
//!
//! ## A CI binary: [`cli`]
//!
//! `verify`, `report --base REF`, `drift` and `baseline`, for any migrator:
//!
//! ```no_run
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     conformance::cli::main::<Migrator>().await
//! }
//! ```
//!
//! The commands' engines are public too: [`review::run`] (the pull request's schema
//! review, a [`review::Report`]), [`ops::drift`] and [`ops::baseline`] (a live database
//! against its migrations).
//!
//! ## The catalog, as read-only data: [`catalog`]
//!
//! [`catalog::dump`] (a [`catalog::SchemaDump`] of [`catalog::ObjectKey`]s, each of an
//! [`catalog::ObjectKind`]) and [`catalog::LogicalSchema::read`] ([`catalog::Table`],
//! [`catalog::Column`] of a [`catalog::Kind`], [`catalog::Index`],
//! [`catalog::ForeignKey`] with its [`catalog::FkAction`]s):
//!
//! ```no_run
//! # async fn demo(db: conformance::TestDatabase) {
//! use conformance::catalog::LogicalSchema;
//! let schema = LogicalSchema::read(&db.conn, &[]).await.expect("read");
//! for (name, table) in &schema.tables {
//!     let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
//!     println!("{name}: {}", columns.join(", "));
//! }
//! # }
//! ```
//!
//! The lint's rule names ([`lint`]) and the statement capture ([`capture`]) complete it.

#![warn(missing_docs)]

pub mod backends;
/// Every statement a migration executes (the `statement-capture` crate, shared with the
/// runner's `-v`): what [`StepRun`] holds.
pub mod capture {
    pub use statement_capture::{Executed, StatementKind};
}
pub mod catalog;
mod checks;
pub mod cli;
mod config;
mod diff;
mod error;
pub mod ops;
mod progress;
mod progress_bar;
mod report;
pub mod review;
mod settings;
mod snapshots;
mod sqlfmt;
mod sqltokens;
mod suite;

/// The lint's rules, by which a [`Finding`] of [`Check::Lint`] names what it broke
/// ([`Finding::rule`]) and an allow-list line opts a migration out of one.
pub mod lint {
    pub use crate::checks::lint::{
        IF_EXISTS, LintRule, MYSQL_NOT_ATOMIC, MYSQL_TABLE_COPY, NO_OP_DOWN, NO_TRANSACTION,
        SquawkRule,
    };
}

pub use backends::database::TestDatabase;
pub use checks::{
    AllowList, AllowListError, BackendRun, Check, CompatBreak, DataCase, DataCaseError,
    DataCheckFn, Finding, IntoRows, Irreversible, LockMode, MeasuredLocks, NotOnBackend, NotRun,
    NotSeeded, Populate, StepRun, TableLock,
};
pub use config::{AllowListSource, Config};
pub use error::HarnessError;
pub use migration_runner::Backend;
pub use progress::{Progress, ProgressObserver};
pub use report::{SkipReason, Status, SuiteReport};
pub use settings::{DEFAULT_MYSQL_IMAGE, DEFAULT_PG_IMAGE, MySqlSettings, PostgresSettings};
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
        Err(HarnessError::MySqlUnavailable(reason)) if !backends::mysql_required() => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "conformance: SKIPPED a MySQL test, no MySQL: {reason}"
            );
            None
        }
        Err(e @ HarnessError::MySqlUnavailable(_)) => {
            panic!("{e} (set CONFORMANCE_REQUIRE_MYSQL=0 to skip MySQL tests instead)")
        }
        Err(e) => {
            panic!("{e} (set CONFORMANCE_REQUIRE_POSTGRES=0 to skip PostgreSQL tests instead)")
        }
    }
}
