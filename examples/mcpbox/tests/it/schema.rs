//! What the conformance snapshots do not show: PostgreSQL's enum values and their order,
//! column comments, index definitions and foreign key names as the spec gives them; the
//! SQLite CHECKs standing in for enum types and arrays; and the refusal of other backends.

use conformance::{Backend, fresh_database};
use mcpbox_migration::Migrator;
use mcpbox_migration::migrations::{
    m20260227_000001_initial_schema, m20260228_000002_consolidate_approval_sources,
};
use pretty_assertions::assert_eq;
use sea_orm_migration::sea_orm::prelude::DateTimeUtc;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, MockDatabase, Statement,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager};

async fn texts(conn: &DatabaseConnection, sql: &str) -> Vec<String> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get::<String>("", "t").expect("column t"))
        .collect()
}

async fn exec(conn: &DatabaseConnection, sql: &str) -> Result<(), String> {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn postgres_enum_types_have_their_values_in_order() {
    let Some(db) = fresh_database(Backend::Postgres).await else {
        return;
    };
    Migrator::up(&db.conn, None)
        .await
        .expect("migrations apply");
    let types = texts(
        &db.conn,
        "SELECT t.typname || ': ' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) AS t \
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid \
         JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema() \
         GROUP BY t.typname ORDER BY t.typname",
    )
    .await;
    assert_eq!(
        types,
        [
            "approval_status: draft, pending_review, approved, rejected",
            "external_mcp_auth_type: none, bearer, header, oauth",
            "external_mcp_source_status: active, error, disabled",
            "external_mcp_transport_type: streamable_http, sse",
            "log_level: debug, info, warning, error",
            "log_type: mcp_request, mcp_response, network, alert, error, system, audit",
            "request_status: pending, approved, rejected",
            "server_status: imported, ready, running, stopped, error",
            "tool_type: python_code, mcp_passthrough",
        ]
    );
    // request_status is one type shared by both request tables.
    let users = texts(
        &db.conn,
        "SELECT table_name || '.' || column_name AS t FROM information_schema.columns \
         WHERE table_schema = current_schema() AND udt_name = 'request_status' ORDER BY 1",
    )
    .await;
    assert_eq!(
        users,
        ["module_requests.status", "network_access_requests.status"]
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn postgres_columns_carry_upstreams_comments() {
    let Some(db) = fresh_database(Backend::Postgres).await else {
        return;
    };
    Migrator::up(&db.conn, None)
        .await
        .expect("migrations apply");
    let comments = texts(
        &db.conn,
        "SELECT c.relname || '.' || a.attname || ': ' || d.description AS t \
         FROM pg_description d JOIN pg_class c ON c.oid = d.objoid \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() \
         ORDER BY 1",
    )
    .await;
    assert_eq!(
        comments,
        [
            "settings.description: Human-readable description of this setting",
            "settings.encrypted: Whether the value is encrypted",
            "settings.key: Setting key (unique identifier)",
            "settings.value: Setting value (may be encrypted for sensitive data)",
            "tool_versions.change_source: Source of change: manual, llm, import, rollback",
            "tool_versions.change_summary: Brief description of what changed in this version",
            "tools.current_version: Current version number of this tool",
        ]
    );
    db.close().await.expect("close");
}

/// The request tables' partial indexes and foreign keys, as PostgreSQL prints them.
async fn request_tables(conn: &DatabaseConnection) -> Vec<String> {
    let mut facts = texts(
        conn,
        "SELECT indexdef AS t FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename IN ('module_requests', 'network_access_requests') \
         AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
    )
    .await;
    facts.extend(
        texts(
            conn,
            "SELECT conname || ' ' || pg_get_constraintdef(oid) AS t FROM pg_constraint \
             WHERE contype = 'f' AND conrelid::regclass::text IN \
             ('module_requests', 'network_access_requests') ORDER BY conname",
        )
        .await,
    );
    facts
}

#[tokio::test]
async fn postgres_request_tables_match_upstream_after_each_migration() {
    let Some(db) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let after_0001 = [
        "CREATE UNIQUE INDEX ix_module_requests_pending_unique ON public.module_requests USING btree (tool_id, module_name) WHERE (status = 'pending'::request_status)",
        "CREATE UNIQUE INDEX ix_network_access_requests_pending_unique ON public.network_access_requests USING btree (tool_id, host, COALESCE(port, 0)) WHERE (status = 'pending'::request_status)",
        "module_requests_tool_id_fkey FOREIGN KEY (tool_id) REFERENCES tools(id) ON DELETE CASCADE",
        "network_access_requests_tool_id_fkey FOREIGN KEY (tool_id) REFERENCES tools(id) ON DELETE CASCADE",
    ];
    Migrator::up(&db.conn, Some(1)).await.expect("0001 applies");
    assert_eq!(request_tables(&db.conn).await, after_0001);

    Migrator::up(&db.conn, Some(1)).await.expect("0002 applies");
    assert_eq!(
        request_tables(&db.conn).await,
        [
            "CREATE UNIQUE INDEX ix_mr_pending_admin_unique ON public.module_requests USING btree (module_name) WHERE ((status = 'pending'::request_status) AND (tool_id IS NULL))",
            "CREATE UNIQUE INDEX ix_mr_pending_tool_unique ON public.module_requests USING btree (tool_id, module_name) WHERE ((status = 'pending'::request_status) AND (tool_id IS NOT NULL))",
            "CREATE UNIQUE INDEX ix_nar_pending_admin_unique ON public.network_access_requests USING btree (server_id, host, COALESCE(port, 0)) WHERE ((status = 'pending'::request_status) AND (tool_id IS NULL))",
            "CREATE UNIQUE INDEX ix_nar_pending_tool_unique ON public.network_access_requests USING btree (tool_id, host, COALESCE(port, 0)) WHERE ((status = 'pending'::request_status) AND (tool_id IS NOT NULL))",
            "fk_module_requests_server_id FOREIGN KEY (server_id) REFERENCES servers(id) ON DELETE CASCADE",
            "fk_network_access_requests_server_id FOREIGN KEY (server_id) REFERENCES servers(id) ON DELETE CASCADE",
            "module_requests_tool_id_fkey FOREIGN KEY (tool_id) REFERENCES tools(id) ON DELETE CASCADE",
            "network_access_requests_tool_id_fkey FOREIGN KEY (tool_id) REFERENCES tools(id) ON DELETE CASCADE",
        ]
    );
    // server_id is appended last, where upstream's ALTER TABLE puts it.
    let last = texts(
        &db.conn,
        "SELECT table_name || '.' || column_name AS t FROM information_schema.columns c \
         WHERE table_schema = current_schema() \
         AND table_name IN ('module_requests', 'network_access_requests') \
         AND ordinal_position = (SELECT max(ordinal_position) FROM information_schema.columns \
             WHERE table_schema = c.table_schema AND table_name = c.table_name) ORDER BY 1",
    )
    .await;
    assert_eq!(
        last,
        [
            "module_requests.server_id",
            "network_access_requests.server_id"
        ]
    );

    Migrator::down(&db.conn, Some(1))
        .await
        .expect("0002 rolls back");
    assert_eq!(request_tables(&db.conn).await, after_0001);
    db.close().await.expect("close");
}

#[tokio::test]
async fn sqlite_checks_stand_in_for_enum_types_and_arrays() {
    let Some(db) = fresh_database(Backend::Sqlite).await else {
        return;
    };
    Migrator::up(&db.conn, None)
        .await
        .expect("migrations apply");
    let server = |status: &str, hosts: &str| {
        format!(
            "INSERT INTO servers (name, status, allowed_hosts, default_timeout_ms, id) \
             VALUES ('s', '{status}', '{hosts}', 30000, '{status}{hosts}')"
        )
    };
    exec(&db.conn, &server("running", r#"["a.com"]"#))
        .await
        .expect("a valid row");
    let refused = exec(&db.conn, &server("building", "[]")).await;
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("CHECK")),
        "a value outside the enum is refused: {refused:?}"
    );
    for hosts in [r#"{"a": 1}"#, "a.com", "\"a.com\""] {
        let refused = exec(&db.conn, &server("ready", hosts)).await;
        assert!(refused.is_err(), "{hosts} is not a JSON array");
    }
    // The column default is the empty JSON array.
    exec(
        &db.conn,
        "INSERT INTO servers (name, status, default_timeout_ms, id) VALUES ('d', 'ready', 1, 'd')",
    )
    .await
    .expect("defaults apply");
    assert_eq!(
        texts(
            &db.conn,
            "SELECT allowed_hosts AS t FROM servers WHERE id = 'd'"
        )
        .await,
        ["[]"]
    );
    // CURRENT_TIMESTAMP's text reads back as the timestamptz it stands for.
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT created_at FROM servers WHERE id = 'd'",
        ))
        .await
        .expect("query")
        .expect("the row");
    let created_at: DateTimeUtc = row.try_get("", "created_at").expect("a UTC timestamp");
    assert!(created_at.timestamp() > 0);
    db.close().await.expect("close");
}

#[tokio::test]
async fn other_backends_are_refused_with_the_migration_named() {
    let conn = MockDatabase::new(DbBackend::MySql).into_connection();
    let manager = SchemaManager::new(&conn);
    let migrations: [(&dyn MigrationTrait, &str); 2] = [
        (
            &m20260227_000001_initial_schema::Migration,
            "m20260227_000001_initial_schema",
        ),
        (
            &m20260228_000002_consolidate_approval_sources::Migration,
            "m20260228_000002_consolidate_approval_sources",
        ),
    ];
    for (migration, name) in migrations {
        assert_eq!(migration.use_transaction(), Some(true), "{name}");
        for result in [migration.up(&manager).await, migration.down(&manager).await] {
            let message = result.expect_err("MySQL is refused").to_string();
            assert!(
                message.contains(name) && message.contains("the mysql backend is not supported"),
                "{message}"
            );
        }
    }
    assert!(
        conn.into_transaction_log().is_empty(),
        "nothing was executed"
    );
}
