//! The four foreign keys as relations: `find_with_related` (HasMany) and
//! `find_also_related` (BelongsTo) load on both backends, and deletes cascade.

use crate::common::rows::{self, CONFIG_ID, SERVER_ID, parent_config, parent_server};
use crate::common::{insert_all, migrated};
use conformance::Backend;
use entity::generated::*;
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm::{DatabaseConnection, EntityTrait, ModelTrait, PaginatorTrait, QueryOrder};

/// A server with two children in each child table, an extra childless server, and two
/// tokens under the config [`CONFIG_ID`].
async fn seed(db: &DatabaseConnection) {
    insert_all::<mcp_servers::Entity>(db, &[parent_server()]).await;
    insert_all::<mcp_servers::Entity>(db, &rows::mcp_servers()[1..]).await;
    insert_all::<mcps::Entity>(db, &rows::mcps()).await;
    insert_all::<mcp_auth_headers::Entity>(db, &rows::mcp_auth_headers()).await;
    insert_all::<mcp_oauth_configs::Entity>(db, &rows::mcp_oauth_configs()).await;
    insert_all::<mcp_oauth_configs::Entity>(db, &[parent_config()]).await;
    insert_all::<mcp_oauth_tokens::Entity>(db, &rows::mcp_oauth_tokens()).await;
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn servers_have_many_mcps_headers_and_configs(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    seed(&db.conn).await;

    let loaded = mcp_servers::Entity::find()
        .find_with_related(mcps::Entity)
        .order_by_asc(mcp_servers::Column::Id)
        .order_by_asc(mcps::Column::Id)
        .all(&db.conn)
        .await
        .unwrap();
    let shape: Vec<(String, Vec<String>)> = loaded
        .into_iter()
        .map(|(server, children)| (server.id, children.into_iter().map(|c| c.id).collect()))
        .collect();
    let ids = |rows: &[mcps::Model]| rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        shape,
        vec![
            (SERVER_ID.to_owned(), ids(&rows::mcps())),
            (rows::mcp_servers()[1].id.clone(), vec![]),
        ],
        "{backend}: mcps"
    );

    let server = mcp_servers::Entity::find_by_id(SERVER_ID)
        .one(&db.conn)
        .await
        .unwrap()
        .expect("seeded");
    let mut headers = server
        .find_related(mcp_auth_headers::Entity)
        .all(&db.conn)
        .await
        .unwrap();
    headers.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        headers,
        rows::mcp_auth_headers().to_vec(),
        "{backend}: headers"
    );

    let (_, configs) = mcp_servers::Entity::find_by_id(SERVER_ID)
        .find_with_related(mcp_oauth_configs::Entity)
        .order_by_asc(mcp_oauth_configs::Column::Id)
        .all(&db.conn)
        .await
        .unwrap()
        .pop()
        .expect("one server");
    let mut expected = rows::mcp_oauth_configs().to_vec();
    expected.push(parent_config());
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(configs, expected, "{backend}: configs");
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn configs_have_many_tokens_and_children_belong_to_parents(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    seed(&db.conn).await;

    let (config, tokens) = mcp_oauth_configs::Entity::find_by_id(CONFIG_ID)
        .find_with_related(mcp_oauth_tokens::Entity)
        .order_by_asc(mcp_oauth_tokens::Column::Id)
        .all(&db.conn)
        .await
        .unwrap()
        .pop()
        .expect("the config was seeded");
    assert_eq!(config, parent_config());
    assert_eq!(
        tokens,
        rows::mcp_oauth_tokens().to_vec(),
        "{backend}: tokens"
    );

    // BelongsTo, from each child table.
    let token_parents = mcp_oauth_tokens::Entity::find()
        .find_also_related(mcp_oauth_configs::Entity)
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(token_parents.len(), 2);
    assert!(
        token_parents
            .iter()
            .all(|(_, c)| c.as_ref() == Some(&config))
    );

    let server = parent_server();
    let mcp_parents = mcps::Entity::find()
        .find_also_related(mcp_servers::Entity)
        .all(&db.conn)
        .await
        .unwrap();
    assert!(mcp_parents.iter().all(|(_, s)| s.as_ref() == Some(&server)));
    let header_parents = mcp_auth_headers::Entity::find()
        .find_also_related(mcp_servers::Entity)
        .all(&db.conn)
        .await
        .unwrap();
    assert!(
        header_parents
            .iter()
            .all(|(_, s)| s.as_ref() == Some(&server))
    );
    let config_parents = mcp_oauth_configs::Entity::find()
        .find_also_related(mcp_servers::Entity)
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(config_parents.len(), 3);
    assert!(
        config_parents
            .iter()
            .all(|(_, s)| s.as_ref() == Some(&server))
    );
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deleting_a_server_through_the_entity_cascades(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    seed(&db.conn).await;
    let server = mcp_servers::Entity::find_by_id(SERVER_ID)
        .one(&db.conn)
        .await
        .unwrap()
        .expect("seeded");
    server.delete(&db.conn).await.unwrap();
    let c = &db.conn;
    assert_eq!(mcps::Entity::find().count(c).await.unwrap(), 0, "{backend}");
    assert_eq!(mcp_auth_headers::Entity::find().count(c).await.unwrap(), 0);
    assert_eq!(mcp_oauth_configs::Entity::find().count(c).await.unwrap(), 0);
    assert_eq!(mcp_oauth_tokens::Entity::find().count(c).await.unwrap(), 0);
    assert_eq!(mcp_servers::Entity::find().count(c).await.unwrap(), 1);
    db.close().await.unwrap();
}
