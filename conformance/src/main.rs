//! `cargo run -p conformance -- verify`: the suite on this workspace's migrator.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    conformance::cli::main::<migration::Migrator>().await
}
