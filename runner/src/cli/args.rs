//! Command-line arguments: the sea-orm-migration CLI's subcommands, plus `status --check`,
//! the lock timeout and the checksum override.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Apply, roll back and inspect the application's schema migrations.
///
/// Without a database URL the migrations run on an embedded SQLite file
/// (`data/app.sqlite` under the current directory, created if missing).
#[derive(Debug, Parser)]
#[command(name = "migration", version)]
pub struct Args {
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    #[arg(short = 'u', long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// PostgreSQL schema to migrate (ignored on SQLite).
    #[arg(
        short = 's',
        long,
        env = "DATABASE_SCHEMA",
        global = true,
        default_value = "public"
    )]
    pub database_schema: String,

    /// SQLite file used when no database URL is given.
    #[arg(
        long,
        env = "MIGRATION_SQLITE_PATH",
        global = true,
        default_value = "data/app.sqlite"
    )]
    pub default_sqlite_path: PathBuf,

    /// Seconds to wait for the database server to accept a connection.
    #[arg(long, global = true, default_value = "5", value_parser = parse_seconds)]
    pub connect_timeout: Duration,

    /// Seconds to wait for another migrator's lock on the database before giving up.
    #[arg(long, global = true, default_value = "30", value_parser = parse_seconds)]
    pub lock_timeout: Duration,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum Command {
    /// Apply pending migrations (all of them, or the next N).
    Up {
        /// Number of pending migrations to apply.
        #[arg(short, long)]
        num: Option<u32>,
        /// Apply pending migrations even though applied ones changed since they were
        /// applied (their recorded checksums stay as they were).
        #[arg(long)]
        allow_checksum_mismatch: bool,
    },
    /// Roll back applied migrations, newest first (1 by default).
    Down {
        /// Number of applied migrations to roll back.
        #[arg(short, long, default_value = "1")]
        num: u32,
    },
    /// Show which migrations are applied and which are pending.
    Status {
        /// Exit with status 1 when any migration is pending, unknown or changed since it
        /// was applied (for CI).
        #[arg(long)]
        check: bool,
    },
    /// Drop every table of the database, then apply all migrations.
    Fresh,
    /// Roll back all applied migrations, then apply all migrations.
    Refresh,
    /// Roll back all applied migrations.
    Reset,
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| format!("'{value}' is not a whole number of seconds"))
}
