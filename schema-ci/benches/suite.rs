//! `make bench`: how long the whole conformance suite takes for the application's 14
//! migrations, per backend, next to a plain up-all / down-all as the floor.
//!
//! Targets (issue 3): SQLite under 1 s, PostgreSQL under 5 s without the container start.
//! The walk on populated tables costs at most 1.5× the walk on empty ones (issue 22):
//! both are measured here, side by side.

// sqlx's MySQL driver makes the suite's futures deep.

use std::time::{Duration, Instant};

use conformance::backends::postgres_server;
use conformance::{Backend, Populate, Suite, TestDatabase};
use migration::{Migrator, MigratorTrait};

const RUNS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let started = Instant::now();
        let server = postgres_server().map(|s| s.describe());
        println!("postgres start: {:>8.3} s  ({})", started.elapsed().as_secs_f64(), server.as_deref().unwrap_or_else(|e| e.to_string().leak()));
        for backend in Backend::ALL {
            if backend == Backend::Postgres && server.is_err() {
                println!("{backend}: skipped, no PostgreSQL");
                continue;
            }
            let floor = measure(|| async {
                let db = TestDatabase::fresh(backend).await.expect("database");
                Migrator::up(&db.conn, None).await.expect("up");
                Migrator::down(&db.conn, None).await.expect("down");
                db.close().await.expect("close");
            })
            .await;
            let suite = measure(|| async {
                let outcome = Suite::<Migrator>::new().backends(&[backend]).run().await.expect("suite");
                assert!(outcome.report.passed(), "{}", outcome.report);
            })
            .await;
            // The same suite walking empty tables: what the synthetic rows cost.
            let empty = measure(|| async {
                let suite = Suite::<Migrator>::new().backends(&[backend]).populate(Populate::off());
                let outcome = suite.run().await.expect("suite");
                assert!(outcome.report.passed(), "{}", outcome.report);
            })
            .await;
            println!(
                "{backend:<8} up+down all: median {:>7.3} s   whole suite: median {:>7.3} s  min {:>7.3} s  ({RUNS} runs)",
                median(&floor).as_secs_f64(),
                median(&suite).as_secs_f64(),
                suite.iter().min().copied().unwrap_or_default().as_secs_f64(),
            );
            println!(
                "{backend:<8} whole suite on empty tables: median {:>7.3} s   populated / empty: {:.2}x",
                median(&empty).as_secs_f64(),
                median(&suite).as_secs_f64() / median(&empty).as_secs_f64().max(f64::EPSILON),
            );
        }
        let both = measure(|| async {
            let outcome = Suite::<Migrator>::new().run().await.expect("suite");
            assert!(outcome.report.passed(), "{}", outcome.report);
        })
        .await;
        println!("both backends with parity: median {:>7.3} s", median(&both).as_secs_f64());
    });
}

async fn measure<F, Fut>(mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        f().await;
        times.push(start.elapsed());
    }
    times
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}
