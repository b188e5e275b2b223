//! Values for the `compat` check: one more row of a table, as the populate generator
//! makes them (its foreign keys taking a parent's existing key), and the key of one of
//! its rows, each value ready to bind on its backend (SQLite and MySQL: the value
//! itself; PostgreSQL: its text, which the statement casts to the column's type).

use sea_orm::{DatabaseConnection, Value};

use super::Populate;
pub(crate) use super::insert::{default_values, quoted_table};
use super::insert::{parent_keys, sqlite_value};
use super::plan::{build_row, plan, unique_columns};
use super::values::Cell;
use crate::backends::Backend;
use crate::catalog::LogicalSchema;
use crate::error::HarnessError;

/// One column's value, ready to bind.
pub(crate) type Bound = (String, Value);

/// Row number `row` of table `name` as the generator makes it (columns the database
/// fills itself left out); `Ok(Err(why))` when no valid row can be made.
pub(crate) async fn new_row(
    conn: &DatabaseConnection,
    backend: Backend,
    populate: &Populate,
    schema: &LogicalSchema,
    name: &str,
    row: usize,
) -> Result<Result<Vec<Bound>, String>, HarnessError> {
    let Some(table) = schema.tables.get(name) else {
        return Ok(Err("its catalog entry was not found".to_owned()));
    };
    let mut parents = Vec::new();
    for fk in &table.foreign_keys {
        let own = fk.ref_table == name || name.rsplit('.').next() == Some(fk.ref_table.as_str());
        parents.push(if own {
            None
        } else {
            let keys = parent_keys(conn, backend, &fk.ref_table, &fk.ref_columns, 1).await?;
            (!keys.is_empty()).then_some(keys)
        });
    }
    let plans = match plan(table, schema, backend) {
        Ok(plans) => plans,
        Err(why) => return Ok(Err(why)),
    };
    let unique = unique_columns(table);
    Ok(
        build_row(table, &plans, &parents, &unique, row, populate.seed).map(|cells| {
            cells
                .iter()
                .map(|(c, cell)| (c.clone(), bound(backend, cell)))
                .collect()
        }),
    )
}

/// The key (`columns`) of the first of `table`'s rows in key order, if it has one.
pub(crate) async fn first_key(
    conn: &DatabaseConnection,
    backend: Backend,
    table: &str,
    columns: &[String],
) -> Result<Option<Vec<Value>>, HarnessError> {
    let keys = parent_keys(conn, backend, table, columns, 1).await?;
    Ok(keys
        .into_iter()
        .next()
        .map(|key| key.iter().map(|cell| bound(backend, cell)).collect()))
}

/// A value as it is bound on `backend`.
fn bound(backend: Backend, cell: &Cell) -> Value {
    match backend {
        Backend::Postgres => Value::String(pg_text(cell)),
        _ => sqlite_value(cell),
    }
}

/// The text PostgreSQL's input function of the column's type reads.
fn pg_text(cell: &Cell) -> Option<String> {
    Some(match cell {
        Cell::Null => return None,
        Cell::Int(i) => i.to_string(),
        Cell::Real(r) => r.to_string(),
        Cell::Decimal(d) | Cell::Text(d) => d.clone(),
        Cell::Bool(b) => b.to_string(),
        Cell::Json(j) => j.to_string(),
        Cell::Blob(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!("\\x{hex}")
        }
        Cell::Array(items) => {
            let elements: Vec<String> = items
                .iter()
                .map(|item| match (item, pg_text(item)) {
                    (_, None) => "NULL".to_owned(),
                    (Cell::Array(_), Some(text)) => text,
                    (_, Some(text)) => {
                        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
                    }
                })
                .collect();
            format!("{{{}}}", elements.join(","))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    #[test]
    fn arrays_are_written_as_postgres_array_literals() {
        let cell = Cell::Array(vec![Cell::Text("a \"b\"".into()), Cell::Null, Cell::Int(3)]);
        assert_eq!(pg_text(&cell).as_deref(), Some(r#"{"a \"b\"",NULL,"3"}"#));
        assert_eq!(
            pg_text(&Cell::Json(Json::Bool(true))).as_deref(),
            Some("true")
        );
    }
}
