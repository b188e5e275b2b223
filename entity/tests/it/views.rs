//! Pattern B views: the SQL they send (no salt, no nonce, a ciphertext only inside
//! the `IS NOT NULL` of its flag) and the `has_*` flags they compute on real databases.

use std::collections::BTreeSet;

use crate::common::rows::{self, parent_config, parent_server};
use crate::common::{insert_all, migrated};
use conformance::Backend;
use entity::generated::*;
use entity::views::*;
use entity::{ApiAlias, App, McpAuthHeader, McpOAuthConfig, McpOAuthToken, Toolset};
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, IdenStatic, Iterable, PartialModelTrait, QueryFilter,
    QueryOrder,
};

/// What a view must select from its table.
struct Expected {
    /// Columns of the table the view must leave out entirely.
    excluded: &'static [&'static str],
    /// (ciphertext column, flag) pairs: the column may appear only as
    /// `"table"."column" IS NOT NULL AS "flag"`.
    flags: &'static [(&'static str, &'static str)],
}

/// The SQL a view sends.
fn view_sql<E: EntityTrait, V: PartialModelTrait>(backend: DbBackend) -> String {
    E::find()
        .into_partial_model::<V>()
        .into_statement(backend)
        .to_string()
}

/// Every row of `E` read through view `V` and converted to its domain type `D`.
async fn domain_rows<E, V, D>(conn: &sea_orm::DatabaseConnection, order: E::Column) -> Vec<D>
where
    E: EntityTrait,
    V: PartialModelTrait + Send,
    D: From<V>,
{
    E::find()
        .order_by_asc(order)
        .into_partial_model::<V>()
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(D::from)
        .collect()
}

/// Every `"table"."column"` the statement mentions.
fn referenced_columns(sql: &str, table: &str) -> BTreeSet<String> {
    let marker = format!("\"{table}\".\"");
    sql.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &sql[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn check_view<E: EntityTrait, V: PartialModelTrait>(expected: Expected) {
    let table = E::default().table_name().to_owned();
    let all: BTreeSet<String> = E::Column::iter().map(|c| c.as_str().to_owned()).collect();
    for name in expected
        .excluded
        .iter()
        .chain(expected.flags.iter().map(|(c, _)| c))
    {
        assert!(
            all.contains(*name),
            "{table} has no column {name}: fix the test"
        );
    }
    for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
        let sql = view_sql::<E, V>(backend);
        let referenced = referenced_columns(&sql, &table);
        // Every column but the excluded ones: nothing is silently missing either.
        let want: BTreeSet<String> = all
            .iter()
            .filter(|c| !expected.excluded.contains(&c.as_str()))
            .cloned()
            .collect();
        assert_eq!(referenced, want, "{backend:?} columns of {sql}");
        for column in &referenced {
            assert!(
                !column.contains("salt") && !column.contains("nonce"),
                "{backend:?} selects {column}: {sql}"
            );
        }
        for (ciphertext, flag) in expected.flags {
            let as_flag = format!("\"{table}\".\"{ciphertext}\" IS NOT NULL AS \"{flag}\"");
            assert_eq!(
                sql.matches(&as_flag).count(),
                1,
                "{backend:?} {as_flag} in {sql}"
            );
            assert_eq!(
                sql.matches(&format!("\"{ciphertext}\"")).count(),
                1,
                "{backend:?} selects {ciphertext} other than for {flag}: {sql}"
            );
        }
    }
}

#[test]
fn api_alias_view_leaves_out_the_key_triple_but_its_flag() {
    check_view::<api_model_aliases::Entity, ApiAliasView>(Expected {
        excluded: &["salt", "nonce"],
        flags: &[("encrypted_api_key", "has_api_key")],
    });
}

#[test]
fn mcp_auth_header_view_leaves_out_the_value_triple() {
    check_view::<mcp_auth_headers::Entity, McpAuthHeaderView>(Expected {
        excluded: &[
            "encrypted_header_value",
            "header_value_salt",
            "header_value_nonce",
        ],
        flags: &[],
    });
}

#[test]
fn mcp_oauth_config_view_selects_ciphertexts_only_for_flags() {
    check_view::<mcp_oauth_configs::Entity, McpOAuthConfigView>(Expected {
        excluded: &[
            "client_secret_salt",
            "client_secret_nonce",
            "registration_access_token_salt",
            "registration_access_token_nonce",
        ],
        flags: &[
            ("encrypted_client_secret", "has_client_secret"),
            (
                "encrypted_registration_access_token",
                "has_registration_access_token",
            ),
        ],
    });
}

#[test]
fn mcp_oauth_token_view_leaves_out_the_access_triple_and_refresh_salt_nonce() {
    check_view::<mcp_oauth_tokens::Entity, McpOAuthTokenView>(Expected {
        excluded: &[
            "encrypted_access_token",
            "access_token_salt",
            "access_token_nonce",
            "refresh_token_salt",
            "refresh_token_nonce",
        ],
        flags: &[("encrypted_refresh_token", "has_refresh_token")],
    });
}

#[test]
fn toolset_view_leaves_out_the_key_triple_but_its_flag() {
    check_view::<toolsets::Entity, ToolsetView>(Expected {
        excluded: &["salt", "nonce"],
        flags: &[("encrypted_api_key", "has_api_key")],
    });
}

#[test]
fn app_view_leaves_out_the_secret_triple() {
    check_view::<apps::Entity, AppView>(Expected {
        excluded: &[
            "encrypted_client_secret",
            "salt_client_secret",
            "nonce_client_secret",
        ],
        flags: &[],
    });
}

// The row fixtures: the `A` row of each table has every secret, the `B` row has only
// the NOT NULL ones. Views are read in id order, so A comes first.

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn api_alias_flags_and_domain(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let rows = rows::api_model_aliases();
    insert_all::<api_model_aliases::Entity>(&db.conn, &rows).await;
    let found: Vec<ApiAlias> = domain_rows::<api_model_aliases::Entity, ApiAliasView, ApiAlias>(
        &db.conn,
        api_model_aliases::Column::Id,
    )
    .await;
    let [with_key, without_key] = rows;
    let expected = |row: api_model_aliases::Model, has_api_key| ApiAlias {
        id: row.id,
        api_format: row.api_format,
        base_url: row.base_url,
        models: row.models,
        prefix: row.prefix,
        forward_all_with_prefix: row.forward_all_with_prefix,
        models_cache: row.models_cache,
        cache_fetched_at: row.cache_fetched_at,
        has_api_key,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    assert_eq!(
        found,
        vec![expected(with_key, true), expected(without_key, false)]
    );
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn toolset_flags_and_domain(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let rows = rows::toolsets();
    insert_all::<toolsets::Entity>(&db.conn, &rows).await;
    let found: Vec<Toolset> =
        domain_rows::<toolsets::Entity, ToolsetView, Toolset>(&db.conn, toolsets::Column::Id).await;
    let [with_key, without_key] = rows;
    let expected = |row: toolsets::Model, has_api_key| Toolset {
        id: row.id,
        user_id: row.user_id,
        toolset_type: row.toolset_type,
        slug: row.slug,
        description: row.description,
        enabled: row.enabled,
        has_api_key,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    assert_eq!(
        found,
        vec![expected(with_key, true), expected(without_key, false)]
    );
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mcp_oauth_config_flags_and_domain(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    insert_all::<mcp_servers::Entity>(&db.conn, &[parent_server()]).await;
    let rows = rows::mcp_oauth_configs();
    insert_all::<mcp_oauth_configs::Entity>(&db.conn, &rows).await;
    let found: Vec<McpOAuthConfig> = domain_rows::<
        mcp_oauth_configs::Entity,
        McpOAuthConfigView,
        McpOAuthConfig,
    >(&db.conn, mcp_oauth_configs::Column::Id)
    .await;
    let [with_secrets, without] = rows;
    let expected = |row: mcp_oauth_configs::Model, has: bool| McpOAuthConfig {
        id: row.id,
        name: row.name,
        mcp_server_id: row.mcp_server_id,
        registration_type: row.registration_type,
        client_id: row.client_id,
        has_client_secret: has,
        authorization_endpoint: row.authorization_endpoint,
        token_endpoint: row.token_endpoint,
        registration_endpoint: row.registration_endpoint,
        has_registration_access_token: has,
        client_id_issued_at: row.client_id_issued_at,
        token_endpoint_auth_method: row.token_endpoint_auth_method,
        scopes: row.scopes,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    assert_eq!(
        found,
        vec![expected(with_secrets, true), expected(without, false)]
    );

    // The two flags are independent.
    let mut only_secret = parent_config();
    only_secret.id = "01JCONFIGC0000000000000000".into();
    only_secret.name = "only secret".into();
    only_secret.encrypted_registration_access_token = None;
    only_secret.registration_access_token_salt = None;
    only_secret.registration_access_token_nonce = None;
    insert_all::<mcp_oauth_configs::Entity>(&db.conn, &[only_secret]).await;
    let view = mcp_oauth_configs::Entity::find()
        .filter(mcp_oauth_configs::Column::Id.eq("01JCONFIGC0000000000000000"))
        .into_partial_model::<McpOAuthConfigView>()
        .one(&db.conn)
        .await
        .unwrap()
        .expect("inserted above");
    assert!(view.has_client_secret);
    assert!(!view.has_registration_access_token);
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mcp_oauth_token_flags_and_domain(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    insert_all::<mcp_servers::Entity>(&db.conn, &[parent_server()]).await;
    insert_all::<mcp_oauth_configs::Entity>(&db.conn, &[parent_config()]).await;
    let rows = rows::mcp_oauth_tokens();
    insert_all::<mcp_oauth_tokens::Entity>(&db.conn, &rows).await;
    let found: Vec<McpOAuthToken> = domain_rows::<
        mcp_oauth_tokens::Entity,
        McpOAuthTokenView,
        McpOAuthToken,
    >(&db.conn, mcp_oauth_tokens::Column::Id)
    .await;
    let [with_refresh, without_refresh] = rows;
    let expected = |row: mcp_oauth_tokens::Model, has_refresh_token| McpOAuthToken {
        id: row.id,
        mcp_oauth_config_id: row.mcp_oauth_config_id,
        has_access_token: true,
        has_refresh_token,
        scopes_granted: row.scopes_granted,
        expires_at: row.expires_at,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    assert_eq!(
        found,
        vec![
            expected(with_refresh, true),
            expected(without_refresh, false)
        ]
    );
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mcp_auth_header_and_app_always_have_their_secret(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    insert_all::<mcp_servers::Entity>(&db.conn, &[parent_server()]).await;
    let headers = rows::mcp_auth_headers();
    insert_all::<mcp_auth_headers::Entity>(&db.conn, &headers).await;
    let found: Vec<McpAuthHeader> = domain_rows::<
        mcp_auth_headers::Entity,
        McpAuthHeaderView,
        McpAuthHeader,
    >(&db.conn, mcp_auth_headers::Column::Id)
    .await;
    let expected: Vec<McpAuthHeader> = headers
        .into_iter()
        .map(|row| McpAuthHeader {
            id: row.id,
            name: row.name,
            mcp_server_id: row.mcp_server_id,
            header_key: row.header_key,
            has_header_value: true,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect();
    assert_eq!(found, expected);

    let apps = rows::apps();
    insert_all::<apps::Entity>(&db.conn, &apps).await;
    let found: Vec<App> =
        domain_rows::<apps::Entity, AppView, App>(&db.conn, apps::Column::ClientId).await;
    let expected: Vec<App> = apps
        .into_iter()
        .map(|row| App {
            client_id: row.client_id,
            has_client_secret: true,
            app_status: row.app_status,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
        .collect();
    assert_eq!(found, expected);
    db.close().await.unwrap();
}
