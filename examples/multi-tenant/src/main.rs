//! `cargo run -p multi-tenant-migration -- [COMMAND]`: the safe runner's CLI over the 14
//! application migrations plus the multi-tenant ones (see `--help`).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    migration_runner::cli::main::<multi_tenant_migration::Migrator>(multi_tenant_migration::SOURCES)
        .await
}
