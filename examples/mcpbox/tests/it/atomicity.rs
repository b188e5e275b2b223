//! 0002 failing part-way, after it has already rebuilt or altered the first request
//! table, leaves the database exactly as 0001 left it: its transaction covers every step
//! and the bookkeeping row, on SQLite as on PostgreSQL.

use conformance::catalog::dump;
use conformance::{Backend, fresh_database};
use mcpbox_migration::Migrator;
use pretty_assertions::assert_eq;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn a_failure_part_way_through_0002_changes_nothing_on_sqlite() {
    // The module part's rebuild table name is taken: network_access_requests is done by then.
    fails_atomically(
        Backend::Sqlite,
        "CREATE TABLE module_requests_rebuild (x integer)",
    )
    .await;
}

#[tokio::test]
async fn a_failure_part_way_through_0002_changes_nothing_on_postgres() {
    // The module part's new index name is taken: every earlier step has run by then.
    fails_atomically(
        Backend::Postgres,
        "CREATE INDEX ix_mr_pending_tool_unique ON servers (name)",
    )
    .await;
}

async fn fails_atomically(backend: Backend, blocker: &str) {
    let Some(db) = fresh_database(backend).await else {
        return;
    };
    Migrator::up(&db.conn, Some(1)).await.expect("0001 applies");
    let run = |sql: &str| {
        db.conn
            .execute_raw(Statement::from_string(db.conn.get_database_backend(), sql))
    };
    run(blocker).await.expect("the blocker");
    let before = dump(&db.conn).await.expect("dump");

    let error = Migrator::up(&db.conn, Some(1))
        .await
        .expect_err("0002 fails on the blocker");
    assert!(
        error.to_string().contains("module_requests_rebuild")
            || error.to_string().contains("ix_mr_pending_tool_unique"),
        "{error}"
    );
    assert_eq!(
        dump(&db.conn).await.expect("dump").to_string(),
        before.to_string(),
        "nothing of 0002 stays"
    );
    let applied = Migrator::get_applied_migrations(&db.conn)
        .await
        .expect("applied migrations");
    assert_eq!(applied.len(), 1, "0002 is not recorded");
    db.close().await.expect("close");
}
