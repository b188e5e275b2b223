//! Slow migration 4 of 5 (the kill test): the table `slow_4`, its index and two rows.

use sea_orm_migration::prelude::*;

use super::slow_migration;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20240301_000004_slow_four"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::up(manager, 4).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::down(manager, 4).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
