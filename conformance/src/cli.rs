//! `verify`: every check on every available backend, as a table, with an exit code for CI.
//! Generic over the migrator, so any project can ship a three-line binary around it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sea_orm_migration::MigratorTrait;

use crate::backends::{Backend, postgres_required};
use crate::checks::AllowList;
use crate::suite::Suite;

/// Prove that a SeaORM migrator's migrations reverse exactly, agree across SQLite and
/// PostgreSQL, and match the reviewed DDL snapshots.
#[derive(Debug, Parser)]
#[command(name = "conformance", version)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check on every available backend; exit 1 on any failure.
    ///
    /// PostgreSQL comes from CONFORMANCE_PG_URL, Docker (CONFORMANCE_PG_IMAGE) or local
    /// binaries; without one, verify fails unless CONFORMANCE_REQUIRE_POSTGRES=0.
    Verify {
        /// Backends to run on.
        #[arg(long, value_enum, default_value = "all")]
        backend: BackendArg,
        /// The reviewed snapshots (`<dir>/<backend>/*.snap`).
        #[arg(long, default_value = "snapshots")]
        snapshots: PathBuf,
        /// The parity allow-list (a missing file allows nothing).
        #[arg(long, default_value = "migration/parity-allowlist.txt")]
        allow_list: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BackendArg {
    All,
    Sqlite,
    Postgres,
}

/// Parses the arguments, runs the command for `M`, prints the outcome.
pub async fn main<M: MigratorTrait>() -> ExitCode {
    let Command::Verify {
        backend,
        snapshots,
        allow_list,
    } = Args::parse().command;
    let backends: &[Backend] = match backend {
        BackendArg::All => &Backend::ALL,
        BackendArg::Sqlite => &[Backend::Sqlite],
        BackendArg::Postgres => &[Backend::Postgres],
    };
    let allow = match AllowList::load(&allow_list) {
        Ok(allow) => allow,
        Err(e) => return fail(&e.to_string()),
    };
    if !snapshots.is_dir() {
        return fail(&format!(
            "the snapshot folder {} does not exist; run from the workspace root, give --snapshots DIR, or create them with `make snapshots`",
            snapshots.display()
        ));
    }
    let suite = Suite::<M>::new()
        .backends(backends)
        .allow_list(allow)
        .snapshots_in(snapshots);
    let outcome = match suite.run().await {
        Ok(outcome) => outcome,
        Err(e) => return fail(&e.to_string()),
    };
    let report = outcome.report;
    println!("{report}");
    let missing_required: Vec<&(Backend, String)> = report
        .missing
        .iter()
        .filter(|(b, _)| *b == Backend::Sqlite || postgres_required())
        .collect();
    for (backend, why) in &missing_required {
        let _ = writeln!(
            std::io::stderr(),
            "error: required backend {backend} is missing: {why}"
        );
    }
    if report.passed() && missing_required.is_empty() {
        println!("verify: all checks passed");
        ExitCode::SUCCESS
    } else {
        println!("verify: FAILED");
        ExitCode::FAILURE
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::FAILURE
}
