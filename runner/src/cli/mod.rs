//! The `migration` binary's logic, generic over any [`MigratorTrait`].
//!
//! It mirrors sea-orm-migration's CLI (up, down, status, fresh, refresh, reset) but
//! defaults to an embedded SQLite file, checks its input before touching the database,
//! reports what it did, and turns every failure into a one-line error. On top of that:
//! - every command that changes the database holds the migration lock ([`lock`]) for its
//!   whole run, so that concurrent migrators apply each migration exactly once;
//! - each migration, its version row and its checksum row commit in one transaction
//!   ([`apply`]);
//! - the checksums ([`checksum`]) reveal migrations edited after they were applied.

/// `println!` that ignores a closed stdout (`migration | head`): the run must finish
/// what it started rather than panic between two migrations.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use say;

mod apply;
mod args;
pub mod checksum;
mod database;
mod error;
pub mod lock;
mod state;

pub use args::{Args, Command};
pub use clap::Parser;
pub use database::Target;
pub use error::CliError;
pub use state::applied_versions;

use std::time::{Duration, Instant};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseConnection;

use apply::Step;
use checksum::{ChecksumReport, ChecksumTable, Expected};
use lock::MigrationLock;
use state::State;

/// Runs the command in `args` against the database they name, printing progress.
pub async fn run<M: MigratorTrait>(args: Args) -> Result<(), CliError> {
    let command = args.command.unwrap_or(Command::Up {
        num: None,
        allow_checksum_mismatch: false,
    });
    validate(&command)?;
    let target = Target::resolve(args.database_url.as_deref(), &args.default_sqlite_path)?;
    say!("database: {}", target.describe());
    let db = target
        .connect(&args.database_schema, args.connect_timeout)
        .await?;
    let session = Session {
        db: &db,
        target: &target,
        pg_schema: &args.database_schema,
        lock_timeout: args.lock_timeout,
    };
    let result = session.execute::<M>(command).await;
    // Closing is best effort: the outcome of the command is what matters.
    let _ = db.close().await;
    result
}

/// Refuses counts that can never be right, before touching the database.
fn validate(command: &Command) -> Result<(), CliError> {
    match command {
        Command::Up { num: Some(0), .. } => Err(CliError::ZeroUpCount),
        Command::Down { num: 0 } => Err(CliError::BadDownCount {
            requested: 0,
            reason: "rolls back nothing; give -n 1 or more".to_owned(),
        }),
        _ => Ok(()),
    }
}

/// An open connection to the target, and how to lock it.
pub struct Session<'a> {
    pub db: &'a DatabaseConnection,
    pub target: &'a Target,
    /// The PostgreSQL schema being migrated (it names the advisory lock).
    pub pg_schema: &'a str,
    pub lock_timeout: Duration,
}

impl Session<'_> {
    /// Runs one command. All but `status` hold the migration lock while they run.
    pub async fn execute<M: MigratorTrait>(&self, command: Command) -> Result<(), CliError> {
        validate(&command)?;
        if let Command::Status { check } = command {
            return self.status::<M>(check).await;
        }
        let lock =
            MigrationLock::acquire(self.target, self.db, self.pg_schema, self.lock_timeout).await?;
        let result = self.locked::<M>(&lock, command).await;
        let released = lock.release(self.db).await;
        result?;
        released.map_err(|source| failed("releasing the migration lock", source))
    }

    async fn locked<M: MigratorTrait>(
        &self,
        lock: &MigrationLock,
        command: Command,
    ) -> Result<(), CliError> {
        // Read only now, under the lock: whoever held it before may have applied some.
        let state = State::read::<M>(self.db).await?;
        state.refuse_unknown()?;
        let expected = self.expected_checksums::<M>().await;
        let runner = Runner::<M> {
            db: self.db,
            lock,
            expected: &expected,
            migrator: std::marker::PhantomData,
        };
        match command {
            Command::Up {
                num,
                allow_checksum_mismatch,
            } => {
                let recorded = ChecksumTable::read(self.db)
                    .await
                    .map_err(|source| failed("reading the recorded checksums", source))?;
                let report = ChecksumReport::compare(state.applied_known(), &expected, &recorded);
                refuse_mismatch(&report, allow_checksum_mismatch)?;
                runner.prepare().await?;
                runner.backfill(&report.unrecorded).await?;
                runner.up(&state, num).await
            }
            Command::Down { num } => {
                let applied = state.applied_known();
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
                runner.prepare().await?;
                let newest_first: Vec<&str> =
                    applied.iter().rev().take(num as usize).copied().collect();
                runner.roll_back(&newest_first).await
            }
            Command::Fresh => runner.fresh().await,
            Command::Refresh => {
                runner.prepare().await?;
                runner.roll_back_all(&state).await?;
                let state = State::read::<M>(self.db).await?;
                runner.up(&state, None).await
            }
            Command::Reset => {
                runner.prepare().await?;
                runner.roll_back_all(&state).await?;
                M::uninstall(self.db)
                    .await
                    .map_err(|source| failed("dropping the migrations table", source))?;
                ChecksumTable::drop(self.db)
                    .await
                    .map_err(|source| failed("dropping the checksum table", source))
            }
            // `execute` answers status without the lock; under it the answer is the same.
            Command::Status { check } => self.status::<M>(check).await,
        }
    }

    async fn expected_checksums<M: MigratorTrait>(&self) -> Expected {
        Expected::of::<M>(self.db.get_database_backend()).await
    }

    /// Prints every migration's state; fails for unknown versions, and with `check` for
    /// pending or changed (checksum mismatch) migrations too.
    async fn status<M: MigratorTrait>(&self, check: bool) -> Result<(), CliError> {
        let state = State::read::<M>(self.db).await?;
        let expected = self.expected_checksums::<M>().await;
        let recorded = ChecksumTable::read(self.db)
            .await
            .map_err(|source| failed("reading the recorded checksums", source))?;
        let report = ChecksumReport::compare(state.applied_known(), &expected, &recorded);
        let pending = state.pending();
        for name in &state.known {
            let name = name.as_str();
            let line = if pending.contains(&name) {
                format!("{:<8} {name}", "pending")
            } else if report.mismatched.iter().any(|v| v == name) {
                format!(
                    "{:<8} {name} (its SQL changed since it was applied)",
                    "changed"
                )
            } else if let Some(reason) = expected.unavailable(name) {
                format!(
                    "{:<8} {name} (no checksum: a dry run of its up() fails: {reason})",
                    "applied"
                )
            } else if report.unrecorded.iter().any(|v| v == name) {
                format!(
                    "{:<8} {name} (no checksum recorded yet; the next `up` records it)",
                    "applied"
                )
            } else {
                format!("{:<8} {name}", "applied")
            };
            say!("{line}");
        }
        let unknown = state.unknown();
        for name in &unknown {
            say!("{:<8} {name} (not in this binary)", "unknown");
        }
        say!(
            "{} applied, {} pending, {} unknown, {} changed",
            state.known.len() - pending.len(),
            pending.len(),
            unknown.len(),
            report.mismatched.len()
        );
        if !unknown.is_empty() {
            return Err(CliError::UnknownVersions { versions: unknown });
        }
        if check {
            return check_failures(&pending, &report.mismatched);
        }
        Ok(())
    }
}

/// `status --check`'s verdict: one line naming every problem found.
fn check_failures(pending: &[&str], changed: &[String]) -> Result<(), CliError> {
    let mut problems = Vec::new();
    if !pending.is_empty() {
        problems.push(format!(
            "{} migration{} pending: {}; run `up`",
            pending.len(),
            plural(pending.len()),
            pending.join(", ")
        ));
    }
    if !changed.is_empty() {
        problems.push(format!(
            "{} applied migration{} changed since applied (checksum mismatch): {}; restore the code, or roll back and apply again",
            changed.len(),
            plural(changed.len()),
            changed.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::CheckFailed(format!(
            "status --check: {}",
            problems.join("; ")
        )))
    }
}

fn refuse_mismatch(report: &ChecksumReport, allowed: bool) -> Result<(), CliError> {
    if report.mismatched.is_empty() {
        return Ok(());
    }
    if !allowed {
        return Err(CliError::ChecksumMismatch {
            versions: report.mismatched.clone(),
        });
    }
    // The recorded checksums stay as they are: they say what was really applied.
    say!(
        "warning: applied migrations changed since they were applied (checksum mismatch): {}; going on because of --allow-checksum-mismatch",
        report.mismatched.join(", ")
    );
    Ok(())
}

/// Runs migrations of `M` one at a time, each with its bookkeeping, under the lock.
struct Runner<'a, M> {
    db: &'a DatabaseConnection,
    lock: &'a MigrationLock,
    expected: &'a Expected,
    migrator: std::marker::PhantomData<M>,
}

impl<M: MigratorTrait> Runner<'_, M> {
    /// Creates the two bookkeeping tables when missing.
    async fn prepare(&self) -> Result<(), CliError> {
        M::install(self.db)
            .await
            .map_err(|source| failed("creating the migrations table", source))?;
        ChecksumTable::ensure(self.db)
            .await
            .map_err(|source| failed("creating the checksum table", source))
    }

    /// Records the checksums of migrations applied before checksums were kept (or by
    /// `Migrator::up` embedded in the application, which keeps none).
    async fn backfill(&self, versions: &[String]) -> Result<(), CliError> {
        self.record_checksums(versions).await?;
        if !versions.is_empty() {
            say!(
                "recorded the checksum{} of {} migration{} applied without one",
                plural(versions.len()),
                versions.len(),
                plural(versions.len())
            );
        }
        Ok(())
    }

    /// Records the expected checksum of each of `versions` (those it knows).
    async fn record_checksums(&self, versions: &[String]) -> Result<(), CliError> {
        for version in versions {
            let Some(checksum) = self.expected.get(version) else {
                continue;
            };
            ChecksumTable::record(self.db, version, checksum)
                .await
                .map_err(|source| {
                    failed(&format!("recording the checksum of {version}"), source)
                })?;
        }
        Ok(())
    }

    fn step<'m>(&'m self, migration: &'m dyn MigrationTrait) -> Step<'m> {
        Step {
            migration,
            versions_table: M::migration_table_name(),
            lock: self.lock,
        }
    }

    async fn up(&self, state: &State, num: Option<u32>) -> Result<(), CliError> {
        let pending = state.pending();
        if pending.is_empty() {
            say!(
                "nothing pending: all {} migrations are applied",
                state.known.len()
            );
            return Ok(());
        }
        let take = num.map_or(pending.len(), |n| (n as usize).min(pending.len()));
        let migrations = M::migrations();
        for name in &pending[..take] {
            let started = Instant::now();
            let migration = find(&migrations, name)?;
            if let Some(reason) = self.expected.unavailable(name) {
                say!("note: {name} gets no checksum, a dry run of its up() fails: {reason}");
            }
            self.step(migration)
                .apply(self.db, self.expected.get(name))
                .await
                .map_err(|source| failed(&format!("applying {name}"), source))?;
            say!("applied {name} ({} ms)", started.elapsed().as_millis());
        }
        say!(
            "{take} migration{} applied, {} pending",
            plural(take),
            pending.len() - take
        );
        Ok(())
    }

    async fn roll_back_all(&self, state: &State) -> Result<(), CliError> {
        let newest_first: Vec<&str> = state.applied_known().into_iter().rev().collect();
        self.roll_back(&newest_first).await
    }

    async fn roll_back(&self, newest_first: &[&str]) -> Result<(), CliError> {
        if newest_first.is_empty() {
            say!("nothing to roll back: no migration is applied");
            return Ok(());
        }
        let migrations = M::migrations();
        for name in newest_first {
            let started = Instant::now();
            let migration = find(&migrations, name)?;
            self.step(migration)
                .roll_back(self.db)
                .await
                .map_err(|source| failed(&format!("rolling back {name}"), source))?;
            say!("rolled back {name} ({} ms)", started.elapsed().as_millis());
        }
        say!(
            "{} migration{} rolled back",
            newest_first.len(),
            plural(newest_first.len())
        );
        Ok(())
    }

    /// sea-orm's `fresh` drops every table (the checksum table too) and applies all
    /// migrations; the checksums of what it applied are recorded right after.
    async fn fresh(&self) -> Result<(), CliError> {
        M::fresh(self.db)
            .await
            .map_err(|source| failed("fresh", source))?;
        self.prepare().await?;
        let applied = State::read::<M>(self.db).await?;
        let versions: Vec<String> = applied
            .applied_known()
            .iter()
            .map(|v| (*v).to_owned())
            .collect();
        self.record_checksums(&versions).await?;
        say!(
            "dropped every table, then applied all {} migrations",
            versions.len()
        );
        Ok(())
    }
}

fn find<'m>(
    migrations: &'m [Box<dyn MigrationTrait>],
    name: &str,
) -> Result<&'m dyn MigrationTrait, CliError> {
    migrations
        .iter()
        .find(|m| m.name() == name)
        .map(|m| m.as_ref())
        .ok_or_else(|| CliError::UnknownVersions {
            versions: vec![name.to_owned()],
        })
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
