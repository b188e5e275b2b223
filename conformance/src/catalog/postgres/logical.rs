//! PostgreSQL's catalog as backend-neutral facts ([`LogicalSchema`]): what parity
//! compares and the spec tests assert. Tables, columns, indexes and constraints are
//! named as the catalog holds them, never quoted.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, QueryResult};

use super::super::{
    Column, FkAction, ForeignKey, Index, Kind, LogicalSchema, Table, get, normalize_default, rows,
};
use crate::error::HarnessError;

/// plpgsql is in every database: not part of anyone's schema.
const EXTENSIONS_SQL: &str = "SELECT e.extname::text AS name, n.nspname::text AS schema, \
     e.extversion::text AS version FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql' ORDER BY 1";

macro_rules! tables_sql {
    ($filter:literal) => {
        concat!(
            "SELECT t.oid::int8 AS oid, ",
            named!("n", "t.relname"),
            " AS name FROM pg_class t ",
            user_tables!(),
            $filter,
            " ORDER BY n.nspname COLLATE \"C\", t.relname COLLATE \"C\""
        )
    };
}
const TABLES_SQL: &str = tables_sql!("");
/// [`TABLES_SQL`] of the tables named (as `named!` names them) in `$1`, joined by `\x1f`.
const TABLES_SQL_OF: &str = tables_sql!(
    " AND (CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || t.relname) = ANY(string_to_array($1, chr(31)))"
);

macro_rules! columns_sql {
    ($filter:literal) => {
        concat!(
    "SELECT t.oid::int8 AS table_oid, a.attname::text AS name, \
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, \
       pg_get_expr(d.adbin, d.adrelid) AS default, a.attgenerated::text AS generated, a.attidentity::text AS identity, \
       CASE WHEN a.attcollation <> ty.typcollation THEN \
         (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END \
                 || quote_ident(co.collname) \
            FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
            WHERE co.oid = a.attcollation) END AS collation \
     FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid \
     JOIN pg_type ty ON ty.oid = a.atttypid \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ",
    user_tables!(),
            $filter,
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY t.oid, a.attnum"
        )
    };
}
const COLUMNS_SQL: &str = columns_sql!("");
/// [`COLUMNS_SQL`] of the tables whose oids are bound as `$1` (`1,2,3`).
const COLUMNS_SQL_OF: &str = columns_sql!(" AND t.oid = ANY(string_to_array($1, ',')::oid[])");

pub(in crate::catalog) async fn logical<C: ConnectionTrait>(
    conn: &C,
    only: Option<&BTreeSet<String>>,
) -> Result<LogicalSchema, HarnessError> {
    let mut schema = LogicalSchema::default();
    for row in rows(conn, EXTENSIONS_SQL).await? {
        schema
            .extensions
            .insert(get(&row, "name")?, get(&row, "version")?);
    }
    for row in rows(conn, ENUMS_SQL).await? {
        let values: Option<String> = get(&row, "labels")?;
        schema.enum_types.insert(
            get(&row, "name")?,
            values
                .unwrap_or_default()
                .split('\x1f')
                .map(str::to_owned)
                .collect(),
        );
    }
    // Every table, or the ones named: then each query reads only their oids.
    let (tables, oids) = match only {
        None => (rows(conn, TABLES_SQL).await?, None),
        Some(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let tables = bound_rows(conn, TABLES_SQL_OF, names.join("\x1f").into()).await?;
            let oids: Vec<i64> = tables
                .iter()
                .map(|r| get(r, "oid"))
                .collect::<Result<_, _>>()?;
            (tables, Some(oids))
        }
    };
    let read = |all: &'static str, some: &'static str| {
        let oids = oids.clone();
        async move {
            match oids {
                None => rows(conn, all).await,
                Some(oids) => {
                    let list: Vec<String> = oids.iter().map(i64::to_string).collect();
                    bound_rows(conn, some, list.join(",").into()).await
                }
            }
        }
    };
    let mut columns = by_table(read(COLUMNS_SQL, COLUMNS_SQL_OF).await?)?;
    let mut constraints = by_table(read(CONSTRAINT_FACTS_SQL, CONSTRAINT_FACTS_SQL_OF).await?)?;
    let mut indexes = by_table(read(INDEX_FACTS_SQL, INDEX_FACTS_SQL_OF).await?)?;
    for row in tables {
        let oid: i64 = get(&row, "oid")?;
        let name: String = get(&row, "name")?;
        let mut table = Table::default();
        for row in columns.remove(&oid).unwrap_or_default() {
            table.columns.push(column(&row)?);
        }
        for row in constraints.remove(&oid).unwrap_or_default() {
            add_constraint(&mut table, &row)?;
        }
        for row in indexes.remove(&oid).unwrap_or_default() {
            add_index(&mut table, &row)?;
        }
        schema.tables.insert(name, table);
    }
    Ok(schema)
}

/// The rows of `sql` with `value` bound as `$1`.
async fn bound_rows<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    value: sea_orm::Value,
) -> Result<Vec<QueryResult>, HarnessError> {
    Ok(conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            sql,
            [value],
        ))
        .await?)
}

/// A row of [`COLUMNS_SQL`] as a column.
fn column(row: &QueryResult) -> Result<Column, HarnessError> {
    let ty: String = get(row, "type")?;
    let not_null: bool = get(row, "not_null")?;
    let default: Option<String> = get(row, "default")?;
    let generated = get::<String>(row, "generated")? == "s";
    let identity = !get::<String>(row, "identity")?.is_empty();
    let collation: Option<String> = get(row, "collation")?;
    Ok(Column {
        name: get(row, "name")?,
        kind: kind(&ty),
        nullable: !not_null,
        default: if generated {
            None
        } else {
            default.as_deref().map(normalize_default)
        },
        default_sql: if generated { None } else { default.clone() },
        sql_type: ty,
        collation,
        generated: if generated { default } else { None },
        identity,
    })
}

/// A row of [`CONSTRAINT_FACTS_SQL`] into its table: the primary key, a unique key, a
/// foreign key or a check.
fn add_constraint(table: &mut Table, row: &QueryResult) -> Result<(), HarnessError> {
    let contype: String = get(row, "contype")?;
    let columns = split(&get::<String>(row, "cols")?);
    match contype.as_str() {
        "p" => table.primary_key = columns,
        "u" => {
            table.unique_constraints.insert(columns);
        }
        "f" => {
            table.foreign_keys.insert(ForeignKey {
                name: Some(get(row, "name")?),
                columns,
                ref_table: get(row, "ref_table")?,
                ref_columns: split(&get::<String>(row, "ref_cols")?),
                on_delete: action(&get::<String>(row, "on_delete")?),
                on_update: action(&get::<String>(row, "on_update")?),
            });
        }
        "c" => {
            table
                .checks
                .insert(get(row, "name")?, get(row, "check_expr")?);
        }
        _ => {}
    }
    Ok(())
}

/// A row of [`INDEX_FACTS_SQL`] into its table, by name: among the indexes a
/// constraint owns, or the named ones.
fn add_index(table: &mut Table, row: &QueryResult) -> Result<(), HarnessError> {
    let columns: Vec<String> = get::<Option<String>>(row, "cols")?
        .unwrap_or_default()
        .split('\x1f')
        .filter(|key| !key.is_empty())
        .map(str::to_owned)
        .collect();
    let predicate: Option<String> = get(row, "predicate")?;
    let index = Index {
        columns,
        unique: get(row, "is_unique")?,
        partial: predicate.is_some(),
        predicate,
        definition: get(row, "def")?,
    };
    let by_name = if get::<bool>(row, "constraint_owned")? {
        &mut table.constraint_indexes
    } else {
        &mut table.indexes
    };
    by_name.insert(get(row, "name")?, index);
    Ok(())
}

/// Rows grouped by their `table_oid` column, in query order.
fn by_table(rows: Vec<QueryResult>) -> Result<BTreeMap<i64, Vec<QueryResult>>, HarnessError> {
    let mut grouped: BTreeMap<i64, Vec<QueryResult>> = BTreeMap::new();
    for row in rows {
        grouped
            .entry(get(&row, "table_oid")?)
            .or_default()
            .push(row);
    }
    Ok(grouped)
}

macro_rules! constraint_facts_sql {
    ($filter:literal) => {
        concat!(
    "SELECT t.oid::int8 AS table_oid, k.conname::text AS name, k.contype::text AS contype, \
       coalesce((SELECT string_agg(a.attname, E'\\x1f' ORDER BY o) FROM unnest(k.conkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n), '') AS cols, \
       coalesce((SELECT relname::text FROM pg_class WHERE oid = k.confrelid), '') AS ref_table, \
       coalesce((SELECT string_agg(a.attname, E'\\x1f' ORDER BY o) FROM unnest(k.confkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '') AS ref_cols, \
       k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update, \
       CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid) END AS check_expr \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    user_tables!(),
            $filter,
    " AND k.contype IN ('p', 'u', 'f', 'c') ORDER BY n.nspname, t.relname, k.conname"
        )
    };
}
const CONSTRAINT_FACTS_SQL: &str = constraint_facts_sql!("");
/// [`CONSTRAINT_FACTS_SQL`] of the tables whose oids are bound as `$1` (`1,2,3`).
const CONSTRAINT_FACTS_SQL_OF: &str =
    constraint_facts_sql!(" AND t.oid = ANY(string_to_array($1, ',')::oid[])");

const ENUMS_SQL: &str = concat!(
    "SELECT ",
    named!("n", "t.typname"),
    " AS name, (SELECT string_agg(enumlabel, E'\\x1f' ORDER BY enumsortorder) FROM pg_enum \
       WHERE enumtypid = t.oid) AS labels \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ",
    user_schema!("n"),
    " AND t.typtype = 'e' ORDER BY 1"
);

macro_rules! index_facts_sql {
    ($filter:literal) => {
        concat!(
    "SELECT t.oid::int8 AS table_oid, c.relname::text AS name, i.indisunique AS is_unique, \
       pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_get_indexdef(i.indexrelid) AS def, \
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) \
         AS constraint_owned, \
       (SELECT string_agg(CASE WHEN i.indkey[k - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k, true) \
                 ELSE (SELECT a.attname::text FROM pg_attribute a \
                       WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) END, \
                 E'\\x1f' ORDER BY k) \
          FROM generate_series(1, i.indnkeyatts) k) AS cols \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid ",
    user_tables!(),
            $filter,
    " AND NOT i.indisprimary ORDER BY n.nspname, t.relname, c.relname"
        )
    };
}
/// Per index key: the column's name, or the expression's text. Primary keys are left
/// out (`Table::primary_key` has them).
const INDEX_FACTS_SQL: &str = index_facts_sql!("");
/// [`INDEX_FACTS_SQL`] of the tables whose oids are bound as `$1` (`1,2,3`).
const INDEX_FACTS_SQL_OF: &str =
    index_facts_sql!(" AND t.oid = ANY(string_to_array($1, ',')::oid[])");

fn kind(ty: &str) -> Kind {
    match ty {
        "character varying" | "text" => Kind::String,
        t if t.starts_with("character varying(") => Kind::String,
        "citext" | "public.citext" => Kind::CiString,
        "bigint" => Kind::BigInteger,
        "integer" => Kind::Integer,
        "boolean" => Kind::Boolean,
        "json" | "jsonb" => Kind::Json,
        "timestamp with time zone" => Kind::Timestamp,
        other => Kind::Other(other.to_owned()),
    }
}

/// `pg_constraint.confdeltype` / `confupdtype` codes.
fn action(code: &str) -> FkAction {
    match code {
        "c" => FkAction::Cascade,
        "r" => FkAction::Restrict,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// A list the catalog queries join with `\x1f` (a byte no name holds in practice).
fn split(list: &str) -> Vec<String> {
    list.split('\x1f')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
