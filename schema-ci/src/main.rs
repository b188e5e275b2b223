//! `cargo run -p schema-ci -- verify`: the conformance suite on this repository's
//! migrator, as CI runs it. Any project's binary is the same three lines.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    conformance::cli::main::<migration::Migrator>().await
}
