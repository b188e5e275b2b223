//! Shared by the migration crate's integration tests.

pub mod binary;
pub use binary::*;

use std::collections::BTreeMap;

use conformance::catalog::{Column, ForeignKey, Index, Kind, LogicalSchema, Table};
use conformance::{Backend, TestDatabase};
use migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

pub const MIGRATIONS_TABLE: &str = "seaql_migrations";
pub use migration_runner::{CHECKSUM_HISTORY_TABLE, CHECKSUM_TABLE};

/// How many migrations the application has.
pub fn migration_count() -> usize {
    use migration::MigratorTrait;
    migration::Migrator::migrations().len()
}

/// The spec's schema as written in `expected_schema.txt`, as `backend` reports it.
pub fn expected_schema(backend: Backend) -> LogicalSchema {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in include_str!("../expected_schema.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words[0] == "table" {
            current = Some(words[1].to_owned());
            tables.insert(words[1].to_owned(), Table::default());
            continue;
        }
        let table = tables
            .get_mut(current.as_deref().expect("a line before the first table"))
            .expect("current table");
        match words[0] {
            "index" => {
                let (cols, flags) = parenthesised(line);
                table.indexes.insert(
                    words[1].to_owned(),
                    Index {
                        columns: cols,
                        unique: flags.contains("unique"),
                        partial: flags.contains("partial"),
                        predicate: None,
                        definition: None,
                    },
                );
            }
            "fk" => {
                let (cols, rest) = parenthesised(line);
                let rest: Vec<&str> = rest.trim_start_matches("->").split_whitespace().collect();
                let (ref_cols, actions) = parenthesised(&rest[1..].join(" "));
                let actions: Vec<&str> = actions.split_whitespace().collect();
                table.foreign_keys.insert(ForeignKey {
                    // SQLite keeps no foreign key names in its catalog.
                    name: (backend == Backend::Postgres).then(|| words[1].to_owned()),
                    columns: cols,
                    ref_table: rest[0].to_owned(),
                    ref_columns: ref_cols,
                    on_delete: actions[0].parse().expect("a foreign key action"),
                    on_update: actions[1].parse().expect("a foreign key action"),
                });
            }
            name => {
                let kind = match words[1] {
                    "string" => Kind::String,
                    "ci_string" => Kind::CiString,
                    "big_integer" => Kind::BigInteger,
                    "boolean" => Kind::Boolean,
                    "json" => Kind::Json,
                    "timestamp" => Kind::Timestamp,
                    other => panic!("unknown kind {other} in expected_schema.txt"),
                };
                let default = words
                    .iter()
                    .position(|w| *w == "default")
                    .map(|i| words[i + 1..].join(" "));
                if words.contains(&"pk") {
                    table.primary_key.push(name.to_owned());
                }
                if words.contains(&"unique") {
                    table.unique_constraints.insert(vec![name.to_owned()]);
                }
                table.columns.push(Column {
                    name: name.to_owned(),
                    kind,
                    nullable: words[2] == "NULL",
                    default,
                    default_sql: None,
                    // The spec states conventions, not each backend's spelling: see
                    // `spec_view`.
                    sql_type: String::new(),
                    collation: None,
                    generated: None,
                    identity: false,
                });
            }
        }
    }
    LogicalSchema {
        tables,
        ..LogicalSchema::default()
    }
}

/// `schema` with only what the spec states: each backend's own spelling of types,
/// collations, defaults and indexes, the indexes behind UNIQUE constraints (the spec
/// lists the constraints) and the extensions left out.
fn spec_view(mut schema: LogicalSchema) -> LogicalSchema {
    schema.extensions.clear();
    schema.enum_types.clear();
    for table in schema.tables.values_mut() {
        table.constraint_indexes.clear();
        for column in &mut table.columns {
            column.sql_type.clear();
            column.collation = None;
            column.default_sql = None;
        }
        for index in table.indexes.values_mut() {
            index.predicate = None;
            index.definition = None;
        }
    }
    schema
}

/// `"name (a, b) rest"` → (`["a", "b"]`, `"rest"`).
fn parenthesised(text: &str) -> (Vec<String>, String) {
    let open = text.find('(').expect("(");
    let close = text.find(')').expect(")");
    let cols = text[open + 1..close]
        .split(',')
        .map(|c| c.trim().to_owned())
        .collect();
    (cols, text[close + 1..].trim().to_owned())
}

/// The schema in `conn`, without the bookkeeping tables (versions, checksums, history).
pub async fn actual_schema(conn: &DatabaseConnection) -> LogicalSchema {
    spec_view(
        LogicalSchema::read(
            conn,
            &[MIGRATIONS_TABLE, CHECKSUM_TABLE, CHECKSUM_HISTORY_TABLE],
        )
        .await
        .expect("read the catalog"),
    )
}

/// Table names in the database (the migrations table included).
pub async fn table_names(conn: &DatabaseConnection) -> Vec<String> {
    LogicalSchema::read(conn, &[])
        .await
        .expect("read the catalog")
        .tables
        .into_keys()
        .collect()
}

pub async fn exec(conn: &DatabaseConnection, sql: &str) -> Result<u64, migration::DbErr> {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .map(|r| r.rows_affected())
}

pub async fn count(conn: &DatabaseConnection, sql: &str) -> i64 {
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// A fresh database with all migrations applied, or `None` when PostgreSQL is skipped.
pub async fn migrated(backend: Backend) -> Option<TestDatabase> {
    use migration::MigratorTrait;
    let db = conformance::fresh_database(backend).await?;
    migration::Migrator::up(&db.conn, None)
        .await
        .unwrap_or_else(|e| panic!("up on {backend}: {e}"));
    Some(db)
}

/// The strings in column `column` of `sql`'s rows, in order.
pub async fn strings(conn: &DatabaseConnection, sql: &str, column: &str) -> Vec<String> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get::<String>("", column).expect("a string"))
        .collect()
}

/// Opens `url` with the runner's connection builder, as the CLI does.
pub async fn try_connect(url: &str) -> Result<DatabaseConnection, migration_runner::Error> {
    use migration_runner::{Access, Target};
    Target::parse(url, Access::ReadWrite)?
        .connect(Access::ReadWrite, std::time::Duration::from_secs(5))
        .await
}

pub async fn connect(url: &str) -> DatabaseConnection {
    try_connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

/// The applied versions, oldest first (empty when the table does not exist).
pub async fn versions(conn: &DatabaseConnection) -> Vec<String> {
    if !table_names(conn)
        .await
        .iter()
        .any(|t| t == MIGRATIONS_TABLE)
    {
        return Vec::new();
    }
    strings(
        conn,
        &format!("SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"),
        "version",
    )
    .await
}

/// The versions with a recorded checksum, oldest first (empty without the table).
pub async fn checksummed_versions(conn: &DatabaseConnection) -> Vec<String> {
    if !table_names(conn).await.iter().any(|t| t == CHECKSUM_TABLE) {
        return Vec::new();
    }
    strings(
        conn,
        &format!("SELECT version FROM {CHECKSUM_TABLE} ORDER BY version"),
        "version",
    )
    .await
}
