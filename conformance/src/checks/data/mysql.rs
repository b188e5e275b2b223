//! Every base table's rows on MySQL / MariaDB, in two queries: the columns from
//! `information_schema`, then every row of every table as `QUOTE(a),QUOTE(b),…` in one
//! `UNION ALL` (the database is a test's own, a few rows per table). Rows come back as
//! bytes (a `BLOB` column makes its row binary): text when it is UTF-8, else hex.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use super::{DataSnapshot, hashed};
use crate::catalog::backquote;
use crate::error::HarnessError;

/// The base tables of the current database (views aside) and their columns, in order.
const COLUMNS: &str = "SELECT c.TABLE_NAME AS table_name, c.COLUMN_NAME AS column_name \
    FROM information_schema.COLUMNS c \
    JOIN information_schema.TABLES t \
      ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
    WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_NAME <> ?";

/// The data of every table (of `only`, when given) but `exclude`.
pub(super) async fn read<C: ConnectionTrait>(
    conn: &C,
    exclude: &str,
    only: Option<&BTreeSet<String>>,
) -> Result<DataSnapshot, HarnessError> {
    let mut sql = COLUMNS.to_owned();
    let mut values: Vec<Value> = vec![exclude.into()];
    if let Some(only) = only {
        if only.is_empty() {
            return Ok(DataSnapshot::default());
        }
        sql.push_str(&format!(
            " AND c.TABLE_NAME IN ({})",
            vec!["?"; only.len()].join(", ")
        ));
        values.extend(only.iter().map(|t| Value::from(t.as_str())));
    }
    sql.push_str(" ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION");
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            sql,
            values,
        ))
        .await?;
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &rows {
        columns
            .entry(text(row, "table_name")?)
            .or_default()
            .push(text(row, "column_name")?);
    }
    if columns.is_empty() {
        return Ok(DataSnapshot::default());
    }
    let mut selects = Vec::new();
    let mut names: Vec<Value> = Vec::new();
    for (table, cols) in &columns {
        let row = cols
            .iter()
            .map(|c| format!("QUOTE({})", backquote(c)))
            .collect::<Vec<_>>()
            .join(", ");
        selects.push(format!(
            "SELECT ? AS table_name, CAST(CONCAT_WS(',', {row}) AS BINARY) AS r FROM {}",
            backquote(table)
        ));
        names.push(table.as_str().into());
    }
    let found = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            selects.join(" UNION ALL "),
            names,
        ))
        .await?;
    let mut contents: BTreeMap<String, Vec<String>> =
        columns.keys().map(|t| (t.clone(), Vec::new())).collect();
    for row in &found {
        let bytes: Option<Vec<u8>> = row.try_get("", "r")?;
        let line = match String::from_utf8(bytes.unwrap_or_default()) {
            Ok(text) => text,
            Err(e) => format!("x'{}'", hex(e.as_bytes())),
        };
        contents
            .entry(text(row, "table_name")?)
            .or_default()
            .push(line);
    }
    Ok(hashed(contents, &columns))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A text column, whether the server sends it as text or as bytes.
fn text(row: &QueryResult, col: &str) -> Result<String, HarnessError> {
    match row.try_get::<String>("", col) {
        Ok(value) => Ok(value),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get("", col)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}
