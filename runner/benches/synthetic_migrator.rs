//! The synthetic migrator of `make bench-scale` and of the `synthetic` example of
//! schema-ci (`SYNTHETIC_N=1000 cargo run -p schema-ci --example synthetic -- verify`):
//! [`SIZE`] migrations built at run time, migration k creating table `t{k}` (five
//! columns, an index, a CASCADE foreign key to `t{k-1}`). Included by both with
//! `#[path]`.

use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm_migration::prelude::*;

/// The number of migrations of [`Synthetic`]: `MigratorTrait::migrations` is a static
/// function, so the size is set here before each run.
pub static SIZE: AtomicUsize = AtomicUsize::new(0);

/// The synthetic migrator: [`SIZE`] migrations built at run time.
pub struct Synthetic;

impl MigratorTrait for Synthetic {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        (0..SIZE.load(Ordering::Relaxed))
            .map(|index| Box::new(TableMigration::new(index)) as Box<dyn MigrationTrait>)
            .collect()
    }
}

/// Migration `index`: table `t{index}` with five columns, an index on its name, and
/// (after the first) a foreign key to the previous table, `ON DELETE CASCADE`.
struct TableMigration {
    index: usize,
    name: String,
}

impl TableMigration {
    fn new(index: usize) -> Self {
        Self {
            index,
            name: format!("m{index:06}_t{index}"),
        }
    }

    fn table(&self) -> Alias {
        Alias::new(format!("t{}", self.index))
    }
}

impl MigrationName for TableMigration {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TableMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(self.table())
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
                    .from(self.table(), Alias::new("previous_id"))
                    .to(Alias::new(format!("t{}", self.index - 1)), Alias::new("id"))
                    .on_delete(ForeignKeyAction::Cascade),
            );
        }
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name(format!("idx_t{}_name", self.index))
                    .table(self.table())
                    .col(Alias::new("name"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(self.table()).to_owned())
            .await
    }

    /// Like this repository's migrations: one transaction on every backend.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
