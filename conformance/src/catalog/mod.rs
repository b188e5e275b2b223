//! What a database really holds, read from its own catalog (never from migration code).
//!
//! Two views of the same catalog:
//! - [`dump`]: a canonical, deterministic text of the backend's DDL, for exact
//!   before/after comparisons and for the insta snapshots reviewers read;
//! - [`LogicalSchema`]: backend-neutral facts (kinds, nullability, keys, indexes) for
//!   the cross-backend parity check and for asserting a spec.

mod postgres;
mod sqlite;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use crate::error::HarnessError;

/// The canonical DDL of the database behind `conn`, object by object. The migrations
/// table's structure is included, its rows are not.
pub async fn dump<C: ConnectionTrait>(conn: &C) -> Result<SchemaDump, HarnessError> {
    match conn.get_database_backend() {
        DbBackend::Sqlite => sqlite::dump(conn).await,
        DbBackend::Postgres => postgres::dump(conn).await,
        other => Err(HarnessError::Setup(format!(
            "the {} backend is not supported by the catalog reader",
            other.as_str()
        ))),
    }
}

/// A schema as DDL text, one entry per object, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaDump {
    /// `(object, ddl)`, e.g. `("index idx_users_email", "CREATE INDEX ...;")`.
    pub objects: Vec<(String, String)>,
}

impl SchemaDump {
    pub(crate) fn push(&mut self, object: impl Into<String>, ddl: impl Into<String>) {
        self.objects.push((object.into(), ddl.into()));
    }

    /// Object names, e.g. `table users`, `index idx_users_email`.
    pub fn object_names(&self) -> impl Iterator<Item = &str> {
        self.objects.iter().map(|(name, _)| name.as_str())
    }
}

impl fmt::Display for SchemaDump {
    /// The DDL text: what the snapshots hold and reviewers read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (_, ddl) in &self.objects {
            writeln!(f, "{ddl}")?;
        }
        Ok(())
    }
}

/// Backend-neutral facts about a schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalSchema {
    pub tables: BTreeMap<String, Table>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// In declaration order.
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Column lists of UNIQUE constraints (not the primary key, not named indexes).
    pub unique_constraints: BTreeSet<Vec<String>>,
    /// Indexes created by name (`CREATE [UNIQUE] INDEX`), by name.
    pub indexes: BTreeMap<String, Index>,
    pub foreign_keys: BTreeSet<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub nullable: bool,
    /// The default's literal, without casts (`'pending'`, `0`, `false`).
    pub default: Option<String>,
}

/// The declared kinds of the spec's conventions table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    String,
    CiString,
    Integer,
    BigInteger,
    Boolean,
    Json,
    Timestamp,
    /// Anything else, as the backend names it.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub columns: Vec<String>,
    pub unique: bool,
    /// Whether the index has a `WHERE` predicate.
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    /// `None` where the backend keeps no name (SQLite).
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: String,
    pub on_update: String,
}

impl LogicalSchema {
    /// Reads the schema behind `conn`; `exclude` names tables to leave out (such as the
    /// migrations table).
    pub async fn read<C: ConnectionTrait>(
        conn: &C,
        exclude: &[&str],
    ) -> Result<Self, HarnessError> {
        let mut schema = match conn.get_database_backend() {
            DbBackend::Sqlite => sqlite::logical(conn).await?,
            DbBackend::Postgres => postgres::logical(conn).await?,
            other => {
                return Err(HarnessError::Setup(format!(
                    "the {} backend is not supported by the catalog reader",
                    other.as_str()
                )));
            }
        };
        schema
            .tables
            .retain(|name, _| !exclude.contains(&name.as_str()));
        Ok(schema)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::String => f.write_str("string"),
            Kind::CiString => f.write_str("ci_string"),
            Kind::Integer => f.write_str("integer"),
            Kind::BigInteger => f.write_str("big_integer"),
            Kind::Boolean => f.write_str("boolean"),
            Kind::Json => f.write_str("json"),
            Kind::Timestamp => f.write_str("timestamp"),
            Kind::Other(name) => write!(f, "{name}"),
        }
    }
}

/// Strips casts and normalises boolean spelling so that both backends' defaults compare.
pub(crate) fn normalize_default(raw: &str) -> String {
    let mut value = raw.trim().to_owned();
    // PostgreSQL writes `'x'::character varying`, `'[]'::jsonb`, `'Header'::citext`.
    while let Some(pos) = value.rfind("::") {
        let tail = &value[pos + 2..];
        if tail
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '"')
        {
            value.truncate(pos);
        } else {
            break;
        }
    }
    let value = value.trim_matches(|c| c == '(' || c == ')').to_owned();
    match value.to_ascii_lowercase().as_str() {
        "true" | "false" => value.to_ascii_lowercase(),
        _ => value,
    }
}

pub(crate) async fn rows<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
) -> Result<Vec<QueryResult>, HarnessError> {
    Ok(conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?)
}

pub(crate) fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> Result<T, HarnessError> {
    Ok(row.try_get::<T>("", col)?)
}

pub(crate) fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::normalize_default;

    #[test]
    fn defaults_lose_casts_and_boolean_case() {
        assert_eq!(
            normalize_default("'pending'::character varying"),
            "'pending'"
        );
        assert_eq!(normalize_default("'[]'::jsonb"), "'[]'");
        assert_eq!(normalize_default("FALSE"), "false");
        assert_eq!(normalize_default("0"), "0");
        assert_eq!(normalize_default("'a::b'"), "'a::b'");
    }
}
