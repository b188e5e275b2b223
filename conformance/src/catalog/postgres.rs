//! PostgreSQL's catalog (`pg_catalog`), limited to the connection's current schema.

use sea_orm::ConnectionTrait;

use super::{
    Column, ForeignKey, Index, Kind, LogicalSchema, SchemaDump, Table, get, normalize_default, rows,
};
use crate::error::HarnessError;

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
    for (oid, name) in tables(conn).await? {
        let lines = rows(conn, &columns_sql(oid))
            .await?
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
        for row in rows(conn, &constraints_sql(oid)).await? {
            let constraint: String = get(&row, "name")?;
            let def: String = get(&row, "def")?;
            dump.push(
                format!("constraint {name}.{constraint}"),
                format!("ALTER TABLE {name} ADD CONSTRAINT {constraint} {def};"),
            );
        }
        for row in rows(conn, &indexes_sql(oid)).await? {
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
    for (oid, name) in tables(conn).await? {
        let mut table = Table::default();
        for row in rows(conn, &columns_sql(oid)).await? {
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
        for row in rows(conn, &constraint_facts_sql(oid)).await? {
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
        for row in rows(conn, &index_facts_sql(oid)).await? {
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

fn columns_sql(oid: i64) -> String {
    format!(
        "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type, \
                a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default \
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    )
}

fn constraints_sql(oid: i64) -> String {
    format!(
        "SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint \
         WHERE conrelid = {oid} AND contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY conname"
    )
}

/// Indexes that no constraint owns (those are in the constraints' text already).
fn indexes_sql(oid: i64) -> String {
    format!(
        "SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = {oid} \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = {oid}) \
         ORDER BY c.relname"
    )
}

fn constraint_facts_sql(oid: i64) -> String {
    format!(
        "SELECT k.conname::text AS name, k.contype::text AS contype, \
           (SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.conkey) WITH ORDINALITY u(n, o) \
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) AS cols, \
           coalesce((SELECT relname::text FROM pg_class WHERE oid = k.confrelid), '') AS ref_table, \
           coalesce((SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.confkey) WITH ORDINALITY u(n, o) \
              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '') AS ref_cols, \
           k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update \
         FROM pg_constraint k WHERE k.conrelid = {oid} AND k.contype IN ('p', 'u', 'f') ORDER BY k.conname"
    )
}

fn index_facts_sql(oid: i64) -> String {
    format!(
        "SELECT c.relname::text AS name, i.indisunique AS is_unique, i.indpred IS NOT NULL AS is_partial, \
           (SELECT string_agg(coalesce(a.attname::text, '<expression>'), ',' ORDER BY o) \
              FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, o) \
              LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n) AS cols \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = {oid} \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = {oid}) \
         ORDER BY c.relname"
    )
}

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
