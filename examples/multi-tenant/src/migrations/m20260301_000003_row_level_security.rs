//! PostgreSQL row-level security: on every org-scoped table, a policy that lets a session
//! see and write only the rows of the organization in `app.current_org_id`.
//!
//! Defence in depth behind the repositories' `org_id` parameters. `current_setting` without
//! `missing_ok` makes a query of a session that never set the organization an error (or,
//! on a pooled connection where an earlier transaction set it with SET LOCAL, a match on
//! '' that no row has): never another organization's rows. The table owner (who runs
//! migrations) is not subject to the policies (no FORCE), so the application must connect
//! as a role that does not own the tables. SQLite has no row-level security: nothing happens there (see the README).

use migration::schema::Backend;
use sea_orm_migration::prelude::*;

use crate::ORG_SCOPED_TABLES;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn policy_name(table: &str) -> String {
    format!("{table}_org_isolation")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if crate::backend(manager, self.name())? == Backend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in ORG_SCOPED_TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" ENABLE ROW LEVEL SECURITY"
            ))
            .await?;
            // With USING alone, the same condition also checks inserted and updated rows.
            db.execute_unprepared(&format!(
                "CREATE POLICY \"{policy}\" ON \"{table}\" \
                 USING (\"org_id\" = current_setting('app.current_org_id'))",
                policy = policy_name(table)
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if crate::backend(manager, self.name())? == Backend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        for table in ORG_SCOPED_TABLES.into_iter().rev() {
            db.execute_unprepared(&format!(
                "DROP POLICY \"{policy}\" ON \"{table}\"",
                policy = policy_name(table)
            ))
            .await?;
            db.execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" DISABLE ROW LEVEL SECURITY"
            ))
            .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
