//! migration 3 with its down edited, one UPDATE per row read. A dry run
//! sees no rows, so the per-row statement never shows in its SQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20240101_000003_name_widgets"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(backend, "SELECT id FROM widgets"))
            .await?;
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let update = Query::update()
                .table(Alias::new("widgets"))
                .value(Alias::new("name"), format!("widget {id}"))
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            db.execute(&update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let reset = Query::update()
            .table(Alias::new("widgets"))
            .value(Alias::new("name"), "unnamed")
            .to_owned();
        manager.get_connection().execute(&reset).await.map(|_| ())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
