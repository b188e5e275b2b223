//! The MySQL / MariaDB catalog reader against a real server (`CONFORMANCE_MYSQL_URL`):
//! the logical schema of a representative schema, and dumps of two databases made
//! apart with the same DDL, identical to the byte.
//!
//! Each test creates and drops its own databases (`conformance::fresh_database`): without
//! a MySQL server the tests fail, saying what to set, unless `CONFORMANCE_REQUIRE_MYSQL=0`
//! (then they skip loudly).

use conformance::Backend;
use conformance::catalog::{self, FkAction, Kind, LogicalSchema, ObjectKind};
use pretty_assertions::assert_eq;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The application's shape on MySQL: a case-insensitive unique URL (by prefix: an
/// index key is at most 3072 bytes), JSON with an expression default, a generated
/// column, a CHECK, a counter, a composite foreign key with ON DELETE CASCADE, a
/// trigger, a view, a function and a procedure.
const SCHEMA: &[&str] = &[
    "CREATE TABLE mcp_servers (
        id varchar(26) NOT NULL,
        url varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
        name varchar(255) NOT NULL DEFAULT '',
        status varchar(20) NOT NULL DEFAULT 'draft',
        enabled boolean NOT NULL DEFAULT false,
        config json NOT NULL DEFAULT ('[]'),
        description varchar(255) NULL,
        created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
        url_length int GENERATED ALWAYS AS (char_length(url)) STORED,
        seq bigint NOT NULL AUTO_INCREMENT,
        PRIMARY KEY (id),
        UNIQUE KEY seq (seq),
        CONSTRAINT chk_mcp_servers_status CHECK (status IN ('draft', 'approved'))
    )",
    "CREATE UNIQUE INDEX idx_mcp_servers_url ON mcp_servers (url(191))",
    "CREATE TABLE mcp_oauth_configs (
        mcp_server_id varchar(26) NOT NULL,
        client_id varchar(64) NOT NULL,
        PRIMARY KEY (mcp_server_id, client_id),
        CONSTRAINT fk_mcp_oauth_configs_mcp_server_id FOREIGN KEY (mcp_server_id)
            REFERENCES mcp_servers (id) ON DELETE CASCADE
    )",
    "CREATE TABLE mcp_oauth_tokens (
        id varchar(26) NOT NULL PRIMARY KEY,
        mcp_server_id varchar(26) NOT NULL,
        client_id varchar(64) NOT NULL,
        CONSTRAINT fk_mcp_oauth_tokens_config FOREIGN KEY (mcp_server_id, client_id)
            REFERENCES mcp_oauth_configs (mcp_server_id, client_id) ON DELETE CASCADE
    )",
    "CREATE TRIGGER trg_mcp_servers_name BEFORE INSERT ON mcp_servers
        FOR EACH ROW SET NEW.name = TRIM(NEW.name)",
    "CREATE VIEW enabled_mcp_servers AS SELECT id, url FROM mcp_servers WHERE enabled",
    "CREATE FUNCTION url_key(u varchar(255)) RETURNS varchar(255) DETERMINISTIC RETURN lower(u)",
    "CREATE PROCEDURE disable_all() BEGIN UPDATE mcp_servers SET enabled = false; END",
];

/// A database of its own on the server (`utf8mb4_unicode_ci`, whatever the server's
/// default), dropped by [`Scratch::drop`].
struct Scratch {
    name: String,
    db: conformance::TestDatabase,
}

impl Scratch {
    /// `None` when there is no MySQL and `CONFORMANCE_REQUIRE_MYSQL=0` (said loudly).
    async fn new() -> Option<Self> {
        let db = conformance::fresh_database(Backend::MySql).await?;
        let url = url::Url::parse(&db.url).expect("the database's URL");
        let name = url.path().trim_start_matches('/').to_owned();
        Some(Self { name, db })
    }

    async fn run(&self, statements: &[&str]) {
        for statement in statements {
            self.db
                .conn
                .execute_unprepared(statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }

    async fn drop(self) {
        self.db.close().await.expect("drop the database");
    }
}

#[tokio::test]
async fn mysql_catalog_reads_the_logical_schema() {
    let Some(db) = Scratch::new().await else {
        return;
    };
    db.run(SCHEMA).await;
    let schema = LogicalSchema::read(&db.db.conn, &[]).await.expect("read");
    assert_logical(&schema);
    db.drop().await;
}

fn assert_logical(schema: &LogicalSchema) {
    let names: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["mcp_oauth_configs", "mcp_oauth_tokens", "mcp_servers"],
        "tables only, not the view"
    );
    assert_columns(schema);
    assert_keys_and_checks(schema);
    assert_foreign_keys(schema);
}

/// Types, collations, defaults, the generated column and the counter.
fn assert_columns(schema: &LogicalSchema) {
    let servers = &schema.tables["mcp_servers"];
    let column = |name: &str| {
        servers
            .columns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let url = column("url");
    assert_eq!(
        (url.sql_type.as_str(), &url.kind, url.collation.as_deref()),
        ("varchar(255)", &Kind::String, Some("utf8mb4_general_ci"))
    );
    assert_eq!(column("id").collation, None, "the table's collation");
    assert_eq!(column("name").default.as_deref(), Some("''"));
    assert_eq!(column("status").default.as_deref(), Some("'draft'"));
    let enabled = column("enabled");
    assert_eq!(
        (
            enabled.sql_type.as_str(),
            &enabled.kind,
            enabled.default.as_deref()
        ),
        ("tinyint(1)", &Kind::Boolean, Some("0"))
    );
    let config = column("config");
    assert_eq!(
        (
            config.sql_type.as_str(),
            &config.kind,
            config.collation.as_deref()
        ),
        ("json", &Kind::Json, None)
    );
    assert_eq!(config.default_sql.as_deref(), Some("'[]'"));
    let description = column("description");
    assert!(description.nullable && description.default_sql.is_none());
    assert_eq!(
        column("created_at").default_sql.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    let generated = column("url_length");
    assert_eq!(generated.generated.as_deref(), Some("char_length(`url`)"));
    assert_eq!(
        (generated.sql_type.as_str(), &generated.default_sql),
        ("int", &None)
    );
    let seq = column("seq");
    assert!(seq.identity && !seq.nullable && seq.sql_type == "bigint");
}

/// The primary key, the unique key, the prefix index and the CHECK.
fn assert_keys_and_checks(schema: &LogicalSchema) {
    let servers = &schema.tables["mcp_servers"];
    assert_eq!(servers.primary_key, ["id"]);
    assert!(servers.unique_constraints.contains(&vec!["seq".to_owned()]));
    let by_url = &servers.indexes["idx_mcp_servers_url"];
    assert_eq!(
        (by_url.columns.as_slice(), by_url.unique),
        (&["url(191)".to_owned()][..], true)
    );
    assert_eq!(
        by_url.definition.as_deref(),
        Some("CREATE UNIQUE INDEX `idx_mcp_servers_url` ON `mcp_servers` (`url`(191))")
    );
    // MariaDB's CHECK behind JSON is the type, not a check.
    let checks: Vec<(&str, &str)> = servers
        .checks
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("chk_mcp_servers_status", "`status` in ('draft','approved')")]
    );
}

/// The composite foreign key, its actions, and the index InnoDB made for it.
fn assert_foreign_keys(schema: &LogicalSchema) {
    let tokens = &schema.tables["mcp_oauth_tokens"];
    let fk = tokens.foreign_keys.iter().next().expect("a foreign key");
    assert_eq!(fk.name.as_deref(), Some("fk_mcp_oauth_tokens_config"));
    assert_eq!(fk.columns, ["mcp_server_id", "client_id"]);
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.as_slice()),
        (
            "mcp_oauth_configs",
            &["mcp_server_id".to_owned(), "client_id".to_owned()][..]
        )
    );
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (FkAction::Cascade, FkAction::NoAction)
    );
    // The index InnoDB made for the key is the constraint's, not a named index.
    assert!(tokens.indexes.is_empty(), "{:?}", tokens.indexes);
    assert!(
        tokens
            .constraint_indexes
            .contains_key("fk_mcp_oauth_tokens_config")
    );
    let configs = &schema.tables["mcp_oauth_configs"];
    assert_eq!(configs.primary_key, ["mcp_server_id", "client_id"]);
    // Its first column leads the primary key: InnoDB made no index for it.
    assert!(configs.indexes.is_empty() && configs.constraint_indexes.is_empty());
}

#[tokio::test]
async fn mysql_catalog_dumps_two_databases_of_the_same_ddl_alike() {
    let (Some(first), Some(second)) = (Scratch::new().await, Scratch::new().await) else {
        return;
    };
    first.run(SCHEMA).await;
    second.run(SCHEMA).await;
    // Counters moved apart: 3 rows in one, 1 in the other.
    for (db, rows) in [(&first, 3), (&second, 1)] {
        for n in 0..rows {
            db.run(&[&format!(
                "INSERT INTO mcp_servers (id, url) VALUES ('s{n}', 'https://{n}.example')"
            )])
            .await;
        }
    }
    let one = catalog::dump(&first.db.conn).await.expect("dump");
    let other = catalog::dump(&second.db.conn).await.expect("dump");
    // The fingerprint follows the dump: equal here, moved by a schema change.
    let before = catalog::fingerprint(&first.db.conn)
        .await
        .expect("fingerprint");
    let same = catalog::fingerprint(&second.db.conn)
        .await
        .expect("fingerprint");
    assert_eq!(before, same);
    second
        .run(&["ALTER TABLE mcp_servers ADD COLUMN note varchar(10) NULL"])
        .await;
    let after = catalog::fingerprint(&second.db.conn)
        .await
        .expect("fingerprint");
    assert_ne!(before, after);
    let text = one.to_string();
    assert_eq!(text, other.to_string());
    for varying in [
        first.name.as_str(),
        second.name.as_str(),
        "DEFINER=",
        "AUTO_INCREMENT=",
    ] {
        assert!(!text.contains(varying), "the dump holds {varying}:\n{text}");
    }
    let keys: Vec<(ObjectKind, &str)> = one
        .object_keys()
        .map(|key| (key.kind, key.name.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (ObjectKind::Table, "mcp_oauth_configs"),
            (ObjectKind::Table, "mcp_oauth_tokens"),
            (ObjectKind::Table, "mcp_servers"),
            (ObjectKind::Trigger, "mcp_servers.trg_mcp_servers_name"),
            (ObjectKind::View, "enabled_mcp_servers"),
            (ObjectKind::Procedure, "disable_all"),
            (ObjectKind::Function, "url_key"),
        ]
    );
    // What a reviewer reads, per family (MariaDB prints `int(11)`, MySQL 8 `int`).
    let version = first
        .db
        .conn
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT VERSION() AS v",
        ))
        .await
        .expect("version")
        .expect("a row");
    let version: String = version.try_get("", "v").expect("text");
    let family = if version.to_ascii_lowercase().contains("mariadb") {
        "mariadb"
    } else {
        "mysql"
    };
    insta::assert_snapshot!(format!("mysql_catalog_dump_{family}"), text);
    first.drop().await;
    second.drop().await;
}
