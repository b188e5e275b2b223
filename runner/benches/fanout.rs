//! `make bench-fanout` (`cargo bench -p migration-runner --bench fanout`): many targets
//! at once (issue 24) against a sequential loop of the same runner, one target after
//! the other.
//!
//! Two scenarios on the harness's PostgreSQL server, each target getting the synthetic
//! migrator's `FANOUT_N` migrations (default 14, as many as this application has):
//! - `schemas`: `FANOUT_SCHEMAS` schemas (default 200) of one database;
//! - `databases`: `FANOUT_DATABASES` databases (default 50) of one server.
//!
//! For each: `sequential` (a loop: per target its own connection, `migration_runner::up`,
//! closed; what a shell loop over the CLI does, minus the process start), then
//! `up_many` with `--jobs` 1 and each of `FANOUT_JOBS` (default 4,8), each on fresh
//! targets (the schemas dropped and created again, new databases; not timed), and a
//! `status_many` over the migrated targets. Then the raw comparison: the same DDL (the
//! statements the migrations issue, captured as `make bench-scale` does) run by as many
//! parallel `psql` sessions as jobs, one session per target (what `xargs -P` over `psql`
//! does; a schema by `SET search_path` at the start of its session), with the clients'
//! default durable commits like the fan-out's own connections, and the fan-out's time
//! over it for each job count. Benchmarks report; nothing here asserts a time.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use conformance::{Backend, TestDatabase};
use migration_runner::{Access, FanOut, Options, Target, TargetSet, Tenant};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[path = "synthetic_migrator.rs"]
mod synthetic_migrator;
use synthetic_migrator::{SIZE, Synthetic};

#[path = "raw_script.rs"]
mod raw_script;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|n| n.trim().parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let migrations = env_number("FANOUT_N", 14);
    let schemas = env_number("FANOUT_SCHEMAS", 200);
    let databases = env_number("FANOUT_DATABASES", 50);
    let jobs: Vec<usize> = std::env::var("FANOUT_JOBS")
        .unwrap_or_else(|_| "4,8".to_owned())
        .split(',')
        .map(|j| j.trim().parse().expect("FANOUT_JOBS: counts like 4,8"))
        .collect();
    SIZE.store(migrations, Ordering::Relaxed);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("fan-out benchmark, {profile} build, {migrations} migrations per target; times in s");
    runtime.block_on(async {
        let server = conformance::backends::postgres_server().expect("PostgreSQL");
        println!("{}", server.describe());
        if schemas > 0 {
            scenario(&format!("{schemas} schemas, one database"), &jobs, || {
                schema_targets(schemas)
            })
            .await;
        }
        if databases > 0 {
            scenario(&format!("{databases} databases, one server"), &jobs, || {
                database_targets(databases)
            })
            .await;
        }
    });
}

/// Fresh targets, and what to drop afterwards.
struct Fresh {
    tenants: Vec<Tenant>,
    /// Each tenant's database URL, for `psql`.
    urls: Vec<String>,
    databases: Vec<TestDatabase>,
}

impl Fresh {
    async fn close(self) {
        for db in self.databases {
            db.close().await.expect("close");
        }
    }
}

/// The sequential loop, then the fan-out with each job count, each on fresh targets.
async fn scenario<F, Fut>(title: &str, jobs: &[usize], fresh: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Fresh>,
{
    println!("{title}:");
    let targets = fresh().await;
    let count = targets.tenants.len();
    let sequential = sequential(&targets.tenants).await;
    line("sequential loop", sequential, sequential, count);
    targets.close().await;
    let mut all_jobs = vec![1];
    all_jobs.extend(jobs.iter().copied().filter(|&j| j != 1));
    let mut fan_outs = Vec::new();
    for &j in &all_jobs {
        let targets = fresh().await;
        let set = TargetSet::Tenants(targets.tenants.clone());
        let fan_out = FanOut::default().jobs(NonZeroUsize::new(j).expect("jobs > 0"));
        let started = Instant::now();
        let report = migration_runner::up_many::<Synthetic>(&set, &fan_out)
            .await
            .expect("fan-out");
        let elapsed = started.elapsed();
        assert!(
            report.is_success(),
            "{:?}",
            report.failed().first().map(|o| &o.error)
        );
        line(&format!("up_many, --jobs {j}"), elapsed, sequential, count);
        fan_outs.push((j, elapsed));
        if j == *all_jobs.last().expect("one") {
            let started = Instant::now();
            let report = migration_runner::status_many::<Synthetic>(&set, &fan_out)
                .await
                .expect("status");
            assert!(report.is_success());
            line(
                &format!("status_many, --jobs {j}"),
                started.elapsed(),
                Duration::ZERO,
                count,
            );
        }
        targets.close().await;
    }
    raw_comparison(&fresh, &fan_outs, sequential).await;
}

/// The same DDL by `jobs` parallel `psql` sessions, on fresh targets, for each job count
/// the fan-out ran with; and the fan-out's time over it.
async fn raw_comparison<F, Fut>(fresh: &F, fan_outs: &[(usize, Duration)], sequential: Duration)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Fresh>,
{
    let script = raw_script::script("", &raw_script::captured(DbBackend::Postgres).await);
    for &(j, fan_out) in fan_outs {
        let targets = fresh().await;
        let count = targets.tenants.len();
        let Some(raw) = raw_parallel(&targets, &script, j) else {
            println!("  psql not installed: no raw comparison");
            targets.close().await;
            return;
        };
        line(&format!("psql x {j} in parallel"), raw, sequential, count);
        println!(
            "  {:<22} {:>8.2}x parallel psql (--jobs {j})",
            "up_many / raw",
            fan_out.as_secs_f64() / raw.as_secs_f64()
        );
        targets.close().await;
    }
}

/// One `psql` session per target, `jobs` at a time; `None` when `psql` is not installed.
fn raw_parallel(targets: &Fresh, script: &str, jobs: usize) -> Option<Duration> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let all_ran = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let (Some(tenant), Some(url)) =
                            (targets.tenants.get(index), targets.urls.get(index))
                        else {
                            return true;
                        };
                        let preamble = match &tenant.schema {
                            Some(schema) => format!("SET search_path TO {schema};\n"),
                            None => String::new(),
                        };
                        let session = format!("{preamble}{script}");
                        if raw_script::run_script(raw_script::psql(url, true), &session).is_none() {
                            return false;
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .all(|worker| worker.join().expect("a psql worker"))
    });
    all_ran.then(|| started.elapsed())
}

fn line(what: &str, elapsed: Duration, sequential: Duration, count: usize) {
    let speed_up = if sequential.is_zero() {
        String::new()
    } else {
        format!(
            "  {:>5.2}x the sequential loop",
            sequential.as_secs_f64() / elapsed.as_secs_f64()
        )
    };
    println!(
        "  {what:<22} {:>8.2} s  ({:>6.1} ms a target){speed_up}",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / count as f64,
    );
}

/// One target after the other: its own connection, `up`, closed.
async fn sequential(tenants: &[Tenant]) -> Duration {
    let started = Instant::now();
    for tenant in tenants {
        let db = tenant
            .target
            .connect(Access::ReadWrite, Duration::from_secs(5))
            .await
            .expect("connect");
        let mut options = Options::default();
        if let Some(schema) = &tenant.schema {
            options = options.schema(schema.clone());
        }
        let report = migration_runner::up::<Synthetic>(&db, &options)
            .await
            .expect("up");
        assert_eq!(report.applied.len(), SIZE.load(Ordering::Relaxed));
        db.close().await.expect("close");
    }
    started.elapsed()
}

/// `count` empty schemas `tenant_000`... in one fresh database.
async fn schema_targets(count: usize) -> Fresh {
    let db = TestDatabase::fresh(Backend::Postgres)
        .await
        .expect("database");
    let target = Target::parse(&db.url, Access::ReadWrite).expect("target");
    let mut tenants = Vec::new();
    let mut urls = Vec::new();
    for index in 0..count {
        let schema = format!("tenant_{index:03}");
        db.conn
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        tenants.push(Tenant::in_schema(target.clone(), schema));
        urls.push(db.url.clone());
    }
    Fresh {
        tenants,
        urls,
        databases: vec![db],
    }
}

/// `count` fresh databases of one server.
async fn database_targets(count: usize) -> Fresh {
    let mut tenants = Vec::new();
    let mut urls = Vec::new();
    let mut databases = Vec::new();
    for _ in 0..count {
        let db = TestDatabase::fresh(Backend::Postgres)
            .await
            .expect("database");
        tenants.push(Tenant::new(
            Target::parse(&db.url, Access::ReadWrite).expect("target"),
        ));
        urls.push(db.url.clone());
        databases.push(db);
    }
    Fresh {
        tenants,
        urls,
        databases,
    }
}
