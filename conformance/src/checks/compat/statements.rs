//! The statements an application built against one table's schema issues: read a row,
//! insert one, update one, delete one, every identifier quoted and every value bound.

use sea_orm::{Statement, Value};

use crate::backends::Backend;
use crate::catalog::Table;
use crate::checks::populate::probe::{Bound, default_values, quoted_table};

/// One statement of the running version, with its values.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    /// The SQL, as the finding quotes it.
    pub(super) sql: String,
    values: Vec<Value>,
    backend: Backend,
}

impl Probe {
    /// The statement as run: its text made unique (a comment numbered by `run`), so
    /// that no plan the driver prepared for the same text before the migration (the
    /// connection's statement cache) is reused after it: PostgreSQL refuses a cached
    /// `SELECT` whose columns changed type ("cached plan must not change result type"),
    /// which says nothing of what a fresh connection of the running version would see.
    pub(super) fn statement(&self, run: u64) -> Statement {
        let sql = format!("{} /* conformance compat {run} */", self.sql);
        Statement::from_sql_and_values(self.backend.db(), sql, self.values.clone())
    }
}

/// What the running version knows of one table: its schema, a new row for it (or why
/// there is none) and the key of one of its rows.
pub(super) struct Known<'a> {
    pub(super) name: &'a str,
    pub(super) table: &'a Table,
    pub(super) row: Result<Vec<Bound>, String>,
    pub(super) key: Option<Vec<Value>>,
}

/// The table's `SELECT`, `INSERT`, `UPDATE` and `DELETE`, in that order; the `INSERT`
/// (and `UPDATE`) left out when no row can be made, with why.
pub(super) fn probes(backend: Backend, known: &Known<'_>) -> (Vec<Probe>, Option<String>) {
    let mut sql = Sql::new(backend, known.table);
    let target = quoted_table(known.name, backend);
    let table = known.table;
    let quote = |name: &str| ident(backend, name);
    let all: Vec<String> = table.columns.iter().map(|c| quote(&c.name)).collect();
    let mut out = vec![sql.probe(format!("SELECT {} FROM {target} LIMIT 1", all.join(", ")))];
    let row = match &known.row {
        Ok(row) => row,
        Err(why) => return (out, Some(why.clone())),
    };
    let required: Vec<&Bound> = row
        .iter()
        .filter(|(name, _)| {
            table
                .columns
                .iter()
                .any(|c| c.name == *name && !c.nullable && c.default_sql.is_none())
        })
        .collect();
    out.push(if required.is_empty() {
        sql.probe(default_values(&target, backend))
    } else {
        let columns: Vec<String> = required.iter().map(|(c, _)| quote(c)).collect();
        let values: Vec<String> = required.iter().map(|(c, v)| sql.bind(c, v)).collect();
        sql.probe(format!(
            "INSERT INTO {target} ({}) VALUES ({})",
            columns.join(", "),
            values.join(", ")
        ))
    });
    let Some(key) = &known.key else {
        return (out, None);
    };
    let set: Vec<String> = row
        .iter()
        .filter(|(c, _)| !table.primary_key.contains(c))
        .map(|(c, v)| format!("{} = {}", quote(c), sql.bind(c, v)))
        .collect();
    if !set.is_empty() {
        let filter = sql.key(key);
        out.push(sql.probe(format!(
            "UPDATE {target} SET {} WHERE {filter}",
            set.join(", ")
        )));
    }
    let filter = sql.key(key);
    out.push(sql.probe(format!("DELETE FROM {target} WHERE {filter}")));
    (out, None)
}

/// Placeholders and their values, numbered per statement.
struct Sql<'a> {
    backend: Backend,
    table: &'a Table,
    values: Vec<Value>,
}

impl<'a> Sql<'a> {
    fn new(backend: Backend, table: &'a Table) -> Self {
        Self {
            backend,
            table,
            values: Vec::new(),
        }
    }

    /// A placeholder for `value` of column `column`: on PostgreSQL, its text cast to
    /// the column's type as the running version knew it.
    fn bind(&mut self, column: &str, value: &Value) -> String {
        self.values.push(value.clone());
        match self.backend {
            Backend::Postgres => {
                let ty = self
                    .table
                    .columns
                    .iter()
                    .find(|c| c.name == column)
                    .map_or("text", |c| c.sql_type.as_str());
                format!("CAST(${} AS {ty})", self.values.len())
            }
            _ => "?".to_owned(),
        }
    }

    /// `pk = value AND …` for one row's key.
    fn key(&mut self, key: &[Value]) -> String {
        let columns = self.table.primary_key.clone();
        let parts: Vec<String> = columns
            .iter()
            .zip(key)
            .map(|(c, v)| format!("{} = {}", ident(self.backend, c), self.bind(c, v)))
            .collect();
        parts.join(" AND ")
    }

    /// The statement written so far, its values taken.
    fn probe(&mut self, sql: String) -> Probe {
        Probe {
            sql,
            values: std::mem::take(&mut self.values),
            backend: self.backend,
        }
    }
}

/// A column name quoted on `backend`: on SQLite in backquotes, since a double-quoted
/// name it does not know would be read as a string (its "double-quoted string
/// literal" fallback), and a dropped column would go unnoticed.
fn ident(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        _ => format!("`{}`", name.replace('`', "``")),
    }
}
