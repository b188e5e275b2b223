//! PostgreSQL's catalog (`pg_catalog`), limited to the connection's current schema.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, QueryResult};

use super::{
    Column, ForeignKey, Index, Kind, LogicalSchema, SchemaDump, Table, get, normalize_default, rows,
};
use crate::error::HarnessError;

/// `concat!` for the queries below, with the shared schema filter spliced in.
macro_rules! concat_sql {
    ($head:literal, IN_SCHEMA, $tail:literal) => {
        concat!(
            $head,
            "JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')",
            $tail
        )
    };
}

/// Extensions, then every table (columns, constraints, indexes), then any other object
/// of the schema (sequences, views, types, functions) that no extension owns.
pub(super) async fn dump<C: ConnectionTrait>(conn: &C) -> Result<SchemaDump, HarnessError> {
    let mut dump = SchemaDump::default();
    for row in rows(
        conn,
        "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname",
    )
    .await?
    {
        let name: String = get(&row, "extname")?;
        dump.push(
            format!("extension {name}"),
            format!("CREATE EXTENSION {name};"),
        );
    }
    // One query per kind of object for all tables, not per table: the step walk dumps
    // the schema three times per migration.
    let mut columns = by_table(rows(conn, COLUMNS_SQL).await?)?;
    let mut constraints = by_table(rows(conn, CONSTRAINTS_SQL).await?)?;
    let mut indexes = by_table(rows(conn, INDEXES_SQL).await?)?;
    for (oid, name) in tables(conn).await? {
        let lines = columns
            .remove(&oid)
            .unwrap_or_default()
            .iter()
            .map(|row| {
                let column: String = get(row, "name")?;
                let ty: String = get(row, "type")?;
                let not_null: bool = get(row, "not_null")?;
                let default: Option<String> = get(row, "default")?;
                let mut line = format!("    {column} {ty}");
                if let Some(default) = default {
                    line.push_str(&format!(" DEFAULT {default}"));
                }
                if not_null {
                    line.push_str(" NOT NULL");
                }
                Ok(line)
            })
            .collect::<Result<Vec<_>, HarnessError>>()?;
        dump.push(
            format!("table {name}"),
            format!("\nCREATE TABLE {name} (\n{}\n);", lines.join(",\n")),
        );
        for row in constraints.remove(&oid).unwrap_or_default() {
            let constraint: String = get(&row, "name")?;
            let def: String = get(&row, "def")?;
            dump.push(
                format!("constraint {name}.{constraint}"),
                format!("ALTER TABLE {name} ADD CONSTRAINT {constraint} {def};"),
            );
        }
        for row in indexes.remove(&oid).unwrap_or_default() {
            let index: String = get(&row, "name")?;
            let def: String = get(&row, "def")?;
            dump.push(format!("index {index}"), format!("{def};"));
        }
    }
    for row in rows(conn, OTHER_OBJECTS_SQL).await? {
        let kind: String = get(&row, "kind")?;
        let name: String = get(&row, "name")?;
        dump.push(format!("{kind} {name}"), format!("-- {kind} {name}"));
    }
    Ok(dump)
}

pub(super) async fn logical<C: ConnectionTrait>(conn: &C) -> Result<LogicalSchema, HarnessError> {
    let mut schema = LogicalSchema::default();
    let mut columns = by_table(rows(conn, COLUMNS_SQL).await?)?;
    let mut constraints = by_table(rows(conn, CONSTRAINT_FACTS_SQL).await?)?;
    let mut indexes = by_table(rows(conn, INDEX_FACTS_SQL).await?)?;
    for (oid, name) in tables(conn).await? {
        let mut table = Table::default();
        for row in columns.remove(&oid).unwrap_or_default() {
            let ty: String = get(&row, "type")?;
            let not_null: bool = get(&row, "not_null")?;
            let default: Option<String> = get(&row, "default")?;
            table.columns.push(Column {
                name: get(&row, "name")?,
                kind: kind(&ty),
                nullable: !not_null,
                default: default.as_deref().map(normalize_default),
            });
        }
        for row in constraints.remove(&oid).unwrap_or_default() {
            let contype: String = get(&row, "contype")?;
            let columns = split(&get::<String>(&row, "cols")?);
            match contype.as_str() {
                "p" => table.primary_key = columns,
                "u" => {
                    table.unique_constraints.insert(columns);
                }
                "f" => {
                    table.foreign_keys.insert(ForeignKey {
                        name: Some(get(&row, "name")?),
                        columns,
                        ref_table: get(&row, "ref_table")?,
                        ref_columns: split(&get::<String>(&row, "ref_cols")?),
                        on_delete: action(&get::<String>(&row, "on_delete")?),
                        on_update: action(&get::<String>(&row, "on_update")?),
                    });
                }
                _ => {}
            }
        }
        for row in indexes.remove(&oid).unwrap_or_default() {
            table.indexes.insert(
                get(&row, "name")?,
                Index {
                    columns: split(&get::<String>(&row, "cols")?),
                    unique: get(&row, "is_unique")?,
                    partial: get(&row, "is_partial")?,
                },
            );
        }
        schema.tables.insert(name, table);
    }
    Ok(schema)
}

async fn tables<C: ConnectionTrait>(conn: &C) -> Result<Vec<(i64, String)>, HarnessError> {
    rows(
        conn,
        "SELECT c.oid::int8 AS oid, c.relname::text AS name FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname",
    )
    .await?
    .iter()
    .map(|row| Ok((get(row, "oid")?, get(row, "name")?)))
    .collect()
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

const COLUMNS_SQL: &str = concat_sql!(
    "SELECT t.oid::int8 AS table_oid, a.attname::text AS name, \
            format_type(a.atttypid, a.atttypmod) AS type, \
            a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default \
     FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ",
    IN_SCHEMA,
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY t.oid, a.attnum"
);

const CONSTRAINTS_SQL: &str = concat_sql!(
    "SELECT t.oid::int8 AS table_oid, k.conname::text AS name, pg_get_constraintdef(k.oid) AS def \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    IN_SCHEMA,
    " AND k.contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY t.oid, k.conname"
);

/// Indexes that no constraint owns (those are in the constraints' text already).
const INDEXES_SQL: &str = concat_sql!(
    "SELECT t.oid::int8 AS table_oid, c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS def \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid ",
    IN_SCHEMA,
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) \
     ORDER BY t.oid, c.relname"
);

const CONSTRAINT_FACTS_SQL: &str = concat_sql!(
    "SELECT t.oid::int8 AS table_oid, k.conname::text AS name, k.contype::text AS contype, \
       (SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.conkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) AS cols, \
       coalesce((SELECT relname::text FROM pg_class WHERE oid = k.confrelid), '') AS ref_table, \
       coalesce((SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.confkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '') AS ref_cols, \
       k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    IN_SCHEMA,
    " AND k.contype IN ('p', 'u', 'f') ORDER BY t.oid, k.conname"
);

const INDEX_FACTS_SQL: &str = concat_sql!(
    "SELECT t.oid::int8 AS table_oid, c.relname::text AS name, i.indisunique AS is_unique, \
       i.indpred IS NOT NULL AS is_partial, \
       (SELECT string_agg(coalesce(a.attname::text, '<expression>'), ',' ORDER BY o) \
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, o) \
          LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n) AS cols \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid ",
    IN_SCHEMA,
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) \
     ORDER BY t.oid, c.relname"
);

/// Objects a migration might leave behind outside tables, excluding extension members.
const OTHER_OBJECTS_SQL: &str = "\
    SELECT kind, name FROM ( \
      SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
               ELSE 'relation' END AS kind, c.relname::text AS name, c.oid \
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = current_schema() AND c.relkind IN ('S', 'v', 'm', 'f') \
      UNION ALL \
      SELECT CASE t.typtype WHEN 'e' THEN 'enum type' WHEN 'd' THEN 'domain' ELSE 'type' END, t.typname::text, t.oid \
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
        WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm') \
      UNION ALL \
      SELECT 'function', p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')', p.oid \
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
        WHERE n.nspname = current_schema() \
    ) o \
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e') \
    ORDER BY kind, name";

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

fn action(code: &str) -> String {
    match code {
        "c" => "CASCADE",
        "r" => "RESTRICT",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_owned()
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
