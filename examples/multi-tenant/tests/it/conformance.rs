//! The whole conformance suite on SQLite and PostgreSQL, with the example's allow-list,
//! its reviewed snapshots (`CONFORMANCE_SNAPSHOTS=accept` to regenerate them) and a data
//! case: rows seeded into the 14-migration schema all get the default organization, and
//! come back unchanged after `down`.

use conformance::DataCase;
use multi_tenant_migration::{DEFAULT_ORG_ID, Migrator, ORG_SCOPED_TABLES};

const T: &str = "'2026-01-02T03:04:05+00:00'";

/// One org-scoped table's seed: `(table, INSERTs, identifying text columns, their rows)`,
/// so that `down` can be checked to give back exactly these rows.
type TableSeed = (
    &'static str,
    Vec<String>,
    &'static str,
    Vec<Vec<&'static str>>,
);

fn seed() -> Vec<TableSeed> {
    vec![
        (
            "download_requests",
            vec![format!(
                "INSERT INTO download_requests (id, repo, filename, status, created_at, updated_at) \
                 VALUES ('dr1', 'org/repo', 'model.gguf', 'pending', {T}, {T})"
            )],
            "id, repo, filename, status",
            vec![vec!["dr1", "org/repo", "model.gguf", "pending"]],
        ),
        (
            "api_model_aliases",
            vec![
                format!(
                    "INSERT INTO api_model_aliases (id, api_format, base_url, models, prefix, cache_fetched_at, created_at, updated_at) \
                     VALUES ('am1', 'openai', 'https://api.example.com/v1', '[\"gpt\"]', 'oa/', {T}, {T}, {T})"
                ),
                format!(
                    "INSERT INTO api_model_aliases (id, api_format, base_url, models, prefix, cache_fetched_at, created_at, updated_at) \
                     VALUES ('am2', 'openai', 'https://other.example.com/v1', '[]', NULL, {T}, {T}, {T})"
                ),
            ],
            "id, base_url, prefix",
            vec![
                vec!["am1", "https://api.example.com/v1", "oa/"],
                vec!["am2", "https://other.example.com/v1", "NULL"],
            ],
        ),
        (
            "model_metadata",
            vec![format!(
                "INSERT INTO model_metadata (id, source, repo, filename, extracted_at, created_at, updated_at) \
                 VALUES ('mm1', 'model', 'org/repo', 'model.gguf', {T}, {T}, {T})"
            )],
            "id, source, repo",
            vec![vec!["mm1", "model", "org/repo"]],
        ),
        (
            "access_requests",
            vec![format!(
                "INSERT INTO access_requests (id, username, user_id, created_at, updated_at) \
                 VALUES ('ar1', 'ada@example.com', 'u1', {T}, {T})"
            )],
            "id, username, status",
            vec![vec!["ar1", "ada@example.com", "pending"]],
        ),
        (
            "api_tokens",
            vec![format!(
                "INSERT INTO api_tokens (id, user_id, token_prefix, token_hash, scopes, status, created_at, updated_at) \
                 VALUES ('at1', 'u1', 'bodhi_abc', 'ff00', 'scope_token_user', 'active', {T}, {T})"
            )],
            "id, token_prefix, status",
            vec![vec!["at1", "bodhi_abc", "active"]],
        ),
        (
            "toolsets",
            vec![
                format!(
                    "INSERT INTO toolsets (id, user_id, toolset_type, slug, created_at, updated_at) \
                     VALUES ('ts1', 'u1', 'builtin-exa-search', 'My-Search', {T}, {T})"
                ),
                format!(
                    "INSERT INTO toolsets (id, user_id, toolset_type, slug, created_at, updated_at) \
                     VALUES ('ts2', 'u2', 'builtin-exa-search', 'my-search', {T}, {T})"
                ),
            ],
            "id, user_id, slug",
            vec![
                vec!["ts1", "u1", "My-Search"],
                vec!["ts2", "u2", "my-search"],
            ],
        ),
        (
            "app_toolset_configs",
            vec![format!(
                "INSERT INTO app_toolset_configs (id, toolset_type, updated_by, created_at, updated_at) \
                 VALUES ('tc1', 'builtin-exa-search', 'admin', {T}, {T})"
            )],
            "id, toolset_type",
            vec![vec!["tc1", "builtin-exa-search"]],
        ),
        (
            "user_aliases",
            vec![format!(
                "INSERT INTO user_aliases (id, alias, repo, filename, snapshot, request_params, context_params, created_at, updated_at) \
                 VALUES ('ua1', 'llama:chat', 'org/repo', 'model.gguf', 'main', '{{}}', '[]', {T}, {T})"
            )],
            "id, alias",
            vec![vec!["ua1", "llama:chat"]],
        ),
        (
            "app_access_requests",
            vec![format!(
                "INSERT INTO app_access_requests (id, app_client_id, flow_type, requested, requested_role, expires_at, created_at, updated_at) \
                 VALUES ('aa1', 'app-client', 'popup', '{{\"toolset_types\":[]}}', 'scope_user_user', {T}, {T}, {T})"
            )],
            "id, app_client_id, status",
            vec![vec!["aa1", "app-client", "draft"]],
        ),
        (
            "mcp_servers",
            vec![format!(
                "INSERT INTO mcp_servers (id, url, created_by, updated_by, created_at, updated_at) \
                 VALUES ('ms1', 'https://mcp.example.com/mcp', 'admin', 'admin', {T}, {T})"
            )],
            "id, url",
            vec![vec!["ms1", "https://mcp.example.com/mcp"]],
        ),
        (
            "mcps",
            vec![format!(
                "INSERT INTO mcps (id, created_by, mcp_server_id, name, slug, created_at, updated_at) \
                 VALUES ('mc1', 'u1', 'ms1', 'Example', 'example', {T}, {T})"
            )],
            "id, mcp_server_id, slug",
            vec![vec!["mc1", "ms1", "example"]],
        ),
        (
            "mcp_auth_headers",
            vec![format!(
                "INSERT INTO mcp_auth_headers (id, mcp_server_id, header_key, encrypted_header_value, header_value_salt, header_value_nonce, created_by, created_at, updated_at) \
                 VALUES ('ah1', 'ms1', 'Authorization', 'c2VjcmV0', 'c2FsdA==', 'bm9uY2U=', 'u1', {T}, {T})"
            )],
            "id, mcp_server_id, name",
            vec![vec!["ah1", "ms1", "Header"]],
        ),
        (
            "mcp_oauth_configs",
            vec![format!(
                "INSERT INTO mcp_oauth_configs (id, mcp_server_id, client_id, authorization_endpoint, token_endpoint, created_by, created_at, updated_at) \
                 VALUES ('oc1', 'ms1', 'client', 'https://auth.example.com/authorize', 'https://auth.example.com/token', 'u1', {T}, {T})"
            )],
            "id, mcp_server_id, client_id",
            vec![vec!["oc1", "ms1", "client"]],
        ),
        (
            "mcp_oauth_tokens",
            vec![format!(
                "INSERT INTO mcp_oauth_tokens (id, mcp_oauth_config_id, encrypted_access_token, access_token_salt, access_token_nonce, created_by, created_at, updated_at) \
                 VALUES ('ot1', 'oc1', 'dG9rZW4=', 'c2FsdA==', 'bm9uY2U=', 'u1', {T}, {T})"
            )],
            "id, mcp_oauth_config_id",
            vec![vec!["ot1", "oc1"]],
        ),
    ]
}

/// Every seeded row gets the default organization; after `down` each table holds exactly
/// the rows it was seeded with.
fn backfill_case() -> DataCase {
    let seed = seed();
    let seeded_tables: Vec<&str> = seed.iter().map(|(t, ..)| *t).collect();
    assert_eq!(
        seeded_tables, ORG_SCOPED_TABLES,
        "one seed per org-scoped table"
    );
    let mut case = DataCase::new(
        "existing rows join the default organization",
        "m20260301_000002_org_id",
    )
    .seed_sql(seed.iter().flat_map(|(_, inserts, ..)| inserts.clone()));
    for (table, _, cols, rows) in seed {
        let with_org: Vec<Vec<&str>> = rows
            .iter()
            .map(|row| [row.as_slice(), &[DEFAULT_ORG_ID]].concat())
            .collect();
        case = case
            .after_up_sql(
                format!("SELECT {cols}, org_id FROM {table} ORDER BY id"),
                with_org,
            )
            .after_down_sql(format!("SELECT {cols} FROM {table} ORDER BY id"), rows);
    }
    case
}

#[tokio::test]
async fn migrations_conform() {
    let outcome = conformance::Suite::<Migrator>::new()
        .allow_list("parity-allowlist.txt")
        .snapshots("snapshots")
        .data_case(backfill_case())
        .run()
        .await
        .expect("the suite runs");
    assert!(outcome.report.passed(), "{}", outcome.report);
    // Every table walked populated: none left without synthetic rows.
    assert!(outcome.report.not_seeded.is_empty(), "{}", outcome.report);
}
