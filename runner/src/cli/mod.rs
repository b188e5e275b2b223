//! The command line over the engine: arguments ([`Args`]) and all printing.
//!
//! It mirrors sea-orm-migration's CLI (up, down, status, fresh, refresh, reset) plus
//! `status --check` and `accept-checksum`, defaults to an embedded SQLite file, checks
//! its input before touching the database, reports what it did, and turns every failure
//! into one `error:` line. Every line it prints goes through [`redact`]. Exit codes: 0
//! success, 1 any error, 2 usage error.
//!
//! A project's whole binary:
//!
//! ```no_run
//! # use sea_orm_migration::prelude::*;
//! # struct Migrator;
//! # impl MigratorTrait for Migrator { fn migrations() -> Vec<Box<dyn MigrationTrait>> { vec![] } }
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     migration_runner::cli::main::<Migrator>(migration_runner::Sources::none()).await
//! }
//! ```

mod args;
mod dry_run;
mod fanout;
pub mod generate;
mod hints;
mod output;
mod progress;

pub use args::{Args, Command, FanOutArgs};
pub use clap::Parser;
pub use generate::GenerateError;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use sea_orm_migration::MigratorTrait;

use crate::backend::Backend;
use crate::checksum::Sources;
use crate::engine::Operation;
use crate::error::Error;
use crate::event::{Event, Observer};
use crate::options::Options;
use crate::pg_schema::PgSchema;
use crate::target::{Access, Target};
use output::{print_event, print_report, print_status, verdict};
use secret_redact::redact;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code of any error (one `error:` line on stderr).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error (unknown subcommand, option or value).
pub const EXIT_USAGE: u8 = 2;

/// The schema `-s` / `DATABASE_SCHEMA` names when not given: PostgreSQL's `public`.
const DEFAULT_SCHEMA: &str = "public";

/// What the CLI fails with: the engine's errors, and `status --check`'s verdict.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The engine failed.
    #[error(transparent)]
    Runner(#[from] Error),
    /// `status --check` found problems (named in the message).
    #[error("{0}")]
    CheckFailed(String),
    /// `generate` wrote nothing.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// Many targets: refused before any target was started.
    #[error(transparent)]
    FanOut(#[from] crate::fanout::FanOutError),
    /// Many targets: some failed or were not started (named in the message).
    #[error("{0}")]
    TargetsFailed(String),
    /// `-s` / `DATABASE_SCHEMA` names a schema, and the target's backend has none to
    /// choose: refused rather than ignored, before anything is opened.
    #[error(
        "-s {schema}: {}",
        match backend {
            Backend::MySql => "on MySQL and MariaDB a schema is a database: name it in the URL (mysql://host/DATABASE) and leave out -s / DATABASE_SCHEMA",
            _ => "SQLite has no schemas (the file is the database): leave out -s / DATABASE_SCHEMA",
        }
    )]
    SchemaNotApplicable {
        /// The target's backend.
        backend: Backend,
        /// The schema given, control characters shown as `\u{..}`.
        schema: String,
    },
}

impl CliError {
    /// Whether this is a usage error (exit 2): the command line asked for something the
    /// target cannot do, and nothing was done.
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Runner(error)
            | CliError::FanOut(crate::fanout::FanOutError::Runner(error))
                if error.is_usage() =>
            {
                EXIT_USAGE
            }
            CliError::FanOut(error) if error.is_usage() => EXIT_USAGE,
            CliError::SchemaNotApplicable { .. } => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }
}

/// The whole binary: parses the process's arguments, runs, prints to stdout and stderr.
pub async fn main<M: MigratorTrait>(sources: Sources) -> ExitCode {
    let code = run_from::<M, _, _>(
        std::env::args_os(),
        sources,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .await;
    ExitCode::from(code)
}

/// Parses `argv` (program name first), runs, and prints progress to `stdout` and the
/// error, usage or help text to `stderr` (help to `stdout`); returns the exit code.
pub async fn run_from<M, I, T>(
    argv: I,
    sources: Sources,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8
where
    M: MigratorTrait,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    // Before anything can print: every password a driver could read in the arguments or
    // in DATABASE_URL is masked in all output, whatever shape it is written in.
    let argv: Vec<T> = argv.into_iter().collect();
    for arg in &argv {
        let arg: OsString = arg.clone().into();
        secret_redact::register_secrets_of(&arg.to_string_lossy());
    }
    if let Some(url) = std::env::var_os("DATABASE_URL") {
        secret_redact::register_secrets_of(&url.to_string_lossy());
    }
    let args = match Args::try_parse_from(argv) {
        Ok(args) => args,
        Err(error) => {
            let code = error.exit_code();
            // Clap echoes what it refuses: that may be a URL with a password.
            let text = redact(&error.render().to_string());
            let _ = if code == 0 {
                write!(stdout, "{text}")
            } else {
                write!(stderr, "{text}")
            };
            return u8::try_from(code).unwrap_or(EXIT_USAGE);
        }
    };
    // Boxed: the command futures are deep, and an application's `main` awaiting this one
    // would otherwise need a `recursion_limit` to compute its layout.
    let Err(error) = Box::pin(run::<M>(args, sources, stdout)).await else {
        return EXIT_OK;
    };
    let code = error.exit_code();
    let line = match &error {
        // The engine's fact, then the CLI's advice.
        CliError::Runner(error) | CliError::FanOut(crate::fanout::FanOutError::Runner(error)) => {
            hints::error_line(error)
        }
        other => other.to_string(),
    };
    // Ignore a closed stderr: the exit code still tells.
    let _ = writeln!(stderr, "error: {}", redact(&line.replace('\n', " ")));
    code
}

/// Runs the command in `args`, printing progress to `out`.
pub async fn run<M: MigratorTrait>(
    args: Args,
    sources: Sources,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let command = args.command.clone().unwrap_or(Command::Up {
        num: None,
        to: None,
        allow_checksum_mismatch: false,
        dry_run: false,
        json: false,
        fan_out: FanOutArgs::default(),
    });
    if let Command::Generate {
        name,
        local_time,
        migration_dir,
        ..
    } = &command
    {
        return generate_command(name, *local_time, migration_dir.as_deref(), out);
    }
    let operation = operation(&command);
    // Before anything is opened or created.
    if let Some(operation) = &operation {
        operation.validate()?;
    }
    if let Command::Up { fan_out, json, .. } | Command::Status { fan_out, json, .. } = &command
        && fan_out.is_many()
    {
        return Box::pin(fanout::run::<M>(
            &args, fan_out, operation, *json, sources, out,
        ))
        .await;
    }
    let dry_run = matches!(
        command,
        Command::Up { dry_run: true, .. } | Command::Down { dry_run: true, .. }
    );
    if dry_run {
        return Box::pin(dry_run::run::<M>(&args, operation, sources, out)).await;
    }
    let access = if operation.is_some() {
        Access::ReadWrite
    } else {
        Access::ReadOnly
    };
    check_schema(&args, None)?;
    let target = Target::resolve(
        args.database_url.as_deref(),
        &args.default_sqlite_path,
        access,
    )?;
    check_schema(&args, Some(&target))?;
    let json = matches!(command, Command::Status { json: true, .. });
    if !json {
        say(out, &format!("database: {}", target.describe()));
    }
    let db = target.connect(access, args.connect_timeout).await?;
    let options = options_for(&args, &target, sources);
    let result = match (operation, command) {
        (Some(operation), _) => Box::pin(changing::<M>(&db, operation, options, out)).await,
        (None, Command::Status { check, json, .. }) => {
            let status = Box::pin(crate::status::<M>(&db, &options)).await?;
            if json {
                say(out, &status.to_json());
            } else {
                print_status(&status, out);
            }
            verdict(&status, check)
        }
        (None, _) => Ok(()),
    };
    // Closing is best effort: the outcome of the command is what matters.
    let _ = db.close().await;
    result
}

/// Refused before anything is created or opened: on PostgreSQL the schema is one
/// identifier (never SQL); SQLite and MySQL have no schema to choose, so one other than
/// the default is an error rather than silently ignored. Called before the target is
/// resolved (which may create the default file's folder), and again after it.
fn check_schema(args: &Args, target: Option<&Target>) -> Result<(), CliError> {
    let url = args
        .database_url
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let backend = match target {
        Some(target) => target.backend(),
        None if url.is_empty() || url.starts_with("sqlite:") => Backend::Sqlite,
        None if url.starts_with("mysql:") || url.starts_with("mariadb:") => Backend::MySql,
        // PostgreSQL, or a URL the target's resolution refuses with its own error.
        None => return Ok(()),
    };
    match backend {
        Backend::Postgres => {
            PgSchema::parse(&args.database_schema)?;
        }
        _ if args.database_schema != DEFAULT_SCHEMA => {
            return Err(CliError::SchemaNotApplicable {
                backend,
                schema: crate::event::printable(&args.database_schema),
            });
        }
        _ => {}
    }
    Ok(())
}

/// The engine's options for `args` on `target`.
fn options_for(args: &Args, target: &Target, sources: Sources) -> Options {
    let mut options = Options::default()
        .lock_timeout(args.lock_timeout)
        .ddl_lock_timeout(args.ddl_lock_timeout)
        .ddl_retries(args.ddl_retries)
        .drop_invalid_indexes(args.drop_invalid_indexes)
        .statement_timeout((!args.statement_timeout.is_zero()).then_some(args.statement_timeout))
        .connect_timeout(args.connect_timeout)
        .sources(sources)
        .report_statements(args.verbose);
    if let Target::Postgres { .. } = target {
        options = options.schema(args.database_schema.clone());
    }
    if let Some(Command::Up {
        allow_checksum_mismatch,
        ..
    }) = args.command
    {
        options = options.allow_checksum_mismatch(allow_checksum_mismatch);
    }
    options
}

/// `generate`: writes the file, registers it, and says what to do next.
fn generate_command(
    name: &str,
    local_time: bool,
    migration_dir: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let format = "%Y%m%d_%H%M%S";
    let stamp = if local_time {
        chrono::Local::now().format(format).to_string()
    } else {
        chrono::Utc::now().format(format).to_string()
    };
    let cwd = std::env::current_dir().map_err(|source| GenerateError::Io {
        action: "cannot read the current folder",
        path: ".".into(),
        source,
    })?;
    let generated = generate::generate(name, &stamp, migration_dir, &cwd)?;
    let shown = |path: &std::path::Path| {
        path.strip_prefix(&cwd)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    say(out, &format!("created {}", shown(&generated.file)));
    say(
        out,
        &format!(
            "registered {} in {}",
            generated.module,
            generated
                .registered_in
                .iter()
                .map(|p| shown(p))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    );
    match &generated.formatted {
        Ok(()) => say(out, "formatted with rustfmt"),
        Err(why) => say(out, &format!("not formatted: {why}")),
    }
    say(out, "next:");
    say(
        out,
        &format!(
            "  1. write its up and down in {} (down undoes exactly what up does); until then both fail with \"not written yet\"",
            shown(&generated.file)
        ),
    );
    say(
        out,
        "  2. run `make snapshots` (or `CONFORMANCE_SNAPSHOTS=accept cargo test`) to check it on SQLite and PostgreSQL and record the schema it makes",
    );
    say(
        out,
        "  3. review the diff (`git diff`, the snapshots included) before committing",
    );
    Ok(())
}

/// The engine's operation for `command`; `None` for `status`.
fn operation(command: &Command) -> Option<Operation> {
    match command {
        Command::Up {
            to: Some(version), ..
        } => Some(Operation::UpTo {
            version: version.clone(),
        }),
        Command::Down {
            to: Some(version), ..
        } => Some(Operation::DownTo {
            version: version.clone(),
        }),
        Command::Up { num, .. } => Some(Operation::Up { limit: *num }),
        Command::Down { num, .. } => Some(Operation::Down { count: *num }),
        Command::Status { .. } => None,
        Command::Fresh => Some(Operation::Fresh),
        Command::Refresh => Some(Operation::Refresh),
        Command::Reset => Some(Operation::Reset),
        Command::AcceptChecksum { version } => Some(Operation::AcceptChecksum {
            version: version.clone(),
        }),
        Command::ResolveDirty {
            version, applied, ..
        } => Some(Operation::ResolveDirty {
            version: version.clone(),
            applied: *applied,
        }),
        Command::Generate { .. } => None,
    }
}

/// Runs a changing operation, printing its events as they come.
async fn changing<M: MigratorTrait>(
    db: &sea_orm_migration::sea_orm::DatabaseConnection,
    operation: Operation,
    options: Options,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let options = options.observer(Observer::new(move |event| {
        // The receiver lives as long as the run; a send can only fail after it.
        let _ = sender.send(event.clone());
    }));
    let known = M::migrations().len();
    let kind = operation.clone();
    let work = crate::run::<M>(db, operation, &options);
    tokio::pin!(work);
    let bar = progress::Bar::on_terminal();
    let show = |event: &Event, out: &mut dyn Write| match &bar {
        Some(bar) => bar.show(event, || print_event(event, out)),
        None => print_event(event, out),
    };
    let result = loop {
        tokio::select! {
            biased;
            Some(event) = events.recv() => show(&event, out),
            result = &mut work => break result,
        }
    };
    while let Ok(event) = events.try_recv() {
        show(&event, out);
    }
    if let Some(bar) = bar {
        bar.finish();
    }
    let report = result?;
    print_report(&kind, &report, known, out);
    Ok(())
}

/// `println!` that ignores a closed stdout (`migration | head`): the run must finish
/// what it started rather than panic between two migrations. Redacted, like every line.
fn say(out: &mut dyn Write, line: &str) {
    let _ = writeln!(out, "{}", redact(line));
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
