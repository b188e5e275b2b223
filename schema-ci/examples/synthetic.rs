//! `verify` on a synthetic migrator of N migrations, to see the harness at scale:
//! `SYNTHETIC_N=1000 cargo run -p schema-ci --example synthetic -- verify`. Migration k
//! creates table `t{k}` (five columns, an index, a CASCADE foreign key to `t{k-1}`).
//! On a terminal, `verify` shows its progress bar while it walks. Snapshots are off.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use migration::*;

static SIZE: AtomicUsize = AtomicUsize::new(0);

struct Synthetic;

impl MigratorTrait for Synthetic {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        (0..SIZE.load(Ordering::Relaxed))
            .map(|index| {
                Box::new(TableMigration {
                    index,
                    name: format!("m{index:06}_t{index}"),
                }) as Box<dyn MigrationTrait>
            })
            .collect()
    }
}

struct TableMigration {
    index: usize,
    name: String,
}

impl MigrationName for TableMigration {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TableMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let name = Alias::new(format!("t{}", self.index));
        let mut table = Table::create();
        table
            .table(name.clone())
            .col(
                ColumnDef::new(Alias::new("id"))
                    .integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Alias::new("previous_id")).integer())
            .col(ColumnDef::new(Alias::new("name")).string().not_null())
            .col(
                ColumnDef::new(Alias::new("amount"))
                    .big_integer()
                    .not_null()
                    .default(0),
            )
            .col(ColumnDef::new(Alias::new("note")).text());
        if self.index > 0 {
            table.foreign_key(
                ForeignKey::create()
                    .name(format!("fk_t{}_previous", self.index))
                    .from(name.clone(), Alias::new("previous_id"))
                    .to(Alias::new(format!("t{}", self.index - 1)), Alias::new("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            );
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name(format!("idx_t{}_name", self.index))
                    .table(name)
                    .col(Alias::new("name"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let name = Alias::new(format!("t{}", self.index));
        manager
            .drop_table(Table::drop().table(name).to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

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
    // No reviewed snapshots for a made-up migrator: that check is off.
    let suite = conformance::Suite::<Synthetic>::new().skip(conformance::Check::Snapshots);
    conformance::cli::main_with(suite).await
}
