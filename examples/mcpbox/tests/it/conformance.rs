//! The whole conformance suite on SQLite and PostgreSQL, with the example's allow-list,
//! its reviewed snapshots (`CONFORMANCE_SNAPSHOTS=accept` to regenerate them) and a data
//! case for 0002's backfill (the full matrix of rows is in `backfill.rs`).

use conformance::DataCase;
use mcpbox_migration::Migrator;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

const CONSOLIDATE: &str = "m20260228_000002_consolidate_approval_sources";
const SERVER: &str = "00000000-0000-4000-8000-000000000001";
const TOOL: &str = "00000000-0000-4000-8000-000000000002";

/// A JSON array on SQLite, a `varchar(255)[]` on PostgreSQL.
fn array(backend: DbBackend, items: &[&str]) -> String {
    match backend {
        DbBackend::Postgres => {
            let items: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
            format!("ARRAY[{}]::varchar(255)[]", items.join(", "))
        }
        _ => {
            let items: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
            format!("'[{}]'", items.join(", "))
        }
    }
}

/// One server whose cache allows three hosts (one twice, one already approved through a
/// tool), and a module cache of three modules (one already approved).
fn backfill_case() -> DataCase {
    DataCase::new("every cached host and module gets its approved request", CONSOLIDATE)
        .seed(|db| {
            Box::pin(async move {
                let backend = db.get_database_backend();
                let hosts = array(backend, &["a.com", "b.com:8443", "c.com", "c.com"]);
                let modules = array(backend, &["yaml", "numpy", "pandas"]);
                for sql in [
                    format!(
                        "INSERT INTO servers (name, status, allowed_hosts, default_timeout_ms, id) \
                         VALUES ('s', 'running', {hosts}, 30000, '{SERVER}')"
                    ),
                    format!(
                        "INSERT INTO tools (server_id, name, enabled, current_version, approval_status, id) \
                         VALUES ('{SERVER}', 't', true, 1, 'approved', '{TOOL}')"
                    ),
                    format!(
                        "INSERT INTO network_access_requests (tool_id, host, port, justification, status, id) \
                         VALUES ('{TOOL}', 'a.com', NULL, 'needed', 'approved', '00000000-0000-4000-8000-000000000003')"
                    ),
                    format!(
                        "INSERT INTO module_requests (tool_id, module_name, justification, status, id) \
                         VALUES ('{TOOL}', 'yaml', 'needed', 'approved', '00000000-0000-4000-8000-000000000004')"
                    ),
                    format!(
                        "INSERT INTO global_config (config_key, allowed_modules, id) \
                         VALUES ('main', {modules}, '00000000-0000-4000-8000-000000000005')"
                    ),
                ] {
                    db.execute_unprepared(&sql).await?;
                }
                Ok(())
            })
        })
        .after_up_sql(
            "SELECT host, coalesce(CAST(port AS varchar), 'any') FROM network_access_requests \
             WHERE tool_id IS NULL AND status = 'approved' ORDER BY host",
            [["b.com", "8443"], ["c.com", "any"]],
        )
        .after_up_sql(
            "SELECT module_name FROM module_requests \
             WHERE tool_id IS NULL AND status = 'approved' ORDER BY module_name",
            [["numpy"], ["pandas"]],
        )
        .after_down_sql(
            "SELECT host FROM network_access_requests ORDER BY host",
            [["a.com"]],
        )
        .after_down_sql("SELECT module_name FROM module_requests", [["yaml"]])
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
