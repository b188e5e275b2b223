//! All 14 migrations produce exactly the spec's schema on both backends, read back from
//! each database's own catalog, and roll back to nothing.

use crate::common::*;
use conformance::Backend;
use migration::{Migrator, MigratorTrait};
use pretty_assertions::assert_eq;
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn up_creates_exactly_the_spec_schema(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };

    let actual = actual_schema(&db.conn).await;
    assert_eq!(actual, expected_schema(backend));
    assert_eq!(actual.tables.len(), 16);
    let columns: usize = actual.tables.values().map(|t| t.columns.len()).sum();
    assert_eq!(columns, 173);
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM seaql_migrations").await,
        migration_count() as i64
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn down_all_leaves_only_the_migrations_table_and_up_works_again(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };

    Migrator::down(&db.conn, None).await.expect("down all");
    assert_eq!(
        table_names(&db.conn).await,
        vec![MIGRATIONS_TABLE.to_owned()]
    );
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM seaql_migrations").await,
        0
    );
    if backend == Backend::Postgres {
        assert_eq!(
            count(
                &db.conn,
                "SELECT COUNT(*) FROM pg_extension WHERE extname = 'citext'"
            )
            .await,
            0,
            "down of migration 0 must drop citext"
        );
    }

    Migrator::up(&db.conn, None).await.expect("up again");
    assert_eq!(actual_schema(&db.conn).await, expected_schema(backend));
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM seaql_migrations").await,
        migration_count() as i64
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn migrations_are_named_and_ordered_as_in_the_spec(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let expected = [
        "m20250101_000000_extensions",
        "m20250101_000001_download_requests",
        "m20250101_000002_api_model_aliases",
        "m20250101_000003_model_metadata",
        "m20250101_000004_access_requests",
        "m20250101_000005_api_tokens",
        "m20250101_000006_toolsets",
        "m20250101_000007_user_aliases",
        "m20250101_000008_app_access_requests",
        "m20250101_000009_mcp_servers",
        "m20250101_000010_mcp_auth_headers",
        "m20250101_000011_mcp_oauth",
        "m20250101_000012_settings",
        "m20250101_000013_apps",
    ];
    assert_eq!(names, expected);
    let applied = versions(&db.conn).await;
    assert_eq!(applied, expected);
    // Every migration declares its own transaction, SQLite included.
    assert!(
        Migrator::migrations()
            .iter()
            .all(|m| m.use_transaction() == Some(true))
    );
    db.close().await.expect("close");
}
