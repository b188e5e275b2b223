//! `cargo run -p mcpbox-migration -- [COMMAND]`: the safe runner's CLI over MCPBox's
//! migrations (see `--help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    migration_runner::cli::main::<mcpbox_migration::Migrator>(mcpbox_migration::SOURCES).await
}
