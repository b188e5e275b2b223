//! Schema discovery: the migrated tables as sea-query `CREATE TABLE` statements, the
//! form sea-orm-codegen takes.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use sea_orm::DatabaseConnection;
use sea_schema::postgres::def::{TableDef, Type};
use sea_schema::postgres::discovery::SchemaDiscovery;
use sea_schema::sea_query::TableCreateStatement;

/// The schema the migrations live in.
const SCHEMA: &str = "public";

/// SeaORM's own bookkeeping table; not part of the application schema.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// The PostgreSQL type of the spec's case-insensitive strings.
pub const CITEXT: &str = "citext";

/// A table and one of its columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

/// What the enum mapping needs to know about a column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnShape {
    /// `varchar`, `char` or `text`. Not `citext`: its comparisons ignore case, which
    /// an enum of exact strings must not.
    pub is_plain_string: bool,
    /// The type as sea-schema names it, for error messages.
    pub type_name: String,
}

/// What the generator needs from the catalog.
#[derive(Debug)]
pub struct DiscoveredSchema {
    /// One statement per application table.
    pub tables: Vec<TableCreateStatement>,
    /// The `citext` columns, which sea-orm-codegen would otherwise leave unusable.
    pub citext_columns: BTreeSet<ColumnRef>,
    /// Every column, to check the enum table against ([`crate::enums`]).
    pub columns: BTreeMap<ColumnRef, ColumnShape>,
}

/// Reads the application tables of the `public` schema.
pub async fn discover(conn: &DatabaseConnection) -> anyhow::Result<DiscoveredSchema> {
    let pool = conn.get_postgres_connection_pool().clone();
    let schema = SchemaDiscovery::new(pool, SCHEMA)
        .discover()
        .await
        .context("sea-schema could not discover the migrated PostgreSQL schema")?;
    let mut tables: Vec<TableDef> = schema
        .tables
        .into_iter()
        .filter(|table| table.info.name != MIGRATIONS_TABLE)
        .collect();
    if tables.is_empty() {
        anyhow::bail!("the migrated database has no tables in schema `{SCHEMA}`");
    }
    // Catalog order is not guaranteed; the output must be.
    tables.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    let citext_columns = tables.iter().flat_map(citext_columns_of).collect();
    let columns = tables.iter().flat_map(column_shapes_of).collect();
    let tables = tables
        .into_iter()
        .map(|mut table| {
            // A partial unique index (`... WHERE prefix IS NOT NULL`) is not a unique
            // column: marking the entity field `unique` would claim more than the schema
            // enforces. FIDELITY.md lists them instead (sea-orm-cli drops them too).
            table.unique_constraints.retain(|unique| !unique.is_partial);
            table.write()
        })
        .collect();
    Ok(DiscoveredSchema {
        tables,
        citext_columns,
        columns,
    })
}

fn column_shapes_of(table: &TableDef) -> impl Iterator<Item = (ColumnRef, ColumnShape)> + '_ {
    table.columns.iter().map(|column| {
        let column_ref = ColumnRef {
            table: table.info.name.clone(),
            column: column.name.clone(),
        };
        let shape = ColumnShape {
            is_plain_string: matches!(
                column.col_type,
                Type::Varchar(_) | Type::Char(_) | Type::Text
            ),
            type_name: match &column.col_type {
                Type::Unknown(name) => name.clone(),
                other => format!("{other:?}"),
            },
        };
        (column_ref, shape)
    })
}

fn citext_columns_of(table: &TableDef) -> impl Iterator<Item = ColumnRef> + '_ {
    table
        .columns
        .iter()
        .filter(|column| matches!(&column.col_type, Type::Unknown(name) if name == CITEXT))
        .map(|column| ColumnRef {
            table: table.info.name.clone(),
            column: column.name.clone(),
        })
}
