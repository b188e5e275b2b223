//! `cargo run -p schema-ci -- verify`: the conformance suite on this repository's
//! migrator, as CI runs it. Any project's binary is the same few lines.

use std::process::ExitCode;

use conformance::Suite;
use migration::Migrator;

#[tokio::main]
async fn main() -> ExitCode {
    // Paths of this repository, relative to the workspace root where CI runs it.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let suite = Suite::<Migrator>::new()
        .allow_list(root.join("migration/parity-allowlist.txt"))
        .snapshots(root.join("snapshots"));
    conformance::cli::main_with_sources(suite, migration::SOURCES).await
}
