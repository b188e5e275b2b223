//! 0002 on a populated 0001 database, on SQLite and on PostgreSQL: the backfill gives
//! one approved row per missing host and per missing module, however many; the new
//! pending indexes hold; `down` restores 0001's shape with the tool-originated rows kept.

use conformance::catalog::{SchemaDump, dump};
use conformance::{Backend, TestDatabase, fresh_database};
use mcpbox_migration::Migrator;
use pretty_assertions::assert_eq;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

#[tokio::test]
async fn backfill_and_rollback_on_sqlite() {
    backfill_and_rollback(Backend::Sqlite).await;
}

#[tokio::test]
async fn backfill_and_rollback_on_postgres() {
    backfill_and_rollback(Backend::Postgres).await;
}

#[tokio::test]
async fn pending_indexes_refuse_duplicates_on_sqlite() {
    pending_indexes_refuse_duplicates(Backend::Sqlite).await;
}

#[tokio::test]
async fn pending_indexes_refuse_duplicates_on_postgres() {
    pending_indexes_refuse_duplicates(Backend::Postgres).await;
}

/// How many generated hosts and modules go into the caches on top of the hand-written ones:
/// enough that "at most one" (upstream's `LIMIT 1`) or "one per server" would show.
const GENERATED: usize = 25;

async fn backfill_and_rollback(backend: Backend) {
    let Some(db) = fresh_database(backend).await else {
        return;
    };
    Migrator::up(&db.conn, Some(1)).await.expect("0001 applies");
    let shape_0001 = dump(&db.conn).await.expect("dump");
    let seed = Seed::new(&db);
    seed.insert_all(&db.conn).await;
    let tool_rows_before = tool_originated_rows(&db.conn).await;

    Migrator::up(&db.conn, Some(1)).await.expect("0002 applies");

    // Hosts: per server, the distinct (host, port) entries that no approved request of
    // that server covers with the same host and port.
    let mut expected_hosts: Vec<(String, String, Option<i64>)> = [
        (S1, "api.a.com", None),
        // Covered only for port 443: a whole-host entry still needs its own approval.
        (S1, "covered-port.a.com", None),
        (S1, "pending.a.com", None),
        (S1, "rejected.a.com", None),
        // Two equal entries, one row; port 5433 approved does not cover 5432.
        (S2, "b.internal", Some(5432)),
        (S2, "::1", None),
        (S2, "cache.local:abc", None),
        (S2, "db.local:123456", None),
    ]
    .into_iter()
    .map(|(s, h, p)| (uuid(s), h.to_owned(), p))
    .chain((0..GENERATED).map(|n| (uuid(S4), format!("h{n:02}.example.org"), None)))
    .collect();
    expected_hosts.sort();
    let admin_hosts = query(
        &db.conn,
        "SELECT CAST(server_id AS text) AS server_id, host, CAST(port AS text) AS port, \
                justification, requested_by, CAST(status AS text) AS status, reviewed_by, \
                CAST(reviewed_at IS NOT NULL AS text) AS reviewed, rejection_reason \
         FROM network_access_requests WHERE tool_id IS NULL ORDER BY server_id, host, port",
        &[
            "server_id",
            "host",
            "port",
            "justification",
            "requested_by",
            "status",
            "reviewed_by",
            "reviewed",
            "rejection_reason",
        ],
    )
    .await;
    let mut got_hosts: Vec<(String, String, Option<i64>)> = admin_hosts
        .iter()
        .map(|r| {
            (
                r[0].clone().expect("server_id set"),
                r[1].clone().expect("host"),
                r[2].as_deref().map(|p| p.parse().expect("port")),
            )
        })
        .collect();
    got_hosts.sort();
    assert_eq!(
        got_hosts, expected_hosts,
        "one approved row per missing host"
    );
    for row in &admin_hosts {
        assert_eq!(
            row[3..].to_vec(),
            [
                Some("Pre-existing host (migrated)".to_owned()),
                Some("admin".to_owned()),
                Some("approved".to_owned()),
                Some("system-migration".to_owned()),
                Some(truth(backend)),
                None,
            ]
        );
    }

    // Modules: every distinct module of the cache that no approved request names.
    let mut expected_modules: Vec<String> = ["json", "numpy", "requests", "zzz"]
        .into_iter()
        .map(str::to_owned)
        .chain((0..GENERATED).map(|n| format!("mod_{n:02}")))
        .collect();
    expected_modules.sort();
    let admin_modules = query(
        &db.conn,
        "SELECT module_name, CAST(server_id AS text) AS server_id, justification, requested_by, \
                CAST(status AS text) AS status, reviewed_by \
         FROM module_requests WHERE tool_id IS NULL ORDER BY module_name",
        &[
            "module_name",
            "server_id",
            "justification",
            "requested_by",
            "status",
            "reviewed_by",
        ],
    )
    .await;
    let mut got_modules: Vec<String> = admin_modules
        .iter()
        .map(|r| r[0].clone().expect("module_name"))
        .collect();
    got_modules.sort();
    assert_eq!(
        got_modules, expected_modules,
        "one approved row per missing module"
    );
    for row in &admin_modules {
        assert_eq!(
            row[1..].to_vec(),
            [
                None,
                Some("Pre-existing module (migrated)".to_owned()),
                Some("admin".to_owned()),
                Some("approved".to_owned()),
                Some("system-migration".to_owned()),
            ]
        );
    }

    // Tool-originated rows: untouched, and their server_id copied from their tool.
    for table in ["network_access_requests", "module_requests"] {
        let mismatched = query(
            &db.conn,
            &format!(
                "SELECT CAST(r.id AS text) AS id FROM {table} AS r JOIN tools AS t ON t.id = r.tool_id \
                 WHERE r.server_id IS NULL OR r.server_id <> t.server_id"
            ),
            &["id"],
        )
        .await;
        assert_eq!(
            mismatched,
            Vec::<Vec<Option<String>>>::new(),
            "{table}.server_id"
        );
    }
    let admin_ids_unique = query(
        &db.conn,
        "SELECT CAST(COUNT(DISTINCT id) AS text) AS n FROM network_access_requests",
        &["n"],
    )
    .await;
    assert_eq!(
        admin_ids_unique[0][0].as_deref(),
        Some(
            (tool_rows_before.0.len() + expected_hosts.len())
                .to_string()
                .as_str()
        ),
        "every backfilled row has an id of its own"
    );
    assert_eq!(tool_originated_rows(&db.conn).await, tool_rows_before);

    Migrator::down(&db.conn, Some(1))
        .await
        .expect("0002 rolls back");
    assert_same_shape(&shape_0001, &dump(&db.conn).await.expect("dump"));
    assert_eq!(
        tool_originated_rows(&db.conn).await,
        tool_rows_before,
        "down keeps every tool-originated request as it was"
    );
    for table in ["network_access_requests", "module_requests"] {
        let total = query(
            &db.conn,
            &format!("SELECT CAST(COUNT(*) AS text) AS n FROM {table}"),
            &["n"],
        )
        .await;
        let kept = match table {
            "network_access_requests" => tool_rows_before.0.len(),
            _ => tool_rows_before.1.len(),
        };
        assert_eq!(
            total[0][0],
            Some(kept.to_string()),
            "{table}: admin rows removed"
        );
    }
    // Upstream's downgrade makes tool_id NOT NULL again.
    assert!(
        exec(
            &db.conn,
            &seed.module_request("m-null", None, "x", "approved")
        )
        .await
        .is_err(),
        "tool_id is NOT NULL again after down"
    );

    // And 0002 applies again on the rolled-back data, with the same result.
    Migrator::up(&db.conn, Some(1))
        .await
        .expect("0002 applies again");
    let again = query(
        &db.conn,
        "SELECT CAST(COUNT(*) AS text) AS n FROM module_requests WHERE tool_id IS NULL",
        &["n"],
    )
    .await;
    assert_eq!(again[0][0], Some(expected_modules.len().to_string()));
    db.close().await.expect("close");
}

async fn pending_indexes_refuse_duplicates(backend: Backend) {
    let Some(db) = fresh_database(backend).await else {
        return;
    };
    Migrator::up(&db.conn, None)
        .await
        .expect("migrations apply");
    let seed = Seed::new(&db);
    for sql in [
        seed.server(S1, &[]),
        seed.server(S2, &[]),
        seed.tool(T1, S1, "fetch"),
    ] {
        exec(&db.conn, &sql).await.expect("seed");
    }
    let conn = &db.conn;
    // Admin network requests: one pending per server, host and port (NULL = any port).
    let admin_host = |id: &str, server: usize, port: Option<i64>| {
        seed.network_request_full(id, None, Some(server), "x.com", port, "pending")
    };
    exec(conn, &admin_host("a1", S1, None))
        .await
        .expect("first");
    assert!(
        exec(conn, &admin_host("a2", S1, None)).await.is_err(),
        "NULL ports compare equal"
    );
    exec(conn, &admin_host("a3", S1, Some(443)))
        .await
        .expect("another port");
    assert!(exec(conn, &admin_host("a4", S1, Some(443))).await.is_err());
    exec(conn, &admin_host("a5", S2, None))
        .await
        .expect("another server");
    // Tool network requests: one pending per tool, host and port.
    let tool_host = |id: &str, port: Option<i64>| {
        seed.network_request_full(id, Some(T1), Some(S1), "x.com", port, "pending")
    };
    exec(conn, &tool_host("t1", None))
        .await
        .expect("a tool's request beside the admin's");
    assert!(exec(conn, &tool_host("t2", None)).await.is_err());
    // Approved ones are not limited.
    for id in ["p1", "p2"] {
        exec(
            conn,
            &seed.network_request_full(id, None, Some(S1), "x.com", None, "approved"),
        )
        .await
        .expect("approved duplicates are allowed");
    }
    // Admin module requests: one pending per module, globally.
    exec(conn, &seed.module_request("m1", None, "pyyaml", "pending"))
        .await
        .expect("first");
    assert!(
        exec(conn, &seed.module_request("m2", None, "pyyaml", "pending"))
            .await
            .is_err()
    );
    exec(
        conn,
        &seed.module_request("m3", Some(T1), "pyyaml", "pending"),
    )
    .await
    .expect("a tool's request beside the admin's");
    assert!(
        exec(
            conn,
            &seed.module_request("m4", Some(T1), "pyyaml", "pending")
        )
        .await
        .is_err()
    );
    db.close().await.expect("close");
}

const S1: usize = 1;
const S2: usize = 2;
const S3: usize = 3;
const S4: usize = 4;
const T1: usize = 11;
const T2: usize = 12;
const T3: usize = 13;

/// A deterministic uuid for a test row number.
fn uuid(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// How each backend prints `CAST(true AS text)`.
fn truth(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "1",
        Backend::Postgres => "true",
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    }
    .to_owned()
}

/// Test rows as SQL literals for one backend (test constants only, never user input).
struct Seed {
    backend: Backend,
}

impl Seed {
    fn new(db: &TestDatabase) -> Self {
        Self {
            backend: db.backend,
        }
    }

    fn id(&self, n: usize) -> String {
        match self.backend {
            Backend::Sqlite => format!("'{}'", uuid(n)),
            Backend::Postgres => format!("'{}'::uuid", uuid(n)),
            other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
        }
    }

    /// A named row id: a stable uuid derived from the name.
    fn named_id(&self, name: &str) -> String {
        let n = name.bytes().fold(1_000usize, |acc, b| {
            acc * 131 % 1_000_000_007 + usize::from(b)
        });
        self.id(n)
    }

    fn array(&self, items: &[&str]) -> String {
        match self.backend {
            Backend::Sqlite => {
                let items: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
                format!("'[{}]'", items.join(","))
            }
            Backend::Postgres => {
                let items: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
                format!("ARRAY[{}]::varchar(255)[]", items.join(","))
            }
            other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
        }
    }

    fn server(&self, n: usize, hosts: &[&str]) -> String {
        format!(
            "INSERT INTO servers (name, status, allowed_hosts, default_timeout_ms, id) \
             VALUES ('server {n}', 'running', {}, 30000, {})",
            self.array(hosts),
            self.id(n)
        )
    }

    fn tool(&self, n: usize, server: usize, name: &str) -> String {
        format!(
            "INSERT INTO tools (server_id, name, enabled, current_version, approval_status, id) \
             VALUES ({}, '{name}', true, 1, 'approved', {})",
            self.id(server),
            self.id(n)
        )
    }

    /// A network request as 0001 knows it (no server_id column yet).
    fn network_request(
        &self,
        id: &str,
        tool: usize,
        host: &str,
        port: Option<i64>,
        status: &str,
    ) -> String {
        format!(
            "INSERT INTO network_access_requests (tool_id, host, port, justification, status, id) \
             VALUES ({}, '{host}', {}, 'needed', '{status}', {})",
            self.id(tool),
            port.map_or("NULL".to_owned(), |p| p.to_string()),
            self.named_id(id)
        )
    }

    /// A network request with 0002's server_id.
    fn network_request_full(
        &self,
        id: &str,
        tool: Option<usize>,
        server: Option<usize>,
        host: &str,
        port: Option<i64>,
        status: &str,
    ) -> String {
        format!(
            "INSERT INTO network_access_requests (tool_id, server_id, host, port, justification, status, id) \
             VALUES ({}, {}, '{host}', {}, 'needed', '{status}', {})",
            tool.map_or("NULL".to_owned(), |t| self.id(t)),
            server.map_or("NULL".to_owned(), |s| self.id(s)),
            port.map_or("NULL".to_owned(), |p| p.to_string()),
            self.named_id(id)
        )
    }

    fn module_request(&self, id: &str, tool: Option<usize>, module: &str, status: &str) -> String {
        format!(
            "INSERT INTO module_requests (tool_id, module_name, justification, status, id) \
             VALUES ({}, '{module}', 'needed', '{status}', {})",
            tool.map_or("NULL".to_owned(), |t| self.id(t)),
            self.named_id(id)
        )
    }

    /// Several servers, tools, requests in every status, duplicates and `host:port` forms.
    async fn insert_all(&self, conn: &DatabaseConnection) {
        let generated: Vec<String> = (0..GENERATED)
            .map(|n| format!("h{n:02}.example.org"))
            .collect();
        let generated: Vec<&str> = generated.iter().map(String::as_str).collect();
        let modules: Vec<String> = (0..GENERATED).map(|n| format!("mod_{n:02}")).collect();
        let mut cache = vec!["requests", "yaml", "numpy", "json", "numpy", "zzz", ""];
        cache.extend(modules.iter().map(String::as_str));
        let statements = vec![
            self.server(
                S1,
                &[
                    "api.a.com",
                    "api.a.com",
                    "files.a.com:8443",
                    "covered.a.com",
                    "pending.a.com",
                    "rejected.a.com",
                    "covered-port.a.com",
                ],
            ),
            // Not `host:port`: an IPv6 address, a non-numeric and a too long port.
            self.server(
                S2,
                &[
                    "api.a.com",
                    "b.internal:5432",
                    "b.internal:5432",
                    "::1",
                    "cache.local:abc",
                    "db.local:123456",
                ],
            ),
            self.server(S3, &[]),
            self.server(S4, &generated),
            self.tool(T1, S1, "fetch"),
            self.tool(T2, S1, "upload"),
            self.tool(T3, S2, "query"),
            // Covers S1's covered.a.com (any port).
            self.network_request("n1", T1, "covered.a.com", None, "approved"),
            // Pending and rejected requests cover nothing.
            self.network_request("n2", T1, "pending.a.com", None, "pending"),
            self.network_request("n3", T2, "rejected.a.com", None, "rejected"),
            // Port 443 only: does not cover the whole host.
            self.network_request("n4", T1, "covered-port.a.com", Some(443), "approved"),
            // Covers S1's files.a.com:8443.
            self.network_request("n5", T2, "files.a.com", Some(8443), "approved"),
            // Covers S2's api.a.com, not S1's.
            self.network_request("n6", T3, "api.a.com", None, "approved"),
            self.network_request("n7", T3, "b.internal", Some(5433), "approved"),
            self.module_request("r1", Some(T1), "yaml", "approved"),
            self.module_request("r2", Some(T1), "numpy", "pending"),
            self.module_request("r3", Some(T2), "pandas", "rejected"),
            self.module_request("r4", Some(T3), "requests", "pending"),
            self.module_request("r5", Some(T3), "yaml", "approved"),
            format!(
                "INSERT INTO global_config (config_key, allowed_modules, id) VALUES ('main', {}, {})",
                self.array(&cache),
                self.id(100)
            ),
        ];
        for sql in statements {
            exec(conn, &sql).await.expect("seed row");
        }
    }
}

/// Every tool-originated request, as text, ordered: (network, module).
async fn tool_originated_rows(
    conn: &DatabaseConnection,
) -> (Vec<Vec<Option<String>>>, Vec<Vec<Option<String>>>) {
    let shared = [
        "id",
        "tool_id",
        "justification",
        "requested_by",
        "status",
        "reviewed_at",
        "reviewed_by",
        "rejection_reason",
        "created_at",
        "updated_at",
    ];
    let mut network: Vec<&str> = shared.to_vec();
    network.extend(["host", "port"]);
    let mut module: Vec<&str> = shared.to_vec();
    module.push("module_name");
    let select = |table: &str, cols: &[&str]| {
        let list: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST({c} AS text) AS {c}"))
            .collect();
        format!(
            "SELECT {} FROM {table} WHERE tool_id IS NOT NULL ORDER BY id",
            list.join(", ")
        )
    };
    (
        query(conn, &select("network_access_requests", &network), &network).await,
        query(conn, &select("module_requests", &module), &module).await,
    )
}

async fn exec(conn: &DatabaseConnection, sql: &str) -> Result<(), String> {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

/// Rows of `sql`, each as the text of `columns` (the query casts them to text).
async fn query(conn: &DatabaseConnection, sql: &str, columns: &[&str]) -> Vec<Vec<Option<String>>> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.try_get::<Option<String>>("", c).expect("a text column"))
                .collect()
        })
        .collect()
}

fn assert_same_shape(expected: &SchemaDump, actual: &SchemaDump) {
    assert_eq!(
        expected.to_string(),
        actual.to_string(),
        "down restores the schema 0001 left"
    );
}
