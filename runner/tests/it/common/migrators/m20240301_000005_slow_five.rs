//! Slow migration 5 of 5 (the kill test): the table `slow_5`, its index and two rows.

use sea_orm_migration::prelude::*;

use super::slow_migration;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20240301_000005_slow_five"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::up(manager, 5).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::down(manager, 5).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
