//! `verify`: every check on every available backend, as a table, with an exit code for CI.
//! `report --base <ref>`: the schema review of the changes since a commit, as Markdown
//! ([`crate::review`]), for a pull request's summary and comment.
//! Generic over the migrator, so any project can ship a three-line binary around it:
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

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sea_orm_migration::MigratorTrait;

use crate::backends::Backend;
use crate::checks::Check;
use crate::snapshots::SnapshotMode;
use crate::suite::Suite;

/// Prove that a SeaORM migrator's migrations reverse exactly, agree across SQLite and
/// PostgreSQL, and match the reviewed DDL snapshots.
#[derive(Debug, Parser)]
#[command(name = "conformance", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every check on every available backend; exit 1 on any failure.
    ///
    /// PostgreSQL comes from CONFORMANCE_PG_URL, Docker (CONFORMANCE_PG_IMAGE) or local
    /// binaries; without one, verify fails unless CONFORMANCE_REQUIRE_POSTGRES=0.
    Verify {
        /// Backends to run on.
        #[arg(long, value_enum, default_value = "all")]
        backend: BackendArg,
        /// The reviewed snapshots (`<dir>/<backend>/*.snap`, `<dir>/schema.md`),
        /// relative to the current folder [default: the project's, else `snapshots`].
        #[arg(long)]
        snapshots: Option<PathBuf>,
        /// The parity allow-list file, relative to the current folder (a missing file is
        /// an error); none by default.
        #[arg(long)]
        allow_list: Option<PathBuf>,
        /// Write every missing or changed snapshot instead of failing on it, then review
        /// the diff (the first run of a new project creates its snapshots this way).
        #[arg(long)]
        accept: bool,
        /// Turn a check off (repeatable): step-reversibility, round-trip, clean-base,
        /// parity, lint, snapshots.
        #[arg(long, value_parser = parse_check)]
        skip: Vec<Check>,
        /// Synthetic rows per table before each migration [default: 3]; a rehearsal on
        /// bigger tables (`--rows 100000`) makes the measured locks' times meaningful.
        #[arg(long)]
        rows: Option<usize>,
        /// Also write the locks each migration took on PostgreSQL, with its rewrites and
        /// times, as JSON to this file (relative to the current folder).
        #[arg(long, value_name = "PATH")]
        locks_json: Option<PathBuf>,
    },
    /// Write the schema review of the changes since a base commit as Markdown: new and
    /// edited migrations, the schema change per backend with destructive and risky
    /// changes flagged, the verify table and its findings, a diagram of the touched
    /// tables, and the SQL of each new migration.
    ///
    /// Printed on stdout, and appended to $GITHUB_STEP_SUMMARY when it is set. Exits 0
    /// once the report is written, whatever it says (`verify` is the gate).
    Report {
        /// The commit to compare with (a branch, tag or hash, e.g. `origin/main`); its
        /// committed snapshots are read with git.
        #[arg(long)]
        base: String,
        /// Backends to run on.
        #[arg(long, value_enum, default_value = "all")]
        backend: BackendArg,
        /// The reviewed snapshots, relative to the current folder [default: the
        /// project's, else `snapshots`].
        #[arg(long)]
        snapshots: Option<PathBuf>,
        /// The parity allow-list file, relative to the current folder.
        #[arg(long)]
        allow_list: Option<PathBuf>,
        /// Turn a check off (repeatable).
        #[arg(long, value_parser = parse_check)]
        skip: Vec<Check>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BackendArg {
    All,
    Sqlite,
    Postgres,
}

fn parse_check(name: &str) -> Result<Check, String> {
    Check::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = Check::ALL.iter().map(|c| c.name()).collect();
            format!(
                "no check is named '{name}'; the checks are {}",
                names.join(", ")
            )
        })
}

/// Parses the process's arguments and runs the command for `M`, with the defaults of
/// [`Suite::new`]; prints the outcome and returns the exit code.
pub async fn main<M: MigratorTrait>() -> ExitCode {
    main_with(Suite::<M>::new()).await
}

/// Like [`main`], starting from a suite a project configured (its allow-list, say);
/// command-line arguments override it.
pub async fn main_with<M: MigratorTrait>(suite: Suite<M>) -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match args.command {
        Command::Verify {
            backend,
            snapshots,
            allow_list,
            accept,
            skip,
            rows,
            locks_json,
        } => {
            let mut suite = configure(suite, backend, snapshots, allow_list, skip);
            if accept {
                suite = suite.snapshot_mode(SnapshotMode::Accept);
            }
            if let Some(rows) = rows {
                let populate = suite.config().populate.clone().rows(rows);
                suite = suite.populate(populate);
            }
            verify(suite, locks_json).await
        }
        Command::Report {
            base,
            backend,
            snapshots,
            allow_list,
            skip,
        } => {
            report(
                configure(suite, backend, snapshots, allow_list, skip),
                &base,
            )
            .await
        }
    }
}

/// Applies the options `verify` and `report` share.
fn configure<M: MigratorTrait>(
    suite: Suite<M>,
    backend: BackendArg,
    snapshots: Option<PathBuf>,
    allow_list: Option<PathBuf>,
    skip: Vec<Check>,
) -> Suite<M> {
    let mut suite = suite.backends(match backend {
        BackendArg::All => &Backend::ALL,
        BackendArg::Sqlite => &[Backend::Sqlite],
        BackendArg::Postgres => &[Backend::Postgres],
    });
    // Paths on the command line mean the current folder, as in any command.
    let cwd = std::env::current_dir().unwrap_or_default();
    if let Some(allow_list) = allow_list {
        suite = suite.allow_list(cwd.join(allow_list));
    }
    match snapshots {
        Some(dir) => suite = suite.snapshots(cwd.join(dir)),
        None if suite.config().snapshots.is_none() => {
            suite = suite.snapshots(cwd.join("snapshots"))
        }
        None => {}
    }
    for check in skip {
        suite = suite.skip(check);
    }
    suite
}

/// `report`: the review on stdout and, in a GitHub Actions job, in its summary.
async fn report<M: MigratorTrait>(suite: Suite<M>, base: &str) -> ExitCode {
    let report = match crate::review::run(suite, base).await {
        Ok(report) => report.to_string(),
        Err(e) => return fail(&e.to_string()),
    };
    print!("{report}");
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{report}"));
        if let Err(e) = appended {
            return fail(&format!(
                "cannot append the report to GITHUB_STEP_SUMMARY ({}): {e}",
                std::path::Path::new(&path).display()
            ));
        }
    }
    ExitCode::SUCCESS
}

async fn verify<M: MigratorTrait>(suite: Suite<M>, locks_json: Option<PathBuf>) -> ExitCode {
    let required = suite.config().postgres.required;
    let rows = suite.config().populate.rows_per_table();
    let bar = crate::progress_bar::ProgressBar::on_terminal();
    let suite = match &bar {
        Some(bar) => suite.progress(bar.observer()),
        None => suite,
    };
    let outcome = suite.run().await;
    if let Some(bar) = bar {
        bar.finish();
    }
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => return fail(&e.to_string()),
    };
    let report = outcome.report;
    println!("{report}");
    if let Some(path) = locks_json {
        let json = crate::checks::locks::locks_json(&report.locks, rows);
        if let Err(e) = std::fs::write(&path, json + "\n") {
            return fail(&format!("cannot write {}: {e}", path.display()));
        }
    }
    let missing_required: Vec<&(Backend, String)> = report
        .missing
        .iter()
        .filter(|(b, _)| *b == Backend::Sqlite || required)
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
