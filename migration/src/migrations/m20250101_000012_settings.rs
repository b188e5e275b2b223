//! Application settings, keyed by their natural name, values in text form.

use sea_orm_migration::{prelude::*, schema::*};

use crate::schema::{Backend, drop_table, text_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(text_pk(Settings::Key))
                    .col(string(Settings::Value))
                    .col(string(Settings::ValueType))
                    .col(timestamp_with_time_zone(Settings::CreatedAt))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        Backend::of(manager, self.name())?;
        manager.drop_table(drop_table(Settings::Table)).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    ValueType,
    CreatedAt,
    UpdatedAt,
}
