//! Slow migration 3 of 5 (the kill test): the table `slow_3`, its index and two rows.

use sea_orm_migration::prelude::*;

use super::slow_migration;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20240301_000003_slow_three"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::up(manager, 3).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        slow_migration::down(manager, 3).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
