//! `make bench-scale`: how the runner and the conformance suite scale with the number of
//! migrations (issue 11).
//!
//! A synthetic migrator of N migrations, each creating a table of five columns, an index
//! and a CASCADE foreign key to the previous table, is applied on a SQLite file and on
//! PostgreSQL (the harness's server):
//! - `floor`: the same statements (captured from the migrations) run by sqlx directly,
//!   one transaction per migration, nothing else: what any runner costs at least;
//! - `raw`: the raw client, the same statements as one script, `BEGIN; ...; COMMIT;`
//!   per migration, run by the `sqlite3` CLI (foreign keys on, as the runner has them)
//!   or by `psql` (`-X`, stops at the first error): what a person pasting the DDL waits
//!   for, process start included. Shown as `-` when the client is not installed. Its
//!   commits wait for the disk as the harness's connection's do not (`synchronous = OFF`
//!   on SQLite, `synchronous_commit = off` on PostgreSQL); `raw, durable` has the
//!   clients' defaults, like the CLI's own connection, and the CLI is compared with it;
//! - `library`: `migration_runner::up` (lock, state, checksums, bookkeeping rows);
//! - `cli`: the runner's CLI in-process (`cli::run_from`), with its own connection;
//! - `suite`: the whole conformance suite on that one backend.
//!
//! Each is printed as a total, a cost per migration, and (runner) the ratio to the floor
//! and to the raw client.
//! The runner's time is split, from its events, into the set-up before the first
//! migration, the migrations themselves, and the end after the last one.
//!
//! Floor and runner are run `SCALE_RUNS` times (default 3), interleaved, and the fastest
//! run of each is shown: the machine is shared, and the least disturbed run is the
//! closest to what the code costs. The suite runs once.
//!
//! Environment: `SCALE_N=50,100` limits the sizes (default 50,100,200,500,1000);
//! `SCALE_SUITE_MAX=200` skips the suite above that size, `SCALE_RUNNER=0` the floor and
//! the runner; `SCALE_BACKENDS=sqlite` limits the backends; `SCALE_ONLY=library` (or
//! `floor`, `raw`, `cli`, or a list of them) runs only those, for a profiler. Benchmarks report; nothing
//! here asserts a time.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conformance::{Backend, Suite, TestDatabase};
use migration_runner::{Event, Observer, Options, Sources};
use sea_orm_migration::sea_orm::sqlx::{AssertSqlSafe, raw_sql};
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection};

const DEFAULT_SIZES: [usize; 5] = [50, 100, 200, 500, 1000];

#[path = "synthetic_migrator.rs"]
mod synthetic_migrator;
use synthetic_migrator::{SIZE, Synthetic};

#[path = "raw_script.rs"]
mod raw_script;

/// What to run, from the environment.
struct Config {
    sizes: Vec<usize>,
    suite_max: usize,
    backends: Vec<Backend>,
    with_runner: bool,
    runs: usize,
    only: Option<Vec<String>>,
}

impl Config {
    fn from_env() -> Self {
        let sizes = list_env("SCALE_N")
            .map(|list| {
                list.iter()
                    .map(|n| n.parse::<usize>().expect("SCALE_N: sizes like 50,100"))
                    .collect()
            })
            .unwrap_or_else(|| DEFAULT_SIZES.to_vec());
        let suite_max = std::env::var("SCALE_SUITE_MAX")
            .ok()
            .map(|n| n.parse::<usize>().expect("SCALE_SUITE_MAX: a size"))
            .unwrap_or(usize::MAX);
        let backends: Vec<Backend> = match list_env("SCALE_BACKENDS") {
            Some(names) => Backend::ALL
                .into_iter()
                .filter(|b| names.iter().any(|n| n == b.name()))
                .collect(),
            None => Backend::ALL.to_vec(),
        };
        let runs = std::env::var("SCALE_RUNS")
            .ok()
            .map(|n| n.parse::<usize>().expect("SCALE_RUNS: a count"))
            .unwrap_or(3)
            .max(1);
        Self {
            sizes,
            suite_max,
            backends,
            with_runner: std::env::var("SCALE_RUNNER").map_or(true, |v| v != "0"),
            runs,
            only: list_env("SCALE_ONLY"),
        }
    }

    fn wanted(&self, kind: &str) -> bool {
        self.with_runner
            && self
                .only
                .as_ref()
                .is_none_or(|o| o.iter().any(|k| k == kind))
    }
}

fn main() {
    let config = Config::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "scale benchmark, {profile} build, fastest of {}; times in s, per migration in ms",
        config.runs
    );
    runtime.block_on(async {
        if config.backends.contains(&Backend::Postgres) {
            let server = conformance::backends::postgres_server().expect("PostgreSQL");
            println!("{}", server.describe());
        }
        println!(
            "{:<8} {:>5} | {:>16} | {:>16} | {:>31} {:>14} | {:>16} | {:>31} | {:>16}",
            "backend",
            "N",
            "floor (sqlx)",
            "raw client",
            "library (x floor, x raw)",
            "set-up/end",
            "raw, durable",
            "cli (x floor, x durable)",
            "suite"
        );
        for &backend in &config.backends {
            Box::pin(one_backend(&config, backend)).await;
        }
    });
}

/// Every size on one backend, then how the suite's cost per migration grows.
async fn one_backend(config: &Config, backend: Backend) {
    // (size, suite per migration), for the linearity line after the table.
    let mut suite_costs: Vec<(usize, f64)> = Vec::new();
    for &size in &config.sizes {
        SIZE.store(size, Ordering::Relaxed);
        let times = Box::pin(measure(config, backend)).await;
        let suite = if size <= config.suite_max && config.only.is_none() {
            Some(Box::pin(suite(backend)).await)
        } else {
            None
        };
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / size as f64;
        if let Some(d) = suite {
            suite_costs.push((size, per(d)));
        }
        let suite = match suite {
            Some(d) => format!("{:>7.2} ({:>6.2})", d.as_secs_f64(), per(d)),
            None => "skipped".to_owned(),
        };
        times.print_row(backend, size, &suite);
    }
    // How the suite's cost per migration grows: the largest size against the
    // smallest (1.00x is linear).
    if let (Some(first), Some(last)) = (suite_costs.first(), suite_costs.last())
        && suite_costs.len() > 1
    {
        println!(
            "{:<8} suite per migration at N = {} / at N = {}: {:.2}x",
            backend.name(),
            last.0,
            first.0,
            last.1 / first.1
        );
    }
}

/// Each kind `runs` times, interleaved (each boxed: the futures of sqlx, sea-orm and the
/// suite together are too deep for a release build's layout computation otherwise), the fastest of each kept: the machine is shared,
/// and the least disturbed run is the closest to what the code costs.
async fn measure(config: &Config, backend: Backend) -> Times {
    let mut times = Times::default();
    for _ in 0..config.runs {
        if config.wanted("floor") {
            times.floor = fastest(times.floor, Box::pin(self::floor(backend)).await);
        }
        if config.wanted("raw") {
            times.raw = match Box::pin(raw_client(backend, false)).await {
                Some(d) => fastest(times.raw, d),
                None => None,
            };
        }
        if config.wanted("cli") {
            times.raw_durable = match Box::pin(raw_client(backend, true)).await {
                Some(d) => fastest(times.raw_durable, d),
                None => None,
            };
        }
        if config.wanted("library") {
            let run = Box::pin(self::library(backend)).await;
            times.library = Some(match times.library {
                Some(best) => best.fastest(run),
                None => run,
            });
        }
        if config.wanted("cli") {
            times.cli = fastest(times.cli, Box::pin(self::cli(backend)).await);
        }
    }
    times
}

fn list_env(name: &str) -> Option<Vec<String>> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

fn fastest(best: Option<Duration>, run: Duration) -> Option<Duration> {
    Some(best.map_or(run, |b| b.min(run)))
}

/// The fastest time of each kind at one size; `None` when not run (or no raw client).
#[derive(Default)]
struct Times {
    floor: Option<Duration>,
    raw: Option<Duration>,
    raw_durable: Option<Duration>,
    library: Option<RunnerTime>,
    cli: Option<Duration>,
}

impl Times {
    fn print_row(&self, backend: Backend, size: usize, suite: &str) {
        let set_up = self.library.as_ref().map_or("-".to_owned(), |l| {
            format!(
                "{:>5.2}/{:>5.2} s",
                l.set_up.as_secs_f64(),
                l.end.as_secs_f64()
            )
        });
        println!(
            "{:<8} {:>5} | {:>16} | {:>16} | {:>31} {:>14} | {:>16} | {:>31} | {}",
            backend.name(),
            size,
            self.total(self.floor, size),
            self.total(self.raw, size),
            self.compared(self.library.as_ref().map(|l| l.total), self.raw, size),
            set_up,
            self.total(self.raw_durable, size),
            self.compared(self.cli, self.raw_durable, size),
            suite,
        );
    }

    /// `total (per migration)`.
    fn total(&self, time: Option<Duration>, size: usize) -> String {
        time.map_or("-".to_owned(), |d| {
            format!(
                "{:>7.2} ({:>6.2})",
                d.as_secs_f64(),
                d.as_secs_f64() * 1000.0 / size as f64
            )
        })
    }

    /// `total (per migration) x floor x raw client` (`raw`: that raw client's time).
    fn compared(&self, time: Option<Duration>, raw: Option<Duration>, size: usize) -> String {
        let Some(d) = time else {
            return "-".to_owned();
        };
        let ratio = |base: Option<Duration>| {
            base.map_or("    -".to_owned(), |b| {
                format!("{:>5.2}x", d.as_secs_f64() / b.as_secs_f64())
            })
        };
        format!(
            "{} {} {}",
            self.total(time, size),
            ratio(self.floor),
            ratio(raw)
        )
    }
}

/// The floor: the captured statements through sqlx, one transaction per migration.
async fn floor(backend: Backend) -> Duration {
    let statements = raw_script::captured(backend.db()).await;
    let db = TestDatabase::fresh(backend).await.expect("database");
    let started = Instant::now();
    match backend {
        Backend::Sqlite => {
            let pool = db.conn.get_sqlite_connection_pool();
            for migration in &statements {
                let mut txn = pool.begin().await.expect("begin");
                for sql in migration {
                    raw_sql(AssertSqlSafe(sql.as_str()))
                        .execute(&mut *txn)
                        .await
                        .expect("statement");
                }
                txn.commit().await.expect("commit");
            }
        }
        Backend::Postgres => {
            let pool = db.conn.get_postgres_connection_pool();
            for migration in &statements {
                let mut txn = pool.begin().await.expect("begin");
                for sql in migration {
                    raw_sql(AssertSqlSafe(sql.as_str()))
                        .execute(&mut *txn)
                        .await
                        .expect("statement");
                }
                txn.commit().await.expect("commit");
            }
        }
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    }
    let elapsed = started.elapsed();
    check_applied(&db.conn).await;
    db.close().await.expect("close");
    elapsed
}

/// The raw client: the captured statements as one script, `BEGIN; ...; COMMIT;` per
/// migration, fed to `sqlite3` or `psql` on its standard input. Not `durable`: commits
/// do not wait for the disk, as on the harness's connections. `None` when the client is
/// not installed.
async fn raw_client(backend: Backend, durable: bool) -> Option<Duration> {
    let mut preamble = String::new();
    if backend == Backend::Sqlite {
        // The runner's connections have foreign keys on; the CLI's are off by default.
        preamble.push_str("PRAGMA foreign_keys = ON;\n");
        if !durable {
            preamble.push_str("PRAGMA synchronous = OFF;\n");
        }
    }
    let script = raw_script::script(&preamble, &raw_script::captured(backend.db()).await);
    let db = TestDatabase::fresh(backend).await.expect("database");
    let command = match backend {
        Backend::Sqlite => {
            let path = db.url.strip_prefix("sqlite://").expect("a sqlite:// URL");
            let mut command = std::process::Command::new("sqlite3");
            command.args(["-bail", path]);
            command
        }
        Backend::Postgres => raw_script::psql(&db.url, durable),
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    };
    let elapsed = raw_script::run_script(command, &script);
    if elapsed.is_some() {
        check_applied(&db.conn).await;
    }
    db.close().await.expect("close");
    elapsed
}

struct RunnerTime {
    total: Duration,
    /// From the call to the first migration's start.
    set_up: Duration,
    /// From the last migration's end to the return.
    end: Duration,
}

impl RunnerTime {
    fn fastest(self, other: Self) -> Self {
        if other.total < self.total {
            other
        } else {
            self
        }
    }
}

/// `migration_runner::up` on the application's connection.
async fn library(backend: Backend) -> RunnerTime {
    let db = TestDatabase::fresh(backend).await.expect("database");
    let events: Arc<Mutex<Vec<(Instant, Duration)>>> = Arc::default();
    let seen = Arc::clone(&events);
    let options = Options::default().observer(Observer::new(move |event| {
        if let Event::Applied { elapsed, .. } = event {
            seen.lock()
                .expect("events")
                .push((Instant::now(), *elapsed));
        }
    }));
    let started = Instant::now();
    let report = migration_runner::up::<Synthetic>(&db.conn, &options)
        .await
        .expect("up");
    let total = started.elapsed();
    assert_eq!(report.applied.len(), SIZE.load(Ordering::Relaxed));
    let events = events.lock().expect("events").clone();
    let set_up = events
        .first()
        .map(|(at, elapsed)| (*at - *elapsed).duration_since(started))
        .unwrap_or_default();
    let end = events
        .last()
        .map(|(at, _)| (started + total).duration_since(*at))
        .unwrap_or_default();
    check_applied(&db.conn).await;
    db.close().await.expect("close");
    RunnerTime { total, set_up, end }
}

/// The runner's CLI, in-process, opening its own connection from the URL.
async fn cli(backend: Backend) -> Duration {
    let db = TestDatabase::fresh(backend).await.expect("database");
    let argv = ["migrate", "-u", db.url.as_str(), "up"];
    let mut out = Vec::new();
    let mut err = Vec::new();
    let started = Instant::now();
    let code = migration_runner::cli::run_from::<Synthetic, _, _>(
        argv,
        Sources::none(),
        &mut out,
        &mut err,
    )
    .await;
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    check_applied(&db.conn).await;
    db.close().await.expect("close");
    elapsed
}

/// The whole suite on one backend.
async fn suite(backend: Backend) -> Duration {
    let started = Instant::now();
    let outcome = Suite::<Synthetic>::new()
        .backends(&[backend])
        .run()
        .await
        .expect("suite");
    let elapsed = started.elapsed();
    assert!(outcome.report.passed(), "{}", outcome.report);
    elapsed
}

/// The last table exists: the run really applied everything.
async fn check_applied(conn: &DatabaseConnection) {
    let last = SIZE.load(Ordering::Relaxed) - 1;
    conn.execute_unprepared(&format!("SELECT count(*) FROM t{last}"))
        .await
        .expect("the last table exists");
}
