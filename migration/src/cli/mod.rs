//! The `migration` binary's logic, generic over any [`MigratorTrait`].
//!
//! It mirrors sea-orm-migration's CLI (up, down, status, fresh, refresh, reset) but
//! defaults to an embedded SQLite file, checks its input before touching the database,
//! reports what it did, and turns every failure into a one-line error.

mod args;
mod database;
mod error;

pub use args::{Args, Command};
pub use database::Target;
pub use error::CliError;

use std::collections::HashSet;
use std::time::Instant;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};

/// Runs the command in `args` against the database they name, printing progress.
pub async fn run<M: MigratorTrait>(args: Args) -> Result<(), CliError> {
    let target = Target::resolve(args.database_url.as_deref(), &args.default_sqlite_path)?;
    println!("database: {}", target.describe());
    let db = target
        .connect(&args.database_schema, args.connect_timeout)
        .await?;
    let result = execute::<M>(&db, args.command.unwrap_or(Command::Up { num: None })).await;
    // Closing is best effort: the outcome of the command is what matters.
    let _ = db.close().await;
    result
}

/// Runs one command on an open connection.
pub async fn execute<M: MigratorTrait>(
    db: &DatabaseConnection,
    command: Command,
) -> Result<(), CliError> {
    let state = State::read::<M>(db).await?;
    if command == (Command::Status { check: false }) || command == (Command::Status { check: true })
    {
        return status(&state, command == Command::Status { check: true });
    }
    state.refuse_unknown()?;
    match command {
        Command::Up { num } => up::<M>(db, &state, num).await,
        Command::Down { num } => down::<M>(db, &state, num).await,
        Command::Fresh => {
            M::fresh(db)
                .await
                .map_err(|source| failed("fresh", source))?;
            println!(
                "dropped every table, then applied all {} migrations",
                state.known.len()
            );
            Ok(())
        }
        Command::Refresh => {
            roll_back::<M>(db, &state.applied_known()).await?;
            let state = State::read::<M>(db).await?;
            up::<M>(db, &state, None).await
        }
        Command::Reset => {
            roll_back::<M>(db, &state.applied_known()).await?;
            M::uninstall(db)
                .await
                .map_err(|source| failed("dropping the migrations table", source))?;
            Ok(())
        }
        Command::Status { .. } => unreachable!("handled above"),
    }
}

/// What the database has applied, compared with what this binary knows.
struct State {
    known: Vec<String>,
    applied: Vec<String>,
}

impl State {
    async fn read<M: MigratorTrait>(db: &DatabaseConnection) -> Result<Self, CliError> {
        let known = M::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let applied = applied_versions::<M>(db)
            .await
            .map_err(|source| failed("reading the applied migrations", source))?;
        Ok(Self { known, applied })
    }

    fn pending(&self) -> Vec<&str> {
        let applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        self.known
            .iter()
            .map(String::as_str)
            .filter(|name| !applied.contains(name))
            .collect()
    }

    fn applied_known(&self) -> Vec<&str> {
        let applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        self.known
            .iter()
            .map(String::as_str)
            .filter(|name| applied.contains(name))
            .collect()
    }

    fn unknown(&self) -> Vec<String> {
        let known: HashSet<&str> = self.known.iter().map(String::as_str).collect();
        self.applied
            .iter()
            .filter(|name| !known.contains(name.as_str()))
            .cloned()
            .collect()
    }

    fn refuse_unknown(&self) -> Result<(), CliError> {
        let versions = self.unknown();
        if versions.is_empty() {
            Ok(())
        } else {
            Err(CliError::UnknownVersions { versions })
        }
    }
}

/// The versions recorded in the migrations table, without creating it when absent.
pub async fn applied_versions<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<Vec<String>, DbErr> {
    let table = M::migration_table_name();
    if !SchemaManager::new(db).has_table(table.to_string()).await? {
        return Ok(Vec::new());
    }
    let query = Query::select()
        .column(Alias::new("version"))
        .from(table)
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect()
}

async fn up<M: MigratorTrait>(
    db: &DatabaseConnection,
    state: &State,
    num: Option<u32>,
) -> Result<(), CliError> {
    if num == Some(0) {
        return Err(CliError::ZeroUpCount);
    }
    let pending = state.pending();
    if pending.is_empty() {
        println!(
            "nothing pending: all {} migrations are applied",
            state.known.len()
        );
        return Ok(());
    }
    let take = num.map_or(pending.len(), |n| (n as usize).min(pending.len()));
    for name in &pending[..take] {
        let started = Instant::now();
        // sea-orm applies the oldest pending migration, which is `name`.
        M::up(db, Some(1))
            .await
            .map_err(|source| failed(&format!("applying {name}"), source))?;
        println!("applied {name} ({} ms)", started.elapsed().as_millis());
    }
    println!(
        "{take} migration{} applied, {} pending",
        plural(take),
        pending.len() - take
    );
    Ok(())
}

async fn down<M: MigratorTrait>(
    db: &DatabaseConnection,
    state: &State,
    num: u32,
) -> Result<(), CliError> {
    let applied = state.applied_known();
    if num == 0 {
        return Err(CliError::BadDownCount {
            requested: num,
            reason: "rolls back nothing; give -n 1 or more".to_owned(),
        });
    }
    if num as usize > applied.len() {
        return Err(CliError::BadDownCount {
            requested: num,
            reason: format!(
                "only {} migration{} applied; nothing was rolled back (use `reset` to roll back all)",
                applied.len(),
                if applied.len() == 1 { " is" } else { "s are" }
            ),
        });
    }
    let newest_first: Vec<&str> = applied.iter().rev().take(num as usize).copied().collect();
    roll_back_each::<M>(db, &newest_first).await
}

/// Rolls back all of `applied` (oldest first in the slice), newest first.
async fn roll_back<M: MigratorTrait>(
    db: &DatabaseConnection,
    applied: &[&str],
) -> Result<(), CliError> {
    let newest_first: Vec<&str> = applied.iter().rev().copied().collect();
    roll_back_each::<M>(db, &newest_first).await
}

async fn roll_back_each<M: MigratorTrait>(
    db: &DatabaseConnection,
    newest_first: &[&str],
) -> Result<(), CliError> {
    if newest_first.is_empty() {
        println!("nothing to roll back: no migration is applied");
        return Ok(());
    }
    for name in newest_first {
        let started = Instant::now();
        M::down(db, Some(1))
            .await
            .map_err(|source| failed(&format!("rolling back {name}"), source))?;
        println!("rolled back {name} ({} ms)", started.elapsed().as_millis());
    }
    println!(
        "{} migration{} rolled back",
        newest_first.len(),
        plural(newest_first.len())
    );
    Ok(())
}

fn status(state: &State, check: bool) -> Result<(), CliError> {
    let pending = state.pending();
    let applied: HashSet<&str> = state.applied.iter().map(String::as_str).collect();
    for name in &state.known {
        let mark = if applied.contains(name.as_str()) {
            "applied"
        } else {
            "pending"
        };
        println!("{mark:<8} {name}");
    }
    let unknown = state.unknown();
    for name in &unknown {
        println!("{:<8} {name} (not in this binary)", "unknown");
    }
    println!(
        "{} applied, {} pending, {} unknown",
        state.known.len() - pending.len(),
        pending.len(),
        unknown.len()
    );
    if !unknown.is_empty() {
        return Err(CliError::UnknownVersions { versions: unknown });
    }
    if check && !pending.is_empty() {
        return Err(CliError::CheckFailed(format!(
            "status --check: {} migration{} pending: {}; run `up`",
            pending.len(),
            plural(pending.len()),
            pending.join(", ")
        )));
    }
    Ok(())
}

fn failed(action: &str, source: DbErr) -> CliError {
    CliError::Migration {
        action: action.to_owned(),
        source,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
