//! `verify` on a synthetic migrator of N migrations, to see the harness at scale:
//! `SYNTHETIC_N=1000 cargo run -p schema-ci --example synthetic -- verify`. The migrator
//! is `make bench-scale`'s (migration k creates table `t{k}` with five columns, an index
//! and a CASCADE foreign key to `t{k-1}`). On a terminal, `verify` shows its progress bar
//! while it walks. Snapshots are off: a made-up migrator has none to review.
//! `SYNTHETIC_ROWS=0` walks empty tables (default: 3 synthetic rows per table).

use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[path = "../../runner/benches/synthetic_migrator.rs"]
mod synthetic_migrator;

use synthetic_migrator::{SIZE, Synthetic};

#[tokio::main]
async fn main() -> ExitCode {
    let size = std::env::var("SYNTHETIC_N")
        .ok()
        .and_then(|n| n.parse::<usize>().ok());
    let Some(size) = size else {
        eprintln!("set SYNTHETIC_N to the number of migrations, e.g. SYNTHETIC_N=1000");
        return ExitCode::from(2);
    };
    SIZE.store(size, Ordering::Relaxed);
    // SYNTHETIC_ROWS: the synthetic rows per table (default 3; 0 walks empty tables).
    let rows = std::env::var("SYNTHETIC_ROWS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(3);
    let suite = conformance::Suite::<Synthetic>::new()
        .skip(conformance::Check::Snapshots)
        .populate(conformance::Populate::default().rows(rows));
    conformance::cli::main_with(suite).await
}
