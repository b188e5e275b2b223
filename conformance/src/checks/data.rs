//! The data half of the step check: what every table holds, cheaply enough to read
//! three times per migration.
//!
//! Per table: the row count and a hash of the rows as text, sorted (so the physical
//! order does not matter, and a table without a primary key is compared as a multiset
//! of rows). Small tables also keep their rows, so that a finding can show examples.
//! Round trips: PostgreSQL counts and hashes every table in one query and reads rows
//! only of tables with 1..=[`KEEP_ROWS`] rows; SQLite reads all rows in one query (it is
//! in-process). An empty database costs one query.
//!
//! The walk re-reads only the tables a call may have changed ([`Scope`]): so that a step
//! costs the same at migration 1000 as at migration 10, a table is read again when its
//! schema changed, when the call ran a statement that may change rows
//! ([`may_change_rows`]), or on SQLite when the connection's row-change counter moved
//! by more than the one bookkeeping row (which counts every `INSERT`, `UPDATE` and
//! `DELETE`, foreign-key actions and statements the capture cannot see included).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

mod mysql;

use super::row_diff::changed_columns;
use crate::catalog::quote_ident as quote;
use crate::error::HarnessError;

/// Tables with at most this many rows keep them, for examples in findings.
const KEEP_ROWS: i64 = 50;
/// How many example rows a finding shows.
const EXAMPLES: usize = 3;

/// What every table held at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataSnapshot {
    /// The tables' data, by table name.
    pub tables: BTreeMap<String, TableData>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
/// The data of one table.
pub struct TableData {
    /// The number of rows.
    pub rows: i64,
    /// A hash of the sorted rows (PostgreSQL: md5 in hex; SQLite: a 64-bit hash).
    pub hash: String,
    /// The rows as text, sorted, when there are at most [`KEEP_ROWS`].
    pub sample: Option<Vec<String>>,
    /// The table's columns, in the order of the rows' fields.
    pub columns: Vec<String>,
}

/// Reads every table's data except `exclude` (the migrations bookkeeping table).
/// Tables are named as the catalog dump names them (`name`, or `Schema.Name` on
/// PostgreSQL outside `public`; never quoted).
pub async fn snapshot<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
) -> Result<DataSnapshot, HarnessError> {
    read(conn, exclude, None).await
}

/// Which tables a call may have changed the rows of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Any table: read them all again.
    All,
    /// Only these (as the catalog dump names them); every other table keeps its rows.
    Tables(BTreeSet<String>),
}

/// The data of `tables` only (as the catalog dump names them), except `exclude`.
pub(crate) async fn read_tables<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
    tables: &BTreeSet<String>,
) -> Result<DataSnapshot, HarnessError> {
    read(conn, exclude, Some(tables)).await
}

/// Whether `sql` (one captured call's text, possibly several statements) may change
/// rows that the catalog does not show changing. Schema statements do not (what they
/// do to a table's rows shows in that table's schema), with exceptions that rewrite
/// values in place: `ALTER TABLE … USING`, `ALTER TYPE` other than adding or renaming,
/// partitions attached or detached. Catalog reads (`has_table` and friends) do not.
/// Anything else, or anything not recognised, may.
pub(crate) fn may_change_rows(sql: &str) -> bool {
    sql.split(';').any(|part| {
        let words = leading_words(part, 2);
        let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let upper = part.to_ascii_uppercase();
        match word(0) {
            "" => false,
            "CREATE" | "DROP" | "COMMENT" | "GRANT" | "REVOKE" | "SET" | "RESET" | "PRAGMA"
            | "ANALYZE" | "REINDEX" | "VACUUM" | "CLUSTER" | "LOCK" | "BEGIN" | "COMMIT"
            | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "START" | "END" | "SHOW" | "LISTEN"
            | "NOTIFY" | "UNLISTEN" | "DISCARD" => false,
            "ALTER" => match word(1) {
                "TABLE" => {
                    upper.contains("USING")
                        || upper.contains("ATTACH PARTITION")
                        || upper.contains("DETACH PARTITION")
                }
                "TYPE" => {
                    !(upper.contains("ADD VALUE")
                        || upper.contains("RENAME TO")
                        || upper.contains("OWNER TO")
                        || upper.contains("SET SCHEMA"))
                }
                "EXTENSION" => true,
                _ => false,
            },
            // sea-orm's own `has_table` / `has_column` / `has_index` read the catalogs.
            "SELECT" => {
                !(upper.contains("INFORMATION_SCHEMA")
                    || upper.contains("PG_CATALOG")
                    || upper.contains("SQLITE_MASTER")
                    || upper.contains("SQLITE_SCHEMA")
                    || upper.contains("PRAGMA_"))
            }
            _ => true,
        }
    })
}

/// The first `n` words of `sql`, upper-case, after blanks and comments.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

async fn read<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
    only: Option<&BTreeSet<String>>,
) -> Result<DataSnapshot, HarnessError> {
    match conn.get_database_backend() {
        DbBackend::Postgres => postgres(conn, exclude, only).await,
        DbBackend::MySql => Box::pin(mysql::read(conn, exclude, only)).await,
        _ => sqlite(conn, exclude, only).await,
    }
}

/// `AND <column> IN ($first, …)` for `only`, with its values (bound, never spliced).
fn only_filter(
    column: &str,
    only: Option<&BTreeSet<String>>,
    first: usize,
    postgres: bool,
) -> (String, Vec<sea_orm::Value>) {
    let Some(only) = only else {
        return (String::new(), Vec::new());
    };
    let marks: Vec<String> = (first..first + only.len())
        .map(|i| {
            if postgres {
                format!("${i}")
            } else {
                "?".to_owned()
            }
        })
        .collect();
    (
        format!(" AND {column} IN ({})", marks.join(", ")),
        only.iter().map(|t| t.as_str().into()).collect(),
    )
}

async fn postgres<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
    only: Option<&BTreeSet<String>>,
) -> Result<DataSnapshot, HarnessError> {
    // query_to_xml runs the per-table aggregate server-side: one round trip for all.
    // `dump_name` is the catalog dump's name for the table.
    const TABLES: &str = r#"
        SELECT * FROM (
        SELECT n.nspname AS schema_name, c.relname AS table_name,
               CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END
                 || c.relname AS dump_name,
               (xpath('//row/n/text()', x))[1]::text::bigint AS row_count,
               (xpath('//row/h/text()', x))[1]::text AS row_hash,
               (SELECT string_agg(a.attname, chr(31) ORDER BY a.attnum) FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS column_names
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL query_to_xml(format(
            'SELECT count(*) AS n, md5(string_agg(t::text, chr(10) ORDER BY t::text)) AS h FROM %I.%I t',
            n.nspname, c.relname), true, false, '') AS x
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND c.relname <> $1
          AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass
                          AND x.objid = c.oid AND x.deptype = 'e')) t
        WHERE true"#;
    let (filter, values) = only_filter("dump_name", only, 2, true);
    let sql = format!("{TABLES}{filter} ORDER BY 1, 2");
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            std::iter::once(exclude.into()).chain(values),
        ))
        .await?;
    let mut snapshot = DataSnapshot::default();
    for row in rows {
        let schema: String = row.try_get("", "schema_name")?;
        let table: String = row.try_get("", "table_name")?;
        let name: String = row.try_get("", "dump_name")?;
        let count: i64 = row.try_get("", "row_count")?;
        let hash: Option<String> = row.try_get("", "row_hash")?;
        let columns: Option<String> = row.try_get("", "column_names")?;
        let qualified = format!("{}.{}", quote(&schema), quote(&table));
        let sample = match count {
            0 => Some(Vec::new()),
            1..=KEEP_ROWS => Some(pg_rows(conn, &qualified).await?),
            _ => None,
        };
        snapshot.tables.insert(
            name,
            TableData {
                rows: count,
                hash: hash.unwrap_or_default(),
                sample,
                columns: columns
                    .unwrap_or_default()
                    .split('\x1f')
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
        );
    }
    Ok(snapshot)
}

async fn pg_rows<C: ConnectionTrait>(
    conn: &C,
    qualified: &str,
) -> Result<Vec<String>, HarnessError> {
    let sql = format!("SELECT t::text AS r FROM {qualified} t ORDER BY 1");
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "r").map_err(HarnessError::from))
        .collect()
}

async fn sqlite<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
    only: Option<&BTreeSet<String>>,
) -> Result<DataSnapshot, HarnessError> {
    const COLUMNS: &str = "SELECT m.name AS table_name, p.name AS column_name \
        FROM sqlite_master m JOIN pragma_table_info(m.name) p \
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name <> ? \
        ORDER BY m.name, p.cid";
    let (sql, values): (String, Vec<sea_orm::Value>) = match only {
        None => (COLUMNS.to_owned(), vec![exclude.into()]),
        // The tables named, looked up by name: no scan of the whole catalog.
        Some(only) if only.is_empty() => return Ok(DataSnapshot::default()),
        Some(only) => (
            format!(
                "SELECT v.column1 AS table_name, p.name AS column_name \
                 FROM (VALUES {}) v JOIN pragma_table_info(v.column1, 'main') p \
                 WHERE v.column1 <> ? ORDER BY v.column1, p.cid",
                vec!["(?)"; only.len()].join(", ")
            ),
            only.iter()
                .map(|t| t.as_str().into())
                .chain(std::iter::once(exclude.into()))
                .collect(),
        ),
    };
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let table: String = row.try_get("", "table_name")?;
        let column: String = row.try_get("", "column_name")?;
        columns.entry(table).or_default().push(column);
    }
    if columns.is_empty() {
        return Ok(DataSnapshot::default());
    }
    // Every row of every table as `quote(a),quote(b),…` in one query.
    let selects: Vec<String> = columns
        .iter()
        .map(|(table, cols)| {
            let row = cols
                .iter()
                .map(|c| format!("quote({})", quote(c)))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            format!(
                "SELECT '{}' AS table_name, {row} AS r FROM {}",
                table.replace('\'', "''"),
                quote(table)
            )
        })
        .collect();
    let sql = selects.join(" UNION ALL ");
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?;
    let mut contents: BTreeMap<String, Vec<String>> =
        columns.keys().map(|t| (t.clone(), Vec::new())).collect();
    for row in rows {
        let table: String = row.try_get("", "table_name")?;
        let text: Option<String> = row.try_get("", "r")?;
        contents
            .entry(table)
            .or_default()
            .push(text.unwrap_or_default());
    }
    Ok(hashed(contents, &columns))
}

/// Each table's rows (as text, in any order) counted, sorted and hashed.
fn hashed(
    contents: BTreeMap<String, Vec<String>>,
    columns: &BTreeMap<String, Vec<String>>,
) -> DataSnapshot {
    let tables = contents
        .into_iter()
        .map(|(table, mut rows)| {
            rows.sort();
            let mut hasher = DefaultHasher::new();
            rows.hash(&mut hasher);
            let count = rows.len() as i64;
            let data = TableData {
                rows: count,
                hash: format!("{:016x}", hasher.finish()),
                sample: (count <= KEEP_ROWS).then_some(rows),
                columns: columns.get(&table).cloned().unwrap_or_default(),
            };
            (table, data)
        })
        .collect();
    DataSnapshot { tables }
}

/// One line per table whose data differs between `expected` and `actual` (tables in
/// only one of them are the schema diff's business).
#[cfg(test)]
pub fn compare(expected: &DataSnapshot, actual: &DataSnapshot) -> Vec<String> {
    compare_rows(expected, actual, false)
}

/// [`compare`]; with `volatile_ok`, a table whose rows differ only in timestamps and
/// UUIDs generated at run time (rows inserted again by a migration applied again) is
/// the same.
pub(crate) fn compare_rows(
    expected: &DataSnapshot,
    actual: &DataSnapshot,
    volatile_ok: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (table, before) in &expected.tables {
        let Some(after) = actual.tables.get(table) else {
            continue;
        };
        if before.rows == after.rows && before.hash == after.hash {
            continue;
        }
        let mut line = format!(
            "table {table}: {} row(s) expected, {} found",
            before.rows, after.rows
        );
        if let (Some(b), Some(a)) = (&before.sample, &after.sample) {
            let b: BTreeSet<&String> = b.iter().collect();
            let a: BTreeSet<&String> = a.iter().collect();
            let extra: Vec<&str> = a
                .difference(&b)
                .take(EXAMPLES)
                .map(|s| s.as_str())
                .collect();
            let missing: Vec<&str> = b
                .difference(&a)
                .take(EXAMPLES)
                .map(|s| s.as_str())
                .collect();
            if !extra.is_empty() {
                line.push_str(&format!("; left behind e.g. {}", extra.join(" ")));
            }
            if !missing.is_empty() {
                line.push_str(&format!("; lost e.g. {}", missing.join(" ")));
            }
            let lost: Vec<&str> = b.difference(&a).map(|s| s.as_str()).collect();
            let left: Vec<&str> = a.difference(&b).map(|s| s.as_str()).collect();
            let changes = changed_columns(&before.columns, &lost, &after.columns, &left);
            let only_volatile = !changes.is_empty() && changes.iter().all(|c| c.volatile);
            if volatile_ok && before.rows == after.rows && only_volatile {
                continue;
            }
            for change in changes {
                let (was, now) = &change.example;
                line.push_str(&format!(
                    "; column {} changed in {} row(s), e.g. {was} became {now}",
                    change.column, change.rows
                ));
            }
        } else if let Some(a) = &after.sample {
            let shown: Vec<&str> = a.iter().take(EXAMPLES).map(|s| s.as_str()).collect();
            line.push_str(&format!("; rows now e.g. {}", shown.join(" ")));
        } else if before.rows == after.rows {
            line.push_str("; same count, different content");
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_statements_and_catalog_reads_do_not_change_rows_anything_else_may() {
        for quiet in [
            "CREATE TABLE t (id int)",
            "  -- why\n/* note */ CREATE UNIQUE INDEX i ON t (a)",
            "DROP TABLE t",
            "ALTER TABLE t ADD COLUMN b int DEFAULT 0",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "COMMENT ON TABLE t IS 'x'",
            "SELECT COUNT(*) AS c FROM information_schema.tables WHERE table_name = $1",
            "SELECT COUNT(*) AS c FROM sqlite_master WHERE type = 'table'",
            "CREATE TABLE a (id int); CREATE INDEX i ON a (id);",
            "",
        ] {
            assert!(!may_change_rows(quiet), "{quiet}");
        }
        for noisy in [
            "INSERT INTO t VALUES (1)",
            "update t set a = 1",
            "DELETE FROM t",
            "TRUNCATE t",
            "DO $$ BEGIN PERFORM 1; END $$",
            "SELECT backfill()",
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
            "ALTER TABLE t ALTER COLUMN a TYPE text USING upper(a)",
            "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)",
            "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'",
            "ALTER EXTENSION x UPDATE",
            "CREATE TABLE a (id int); INSERT INTO a VALUES (1)",
            "MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE",
        ] {
            assert!(may_change_rows(noisy), "{noisy}");
        }
    }

    fn table(rows: &[&str]) -> TableData {
        let rows: Vec<String> = rows.iter().map(|r| (*r).to_owned()).collect();
        TableData {
            rows: rows.len() as i64,
            hash: rows.join("|"),
            sample: Some(rows),
            columns: Vec::new(),
        }
    }

    #[test]
    fn names_the_table_the_counts_and_the_rows_left_behind_or_lost() {
        let before = DataSnapshot {
            tables: [
                ("a".to_owned(), table(&["1,'x'"])),
                ("b".to_owned(), table(&[])),
            ]
            .into(),
        };
        let after = DataSnapshot {
            tables: [
                ("a".to_owned(), table(&[])),
                ("b".to_owned(), table(&["2,'y'"])),
            ]
            .into(),
        };
        assert_eq!(
            compare(&before, &after),
            [
                "table a: 1 row(s) expected, 0 found; lost e.g. 1,'x'",
                "table b: 0 row(s) expected, 1 found; left behind e.g. 2,'y'"
            ]
        );
        assert!(compare(&before, &before).is_empty());
    }
}
