//! The data half of the step check: what every table holds, cheaply enough to read
//! three times per migration.
//!
//! Per table: the row count and a hash of the rows as text, sorted (so the physical
//! order does not matter, and a table without a primary key is compared as a multiset
//! of rows). Small tables also keep their rows, so that a finding can show examples.
//! Round trips: PostgreSQL counts and hashes every table in one query and reads rows
//! only of tables with 1..=[`KEEP_ROWS`] rows; SQLite reads all rows in one query (it is
//! in-process). An empty database costs one query.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use sea_orm::{ConnectionTrait, DbBackend, Statement};

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
}

/// Reads every table's data except `exclude` (the migrations bookkeeping table).
pub async fn snapshot<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
) -> Result<DataSnapshot, HarnessError> {
    match conn.get_database_backend() {
        DbBackend::Postgres => postgres(conn, exclude).await,
        _ => sqlite(conn, exclude).await,
    }
}

/// `"a"."b"` with embedded quotes doubled.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

async fn postgres<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
) -> Result<DataSnapshot, HarnessError> {
    // query_to_xml runs the per-table aggregate server-side: one round trip for all.
    const TABLES: &str = r#"
        SELECT n.nspname AS schema_name, c.relname AS table_name,
               (xpath('//row/n/text()', x))[1]::text::bigint AS row_count,
               (xpath('//row/h/text()', x))[1]::text AS row_hash
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL query_to_xml(format(
            'SELECT count(*) AS n, md5(string_agg(t::text, chr(10) ORDER BY t::text)) AS h FROM %I.%I t',
            n.nspname, c.relname), true, false, '') AS x
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
          AND c.relname <> $1
        ORDER BY 1, 2"#;
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            TABLES,
            [exclude.into()],
        ))
        .await?;
    let mut snapshot = DataSnapshot::default();
    for row in rows {
        let schema: String = row.try_get("", "schema_name")?;
        let table: String = row.try_get("", "table_name")?;
        let count: i64 = row.try_get("", "row_count")?;
        let hash: Option<String> = row.try_get("", "row_hash")?;
        let qualified = format!("{}.{}", quote(&schema), quote(&table));
        let sample = match count {
            0 => Some(Vec::new()),
            1..=KEEP_ROWS => Some(pg_rows(conn, &qualified).await?),
            _ => None,
        };
        let name = if schema == "public" {
            table
        } else {
            format!("{schema}.{table}")
        };
        snapshot.tables.insert(
            name,
            TableData {
                rows: count,
                hash: hash.unwrap_or_default(),
                sample,
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

async fn sqlite<C: ConnectionTrait>(conn: &C, exclude: &str) -> Result<DataSnapshot, HarnessError> {
    const COLUMNS: &str = "SELECT m.name AS table_name, p.name AS column_name \
        FROM sqlite_master m JOIN pragma_table_info(m.name) p \
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name <> ? \
        ORDER BY m.name, p.cid";
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            COLUMNS,
            [exclude.into()],
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
            };
            (table, data)
        })
        .collect();
    Ok(DataSnapshot { tables })
}

/// One line per table whose data differs between `expected` and `actual` (tables in
/// only one of them are the schema diff's business).
pub fn compare(expected: &DataSnapshot, actual: &DataSnapshot) -> Vec<String> {
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

    fn table(rows: &[&str]) -> TableData {
        let rows: Vec<String> = rows.iter().map(|r| (*r).to_owned()).collect();
        TableData {
            rows: rows.len() as i64,
            hash: rows.join("|"),
            sample: Some(rows),
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
