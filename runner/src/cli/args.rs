//! Command-line arguments: the sea-orm-migration CLI's subcommands, plus `status --check`,
//! the lock timeout and the checksum override.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::options::MAX_TIMEOUT;

/// Apply, roll back and inspect schema migrations.
///
/// Without a database URL the migrations run on an embedded SQLite file
/// (`data/app.sqlite` under the current directory, created if missing).
#[derive(Debug, Parser)]
#[command(name = "migration")]
pub struct Args {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST:PORT/DB` (a password as `USER:PASSWORD@`).
    #[arg(
        short = 'u',
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<String>,

    /// PostgreSQL schema to migrate: one identifier, `app` or `"My App"` (SQLite has none;
    /// on MySQL the database in the URL is the schema).
    #[arg(
        short = 's',
        long,
        env = "DATABASE_SCHEMA",
        hide_env_values = true,
        global = true,
        default_value = super::DEFAULT_SCHEMA
    )]
    pub database_schema: String,

    /// SQLite file used when no database URL is given.
    #[arg(
        long,
        env = "MIGRATION_SQLITE_PATH",
        hide_env_values = true,
        global = true,
        default_value = "data/app.sqlite"
    )]
    pub default_sqlite_path: PathBuf,

    /// Seconds to wait for the database server to accept a connection.
    #[arg(long, global = true, default_value = "5", value_parser = parse_seconds)]
    pub connect_timeout: Duration,

    /// Seconds to wait for another migrator's lock on the database before giving up
    /// (the runner's own lock; see --ddl-lock-timeout for table locks).
    #[arg(long, global = true, default_value = "30", value_parser = parse_seconds)]
    pub lock_timeout: Duration,

    /// PostgreSQL: seconds one statement of a migration may wait for a table lock before
    /// the migration is rolled back and retried (0: wait for ever).
    #[arg(
        long,
        env = "MIGRATION_DDL_LOCK_TIMEOUT",
        hide_env_values = true,
        global = true,
        default_value = "5",
        value_parser = parse_seconds
    )]
    pub ddl_lock_timeout: Duration,

    /// PostgreSQL: how many times a migration rolled back on its DDL lock timeout is
    /// tried again (after 0.5 s, 1 s, 2 s... with jitter).
    #[arg(
        long,
        env = "MIGRATION_DDL_RETRIES",
        hide_env_values = true,
        global = true,
        default_value = "5",
        value_parser = clap::value_parser!(u32).range(0..=100)
    )]
    pub ddl_retries: u32,

    /// PostgreSQL: seconds any statement of a migration may run (0: no limit).
    #[arg(
        long,
        env = "MIGRATION_STATEMENT_TIMEOUT",
        hide_env_values = true,
        global = true,
        default_value = "0",
        value_parser = parse_seconds
    )]
    pub statement_timeout: Duration,

    /// PostgreSQL: before a migration that runs outside a transaction, drop the INVALID
    /// indexes a failed concurrent index build left in the schema (else: refuse).
    #[arg(long, global = true)]
    pub drop_invalid_indexes: bool,

    /// Print each statement as it runs, with its duration.
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,

    /// What to do (default: `up`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Apply pending migrations (all of them, or the next N).
    Up {
        /// Number of pending migrations to apply.
        #[arg(short, long, conflicts_with = "to")]
        num: Option<u32>,
        /// Apply the pending migrations up to this one, included (its name, or the start
        /// of exactly one name such as m20250101_000013).
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Apply pending migrations even though applied ones changed since they were
        /// applied (their recorded checksums stay as they were).
        #[arg(long)]
        allow_checksum_mismatch: bool,
        /// Print the SQL each pending migration would run, and change nothing.
        #[arg(long, conflicts_with = "many")]
        dry_run: bool,
        /// With --schemas or --targets-file: print the summary as one JSON object.
        #[arg(long, requires = "many")]
        json: bool,
        /// Many targets at once.
        #[command(flatten)]
        fan_out: FanOutArgs,
    },
    /// Roll back applied migrations, newest first (1 by default).
    Down {
        /// Number of applied migrations to roll back.
        #[arg(short, long, default_value = "1", conflicts_with = "to")]
        num: u32,
        /// Roll back the migrations applied after this one, which stays applied (its
        /// name, or the start of exactly one name).
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        /// Print the SQL each migration would run to roll back, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show which migrations are applied, pending, changed or unknown (writes nothing).
    Status {
        /// Exit with status 1 when any migration is pending, unknown, changed since it
        /// was applied, or without a checksum (for CI).
        #[arg(long, conflicts_with = "many")]
        check: bool,
        /// Print the status as one JSON object on stdout (versions, states, recorded and
        /// current checksums, a summary), nothing else; with --schemas or --targets-file,
        /// the summary of every target.
        #[arg(long)]
        json: bool,
        /// Many targets at once.
        #[command(flatten)]
        fan_out: FanOutArgs,
    },
    /// Drop every table of the database, then apply all migrations.
    Fresh,
    /// Roll back all applied migrations, then apply all migrations.
    Refresh,
    /// Roll back all applied migrations and drop the bookkeeping tables.
    Reset,
    /// Accept an intended change to an applied migration: record its current checksum,
    /// keeping the old and the new one in `migration_checksum_history`.
    AcceptChecksum {
        /// The migration's name, e.g. m20250101_000005_api_tokens.
        version: String,
    },
    /// Clear the dirty state a migration left on MySQL / MariaDB when it failed half-way,
    /// after you repaired the database by hand: `--applied` if its changes are now all
    /// in place, `--rolled-back` if they are all undone.
    ResolveDirty {
        /// The dirty migration's name, as `status` shows it.
        version: String,
        /// Its changes are all in place now: record it as applied.
        #[arg(
            long,
            required_unless_present = "rolled_back",
            conflicts_with = "rolled_back"
        )]
        applied: bool,
        /// Its changes are all undone now: record it as not applied.
        #[arg(long)]
        rolled_back: bool,
    },
    /// Write a new migration file `mYYYYMMDD_HHMMSS_NAME.rs` and register it in the
    /// migrator's list (touches no database).
    Generate {
        /// The migration's name: lowercase snake_case, e.g. add_widget.
        name: String,
        /// Name the file by the current UTC time (the default).
        #[arg(long, conflicts_with = "local_time")]
        universal_time: bool,
        /// Name the file by the current local time.
        #[arg(long)]
        local_time: bool,
        /// The folder of the migration files. Default: `migration/src/migrations` or
        /// `migration/src` under the current folder, else `src/migrations` or `src`.
        #[arg(long)]
        migration_dir: Option<PathBuf>,
    },
}

/// Many targets at once (`up` and `status`): the schemas of the `-u` PostgreSQL
/// database matching a pattern, or the URLs of a file; at most `--jobs` at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
#[group(skip)]
pub struct FanOutArgs {
    /// Every schema of the -u PostgreSQL database whose name matches this SQL LIKE
    /// pattern (`%` any run of characters, `_` any one character, `\` escapes them), e.g.
    /// 'tenant\_%'; PostgreSQL's own schemas never match.
    #[arg(long, value_name = "PATTERN", group = "many")]
    pub schemas: Option<String>,
    /// Every target of this file: one URL a line (as -u takes it; -u itself is not
    /// used, -s applies to its PostgreSQL URLs), blank lines and # comment lines skipped.
    #[arg(long, value_name = "FILE", group = "many")]
    pub targets_file: Option<PathBuf>,
    /// How many targets at once (default 4).
    #[arg(long, value_name = "N", requires = "many", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
    /// Start no new target after K targets failed (those started finish).
    #[arg(long, value_name = "K", requires = "many", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_failures: Option<u32>,
}

impl FanOutArgs {
    /// Whether many targets were asked for.
    pub fn is_many(&self) -> bool {
        self.schemas.is_some() || self.targets_file.is_some()
    }
}

/// Whole seconds, at most [`MAX_TIMEOUT`]: a longer wait is surely a mistake.
fn parse_seconds(value: &str) -> Result<Duration, String> {
    let max = MAX_TIMEOUT.as_secs();
    match value.trim().parse::<u64>() {
        Ok(seconds) if seconds <= max => Ok(Duration::from_secs(seconds)),
        Ok(_) => Err(format!("at most {max} seconds (a day) is accepted")),
        Err(_) if !value.trim().is_empty() && value.trim().bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("at most {max} seconds (a day) is accepted"))
        }
        Err(_) => Err(format!("'{value}' is not a whole number of seconds")),
    }
}
