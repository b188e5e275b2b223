//! `entity-codegen`: regenerates `entity/src/generated/` from the migrated schema.

// sqlx's MySQL driver makes the async main's future deep.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Regenerate the SeaORM entities from a freshly migrated PostgreSQL database.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Folder to write the generated modules to [default: entity/src/generated].
    #[arg(long)]
    out: Option<PathBuf>,

    /// Write nothing; exit 1 with a diff if the folder differs from a fresh generation.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("entity-codegen: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(entity_codegen::default_out_dir);
    let files = entity_codegen::generate().await?;
    if args.check {
        let drift = files.drift_from(&out)?;
        if drift.is_empty() {
            println!("{} is up to date ({} files)", out.display(), files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{} differs from the migrated schema; run `make entities`:\n{drift}",
            out.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    files.write_to(&out)?;
    println!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::SUCCESS)
}
