//! What a database really holds, read from its own catalog (never from migration code).
//!
//! Two views of the same catalog:
//! - [`dump`]: a canonical, deterministic text of the backend's DDL, for exact
//!   before/after comparisons and for the insta snapshots reviewers read;
//! - [`LogicalSchema`]: backend-neutral facts (kinds, nullability, keys, indexes) for
//!   the cross-backend parity check and for asserting a spec;
//!
//! and [`fingerprint`], one query whose result changes exactly when the dump does.
//!
//! On PostgreSQL every schema but the system ones is read; objects are named with
//! their schema unless it is `public`. Owners and grants vary by environment and are
//! left out; objects an extension owns are represented by the extension.
//!
//! Names are names: on every backend an object is keyed by its name as the catalog
//! holds it (`user`, `Order`, `Display Name`), never quoted, so that both backends'
//! schemas compare; quoting happens only where SQL is written (the dump's DDL).

pub(crate) mod ddl;
mod live;
mod mysql;
mod postgres;
mod sqlite;

pub(crate) use live::{Change, Hint, LiveCatalog, Order, names};
pub(crate) use mysql::{
    ansi_names as mysql_ansi_names, backquote, literal_values as mysql_literal_values,
};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use crate::error::HarnessError;

/// The canonical DDL of the database behind `conn`, object by object. The migrations
/// table's structure is included, its rows are not.
pub async fn dump<C: ConnectionTrait>(conn: &C) -> Result<SchemaDump, HarnessError> {
    let rows = match conn.get_database_backend() {
        DbBackend::Sqlite => sqlite::read_rows(conn).await?,
        DbBackend::Postgres => postgres::read_rows(conn).await?,
        DbBackend::MySql => Box::pin(mysql::read_rows(conn)).await?,
        other => {
            return Err(HarnessError::UnsupportedBackend {
                backend: other,
                by: "the catalog reader",
            });
        }
    };
    Ok(live::sorted_dump(rows))
}

/// A schema as DDL text, one entry per object, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemaDump {
    /// `(object, ddl)`, e.g. `(index idx_users_email, "CREATE INDEX ...;")`.
    pub objects: Vec<(ObjectKey, String)>,
}

impl SchemaDump {
    /// Object keys, e.g. `table users`, `index idx_users_email`.
    pub fn object_keys(&self) -> impl Iterator<Item = &ObjectKey> {
        self.objects.iter().map(|(key, _)| key)
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

/// Which object of a schema: its kind and its (schema-qualified unless `public`) name.
/// Displays as a reviewer reads it: `index idx_items_label`, `policy items.p_items`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct ObjectKey {
    /// The kind of object.
    pub kind: ObjectKind,
    /// `table.name` for objects that live on a table (constraints, triggers, policies).
    pub name: String,
}

impl ObjectKey {
    /// Makes a key from an object kind and name.
    pub fn new(kind: ObjectKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// Every kind of object the catalog readers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A schema.
    Schema,
    /// An extension.
    Extension,
    /// An enum type.
    EnumType,
    /// A domain.
    Domain,
    /// A composite type.
    CompositeType,
    /// A range type.
    RangeType,
    /// A sequence.
    Sequence,
    /// A table.
    Table,
    /// Row-level security switches (enabled, forced) of one table.
    RowSecurity,
    /// A table constraint.
    Constraint,
    /// An index.
    Index,
    /// A trigger.
    Trigger,
    /// A row-level security policy.
    Policy,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// A foreign table.
    ForeignTable,
    /// A function.
    Function,
    /// A procedure.
    Procedure,
    /// An aggregate function.
    Aggregate,
    /// A comment on any object; the name says which (`table items`, `column items.a`).
    Comment,
    /// A database-level setting kept in the schema file (SQLite `user_version`).
    Setting,
    /// The AUTOINCREMENT counter SQLite keeps for one table in `sqlite_sequence`.
    AutoincrementCounter,
    /// Any other object the backend reports (SQLite's own kinds, by its name).
    Other,
}

impl ObjectKind {
    /// The kind's name as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Extension => "extension",
            Self::EnumType => "enum type",
            Self::Domain => "domain",
            Self::CompositeType => "composite type",
            Self::RangeType => "range type",
            Self::Sequence => "sequence",
            Self::Table => "table",
            Self::RowSecurity => "row security on",
            Self::Constraint => "constraint",
            Self::Index => "index",
            Self::Trigger => "trigger",
            Self::Policy => "policy",
            Self::View => "view",
            Self::MaterializedView => "materialized view",
            Self::ForeignTable => "foreign table",
            Self::Function => "function",
            Self::Procedure => "procedure",
            Self::Aggregate => "aggregate",
            Self::Comment => "comment on",
            Self::Setting => "setting",
            Self::AutoincrementCounter => "autoincrement counter of",
            Self::Other => "object",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A fingerprint of everything [`dump`] reports, read with one query: equal
/// fingerprints mean equal dumps (up to a hash collision), so a caller comparing
/// schemas may skip the full dump when the fingerprint has not changed.
pub async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
    match conn.get_database_backend() {
        DbBackend::Sqlite => sqlite::fingerprint(conn).await,
        DbBackend::Postgres => postgres::fingerprint(conn).await,
        DbBackend::MySql => Box::pin(mysql::fingerprint(conn)).await,
        other => Err(HarnessError::UnsupportedBackend {
            backend: other,
            by: "the catalog reader",
        }),
    }
}

/// Backend-neutral facts about a schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalSchema {
    /// The tables, by name.
    pub tables: BTreeMap<String, Table>,
    /// Installed extensions (PostgreSQL), by name, with their version.
    pub extensions: BTreeMap<String, String>,
    /// Enum types (PostgreSQL), by (qualified) name, with their values in order.
    pub enum_types: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
/// A table in the logical schema.
pub struct Table {
    /// In declaration order.
    pub columns: Vec<Column>,
    /// The primary key's columns, in order.
    pub primary_key: Vec<String>,
    /// Column lists of UNIQUE constraints (not the primary key, not named indexes).
    pub unique_constraints: BTreeSet<Vec<String>>,
    /// Indexes created by name (`CREATE [UNIQUE] INDEX`), by name.
    pub indexes: BTreeMap<String, Index>,
    /// The table's foreign keys.
    pub foreign_keys: BTreeSet<ForeignKey>,
    /// CHECK constraints: name (SQLite: the expression, when unnamed) → expression, as
    /// the backend prints it.
    pub checks: BTreeMap<String, String>,
    /// The indexes behind UNIQUE (and exclusion) constraints, by name: not compared by
    /// parity ([`Table::unique_constraints`] is), but part of what the database enforces.
    pub constraint_indexes: BTreeMap<String, Index>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// A column of a table.
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The column's logical type.
    pub kind: Kind,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// The default's literal, without casts (`'pending'`, `0`, `false`).
    pub default: Option<String>,
    /// The default expression as the backend prints it (`'pending'::character varying`).
    pub default_sql: Option<String>,
    /// The type as the backend names it (`character varying(20)`, `varchar(20)`).
    pub sql_type: String,
    /// A collation other than the type's default (`nocase`, `"C"`), lower-cased on SQLite.
    pub collation: Option<String>,
    /// The expression of a generated column.
    pub generated: Option<String>,
    /// An identity column (PostgreSQL's `GENERATED … AS IDENTITY`): numbered by the
    /// database.
    pub identity: bool,
}

/// The declared kinds of the spec's conventions table. A reading aid for people and
/// the spec tests; parity compares [`Column::sql_type`] and [`Column::collation`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A text string.
    String,
    /// A case-insensitive text string.
    CiString,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInteger,
    /// A boolean.
    Boolean,
    /// A JSON value.
    Json,
    /// A timestamp.
    Timestamp,
    /// Anything else, as the backend names it.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// An index of a table.
pub struct Index {
    /// Column names, or for an expression its text as the backend prints it.
    pub columns: Vec<String>,
    /// Whether the index is unique.
    pub unique: bool,
    /// Whether the index has a `WHERE` predicate.
    pub partial: bool,
    /// The `WHERE` predicate's text as the backend prints it.
    pub predicate: Option<String>,
    /// The backend's own `CREATE INDEX` text (none for SQLite's automatic indexes).
    pub definition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
/// A foreign key of a table.
pub struct ForeignKey {
    /// `None` where the backend keeps no name (SQLite).
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// What happens on delete.
    pub on_delete: FkAction,
    /// What happens on update.
    pub on_update: FkAction,
}

impl ForeignKey {
    /// The constraint as PostgreSQL prints it: `FOREIGN KEY (a) REFERENCES t(id) ON
    /// UPDATE CASCADE ON DELETE CASCADE` (`NO ACTION`, the default, left out).
    pub fn sql(&self) -> String {
        let mut sql = format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            self.columns.join(", "),
            self.ref_table,
            self.ref_columns.join(", ")
        );
        for (event, action) in [("UPDATE", self.on_update), ("DELETE", self.on_delete)] {
            if action != FkAction::NoAction {
                sql.push_str(&format!(" ON {event} {action}"));
            }
        }
        sql
    }
}

/// What a foreign key does when its referenced row is deleted or updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FkAction {
    /// No action.
    NoAction,
    /// Refuse the change.
    Restrict,
    /// Apply the change to the referencing rows.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl FkAction {
    /// The action as written in SQL.
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }
}

impl fmt::Display for FkAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql())
    }
}

/// An action spelled neither as SQL nor as a PostgreSQL catalog code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a foreign key action (NO ACTION, RESTRICT, CASCADE, SET NULL, SET DEFAULT)")]
pub struct UnknownFkAction(pub String);

impl std::str::FromStr for FkAction {
    type Err = UnknownFkAction;

    /// The SQL spelling, in any case (what SQLite's pragma reports).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "NO ACTION" => Ok(Self::NoAction),
            "RESTRICT" => Ok(Self::Restrict),
            "CASCADE" => Ok(Self::Cascade),
            "SET NULL" => Ok(Self::SetNull),
            "SET DEFAULT" => Ok(Self::SetDefault),
            _ => Err(UnknownFkAction(text.to_owned())),
        }
    }
}

impl LogicalSchema {
    /// Reads the schema behind `conn`; `exclude` names tables to leave out (such as the
    /// migrations table).
    pub async fn read<C: ConnectionTrait>(
        conn: &C,
        exclude: &[&str],
    ) -> Result<Self, HarnessError> {
        Self::read_some(conn, None, exclude).await
    }

    /// The tables named in `tables` only (as the catalog dump names them), with the
    /// extensions and enum types: what a step needs to know of the tables it created.
    pub(crate) async fn read_tables<C: ConnectionTrait>(
        conn: &C,
        tables: &BTreeSet<String>,
    ) -> Result<Self, HarnessError> {
        Self::read_some(conn, Some(tables), &[]).await
    }

    async fn read_some<C: ConnectionTrait>(
        conn: &C,
        only: Option<&BTreeSet<String>>,
        exclude: &[&str],
    ) -> Result<Self, HarnessError> {
        let mut schema = match conn.get_database_backend() {
            DbBackend::Sqlite => sqlite::logical(conn, only).await?,
            DbBackend::Postgres => postgres::logical(conn, only).await?,
            DbBackend::MySql => Box::pin(mysql::logical(conn, only)).await?,
            other => {
                return Err(HarnessError::UnsupportedBackend {
                    backend: other,
                    by: "the catalog reader",
                });
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

/// A stable 64-bit FNV-1a hash, in hex: the same text gives the same hash in any
/// process and release (unlike `std`'s hasher).
pub(crate) fn fnv1a_hex(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

pub(crate) fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// An identifier in double quotes, embedded quotes doubled (both backends read it).
pub(crate) fn quote_ident(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
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
