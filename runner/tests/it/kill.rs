//! Crash safety: `up`, `fresh`, `refresh` and `reset` killed with SIGKILL at any moment,
//! on SQLite and on PostgreSQL, leave nothing half-applied, and the next `up` succeeds
//! and yields the complete schema.
//!
//! The killed process is the real CLI in a separate OS process: this test binary run
//! again (`current_exe()`) for the ignored test [`kill_child_cli`], the CLI's arguments
//! in `KILL_TEST_ARGS`. Its migrator ([`SlowMigrator`]) pauses between statements there
//! only. Delays come from a seeded xorshift (`KILL_TEST_SEED` to change the seed,
//! `KILL_TEST_ITERATIONS` the count per command and backend, default 50).

#![cfg(unix)] // SIGKILL and the exit signal

#[path = "common/migrators/m20240301_000001_slow_one.rs"]
mod m20240301_000001_slow_one;
#[path = "common/migrators/m20240301_000002_slow_two.rs"]
mod m20240301_000002_slow_two;
#[path = "common/migrators/m20240301_000003_slow_three.rs"]
mod m20240301_000003_slow_three;
#[path = "common/migrators/m20240301_000004_slow_four.rs"]
mod m20240301_000004_slow_four;
#[path = "common/migrators/m20240301_000005_slow_five.rs"]
mod m20240301_000005_slow_five;
#[path = "common/migrators/slow_migration.rs"]
mod slow_migration;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::common::{cli_with, exec, strings, test_name};
use conformance::Backend;
use migration_runner::Sources;
use rstest::rstest;
use sea_orm_migration::sea_orm::DatabaseConnection;
use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// The CLI's arguments for the child, separated by U+001F.
const ARGS_VAR: &str = "KILL_TEST_ARGS";
const SEPARATOR: char = '\u{1f}';
/// The child test's name, as `--exact` wants it.
fn child() -> String {
    test_name(module_path!(), "kill_child_cli")
}
/// What the child prints just before the CLI starts.
pub(super) const STARTED: &str = "kill-test: cli starting";

/// Five slow migrations, each a table with an index and two rows.
struct SlowMigrator;

impl MigratorTrait for SlowMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240301_000001_slow_one::Migration),
            Box::new(m20240301_000002_slow_two::Migration),
            Box::new(m20240301_000003_slow_three::Migration),
            Box::new(m20240301_000004_slow_four::Migration),
            Box::new(m20240301_000005_slow_five::Migration),
        ]
    }
}

const SLOW_SOURCES: Sources = migration_runner::migration_sources!(
    "tests/it/common/migrators" => m20240301_000001_slow_one, m20240301_000002_slow_two,
    m20240301_000003_slow_three, m20240301_000004_slow_four, m20240301_000005_slow_five,
);

pub(super) fn names() -> Vec<String> {
    SlowMigrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// The process the kill test starts and kills: the CLI over [`SlowMigrator`], slow,
/// exiting with the CLI's exit code. Without `KILL_TEST_ARGS` it does nothing.
#[tokio::test]
#[ignore = "run by the kill test in a process of its own"]
async fn kill_child_cli() {
    let Ok(args) = std::env::var(ARGS_VAR) else {
        return;
    };
    slow_migration::SLOW.store(true, Ordering::Relaxed);
    let argv: Vec<&str> = std::iter::once("migration")
        .chain(args.split(SEPARATOR))
        .collect();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{STARTED}").expect("stdout");
    stdout.flush().expect("stdout");
    let code = migration_runner::cli::run_from::<SlowMigrator, _, _>(
        argv,
        SLOW_SOURCES,
        &mut stdout,
        &mut std::io::stderr(),
    )
    .await;
    std::process::exit(i32::from(code));
}

/// The CLI over [`SlowMigrator`] in this process (not slow): exit code and stderr.
pub(super) async fn cli(url: &str, args: &[&str]) -> (u8, String) {
    let argv = ["-u", url].into_iter().chain(args.iter().copied());
    let run = cli_with::<SlowMigrator, _>(SLOW_SOURCES, argv).await;
    (run.code, run.all())
}

pub(super) async fn cli_ok(url: &str, args: &[&str]) {
    let (code, text) = cli(url, args).await;
    assert_eq!(code, 0, "{args:?}: {text}");
}

pub(super) fn spawn_child(url: &str, command: &str) -> Child {
    spawn_child_with(url, &[command])
}

/// [`spawn_child`] with a command of several arguments (`down -n 3`).
pub(super) fn spawn_child_with(url: &str, command: &[&str]) -> Child {
    let mut args = vec!["-u", url];
    args.extend_from_slice(command);
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            &child(),
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(ARGS_VAR, args.join(&SEPARATOR.to_string()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child")
}

/// Waits for the child; its status, stdout and stderr.
pub(super) fn finish(mut child: Child) -> (ExitStatus, String, String) {
    let status = child.wait().expect("wait for the child");
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("read stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status, stdout, stderr)
}

/// A killed PostgreSQL client's server session may still finish its statement (even a
/// COMMIT): the catalog is read only once it is gone.
async fn wait_for_sessions_of(conn: &DatabaseConnection, pid: u32) {
    let sql = format!(
        "SELECT pid::text FROM pg_stat_activity WHERE application_name = 'migration-runner (pid {pid})'"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !strings(conn, &sql).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the session of killed pid {pid} is still there after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// One migration as the catalog shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Parts {
    pub(super) table: bool,
    pub(super) index: bool,
    pub(super) version: bool,
    pub(super) checksum: bool,
    /// The table's labels, sorted, when it exists.
    pub(super) rows: Option<Vec<String>>,
}

impl Parts {
    pub(super) fn all_or_none(&self, n: u32) -> bool {
        let flags = [self.table, self.index, self.version, self.checksum];
        let rows_right = match &self.rows {
            Some(rows) => *rows == slow_migration::labels(n),
            None => true,
        };
        rows_right && (flags.iter().all(|f| *f) || flags.iter().all(|f| !*f))
    }

    pub(super) fn complete(&self, n: u32) -> bool {
        self.table && self.index && self.version && self.checksum && self.all_or_none(n)
    }
}

/// What the database holds of the migrator, read from the catalog directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Snapshot {
    versions_table: bool,
    checksums_table: bool,
    /// Every row of `seaql_migrations` / `migration_checksums`, sorted.
    pub(super) versions: Vec<String>,
    checksums: Vec<String>,
    pub(super) migrations: Vec<Parts>,
}

impl Snapshot {
    pub(super) async fn take(conn: &DatabaseConnection, backend: Backend) -> Self {
        let (tables_sql, indexes_sql) = match backend {
            Backend::Sqlite => (
                "SELECT name FROM sqlite_master WHERE type = 'table'",
                "SELECT name FROM sqlite_master WHERE type = 'index'",
            ),
            Backend::Postgres => (
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')",
                "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'i'",
            ),
            _ => (
                "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE()",
                "SELECT DISTINCT CAST(INDEX_NAME AS CHAR) FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE()",
            ),
        };
        let tables = strings(conn, tables_sql).await;
        let indexes = strings(conn, indexes_sql).await;
        let has = |t: &str| tables.iter().any(|x| x == t);
        let versions_table = has("seaql_migrations");
        let checksums_table = has("migration_checksums");
        let versions = if versions_table {
            strings(conn, "SELECT version FROM seaql_migrations ORDER BY 1").await
        } else {
            Vec::new()
        };
        let checksums = if checksums_table {
            strings(conn, "SELECT version FROM migration_checksums ORDER BY 1").await
        } else {
            Vec::new()
        };
        let mut migrations = Vec::new();
        for (i, name) in names().iter().enumerate() {
            let n = i as u32 + 1;
            let table = slow_migration::table(n);
            let rows = if has(&table) {
                Some(strings(conn, &format!("SELECT label FROM {table} ORDER BY 1")).await)
            } else {
                None
            };
            migrations.push(Parts {
                table: has(&table),
                index: indexes.contains(&slow_migration::index(n)),
                version: versions.contains(name),
                checksum: checksums.contains(name),
                rows,
            });
        }
        Self {
            versions_table,
            checksums_table,
            versions,
            checksums,
            migrations,
        }
    }

    pub(super) fn applied(&self) -> usize {
        self.migrations.iter().filter(|p| p.version).count()
    }

    pub(super) fn describe(&self) -> String {
        let parts: Vec<String> = self
            .migrations
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}:t{}i{}v{}c{}r{}",
                    i + 1,
                    u8::from(p.table),
                    u8::from(p.index),
                    u8::from(p.version),
                    u8::from(p.checksum),
                    p.rows.as_ref().map_or(0, Vec::len)
                )
            })
            .collect();
        format!(
            "[{}] seaql_migrations:{} migration_checksums:{}",
            parts.join(" "),
            if self.versions_table { "yes" } else { "absent" },
            if self.checksums_table {
                "yes"
            } else {
                "absent"
            }
        )
    }

    /// Invariant 1: each migration entirely there or entirely absent, and nothing the
    /// migrator does not know in the bookkeeping.
    fn half_applied(&self, command: &str, start: &Snapshot) -> Vec<String> {
        let mut problems = Vec::new();
        let names = names();
        for (i, parts) in self.migrations.iter().enumerate() {
            if !parts.all_or_none(i as u32 + 1) {
                problems.push(format!(
                    "{} half-applied: table={} index={} version={} checksum={} rows={:?}",
                    names[i], parts.table, parts.index, parts.version, parts.checksum, parts.rows
                ));
            }
        }
        for extra in self.versions.iter().chain(&self.checksums) {
            if !names.contains(extra) {
                problems.push(format!("unknown bookkeeping row {extra}"));
            }
        }
        // `reset` drops the bookkeeping tables, `fresh` every table: both may stop with
        // them gone. `up` and `refresh` never drop them.
        if matches!(command, "up" | "refresh") {
            if start.versions_table && !self.versions_table {
                problems.push("seaql_migrations vanished".to_owned());
            }
            if start.checksums_table && !self.checksums_table {
                problems.push("migration_checksums vanished".to_owned());
            }
        }
        problems
    }

    /// Invariant 2, after the next `up`: everything there, each row once.
    pub(super) fn incomplete(&self) -> Vec<String> {
        let names = names();
        let mut problems = Vec::new();
        for (i, parts) in self.migrations.iter().enumerate() {
            if !parts.complete(i as u32 + 1) {
                problems.push(format!(
                    "{} incomplete after up: table={} index={} version={} checksum={} rows={:?}",
                    names[i], parts.table, parts.index, parts.version, parts.checksum, parts.rows
                ));
            }
        }
        if self.versions != names {
            problems.push(format!("seaql_migrations after up: {:?}", self.versions));
        }
        if self.checksums != names {
            problems.push(format!(
                "migration_checksums after up: {:?}",
                self.checksums
            ));
        }
        problems
    }
}

/// The table of migration `n` (from 1).
pub(super) fn slow_table(n: usize) -> String {
    slow_migration::table(u32::try_from(n).expect("a few migrations"))
}

/// Deterministic delays and start states.
pub(super) struct XorShift(pub(super) u64);

impl XorShift {
    pub(super) fn below(&mut self, bound: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % bound.max(1)
    }
}

/// From the complete schema to `applied` migrations applied (0: nothing, not even the
/// bookkeeping tables).
pub(super) async fn start_with(url: &str, applied: usize, total: usize) {
    if applied == 0 {
        cli_ok(url, &["reset"]).await;
    } else if applied < total {
        cli_ok(url, &["down", "-n", &(total - applied).to_string()]).await;
    }
}

/// How many migrations may be applied at the start: `up` needs one pending at least;
/// `refresh` and `reset` one applied at least; `fresh` does work either way.
fn start_range(command: &str, total: usize) -> std::ops::RangeInclusive<usize> {
    match command {
        "up" => 0..=total - 1,
        "fresh" => 0..=total,
        _ => 1..=total,
    }
}

/// Drops every table of the database (schema), after a failure, to go on.
async fn wipe(conn: &DatabaseConnection, backend: Backend) {
    for table in crate::common::tables(conn).await {
        if table.starts_with("sqlite_") {
            continue;
        }
        let sql = match backend {
            Backend::Sqlite => format!("DROP TABLE IF EXISTS \"{table}\""),
            Backend::Postgres => format!("DROP TABLE IF EXISTS \"{table}\" CASCADE"),
            other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
        };
        exec(conn, &sql).await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Landed {
    /// Before the CLI started (process start-up).
    BeforeStart,
    /// While the CLI ran, the database still as it started.
    MidRunUnchanged,
    /// While the CLI ran, the database changed.
    MidRunChanged,
    /// The CLI had exited.
    AfterExit,
}

#[rstest]
#[case::up_sqlite("up", Backend::Sqlite)]
#[case::fresh_sqlite("fresh", Backend::Sqlite)]
#[case::refresh_sqlite("refresh", Backend::Sqlite)]
#[case::reset_sqlite("reset", Backend::Sqlite)]
#[case::up_postgres("up", Backend::Postgres)]
#[case::fresh_postgres("fresh", Backend::Postgres)]
#[case::refresh_postgres("refresh", Backend::Postgres)]
#[case::reset_postgres("reset", Backend::Postgres)]
#[tokio::test]
async fn a_command_killed_at_any_moment_leaves_nothing_half_applied(
    #[case] command: &str,
    #[case] backend: Backend,
) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let began = Instant::now();
    let url = db.url.clone();
    let total = names().len();
    let iterations: usize = std::env::var("KILL_TEST_ITERATIONS")
        .ok()
        .map_or(50, |v| v.parse().expect("KILL_TEST_ITERATIONS"));
    let seed: u64 = std::env::var("KILL_TEST_SEED")
        .ok()
        .map_or(0x2545_f491_4f6c_dd1d, |v| {
            v.parse().expect("KILL_TEST_SEED")
        });
    let case_seed =
        seed ^ match command {
            "up" => 1,
            "fresh" => 2,
            "refresh" => 3,
            _ => 4,
        } ^ if backend == Backend::Postgres { 16 } else { 0 };
    let mut rng = XorShift(case_seed.max(1));
    let label = format!("{command}/{backend:?}");
    cli_ok(&url, &["up"]).await;

    // A full run, unkilled, from each start state: a kill lands anywhere from 0 to a
    // fifth past it.
    let starts: Vec<usize> = start_range(command, total).collect();
    let mut full = vec![Duration::ZERO; total + 1];
    for &applied in &starts {
        start_with(&url, applied, total).await;
        let spawned = Instant::now();
        let (status, stdout, stderr) = finish(spawn_child(&url, command));
        full[applied] = spawned.elapsed();
        assert!(
            status.success(),
            "{label}: the unkilled run from {applied} applied failed: {status}\n{stdout}{stderr}"
        );
        cli_ok(&url, &["up"]).await;
    }

    let mut landed: BTreeMap<Landed, usize> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    for iteration in 0..iterations {
        let range = start_range(command, total);
        let applied = range.start() + rng.below((range.end() - range.start() + 1) as u64) as usize;
        start_with(&url, applied, total).await;
        let start = Snapshot::take(&db.conn, backend).await;
        assert_eq!(start.applied(), applied, "{label}: the start state");
        let window = full[applied].as_micros() as u64 * 6 / 5;
        let delay = Duration::from_micros(rng.below(window + 1));

        let spawned = Instant::now();
        let mut child = spawn_child(&url, command);
        let pid = child.id();
        std::thread::sleep(delay.saturating_sub(spawned.elapsed()));
        let _ = child.kill();
        let (status, stdout, stderr) = finish(child);
        if backend == Backend::Postgres {
            wait_for_sessions_of(&db.conn, pid).await;
        }
        let after = Snapshot::take(&db.conn, backend).await;
        let outcome = if status.signal().is_none() {
            Landed::AfterExit
        } else if !stdout.contains(STARTED) {
            Landed::BeforeStart
        } else if after == start {
            Landed::MidRunUnchanged
        } else {
            Landed::MidRunChanged
        };
        *landed.entry(outcome).or_default() += 1;
        let context = format!(
            "{label} iteration {iteration}: {applied} applied at start, killed after {:.1} ms ({outcome:?})",
            delay.as_secs_f64() * 1000.0
        );

        // Each broken invariant of this kill, for one line in the report.
        let mut broken = Vec::new();
        let mut problems = after.half_applied(command, &start);
        if outcome == Landed::AfterExit && !status.success() {
            problems.push(format!(
                "the unkilled CLI failed ({status}): {}",
                stderr.trim()
            ));
        }
        if !problems.is_empty() {
            broken.push(format!(
                "invariant 1 (nothing half-applied) broken: {}; state {}",
                problems.join("; "),
                after.describe()
            ));
        }
        let (code, text) = cli(&url, &["up"]).await;
        if code == 0 {
            let problems = Snapshot::take(&db.conn, backend).await.incomplete();
            if !problems.is_empty() {
                broken.push(format!(
                    "invariant 2 (complete after up) broken: {}",
                    problems.join("; ")
                ));
            }
        } else {
            broken.push(format!(
                "invariant 2 (next up succeeds) broken: exit {code}: {}",
                text.trim().replace('\n', " | ")
            ));
        }
        if !broken.is_empty() {
            failures.push(format!("{context}: {}", broken.join(" / ")));
            // Start the next kill from the complete schema all the same.
            wipe(&db.conn, backend).await;
            cli_ok(&url, &["up"]).await;
        }
    }

    let count = |l: Landed| landed.get(&l).copied().unwrap_or(0);
    println!(
        "kill {label}: {iterations} kills, each at 0..120% of a full run from its start state \
         ({} ms): {} before the CLI started, {} mid-run ({} of them with the database changed), \
         {} after it exited; {} kills broke an invariant; {:.1} s",
        starts
            .iter()
            .map(|&k| format!("{k} applied {}", full[k].as_millis()))
            .collect::<Vec<_>>()
            .join(", "),
        count(Landed::BeforeStart),
        count(Landed::MidRunUnchanged) + count(Landed::MidRunChanged),
        count(Landed::MidRunChanged),
        count(Landed::AfterExit),
        failures.len(),
        began.elapsed().as_secs_f64()
    );
    for failure in &failures {
        println!("kill FAILURE {failure}");
    }
    db.close().await.expect("close");
    assert!(
        failures.is_empty(),
        "{label}: {} of {iterations} kills broke an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
