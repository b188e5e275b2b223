//! Case-insensitive columns (citext on PostgreSQL, `COLLATE NOCASE` on SQLite) through
//! the entities: `ColumnTrait` filters ignore case on both backends, values keep their
//! case, and the unique indexes over them ignore case.

use crate::common::rows::{self, parent_server};
use crate::common::{insert_all, migrated};
use conformance::Backend;
use entity::generated::*;
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn eq_ne_and_is_in_ignore_case(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let rows = rows::toolsets(); // slugs "My-Exa" and "second"
    insert_all::<toolsets::Entity>(&db.conn, &rows).await;

    let found = toolsets::Entity::find()
        .filter(toolsets::Column::Slug.eq("MY-EXA"))
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(found, vec![rows[0].clone()], "{backend}: eq");
    // The stored case is kept.
    assert_eq!(found[0].slug, "My-Exa");

    let found = toolsets::Entity::find()
        .filter(toolsets::Column::Slug.ne("my-exa"))
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(found, vec![rows[1].clone()], "{backend}: ne");

    let found = toolsets::Entity::find()
        .filter(toolsets::Column::Slug.is_in(["my-exa", "SECOND"]))
        .order_by_asc(toolsets::Column::Id)
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(found, rows.to_vec(), "{backend}: is_in");

    let found = toolsets::Entity::find()
        .filter(toolsets::Column::Slug.like("my-%"))
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(found, vec![rows[0].clone()], "{backend}: like");
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_case_insensitive_column_matches_ignoring_case(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    insert_all::<mcp_servers::Entity>(&db.conn, &[parent_server()]).await;
    let servers = rows::mcp_servers();
    insert_all::<mcp_servers::Entity>(&db.conn, &servers).await;
    insert_all::<mcps::Entity>(&db.conn, &rows::mcps()).await;
    insert_all::<mcp_auth_headers::Entity>(&db.conn, &rows::mcp_auth_headers()).await;
    insert_all::<mcp_oauth_configs::Entity>(&db.conn, &rows::mcp_oauth_configs()).await;

    let server = mcp_servers::Entity::find()
        .filter(mcp_servers::Column::Url.eq("HTTPS://mcp.example.COM/sse"))
        .one(&db.conn)
        .await
        .unwrap();
    assert_eq!(
        server.map(|s| s.id),
        Some(servers[0].id.clone()),
        "{backend}: url"
    );

    let mcp = mcps::Entity::find()
        .filter(mcps::Column::Slug.eq("example-tools"))
        .one(&db.conn)
        .await
        .unwrap();
    assert_eq!(
        mcp.map(|m| m.slug),
        Some("Example-Tools".to_owned()),
        "{backend}: slug"
    );

    let header = mcp_auth_headers::Entity::find()
        .filter(mcp_auth_headers::Column::Name.eq("HEADER"))
        .one(&db.conn)
        .await
        .unwrap();
    assert_eq!(
        header.map(|h| h.name),
        Some("Header".to_owned()),
        "{backend}: header"
    );

    let config = mcp_oauth_configs::Entity::find()
        .filter(mcp_oauth_configs::Column::Name.eq("oauth"))
        .one(&db.conn)
        .await
        .unwrap();
    assert_eq!(
        config.map(|c| c.name),
        Some("OAuth".to_owned()),
        "{backend}: oauth"
    );
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn unique_indexes_ignore_case_and_active_models_work(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let [first, _] = rows::toolsets();
    // ActiveModel::insert reads the row back (RETURNING where the backend has it).
    let inserted = ActiveModelTrait::insert(first.clone().into_active_model(), &db.conn)
        .await
        .unwrap();
    assert_eq!(inserted, first, "{backend}");

    // Same user, same slug but for case: idx_toolsets_user_id_slug refuses it.
    let mut twin = first.clone();
    twin.id = "01JTOOLSETTWIN000000000000".into();
    twin.slug = "MY-EXA".into();
    let err = toolsets::Entity::insert(twin.into_active_model())
        .exec_without_returning(&db.conn)
        .await;
    assert!(
        err.is_err(),
        "{backend}: a case-variant duplicate slug was accepted"
    );

    // An UPDATE through the ActiveModel casts too, and a filter finds the new value.
    let mut active = first.clone().into_active_model();
    active.slug = ActiveValue::Set("Renamed".into());
    let updated = ActiveModelTrait::update(active, &db.conn).await.unwrap();
    assert_eq!(updated.slug, "Renamed", "{backend}");
    let found = toolsets::Entity::find()
        .filter(toolsets::Column::Slug.eq("RENAMED"))
        .one(&db.conn)
        .await
        .unwrap();
    assert_eq!(
        found.map(|t| t.slug),
        Some("Renamed".to_owned()),
        "{backend}"
    );
    db.close().await.unwrap();
}

/// What does NOT ignore case: a raw `Expr` comparison bypasses the column's `save_as`,
/// binds a `text` value, and PostgreSQL then compares as text. (On SQLite the column
/// collation still applies.) Pinned here so that FIDELITY.md's warning stays true.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn raw_expr_comparison_is_case_sensitive_on_postgres(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    insert_all::<toolsets::Entity>(&db.conn, &rows::toolsets()).await;
    let found = toolsets::Entity::find()
        .filter(Expr::col((toolsets::Entity, toolsets::Column::Slug)).eq("MY-EXA"))
        .all(&db.conn)
        .await
        .unwrap();
    let expected_matches = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 0,
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    };
    assert_eq!(found.len(), expected_matches, "{backend}");
    db.close().await.unwrap();
}
