//! `cargo run -p migration -- [COMMAND]`: see `--help`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    migration_runner::cli::main::<migration::Migrator>(migration::SOURCES).await
}
