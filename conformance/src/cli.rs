//! `verify`: every check on every available backend, as a table, with an exit code for CI.
//! `report --base <ref>`: the schema review of the changes since a commit, as Markdown
//! ([`crate::review`]), for a pull request's summary and comment.
//! `drift -u URL` and `baseline --to VERSION -u URL`: a live database against what its
//! migrations make ([`crate::ops`]).
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

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use sea_orm_migration::MigratorTrait;

use crate::backends::Backend;
use crate::checks::{AllowList, Check};
use crate::error::HarnessError;
use crate::ops::{BaselineOptions, BaselineOutcome, DriftOptions};
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
        #[arg(long, default_value = "all", value_parser = parse_backends())]
        backend: Backends,
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
        #[arg(long, default_value = "all", value_parser = parse_backends())]
        backend: Backends,
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
    /// Compare a live database with what its applied migrations make: reads which
    /// versions its migrations table records, applies exactly those to a throwaway
    /// database of the same backend, and prints every difference.
    ///
    /// Writes nothing to the database (PostgreSQL: one READ ONLY transaction; SQLite:
    /// opened mode=ro). Exit 0: the same; 1: drift; 2: nothing compared (a usage error,
    /// a version this migrator does not know, an unreachable database).
    Drift {
        #[command(flatten)]
        live: LiveArgs,
    },
    /// Adopt a database made without migrations: when its schema is what the migrations
    /// up to VERSION make, record them as applied (with their checksums), under the
    /// runner's lock.
    ///
    /// Exit 0: recorded; 1: refused, the schema differs (nothing recorded); 2: nothing
    /// done (an unknown or ambiguous VERSION, a usage error, an unreachable database).
    Baseline {
        /// The last migration to record: its name or the start of exactly one name.
        #[arg(long, value_name = "VERSION")]
        to: String,
        /// Record the versions even though the schema differs (says so loudly).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        live: LiveArgs,
    },
}

/// The live database `drift` and `baseline` operate on.
#[derive(Debug, clap::Args)]
struct LiveArgs {
    /// The database: sqlite://PATH or postgres://USER@HOST:PORT/DB (a password after the
    /// user is never shown).
    #[arg(
        short = 'u',
        long = "database-url",
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    url: String,
    /// PostgreSQL: the schema the migrations ran in [default: public].
    #[arg(
        short = 's',
        long = "database-schema",
        env = "DATABASE_SCHEMA",
        hide_env_values = true,
        value_name = "SCHEMA"
    )]
    schema: Option<String>,
    /// The allow-list whose `drift KIND NAME  # REASON` lines accept known differences,
    /// relative to the current folder [default: the project's].
    #[arg(long)]
    allow_list: Option<PathBuf>,
}

/// The backends `--backend` names: `all` (`None`: SQLite, PostgreSQL, and MySQL when
/// the environment names one), or one by its name ([`Backend::name`]).
#[derive(Debug, Clone)]
struct Backends(Option<Vec<Backend>>);

fn parse_backends() -> impl TypedValueParser<Value = Backends> {
    let names = std::iter::once("all").chain(Backend::EVERY.iter().map(|b| b.name()));
    PossibleValuesParser::new(names).map(|name| {
        Backends((name != "all").then(|| {
            Backend::EVERY
                .into_iter()
                .filter(|b| b.name() == name)
                .collect()
        }))
    })
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
    main_with_sources(suite, migration_runner::Sources::none()).await
}

/// Like [`main_with`], with the migrations' source files (the runner's
/// `migration_sources!`), which `baseline` records in their checksums.
pub async fn main_with_sources<M: MigratorTrait>(
    suite: Suite<M>,
    sources: migration_runner::Sources,
) -> ExitCode {
    // Boxed: keeps the futures of callers shallow (no `recursion_limit` needed).
    Box::pin(async move {
        // Every password a URL argument holds is masked in all output from now on, clap's
        // messages included.
        for arg in std::env::args_os().chain(std::env::var_os("DATABASE_URL")) {
            secret_redact::register_secrets_of(&arg.to_string_lossy());
        }
        let args = match Args::try_parse() {
            Ok(args) => args,
            Err(e) => {
                let text = secret_redact::redact(&e.render().to_string());
                if e.use_stderr() {
                    let _ = write!(std::io::stderr(), "{text}");
                    return ExitCode::from(2);
                }
                print!("{text}");
                return ExitCode::SUCCESS;
            }
        };
        match args.command {
            Command::Drift { live } => drift::<M>(suite, live).await,
            Command::Baseline { to, force, live } => {
                baseline::<M>(suite, live, &to, force, sources).await
            }
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
    })
    .await
}

/// Applies the options `verify` and `report` share.
fn configure<M: MigratorTrait>(
    suite: Suite<M>,
    backend: Backends,
    snapshots: Option<PathBuf>,
    allow_list: Option<PathBuf>,
    skip: Vec<Check>,
) -> Suite<M> {
    let mut suite = match backend.0 {
        Some(backends) => suite.backends(&backends),
        // Every backend: MySQL too when the environment names one.
        None => {
            let mut all = Backend::ALL.to_vec();
            if crate::backends::mysql_walked() {
                all.push(Backend::MySql);
            }
            suite.backends(&all)
        }
    };
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
    if let Some(path) = &crate::settings::environment().step_summary {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| writeln!(file, "{report}"));
        if let Err(e) = appended {
            return fail(&format!(
                "cannot append the report to GITHUB_STEP_SUMMARY ({}): {e}",
                path.display()
            ));
        }
    }
    ExitCode::SUCCESS
}

async fn verify<M: MigratorTrait>(suite: Suite<M>, locks_json: Option<PathBuf>) -> ExitCode {
    let (postgres, mysql) = (
        suite.config().postgres.required,
        suite.config().mysql.required,
    );
    let required = |backend: Backend| match backend {
        Backend::Postgres => postgres,
        Backend::MySql => mysql,
        _ => true,
    };
    let rows = suite.config().populate.rows_per_table();
    let bar = crate::progress_bar::ProgressBar::on_terminal(suite.config().ci);
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
        .filter(|(b, _)| required(*b))
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

/// `drift`: 0 the same, 1 drift, 2 nothing compared.
async fn drift<M: MigratorTrait>(suite: Suite<M>, live: LiveArgs) -> ExitCode {
    let mut options = DriftOptions {
        schema: live.schema.clone(),
        ..DriftOptions::default()
    };
    let outcome = async {
        options.allow_list = allow_list(&suite, live.allow_list.as_deref())?;
        crate::ops::drift::<M>(&live.url, &options).await
    }
    .await;
    match outcome {
        Ok(report) => {
            print!("{}", secret_redact::redact(&report.to_string()));
            ExitCode::from(u8::from(report.has_drift()))
        }
        Err(e) => usage_failure(&e),
    }
}

/// `baseline`: 0 recorded, 1 refused, 2 nothing done.
async fn baseline<M: MigratorTrait>(
    suite: Suite<M>,
    live: LiveArgs,
    to: &str,
    force: bool,
    sources: migration_runner::Sources,
) -> ExitCode {
    let mut options = BaselineOptions {
        schema: live.schema.clone(),
        ..BaselineOptions::default()
    }
    .force(force)
    .sources(sources);
    let outcome = async {
        options.allow_list = allow_list(&suite, live.allow_list.as_deref())?;
        crate::ops::baseline::<M>(&live.url, to, &options).await
    }
    .await;
    match outcome {
        Ok(report) => {
            print!("{}", secret_redact::redact(&report.to_string()));
            match report.outcome {
                BaselineOutcome::Refused => ExitCode::FAILURE,
                BaselineOutcome::Forced => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "WARNING: baseline --force recorded versions over a schema that differs"
                    );
                    ExitCode::SUCCESS
                }
                _ => ExitCode::SUCCESS,
            }
        }
        Err(e) => usage_failure(&e),
    }
}

/// The allow-list given on the command line (which must exist), else the project's.
fn allow_list<M: MigratorTrait>(
    suite: &Suite<M>,
    given: Option<&std::path::Path>,
) -> Result<AllowList, HarnessError> {
    match given {
        Some(path) => {
            let path = std::env::current_dir().unwrap_or_default().join(path);
            if !path.is_file() {
                return Err(HarnessError::MissingAllowList { path });
            }
            Ok(AllowList::load(&path)?)
        }
        None => suite.config().load_allow_list(),
    }
}

/// An error that kept `drift` or `baseline` from comparing: exit 2.
fn usage_failure(error: &HarnessError) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "error: {}",
        secret_redact::redact(&error.to_string())
    );
    ExitCode::from(2)
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::FAILURE
}
