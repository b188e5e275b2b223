//! PostgreSQL's catalog (`pg_catalog`), over every schema but the system ones.
//!
//! One query per kind of object for all schemas, not one per table: the step walk dumps
//! the catalog three times per migration. Objects that an extension owns are left out
//! (the extension stands for them), and so are owners and grants, which vary by
//! environment. Names are qualified with their schema unless it is `public`.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, QueryResult};

use super::{
    Column, FkAction, ForeignKey, Index, Kind, LogicalSchema, ObjectKind, SchemaDump, Table, get,
    normalize_default, quote_literal, rows,
};
use crate::error::HarnessError;

/// The schemas a migration may create or touch: all but the system ones.
macro_rules! user_schema {
    ($ns:literal) => {
        concat!(
            "(",
            $ns,
            ".nspname NOT IN ('pg_catalog', 'information_schema') AND ",
            $ns,
            ".nspname NOT LIKE 'pg\\_toast%' AND ",
            $ns,
            ".nspname NOT LIKE 'pg\\_temp%')"
        )
    };
}

/// `schema.name`, or just `name` in `public`, both quoted where needed.
macro_rules! qualified {
    ($ns:literal, $name:literal) => {
        concat!(
            "(CASE WHEN ",
            $ns,
            ".nspname = 'public' THEN '' ELSE quote_ident(",
            $ns,
            ".nspname) || '.' END || quote_ident(",
            $name,
            "))"
        )
    };
}

/// The object is not a member of an extension.
macro_rules! not_in_extension {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '",
            $catalog,
            "'::regclass AND x.objid = ",
            $oid,
            " AND x.deptype = 'e')"
        )
    };
}

/// Tables (ordinary and partitioned), filtered and named like every query below.
macro_rules! tables_of {
    ($t:literal) => {
        concat!(
            "JOIN pg_namespace n ON n.oid = ",
            $t,
            ".relnamespace WHERE ",
            user_schema!("n"),
            " AND ",
            $t,
            ".relkind IN ('r', 'p') AND ",
            not_in_extension!("pg_class", "t.oid")
        )
    };
}

const SCHEMAS_SQL: &str = concat!(
    "SELECT quote_ident(n.nspname) AS name FROM pg_namespace n WHERE ",
    user_schema!("n"),
    " AND n.nspname <> 'public' AND ",
    not_in_extension!("pg_namespace", "n.oid"),
    " ORDER BY 1"
);

/// plpgsql is in every database: not part of anyone's schema.
const EXTENSIONS_SQL: &str = "SELECT e.extname::text AS name, n.nspname::text AS schema, \
     e.extversion::text AS version FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql' ORDER BY 1";

const TYPES_SQL: &str = concat!(
    "SELECT ",
    qualified!("n", "t.typname"),
    " AS name, t.typtype::text AS kind, CASE t.typtype \
       WHEN 'e' THEN (SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) \
                      FROM pg_enum WHERE enumtypid = t.oid) \
       WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) \
         || CASE WHEN t.typcollation <> (SELECT typcollation FROM pg_type WHERE oid = t.typbasetype) \
                 THEN ' COLLATE ' || (SELECT quote_ident(collname) FROM pg_collation WHERE oid = t.typcollation) ELSE '' END \
         || coalesce(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END \
         || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), '' ORDER BY k.conname) \
                      FROM pg_constraint k WHERE k.contypid = t.oid), '') \
       WHEN 'c' THEN (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) \
                      FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) \
       WHEN 'r' THEN (SELECT 'SUBTYPE = ' || format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) \
     END AS def \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ",
    user_schema!("n"),
    " AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND \
            (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) AND ",
    not_in_extension!("pg_type", "t.oid"),
    " ORDER BY 1"
);

const SEQUENCES_SQL: &str = concat!(
    "SELECT ",
    qualified!("n", "c.relname"),
    " AS name, format_type(s.seqtypid, NULL) AS type, s.seqstart, s.seqincrement, s.seqmin, \
       s.seqmax, s.seqcache, s.seqcycle, \
       (SELECT ",
    qualified!("tn", "tc.relname"),
    " || '.' || quote_ident(a.attname) \
          FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid \
          JOIN pg_namespace tn ON tn.oid = tc.relnamespace \
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) AS owned_by \
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    user_schema!("n"),
    " AND ",
    not_in_extension!("pg_class", "c.oid"),
    " ORDER BY 1"
);

const TABLES_SQL: &str = concat!(
    "SELECT t.oid::int8 AS oid, ",
    qualified!("n", "t.relname"),
    " AS name, t.relpersistence::text AS persistence, \
       t.relrowsecurity AS rls, t.relforcerowsecurity AS force_rls, \
       array_to_string(t.reloptions, ', ') AS options, \
       CASE WHEN t.relkind = 'p' THEN pg_get_partkeydef(t.oid) END AS partition_key, \
       CASE WHEN t.relispartition THEN (SELECT ",
    qualified!("pn", "p.relname"),
    " FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
          JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = t.oid LIMIT 1) \
          || ' ' || pg_get_expr(t.relpartbound, t.oid) END AS partition_of \
     FROM pg_class t ",
    tables_of!("t"),
    " ORDER BY 2"
);

const COLUMNS_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, a.attname::text AS name, \
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, \
       pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, \
       a.attgenerated::text AS generated, \
       CASE WHEN a.attcollation <> ty.typcollation THEN \
         (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END \
                 || quote_ident(co.collname) \
            FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
            WHERE co.oid = a.attcollation) END AS collation \
     FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid \
     JOIN pg_type ty ON ty.oid = a.atttypid \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ",
    tables_of!("t"),
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY n.nspname, t.relname, a.attnum"
);

const CONSTRAINTS_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, k.conname::text AS name, pg_get_constraintdef(k.oid) AS def \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    tables_of!("t"),
    " AND k.contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY n.nspname, t.relname, k.conname"
);

/// Indexes that no constraint owns (those are in the constraints' text already), on
/// tables and materialized views.
const INDEXES_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, ",
    qualified!("n", "c.relname"),
    " AS name, pg_get_indexdef(i.indexrelid) AS def \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ",
    user_schema!("n"),
    " AND t.relkind IN ('r', 'p', 'm') AND ",
    not_in_extension!("pg_class", "t.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) \
     ORDER BY n.nspname, t.relname, c.relname"
);

const TRIGGERS_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, g.tgname::text AS name, pg_get_triggerdef(g.oid) AS def \
     FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ",
    user_schema!("n"),
    " AND NOT g.tgisinternal AND ",
    not_in_extension!("pg_class", "t.oid"),
    " ORDER BY n.nspname, t.relname, g.tgname"
);

const POLICIES_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, p.polname::text AS name, p.polcmd::text AS command, \
       p.polpermissive AS permissive, \
       CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE \
         (SELECT string_agg(quote_ident(rolname), ', ' ORDER BY rolname) FROM pg_roles WHERE oid = ANY (p.polroles)) \
       END AS roles, \
       pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr \
     FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid ",
    tables_of!("t"),
    " ORDER BY n.nspname, t.relname, p.polname"
);

/// Views, materialized views and foreign tables.
const VIEWS_SQL: &str = concat!(
    "SELECT c.oid::int8 AS oid, ",
    qualified!("n", "c.relname"),
    " AS name, c.relkind::text AS kind, \
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def, \
       array_to_string(c.reloptions, ', ') AS options \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    user_schema!("n"),
    " AND c.relkind IN ('v', 'm', 'f') AND ",
    not_in_extension!("pg_class", "c.oid"),
    " ORDER BY 2"
);

/// Functions, procedures and aggregates by signature; aggregates have no definition
/// text in PostgreSQL (`pg_get_functiondef` refuses them).
const FUNCTIONS_SQL: &str = concat!(
    "SELECT ",
    qualified!("n", "p.proname"),
    " || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name, p.prokind::text AS kind, \
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS def \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ",
    user_schema!("n"),
    " AND ",
    not_in_extension!("pg_proc", "p.oid"),
    " ORDER BY 1"
);

/// Comments on any object (OIDs below 16384 are the system's own). The comment an
/// extension's script puts on itself, and the stock one on schema `public`, are the
/// environment's, not the migrations'.
const COMMENTS_SQL: &str = concat!(
    "SELECT o.type AS kind, \
       regexp_replace(o.identity, '(^|[ (,])public\\.', '\\1', 'g') AS name, d.description AS comment \
     FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o \
     WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass \
       AND NOT (d.classoid = 'pg_namespace'::regclass AND o.identity = 'public') \
       AND (o.schema IS NULL OR o.schema NOT IN ('pg_catalog', 'information_schema') \
            AND o.schema NOT LIKE 'pg\\_toast%' AND o.schema NOT LIKE 'pg\\_temp%') \
       AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classoid AND x.objid = d.objoid AND x.deptype = 'e') \
     ORDER BY 1, 2"
);

/// Every query the dump reads, in dump order; the fingerprint hashes the same rows.
const DUMP_QUERIES: [&str; 13] = [
    SCHEMAS_SQL,
    EXTENSIONS_SQL,
    TYPES_SQL,
    SEQUENCES_SQL,
    TABLES_SQL,
    COLUMNS_SQL,
    CONSTRAINTS_SQL,
    INDEXES_SQL,
    TRIGGERS_SQL,
    POLICIES_SQL,
    VIEWS_SQL,
    FUNCTIONS_SQL,
    COMMENTS_SQL,
];

/// The md5 of every row the dump reads, computed by the server in one round trip.
/// OIDs are left out: a table dropped and created again the same is the same dump.
pub(super) async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
    let parts: Vec<String> = DUMP_QUERIES
        .iter()
        .map(|sql| {
            format!(
                "coalesce((SELECT string_agg((to_jsonb(q) - 'oid' - 'table_oid')::text, E'\\n') \
                 FROM ({sql}) q), '')"
            )
        })
        .collect();
    let sql = format!(
        "SELECT md5(concat_ws(E'\\x1e', {})) AS fingerprint",
        parts.join(", ")
    );
    let row = rows(conn, &sql).await?;
    let row = row.first().ok_or_else(|| {
        HarnessError::Setup("the catalog fingerprint query returned no row".into())
    })?;
    get(row, "fingerprint")
}

/// Schemas, extensions, types and sequences, then every table (columns, row security,
/// constraints, indexes, triggers, policies), then views, functions and comments.
pub(super) async fn dump<C: ConnectionTrait>(conn: &C) -> Result<SchemaDump, HarnessError> {
    let mut dump = SchemaDump::default();
    for row in rows(conn, SCHEMAS_SQL).await? {
        let name: String = get(&row, "name")?;
        dump.push(ObjectKind::Schema, &name, format!("CREATE SCHEMA {name};"));
    }
    for row in rows(conn, EXTENSIONS_SQL).await? {
        let name: String = get(&row, "name")?;
        let schema: String = get(&row, "schema")?;
        let version: String = get(&row, "version")?;
        dump.push(
            ObjectKind::Extension,
            &name,
            format!(
                "CREATE EXTENSION {name} WITH SCHEMA {schema} VERSION {};",
                quote_literal(&version)
            ),
        );
    }
    for row in rows(conn, TYPES_SQL).await? {
        let name: String = get(&row, "name")?;
        let def: Option<String> = get(&row, "def")?;
        let def = def.unwrap_or_default();
        let (kind, ddl) = match get::<String>(&row, "kind")?.as_str() {
            "e" => (
                ObjectKind::EnumType,
                format!("CREATE TYPE {name} AS ENUM ({def});"),
            ),
            "d" => (
                ObjectKind::Domain,
                format!("CREATE DOMAIN {name} AS {def};"),
            ),
            "c" => (
                ObjectKind::CompositeType,
                format!("CREATE TYPE {name} AS ({def});"),
            ),
            _ => (
                ObjectKind::RangeType,
                format!("CREATE TYPE {name} AS RANGE ({def});"),
            ),
        };
        dump.push(kind, name, ddl);
    }
    for row in rows(conn, SEQUENCES_SQL).await? {
        let name: String = get(&row, "name")?;
        let ty: String = get(&row, "type")?;
        let start: i64 = get(&row, "seqstart")?;
        let increment: i64 = get(&row, "seqincrement")?;
        let min: i64 = get(&row, "seqmin")?;
        let max: i64 = get(&row, "seqmax")?;
        let cache: i64 = get(&row, "seqcache")?;
        let cycle: bool = get(&row, "seqcycle")?;
        let owned_by: Option<String> = get(&row, "owned_by")?;
        let mut ddl = format!(
            "CREATE SEQUENCE {name} AS {ty} INCREMENT BY {increment} MINVALUE {min} MAXVALUE {max} \
             START WITH {start} CACHE {cache}{}",
            if cycle { " CYCLE" } else { "" }
        );
        if let Some(owner) = owned_by {
            ddl.push_str(&format!(" OWNED BY {owner}"));
        }
        ddl.push(';');
        dump.push(ObjectKind::Sequence, name, ddl);
    }

    let mut columns = by_table(rows(conn, COLUMNS_SQL).await?)?;
    let mut constraints = by_table(rows(conn, CONSTRAINTS_SQL).await?)?;
    let mut indexes = by_table(rows(conn, INDEXES_SQL).await?)?;
    let mut triggers = by_table(rows(conn, TRIGGERS_SQL).await?)?;
    let mut policies = by_table(rows(conn, POLICIES_SQL).await?)?;
    for row in rows(conn, TABLES_SQL).await? {
        let oid: i64 = get(&row, "oid")?;
        let name: String = get(&row, "name")?;
        let lines = columns
            .remove(&oid)
            .unwrap_or_default()
            .iter()
            .map(column_line)
            .collect::<Result<Vec<_>, HarnessError>>()?;
        let persistence: String = get(&row, "persistence")?;
        let unlogged = if persistence == "u" { "UNLOGGED " } else { "" };
        let mut ddl = format!(
            "\nCREATE {unlogged}TABLE {name} (\n{}\n)",
            lines.join(",\n")
        );
        if let Some(parent) = get::<Option<String>>(&row, "partition_of")? {
            ddl.push_str(&format!(" PARTITION OF {parent}"));
        }
        if let Some(key) = get::<Option<String>>(&row, "partition_key")? {
            ddl.push_str(&format!(" PARTITION BY {key}"));
        }
        if let Some(options) = get::<Option<String>>(&row, "options")? {
            ddl.push_str(&format!(" WITH ({options})"));
        }
        ddl.push(';');
        dump.push(ObjectKind::Table, &name, ddl);

        let rls: bool = get(&row, "rls")?;
        let force_rls: bool = get(&row, "force_rls")?;
        if rls || force_rls {
            let mut ddl = Vec::new();
            if rls {
                ddl.push(format!("ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;"));
            }
            if force_rls {
                ddl.push(format!("ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"));
            }
            dump.push(ObjectKind::RowSecurity, &name, ddl.join("\n"));
        }
        for row in constraints.remove(&oid).unwrap_or_default() {
            let constraint: String = get(&row, "name")?;
            let def: String = get(&row, "def")?;
            dump.push(
                ObjectKind::Constraint,
                format!("{name}.{constraint}"),
                format!("ALTER TABLE {name} ADD CONSTRAINT {constraint} {def};"),
            );
        }
        push_indexes(&mut dump, indexes.remove(&oid).unwrap_or_default())?;
        for row in triggers.remove(&oid).unwrap_or_default() {
            let trigger: String = get(&row, "name")?;
            let def: String = get(&row, "def")?;
            dump.push(
                ObjectKind::Trigger,
                format!("{name}.{trigger}"),
                format!("{def};"),
            );
        }
        for row in policies.remove(&oid).unwrap_or_default() {
            let policy: String = get(&row, "name")?;
            dump.push(
                ObjectKind::Policy,
                format!("{name}.{policy}"),
                policy_ddl(&name, &policy, &row)?,
            );
        }
    }

    for row in rows(conn, VIEWS_SQL).await? {
        let oid: i64 = get(&row, "oid")?;
        let name: String = get(&row, "name")?;
        let def: Option<String> = get(&row, "def")?;
        let def = def.unwrap_or_default();
        let options = get::<Option<String>>(&row, "options")?
            .map(|o| format!(" WITH ({o})"))
            .unwrap_or_default();
        match get::<String>(&row, "kind")?.as_str() {
            "v" => dump.push(
                ObjectKind::View,
                name.clone(),
                format!("\nCREATE VIEW {name}{options} AS\n{}", def.trim_end()),
            ),
            "m" => dump.push(
                ObjectKind::MaterializedView,
                name.clone(),
                format!(
                    "\nCREATE MATERIALIZED VIEW {name}{options} AS\n{}",
                    def.trim_end()
                ),
            ),
            _ => dump.push(
                ObjectKind::ForeignTable,
                name.clone(),
                format!("-- foreign table {name}"),
            ),
        }
        push_indexes(&mut dump, indexes.remove(&oid).unwrap_or_default())?;
    }
    for row in rows(conn, FUNCTIONS_SQL).await? {
        let name: String = get(&row, "name")?;
        let def: Option<String> = get(&row, "def")?;
        let kind = match get::<String>(&row, "kind")?.as_str() {
            "p" => ObjectKind::Procedure,
            "a" => ObjectKind::Aggregate,
            _ => ObjectKind::Function,
        };
        let ddl = match def {
            Some(def) => format!("\n{};", def.trim_end()),
            None => format!("-- {kind} {name}"),
        };
        dump.push(kind, name, ddl);
    }
    for row in rows(conn, COMMENTS_SQL).await? {
        let kind: String = get(&row, "kind")?;
        let name: String = get(&row, "name")?;
        let comment: String = get(&row, "comment")?;
        let kind = if kind == "table column" {
            "column".to_owned()
        } else {
            kind
        };
        dump.push(
            ObjectKind::Comment,
            format!("{kind} {name}"),
            format!(
                "COMMENT ON {} {name} IS {};",
                kind.to_ascii_uppercase(),
                quote_literal(&comment)
            ),
        );
    }
    Ok(dump)
}

/// `name type [COLLATE c] [GENERATED ...] [DEFAULT d] [NOT NULL]`, as `CREATE TABLE` has it.
fn column_line(row: &QueryResult) -> Result<String, HarnessError> {
    let column: String = get(row, "name")?;
    let ty: String = get(row, "type")?;
    let not_null: bool = get(row, "not_null")?;
    let default: Option<String> = get(row, "default")?;
    let identity: String = get(row, "identity")?;
    let generated: String = get(row, "generated")?;
    let collation: Option<String> = get(row, "collation")?;
    let mut line = format!("    {column} {ty}");
    if let Some(collation) = collation {
        line.push_str(&format!(" COLLATE {collation}"));
    }
    match (generated.as_str(), default) {
        ("s", Some(expr)) => line.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED")),
        (_, Some(default)) => line.push_str(&format!(" DEFAULT {default}")),
        _ => {}
    }
    match identity.as_str() {
        "a" => line.push_str(" GENERATED ALWAYS AS IDENTITY"),
        "d" => line.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        _ => {}
    }
    if not_null {
        line.push_str(" NOT NULL");
    }
    Ok(line)
}

fn policy_ddl(table: &str, policy: &str, row: &QueryResult) -> Result<String, HarnessError> {
    let command = match get::<String>(row, "command")?.as_str() {
        "r" => "SELECT",
        "a" => "INSERT",
        "w" => "UPDATE",
        "d" => "DELETE",
        _ => "ALL",
    };
    let permissive: bool = get(row, "permissive")?;
    let roles: Option<String> = get(row, "roles")?;
    let mut ddl = format!(
        "CREATE POLICY {policy} ON {table} AS {} FOR {command} TO {}",
        if permissive {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        },
        roles.unwrap_or_else(|| "PUBLIC".to_owned())
    );
    if let Some(using) = get::<Option<String>>(row, "using_expr")? {
        ddl.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = get::<Option<String>>(row, "check_expr")? {
        ddl.push_str(&format!(" WITH CHECK ({check})"));
    }
    ddl.push(';');
    Ok(ddl)
}

fn push_indexes(dump: &mut SchemaDump, indexes: Vec<QueryResult>) -> Result<(), HarnessError> {
    for row in indexes {
        let index: String = get(&row, "name")?;
        let def: String = get(&row, "def")?;
        dump.push(ObjectKind::Index, index, format!("{def};"));
    }
    Ok(())
}

pub(super) async fn logical<C: ConnectionTrait>(conn: &C) -> Result<LogicalSchema, HarnessError> {
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
    let mut columns = by_table(rows(conn, COLUMNS_SQL).await?)?;
    let mut constraints = by_table(rows(conn, CONSTRAINT_FACTS_SQL).await?)?;
    let mut indexes = by_table(rows(conn, INDEX_FACTS_SQL).await?)?;
    for row in rows(conn, TABLES_SQL).await? {
        let oid: i64 = get(&row, "oid")?;
        let name: String = get(&row, "name")?;
        let mut table = Table::default();
        for row in columns.remove(&oid).unwrap_or_default() {
            let ty: String = get(&row, "type")?;
            let not_null: bool = get(&row, "not_null")?;
            let default: Option<String> = get(&row, "default")?;
            let generated = get::<String>(&row, "generated")? == "s";
            let collation: Option<String> = get(&row, "collation")?;
            table.columns.push(Column {
                name: get(&row, "name")?,
                kind: kind(&ty),
                nullable: !not_null,
                default: if generated {
                    None
                } else {
                    default.as_deref().map(normalize_default)
                },
                sql_type: ty,
                collation,
                generated: if generated { default } else { None },
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
                "c" => {
                    table.checks.insert(get(&row, "check_expr")?);
                }
                _ => {}
            }
        }
        for row in indexes.remove(&oid).unwrap_or_default() {
            let columns: Vec<String> = get::<Option<String>>(&row, "cols")?
                .unwrap_or_default()
                .split('\x1f')
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
                .collect();
            let predicate: Option<String> = get(&row, "predicate")?;
            table.indexes.insert(
                get(&row, "name")?,
                Index {
                    columns,
                    unique: get(&row, "is_unique")?,
                    partial: predicate.is_some(),
                    predicate,
                },
            );
        }
        schema.tables.insert(name, table);
    }
    Ok(schema)
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

const CONSTRAINT_FACTS_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, k.conname::text AS name, k.contype::text AS contype, \
       coalesce((SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.conkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n), '') AS cols, \
       coalesce((SELECT relname::text FROM pg_class WHERE oid = k.confrelid), '') AS ref_table, \
       coalesce((SELECT string_agg(a.attname, ',' ORDER BY o) FROM unnest(k.confkey) WITH ORDINALITY u(n, o) \
          JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '') AS ref_cols, \
       k.confdeltype::text AS on_delete, k.confupdtype::text AS on_update, \
       CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid) END AS check_expr \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    tables_of!("t"),
    " AND k.contype IN ('p', 'u', 'f', 'c') ORDER BY n.nspname, t.relname, k.conname"
);

const ENUMS_SQL: &str = concat!(
    "SELECT ",
    qualified!("n", "t.typname"),
    " AS name, (SELECT string_agg(enumlabel, E'\\x1f' ORDER BY enumsortorder) FROM pg_enum \
       WHERE enumtypid = t.oid) AS labels \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ",
    user_schema!("n"),
    " AND t.typtype = 'e' ORDER BY 1"
);

/// Per index key: the column's name, or the expression's text.
const INDEX_FACTS_SQL: &str = concat!(
    "SELECT t.oid::int8 AS table_oid, c.relname::text AS name, i.indisunique AS is_unique, \
       pg_get_expr(i.indpred, i.indrelid) AS predicate, \
       (SELECT string_agg(pg_get_indexdef(i.indexrelid, k, true), E'\\x1f' ORDER BY k) \
          FROM generate_series(1, i.indnkeyatts) k) AS cols \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid ",
    tables_of!("t"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid) \
     ORDER BY n.nspname, t.relname, c.relname"
);

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

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
