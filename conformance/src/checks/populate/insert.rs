//! Writing one table's synthetic rows: the parent keys its foreign keys take, each row
//! built from the column plans, and an `INSERT` with every value bound: one per row for
//! the first rows, then one per batch of rows (see [`batch_size`]), a batch refused as a
//! whole going in again row by row to name the row refused.
//! PostgreSQL reads a row from one JSON object (`json_populate_record`; a batch from
//! one JSON array, `json_populate_recordset`), so each
//! value goes through its column type's own input function (enums, arrays, `citext`,
//! domains alike) and no type name is ever written into the SQL.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::Value as Json;

use super::plan::{build_row, plan, unique_columns};
use super::values::Cell;
use crate::backends::Backend;
use crate::catalog::{LogicalSchema, backquote, quote_ident};
use crate::checks::describe_db_error;
use crate::error::HarnessError;

/// What became of one table.
pub(super) enum Outcome {
    /// Every row asked for went in.
    Seeded,
    /// Some went in, then the database refused one: why.
    Partly { rows: usize, why: String },
    /// None could be made or went in: why.
    NotSeeded(String),
}

/// `"name"` or `"schema"."name"` for a table as the catalog names it (on MySQL in
/// backquotes: `` `name` ``, `` `database`.`name` `` for another database's).
pub(crate) fn quoted_table(name: &str, backend: Backend) -> String {
    match name.split_once('.') {
        Some((schema, table)) if matches!(backend, Backend::Postgres | Backend::MySql) => {
            format!("{}.{}", quote(backend, schema), quote(backend, table))
        }
        _ => quote(backend, name),
    }
}

/// A name quoted on `backend`: in backquotes on MySQL (double quotes are strings
/// there), in double quotes elsewhere.
pub(crate) fn quote(backend: Backend, name: &str) -> String {
    match backend {
        Backend::MySql => backquote(name),
        _ => quote_ident(name),
    }
}

/// Seeds `rows` rows into table `name`.
pub(super) async fn seed_table(
    conn: &DatabaseConnection,
    backend: Backend,
    schema: &LogicalSchema,
    name: &str,
    rows: usize,
    seed: u64,
) -> Result<Outcome, HarnessError> {
    let Some(table) = schema.tables.get(name) else {
        return Ok(Outcome::NotSeeded(
            "its catalog entry was not found".to_owned(),
        ));
    };
    // Keys of the parent rows, per foreign key (`None`: nothing to reference).
    let mut parents: Vec<Option<Vec<Vec<Cell>>>> = Vec::new();
    for fk in &table.foreign_keys {
        let own = fk.ref_table == name || name.rsplit('.').next() == Some(fk.ref_table.as_str());
        parents.push(if own {
            None
        } else {
            let keys = parent_keys(conn, backend, &fk.ref_table, &fk.ref_columns, rows).await?;
            (!keys.is_empty()).then_some(keys)
        });
    }
    let plans = match plan(table, schema, backend) {
        Ok(plans) => plans,
        Err(why) => return Ok(Outcome::NotSeeded(why)),
    };
    let unique = unique_columns(table);
    let mut rows_out = Rows {
        conn,
        backend,
        name,
        batch: Vec::new(),
        written: 0,
    };
    let size = batch_size(backend, plans.len());
    for row in 0..rows {
        let cells = match build_row(table, &plans, &parents, &unique, row, seed) {
            Ok(cells) => cells,
            Err(why) => {
                if let Some(refused) = rows_out.flush().await {
                    return Ok(refused);
                }
                return Ok(rows_out.stopped(why));
            }
        };
        rows_out.batch.push(cells);
        if (row < ONE_BY_ONE || rows_out.batch.len() >= size)
            && let Some(refused) = rows_out.flush().await
        {
            return Ok(refused);
        }
    }
    Ok(rows_out.flush().await.unwrap_or(Outcome::Seeded))
}

/// The first rows of a table go in one by one (a refused one is named at once); the
/// rest in batches (a rehearsal of 100 000 rows per table takes seconds, not minutes).
const ONE_BY_ONE: usize = 3;
/// Rows per batched `INSERT` at most.
const BATCH_ROWS: usize = 1000;
/// Bound values per SQLite statement at most (its oldest default limit).
const SQLITE_VALUES: usize = 999;

/// Bound values per MySQL statement at most (its protocol's limit).
const MYSQL_VALUES: usize = 65_535;

/// Rows per batched `INSERT`: PostgreSQL binds one JSON array whatever the size;
/// SQLite and MySQL one value per column and row.
fn batch_size(backend: Backend, columns: usize) -> usize {
    match backend {
        Backend::Postgres => BATCH_ROWS,
        Backend::MySql => (MYSQL_VALUES / columns.max(1)).clamp(1, BATCH_ROWS),
        _ => (SQLITE_VALUES / columns.max(1)).clamp(1, BATCH_ROWS),
    }
}

/// One table's rows on their way in, in order.
struct Rows<'a> {
    conn: &'a DatabaseConnection,
    backend: Backend,
    name: &'a str,
    /// Built, not yet written.
    batch: Vec<Vec<(String, Cell)>>,
    written: usize,
}

impl Rows<'_> {
    /// Writes the batch: in one statement, or one row at a time when it is one row,
    /// has no column to write, or was refused as a whole (so that the row the database
    /// refuses is named, and the rows before it go in as they would one by one).
    /// `Some` when a row was refused.
    async fn flush(&mut self) -> Option<Outcome> {
        let batch = std::mem::take(&mut self.batch);
        let columns = batch.first().map_or(0, Vec::len);
        if batch.len() > 1 && columns > 0 {
            let statement = insert_many(self.name, self.backend, &batch);
            if self.conn.execute_raw(statement).await.is_ok() {
                self.written += batch.len();
                return None;
            }
        }
        for cells in &batch {
            let statement = insert(self.name, self.backend, cells);
            if let Err(err) = self.conn.execute_raw(statement).await {
                let why = format!(
                    "the database refused row {}: {}",
                    self.written + 1,
                    describe_db_error(&err)
                );
                return Some(self.stopped(why));
            }
            self.written += 1;
        }
        None
    }

    /// The outcome when the rows stop for `why`.
    fn stopped(&self, why: String) -> Outcome {
        if self.written == 0 {
            Outcome::NotSeeded(why)
        } else {
            Outcome::Partly {
                rows: self.written,
                why,
            }
        }
    }
}

/// Up to `limit` key tuples of `table`'s rows, in a stable order, each value as it is
/// bound again. On MySQL each value comes as the hex of its text (`CAST(… AS BINARY)`:
/// a `binary(16)` key's bytes as they are) and goes back as that text, or as bytes when
/// it is not UTF-8.
pub(super) async fn parent_keys(
    conn: &DatabaseConnection,
    backend: Backend,
    table: &str,
    columns: &[String],
    limit: usize,
) -> Result<Vec<Vec<Cell>>, HarnessError> {
    let list: Vec<String> = columns.iter().map(|c| quote(backend, c)).collect();
    let not_null: Vec<String> = list.iter().map(|c| format!("{c} IS NOT NULL")).collect();
    let (key, mark) = match backend {
        Backend::Postgres => (
            format!("CAST(json_build_array({}) AS TEXT)", list.join(", ")),
            "$1",
        ),
        Backend::MySql => {
            let hex: Vec<String> = list
                .iter()
                .map(|c| format!("HEX(CAST({c} AS BINARY))"))
                .collect();
            (format!("CAST(JSON_ARRAY({}) AS CHAR)", hex.join(", ")), "?")
        }
        _ => (
            format!("CAST(json_array({}) AS TEXT)", list.join(", ")),
            "?",
        ),
    };
    let sql = format!(
        "SELECT {key} AS k FROM {} WHERE {} ORDER BY 1 LIMIT {mark}",
        quoted_table(table, backend),
        not_null.join(" AND ")
    );
    let statement =
        Statement::from_sql_and_values(backend.db(), sql, [Value::BigInt(Some(limit as i64))]);
    let mut keys = Vec::new();
    for row in conn.query_all_raw(statement).await? {
        let text: String = match row.try_get("", "k") {
            Ok(text) => text,
            Err(_) => String::from_utf8_lossy(&row.try_get::<Vec<u8>>("", "k")?).into_owned(),
        };
        if let Ok(Json::Array(values)) = serde_json::from_str(&text) {
            keys.push(match backend {
                Backend::MySql => values.iter().map(from_hex).collect(),
                _ => values.iter().map(from_json).collect(),
            });
        }
    }
    Ok(keys)
}

/// A MySQL key value from the hex of its text: that text, or its bytes.
fn from_hex(value: &Json) -> Cell {
    let Some(hex) = value.as_str() else {
        return from_json(value);
    };
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|at| {
            hex.get(at..at + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect();
    match bytes {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Cell::Text(text),
            Err(err) => Cell::Blob(err.into_bytes()),
        },
        None => from_json(value),
    }
}

pub(super) fn from_json(value: &Json) -> Cell {
    match value {
        Json::Null => Cell::Null,
        Json::Bool(b) => Cell::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => Cell::Real(n.as_f64().unwrap_or_default()),
        },
        Json::String(s) => Cell::Text(s.clone()),
        other => Cell::Json(other.clone()),
    }
}

/// The `INSERT` of one row, every value bound.
fn insert(table: &str, backend: Backend, cells: &[(String, Cell)]) -> Statement {
    let columns: Vec<String> = cells.iter().map(|(c, _)| quote(backend, c)).collect();
    let target = quoted_table(table, backend);
    if cells.is_empty() {
        return Statement::from_string(backend.db(), default_values(&target, backend));
    }
    match backend {
        Backend::Postgres => {
            let record: serde_json::Map<String, Json> = cells
                .iter()
                .map(|(c, cell)| (c.clone(), pg_json(cell)))
                .collect();
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "INSERT INTO {target} ({cols}) SELECT {cols} FROM json_populate_record(NULL::{target}, $1::json)",
                    cols = columns.join(", ")
                ),
                [Value::String(Some(Json::Object(record).to_string()))],
            )
        }
        _ => Statement::from_sql_and_values(
            backend.db(),
            format!(
                "INSERT INTO {target} ({}) VALUES ({})",
                columns.join(", "),
                vec!["?"; cells.len()].join(", ")
            ),
            cells
                .iter()
                .map(|(_, cell)| sqlite_value(cell))
                .collect::<Vec<_>>(),
        ),
    }
}

/// The `INSERT` of several rows with the same columns, in order, every value bound:
/// on PostgreSQL one JSON array read by `json_populate_recordset`, as [`insert`] reads
/// one row.
fn insert_many(table: &str, backend: Backend, rows: &[Vec<(String, Cell)>]) -> Statement {
    let columns: Vec<String> = rows
        .first()
        .map(|cells| cells.iter().map(|(c, _)| quote(backend, c)).collect())
        .unwrap_or_default();
    let target = quoted_table(table, backend);
    match backend {
        Backend::Postgres => {
            let records: Vec<Json> = rows
                .iter()
                .map(|cells| {
                    Json::Object(
                        cells
                            .iter()
                            .map(|(c, cell)| (c.clone(), pg_json(cell)))
                            .collect(),
                    )
                })
                .collect();
            Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "INSERT INTO {target} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{target}, $1::json)",
                    cols = columns.join(", ")
                ),
                [Value::String(Some(Json::Array(records).to_string()))],
            )
        }
        _ => {
            let row = format!("({})", vec!["?"; columns.len()].join(", "));
            Statement::from_sql_and_values(
                backend.db(),
                format!(
                    "INSERT INTO {target} ({}) VALUES {}",
                    columns.join(", "),
                    vec![row; rows.len()].join(", ")
                ),
                rows.iter()
                    .flat_map(|cells| cells.iter().map(|(_, cell)| sqlite_value(cell)))
                    .collect::<Vec<_>>(),
            )
        }
    }
}

/// The `INSERT` of a row of defaults only (MySQL has no `DEFAULT VALUES`).
pub(crate) fn default_values(target: &str, backend: Backend) -> String {
    match backend {
        Backend::MySql => format!("INSERT INTO {target} () VALUES ()"),
        _ => format!("INSERT INTO {target} DEFAULT VALUES"),
    }
}

/// A value in the row's JSON object: scalars as the text their type's input reads.
fn pg_json(cell: &Cell) -> Json {
    match cell {
        Cell::Null => Json::Null,
        Cell::Int(i) => Json::String(i.to_string()),
        Cell::Real(r) => Json::String(r.to_string()),
        Cell::Decimal(d) | Cell::Text(d) => Json::String(d.clone()),
        Cell::Bool(b) => Json::String(b.to_string()),
        Cell::Json(j) => j.clone(),
        Cell::Blob(bytes) => Json::String(format!("\\x{}", hex(bytes))),
        Cell::Array(items) => Json::Array(items.iter().map(pg_json).collect()),
    }
}

pub(super) fn sqlite_value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::String(None),
        Cell::Int(i) => Value::BigInt(Some(*i)),
        Cell::Real(r) => Value::Double(Some(*r)),
        Cell::Decimal(d) | Cell::Text(d) => Value::String(Some(d.clone())),
        Cell::Bool(b) => Value::Bool(Some(*b)),
        Cell::Json(j) => Value::String(Some(j.to_string())),
        Cell::Blob(bytes) => Value::Bytes(Some(bytes.clone())),
        Cell::Array(items) => {
            let json: Vec<Json> = items.iter().map(pg_json).collect();
            Value::String(Some(Json::Array(json).to_string()))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `tables` ordered so that a table comes after the tables among them it references
/// (a cycle is broken in name order: its nullable references are left NULL).
pub(super) fn parents_first(tables: &BTreeSet<String>, schema: &LogicalSchema) -> Vec<String> {
    let bare = |name: &str| name.rsplit('.').next().unwrap_or(name).to_owned();
    let mut waiting: BTreeMap<String, BTreeSet<String>> = tables
        .iter()
        .map(|t| {
            let needs = schema.tables.get(t).map_or_else(BTreeSet::new, |table| {
                table
                    .foreign_keys
                    .iter()
                    .filter_map(|fk| {
                        tables
                            .iter()
                            .find(|o| bare(o) == fk.ref_table && **o != *t)
                            .cloned()
                    })
                    .collect()
            });
            (t.clone(), needs)
        })
        .collect();
    let mut order = Vec::new();
    while !waiting.is_empty() {
        let ready: Vec<String> = waiting
            .iter()
            .filter(|(_, needs)| needs.iter().all(|n| !waiting.contains_key(n)))
            .map(|(t, _)| t.clone())
            .collect();
        let next = if ready.is_empty() {
            waiting.keys().take(1).cloned().collect()
        } else {
            ready
        };
        for table in next {
            waiting.remove(&table);
            order.push(table);
        }
    }
    order
}
