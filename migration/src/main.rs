//! `cargo run -p migration -- [COMMAND]`: see `--help`.

use std::io::Write;
use std::process::ExitCode;

use migration_runner::cli::Parser;
use migration::Migrator;
use migration_runner::cli::{self, Args};

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run::<Migrator>(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Ignore a closed stderr: the exit code still tells.
            let _ = writeln!(std::io::stderr(), "error: {error}");
            ExitCode::FAILURE
        }
    }
}
