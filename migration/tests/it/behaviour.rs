//! What the schema promises, shown by plain SQL against a migrated database on both
//! backends: cascades, case-insensitive uniqueness and lookups, partial unique indexes,
//! NOT NULL and defaults.

use crate::common::*;
use conformance::Backend;
use migration::sea_orm::{ConnectionTrait, Statement};
use rstest::rstest;

const T: &str = "'2025-01-01T00:00:00+00:00'";

fn server(id: &str, url: &str) -> String {
    format!(
        "INSERT INTO mcp_servers (id, url, created_by, updated_by, created_at, updated_at) \
         VALUES ('{id}', '{url}', 'admin', 'admin', {T}, {T})"
    )
}

fn mcp(id: &str, server: &str, owner: &str, slug: &str) -> String {
    format!(
        "INSERT INTO mcps (id, created_by, mcp_server_id, name, slug, created_at, updated_at) \
         VALUES ('{id}', '{owner}', '{server}', 'n', '{slug}', {T}, {T})"
    )
}

fn toolset(id: &str, user: &str, slug: &str) -> String {
    format!(
        "INSERT INTO toolsets (id, user_id, toolset_type, slug, created_at, updated_at) \
         VALUES ('{id}', '{user}', 'builtin-exa-search', '{slug}', {T}, {T})"
    )
}

async fn ok(db: &conformance::TestDatabase, sql: &str) {
    exec(&db.conn, sql)
        .await
        .unwrap_or_else(|e| panic!("{} should accept {sql}: {e}", db.backend));
}

async fn rejected(db: &conformance::TestDatabase, sql: &str) {
    assert!(
        exec(&db.conn, sql).await.is_err(),
        "{} should reject {sql}",
        db.backend
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deleting_an_mcp_server_cascades_to_everything_under_it(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    ok(&db, &server("s1", "https://a.example/mcp")).await;
    ok(&db, &server("s2", "https://b.example/mcp")).await;
    ok(&db, &mcp("m1", "s1", "u1", "a")).await;
    ok(&db, &mcp("m2", "s2", "u1", "b")).await;
    ok(
        &db,
        &format!(
            "INSERT INTO mcp_auth_headers (id, mcp_server_id, header_key, encrypted_header_value, \
         header_value_salt, header_value_nonce, created_by, created_at, updated_at) \
         VALUES ('h1', 's1', 'Authorization', 'c', 's', 'n', 'u1', {T}, {T})"
        ),
    )
    .await;
    ok(
        &db,
        &format!(
            "INSERT INTO mcp_oauth_configs (id, mcp_server_id, client_id, authorization_endpoint, \
         token_endpoint, created_by, created_at, updated_at) \
         VALUES ('c1', 's1', 'client', 'https://a/auth', 'https://a/token', 'u1', {T}, {T})"
        ),
    )
    .await;
    ok(
        &db,
        &format!(
            "INSERT INTO mcp_oauth_tokens (id, mcp_oauth_config_id, encrypted_access_token, \
         access_token_salt, access_token_nonce, created_by, created_at, updated_at) \
         VALUES ('t1', 'c1', 'c', 's', 'n', 'u1', {T}, {T})"
        ),
    )
    .await;
    // The foreign keys are enforced (on SQLite only when the connection enables them).
    rejected(&db, &mcp("m3", "no-such-server", "u1", "c")).await;

    ok(&db, "DELETE FROM mcp_servers WHERE id = 's1'").await;

    for (table, left) in [
        ("mcps", 1),
        ("mcp_auth_headers", 0),
        ("mcp_oauth_configs", 0),
        ("mcp_oauth_tokens", 0),
    ] {
        let n = count(&db.conn, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(n, left, "{backend}: rows left in {table}");
    }
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn updating_a_server_id_cascades_to_its_children(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    ok(&db, &server("s1", "https://a.example/mcp")).await;
    ok(&db, &mcp("m1", "s1", "u1", "a")).await;
    ok(&db, "UPDATE mcp_servers SET id = 's9' WHERE id = 's1'").await;
    assert_eq!(
        count(
            &db.conn,
            "SELECT COUNT(*) FROM mcps WHERE mcp_server_id = 's9'"
        )
        .await,
        1
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn case_insensitive_columns_reject_case_variants_and_match_any_case(
    #[case] backend: Backend,
) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    ok(&db, &server("s1", "https://Example.com/MCP")).await;
    rejected(&db, &server("s2", "HTTPS://EXAMPLE.COM/mcp")).await;
    assert_eq!(
        count(
            &db.conn,
            "SELECT COUNT(*) FROM mcp_servers WHERE url = 'https://example.com/mcp'"
        )
        .await,
        1,
        "{backend}: equality in another case finds the server"
    );

    ok(&db, &toolset("t1", "alice", "Web-Search")).await;
    rejected(&db, &toolset("t2", "alice", "WEB-SEARCH")).await;
    ok(&db, &toolset("t3", "bob", "web-search")).await;
    assert_eq!(
        count(
            &db.conn,
            "SELECT COUNT(*) FROM toolsets WHERE user_id = 'alice' AND slug = 'web-SEARCH'"
        )
        .await,
        1
    );

    ok(&db, &mcp("m1", "s1", "alice", "Notes")).await;
    rejected(&db, &mcp("m2", "s1", "alice", "nOtEs")).await;
    ok(&db, &mcp("m3", "s1", "bob", "notes")).await;
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM mcps WHERE slug = 'NOTES'").await,
        2
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn alias_prefix_is_unique_only_when_set(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let alias = |id: &str, prefix: &str| {
        format!(
            "INSERT INTO api_model_aliases (id, api_format, base_url, models, prefix, \
             cache_fetched_at, created_at, updated_at) \
             VALUES ('{id}', 'openai', 'https://api', '[\"gpt\"]', {prefix}, {T}, {T}, {T})"
        )
    };
    ok(&db, &alias("a1", "NULL")).await;
    ok(&db, &alias("a2", "NULL")).await;
    ok(&db, &alias("a3", "''")).await;
    ok(&db, &alias("a4", "''")).await;
    ok(&db, &alias("a5", "'openai/'")).await;
    rejected(&db, &alias("a6", "'openai/'")).await;
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM api_model_aliases").await,
        5
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn access_request_scope_is_unique_only_when_set(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let request = |id: &str, scope: &str| {
        format!(
            "INSERT INTO app_access_requests (id, app_client_id, flow_type, requested, \
             requested_role, access_request_scope, expires_at, created_at, updated_at) \
             VALUES ('{id}', 'app', 'popup', '{{}}', 'scope_user_user', {scope}, {T}, {T}, {T})"
        )
    };
    ok(&db, &request("r1", "NULL")).await;
    ok(&db, &request("r2", "NULL")).await;
    ok(&db, &request("r3", "'scope_access_request:1'")).await;
    rejected(&db, &request("r4", "'scope_access_request:1'")).await;
    ok(&db, &request("r5", "'scope_access_request:2'")).await;
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn not_null_columns_reject_null_and_defaults_fill_in(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    rejected(
        &db,
        &format!(
            "INSERT INTO download_requests (id, repo, filename, status, created_at, updated_at) \
         VALUES ('d0', NULL, 'f.gguf', 'pending', {T}, {T})"
        ),
    )
    .await;
    rejected(
        &db,
        &format!(
            "INSERT INTO settings (key, value, value_type, created_at, updated_at) \
         VALUES ('k', 'v', 'string', NULL, {T})"
        ),
    )
    .await;

    ok(
        &db,
        &format!(
            "INSERT INTO download_requests (id, repo, filename, status, created_at, updated_at) \
         VALUES ('d1', 'r', 'f.gguf', 'pending', {T}, {T})"
        ),
    )
    .await;
    ok(
        &db,
        &format!(
            "INSERT INTO access_requests (id, username, user_id, created_at, updated_at) \
         VALUES ('a1', 'alice', 'u1', {T}, {T})"
        ),
    )
    .await;
    ok(&db, &server("s1", "https://a.example/mcp")).await;
    ok(&db, &mcp("m1", "s1", "u1", "a")).await;
    ok(
        &db,
        &format!(
            "INSERT INTO mcp_auth_headers (id, mcp_server_id, header_key, encrypted_header_value, \
         header_value_salt, header_value_nonce, created_by, created_at, updated_at) \
         VALUES ('h1', 's1', 'Authorization', 'c', 's', 'n', 'u1', {T}, {T})"
        ),
    )
    .await;
    ok(
        &db,
        &format!(
            "INSERT INTO apps (client_id, encrypted_client_secret, salt_client_secret, \
         nonce_client_secret, created_at, updated_at) VALUES ('app', 'c', 's', 'n', {T}, {T})"
        ),
    )
    .await;
    ok(
        &db,
        &format!(
            "INSERT INTO api_model_aliases (id, api_format, base_url, models, cache_fetched_at, \
         created_at, updated_at) VALUES ('al', 'openai', 'https://api', '[]', {T}, {T}, {T})"
        ),
    )
    .await;

    let one = |sql: &'static str| {
        let conn = &db.conn;
        async move {
            conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .expect("a row")
        }
    };
    let row = one("SELECT downloaded_bytes FROM download_requests").await;
    assert_eq!(row.try_get_by_index::<i64>(0).expect("bytes"), 0);
    let row = one("SELECT status FROM access_requests").await;
    assert_eq!(
        row.try_get_by_index::<String>(0).expect("status"),
        "pending"
    );
    let row = one("SELECT name, enabled FROM mcp_servers").await;
    assert_eq!(row.try_get_by_index::<String>(0).expect("name"), "");
    assert!(!row.try_get_by_index::<bool>(1).expect("enabled"));
    let row = one("SELECT enabled, auth_type FROM mcps").await;
    assert!(row.try_get_by_index::<bool>(0).expect("enabled"));
    assert_eq!(
        row.try_get_by_index::<String>(1).expect("auth_type"),
        "public"
    );
    let row = one("SELECT name FROM mcp_auth_headers").await;
    assert_eq!(row.try_get_by_index::<String>(0).expect("name"), "Header");
    let row = one("SELECT app_status FROM apps").await;
    assert_eq!(
        row.try_get_by_index::<String>(0).expect("app_status"),
        "setup"
    );
    let row = one("SELECT forward_all_with_prefix FROM api_model_aliases").await;
    assert!(
        !row.try_get_by_index::<bool>(0)
            .expect("forward_all_with_prefix")
    );
    let cache = count(
        &db.conn,
        "SELECT COUNT(*) FROM api_model_aliases WHERE CAST(models_cache AS TEXT) = '[]'",
    )
    .await;
    assert_eq!(cache, 1, "models_cache defaults to '[]'");
    db.close().await.expect("close");
}
