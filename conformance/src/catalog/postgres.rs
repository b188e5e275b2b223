//! PostgreSQL's catalog (`pg_catalog`), over every schema but the system ones.
//!
//! The dump is one query over all schemas, with the DDL written by the server: the step
//! walk dumps the catalog three times per migration, and the fingerprint hashes the
//! same text without sending it. Objects that an extension owns are left out
//! (the extension stands for them), and so are owners and grants, which vary by
//! environment. Names are qualified with their schema unless it is `public`. Objects
//! are keyed by their names as the catalog holds them (`user`, `Order`), as on SQLite;
//! only the DDL text quotes them (`"user"`).

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::live::{Order, Reread, Row};
use super::{ObjectKey, ObjectKind, get, rows};
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

/// `schema.name`, or just `name` in `public`, both quoted where needed: for SQL text.
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

/// `schema.name`, or just `name` in `public`, as the catalog holds them (never quoted):
/// what objects are keyed and compared by. Only their SQL text quotes (`qualified!`).
macro_rules! named {
    ($ns:literal, $name:literal) => {
        concat!(
            "(CASE WHEN ",
            $ns,
            ".nspname = 'public' THEN '' ELSE ",
            $ns,
            ".nspname || '.' END || ",
            $name,
            ")"
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

/// Joins and filters `pg_class t` to the tables (ordinary and partitioned) of the
/// user's schemas, `pg_namespace n` being their schema.
macro_rules! user_tables {
    () => {
        concat!(
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ",
            user_schema!("n"),
            " AND t.relkind IN ('r', 'p') AND ",
            not_in_extension!("pg_class", "t.oid")
        )
    };
}

/// The object a catalog object is read again with (its unit): a table for its
/// indexes, constraints, triggers, policies, defaults and its row type; a type for its
/// enum values and domain constraints; a view for its rule; any other object itself.
/// None for a TOAST table: it is found with its table, which is its unit.
macro_rules! unit_of {
    ($class:literal, $oid:literal) => {
        concat!(
            "(CASE ", $class,
            " WHEN 'pg_class'::regclass THEN (SELECT CASE WHEN c.relkind IN ('i', 'I') \
                 THEN (SELECT x.indrelid FROM pg_index x WHERE x.indexrelid = c.oid) \
                 WHEN c.relkind = 'c' THEN c.reltype \
                 WHEN c.relkind = 't' THEN NULL \
                 ELSE c.oid END FROM pg_class c WHERE c.oid = ", $oid, ")",
            " WHEN 'pg_type'::regclass THEN (SELECT CASE WHEN t.typrelid <> 0 AND \
                 (SELECT x.relkind FROM pg_class x WHERE x.oid = t.typrelid) <> 'c' THEN t.typrelid \
                 WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END \
                 FROM pg_type t WHERE t.oid = ", $oid, ")",
            " WHEN 'pg_constraint'::regclass THEN (SELECT CASE WHEN k.conrelid <> 0 THEN k.conrelid \
                 ELSE k.contypid END FROM pg_constraint k WHERE k.oid = ", $oid, ")",
            " WHEN 'pg_trigger'::regclass THEN (SELECT x.tgrelid FROM pg_trigger x WHERE x.oid = ", $oid, ")",
            " WHEN 'pg_policy'::regclass THEN (SELECT x.polrelid FROM pg_policy x WHERE x.oid = ", $oid, ")",
            " WHEN 'pg_rewrite'::regclass THEN (SELECT x.ev_class FROM pg_rewrite x WHERE x.oid = ", $oid, ")",
            " WHEN 'pg_attrdef'::regclass THEN (SELECT x.adrelid FROM pg_attrdef x WHERE x.oid = ", $oid, ")",
            " WHEN 'pg_enum'::regclass THEN (SELECT x.enumtypid FROM pg_enum x WHERE x.oid = ", $oid, ")",
            " ELSE ", $oid, " END)"
        )
    };
}

mod logical;

pub(super) use self::logical::logical;

/// Every object as `(grp, owner, sub, kind, name, ddl)`, the DDL written by the server:
/// `grp` orders the sections (schemas, extensions, types, sequences, tables, views,
/// functions, comments), `owner` and `sub` keep a table's constraints, indexes,
/// triggers and policies right after it. One query, so that the dump is one round trip
/// and the fingerprint can hash exactly what the dump shows.
const OBJECTS_SQL: &str = concat!(
    // Every table's column lines, in one pass over pg_attribute (not one per table).
    "WITH cols AS (SELECT a.attrelid, string_agg('    ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) \
         || CASE WHEN a.attcollation <> ty.typcollation THEN ' COLLATE ' || \
              (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END \
                      || quote_ident(co.collname) \
                 FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace \
                 WHERE co.oid = a.attcollation) ELSE '' END \
         || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' \
                 ELSE coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') END \
         || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' \
                               WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END \
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, E',\\n' ORDER BY a.attnum) AS lines \
       FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_type ty ON ty.oid = a.atttypid \
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ",
    user_tables!(),
    " AND a.attnum > 0 AND NOT a.attisdropped /*TABLES*/ GROUP BY a.attrelid) ",
    // Schemas other than public.
    "SELECT 0 AS grp, n.nspname::text AS owner, 0 AS sub, 'schema' AS kind, \
       n.nspname::text AS name, 'CREATE SCHEMA ' || quote_ident(n.nspname) || ';' AS ddl, n.oid AS unit \
     FROM pg_namespace n WHERE ",
    user_schema!("n"),
    " AND n.nspname <> 'public' AND ",
    not_in_extension!("pg_namespace", "n.oid"),
    // Extensions.
    " UNION ALL SELECT 1, e.extname::text, 0, 'extension', e.extname::text, \
       format('CREATE EXTENSION %I WITH SCHEMA %I VERSION %L;', e.extname, n.nspname, e.extversion), e.oid \
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'",
    // Enum, domain, composite and range types.
    " UNION ALL SELECT 2, ",
    named!("n", "t.typname"),
    ", 0, CASE t.typtype WHEN 'e' THEN 'enum type' WHEN 'd' THEN 'domain' \
         WHEN 'c' THEN 'composite type' ELSE 'range type' END, ",
    named!("n", "t.typname"),
    ", CASE t.typtype \
       WHEN 'e' THEN 'CREATE TYPE ' || ",
    qualified!("n", "t.typname"),
    " || ' AS ENUM (' || coalesce((SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) \
                      FROM pg_enum WHERE enumtypid = t.oid), '') || ');' \
       WHEN 'd' THEN 'CREATE DOMAIN ' || ",
    qualified!("n", "t.typname"),
    " || ' AS ' || format_type(t.typbasetype, t.typtypmod) \
         || CASE WHEN t.typcollation <> (SELECT typcollation FROM pg_type WHERE oid = t.typbasetype) \
                 THEN ' COLLATE ' || (SELECT quote_ident(collname) FROM pg_collation WHERE oid = t.typcollation) ELSE '' END \
         || coalesce(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END \
         || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid), '' \
                                        ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '') || ';' \
       WHEN 'c' THEN 'CREATE TYPE ' || ",
    qualified!("n", "t.typname"),
    " || ' AS (' || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' \
                      ORDER BY a.attnum) FROM pg_attribute a \
                      WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ');' \
       ELSE 'CREATE TYPE ' || ",
    qualified!("n", "t.typname"),
    " || ' AS RANGE (' || coalesce((SELECT 'SUBTYPE = ' || format_type(r.rngsubtype, NULL) FROM pg_range r \
                      WHERE r.rngtypid = t.oid), '') || ');' \
     END, t.oid \
     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ",
    user_schema!("n"),
    " AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND \
            (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) AND ",
    not_in_extension!("pg_type", "t.oid"),
    // Sequences with their parameters and owner column (serial and identity included).
    " UNION ALL SELECT 3, ",
    named!("n", "c.relname"),
    ", 0, 'sequence', ",
    named!("n", "c.relname"),
    ", format('CREATE SEQUENCE %s AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s%s;', ",
    qualified!("n", "c.relname"),
    ", format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, \
         CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END, \
         coalesce((SELECT ' OWNED BY ' || ",
    qualified!("tn", "tc.relname"),
    " || '.' || quote_ident(a.attname) \
            FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid \
            JOIN pg_namespace tn ON tn.oid = tc.relnamespace \
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), '')), c.oid \
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    user_schema!("n"),
    " AND ",
    not_in_extension!("pg_class", "c.oid"),
    // Tables: columns, persistence, partitioning, storage options.
    " UNION ALL SELECT 4, ",
    named!("n", "t.relname"),
    ", 0, 'table', ",
    named!("n", "t.relname"),
    ", E'\\nCREATE ' || CASE WHEN t.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END || 'TABLE ' || ",
    qualified!("n", "t.relname"),
    " || E' (\\n' || coalesce(cols.lines, '') || E'\\n)' \
       || coalesce(' PARTITION OF ' || (SELECT ",
    qualified!("pn", "p.relname"),
    " FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
            JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = t.oid AND t.relispartition LIMIT 1) \
            || ' ' || pg_get_expr(t.relpartbound, t.oid), '') \
       || CASE WHEN t.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(t.oid) ELSE '' END \
       || coalesce(' WITH (' || array_to_string(t.reloptions, ', ') || ')', '') || ';', t.oid \
     FROM pg_class t LEFT JOIN cols ON cols.attrelid = t.oid ",
    user_tables!(),
    // Row-level security switches.
    " UNION ALL SELECT 4, ",
    named!("n", "t.relname"),
    ", 1, 'row security', ",
    named!("n", "t.relname"),
    ", concat_ws(E'\\n', CASE WHEN t.relrowsecurity THEN 'ALTER TABLE ' || ",
    qualified!("n", "t.relname"),
    " || ' ENABLE ROW LEVEL SECURITY;' END, CASE WHEN t.relforcerowsecurity THEN 'ALTER TABLE ' || ",
    qualified!("n", "t.relname"),
    " || ' FORCE ROW LEVEL SECURITY;' END), t.oid FROM pg_class t ",
    user_tables!(),
    " AND (t.relrowsecurity OR t.relforcerowsecurity)",
    // Constraints.
    " UNION ALL SELECT 4, ",
    named!("n", "t.relname"),
    ", 2, 'constraint', ",
    named!("n", "t.relname"),
    " || '.' || k.conname, 'ALTER TABLE ' || ",
    qualified!("n", "t.relname"),
    " || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' ' || pg_get_constraintdef(k.oid) || ';', t.oid \
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid ",
    user_tables!(),
    " AND k.contype IN ('p', 'u', 'f', 'c', 'x')",
    // Indexes no constraint owns (those are in the constraints' text), on tables and
    // materialized views.
    " UNION ALL SELECT CASE WHEN t.relkind = 'm' THEN 5 ELSE 4 END, ",
    named!("n", "t.relname"),
    ", 3, 'index', ",
    named!("n", "c.relname"),
    ", pg_get_indexdef(i.indexrelid) || ';', t.oid \
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ",
    user_schema!("n"),
    " AND t.relkind IN ('r', 'p', 'm') AND ",
    not_in_extension!("pg_class", "t.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = t.oid)",
    // Triggers (not the internal ones behind foreign keys).
    " UNION ALL SELECT 4, ",
    named!("n", "t.relname"),
    ", 4, 'trigger', ",
    named!("n", "t.relname"),
    " || '.' || g.tgname, pg_get_triggerdef(g.oid) || ';', t.oid \
     FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid ",
    user_tables!(),
    " AND NOT g.tgisinternal",
    // Policies.
    " UNION ALL SELECT 4, ",
    named!("n", "t.relname"),
    ", 5, 'policy', ",
    named!("n", "t.relname"),
    " || '.' || p.polname, 'CREATE POLICY ' || quote_ident(p.polname) || ' ON ' || ",
    qualified!("n", "t.relname"),
    " || CASE WHEN p.polpermissive THEN ' AS PERMISSIVE' ELSE ' AS RESTRICTIVE' END \
       || ' FOR ' || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' \
                                   WHEN 'd' THEN 'DELETE' ELSE 'ALL' END \
       || ' TO ' || CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE coalesce((SELECT string_agg(quote_ident(rolname), ', ' \
                     ORDER BY rolname) FROM pg_roles WHERE oid = ANY (p.polroles)), '') END \
       || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '') \
       || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', '') || ';', t.oid \
     FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid ",
    user_tables!(),
    // Views, materialized views, foreign tables.
    " UNION ALL SELECT 5, ",
    named!("n", "c.relname"),
    ", 0, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END, ",
    named!("n", "c.relname"),
    ", CASE c.relkind WHEN 'f' THEN '-- foreign table ' || ",
    named!("n", "c.relname"),
    " ELSE E'\\nCREATE ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW ' ELSE 'VIEW ' END || ",
    qualified!("n", "c.relname"),
    " || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || E' AS\\n' \
            || rtrim(pg_get_viewdef(c.oid), E' \\n') END, c.oid \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ",
    user_schema!("n"),
    " AND c.relkind IN ('v', 'm', 'f') AND ",
    not_in_extension!("pg_class", "c.oid"),
    // Functions, procedures and aggregates by signature; PostgreSQL has no definition
    // text for aggregates (`pg_get_functiondef` refuses them).
    " UNION ALL SELECT 6, ",
    named!("n", "p.proname"),
    ", 0, CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, ",
    named!("n", "p.proname"),
    " || '(' || pg_get_function_identity_arguments(p.oid) || ')', \
       CASE WHEN p.prokind = 'a' THEN '-- aggregate ' || ",
    named!("n", "p.proname"),
    " || '(' || pg_get_function_identity_arguments(p.oid) || ')' \
            ELSE E'\\n' || rtrim(pg_get_functiondef(p.oid), E' \\n') || ';' END, p.oid \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ",
    user_schema!("n"),
    " AND ",
    not_in_extension!("pg_proc", "p.oid"),
    // Comments on any object (OIDs below 16384 are the system's own). The comment an
    // extension's script puts on itself, and the stock one on schema public, are the
    // environment's, not the migrations'.
    " UNION ALL SELECT 7, o.name, 0, 'comment', o.name, \
       'COMMENT ON ' || upper(o.kind) || ' ' || o.ident || ' IS ' || quote_literal(o.description) || ';', o.unit \
     FROM (SELECT CASE WHEN i.type = 'table column' THEN 'column' ELSE i.type END AS kind, \
                  regexp_replace(i.identity, '(^|[ (,])public\\.', '\\1', 'g') AS ident, \
                  (CASE WHEN i.type = 'table column' THEN 'column' ELSE i.type END) || ' ' || \
                  regexp_replace(i.identity, '(^|[ (,])public\\.', '\\1', 'g') AS name, \
                  d.description, ",
    unit_of!("d.classoid", "d.objoid"),
    " AS unit \
           FROM pg_description d, LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) i \
           WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass \
             AND NOT (d.classoid = 'pg_namespace'::regclass AND i.identity = 'public') \
             AND (i.schema IS NULL OR i.schema NOT IN ('pg_catalog', 'information_schema') \
                  AND i.schema NOT LIKE 'pg\\_toast%' AND i.schema NOT LIKE 'pg\\_temp%') \
             AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classoid \
                             AND x.objid = d.objoid AND x.deptype = 'e')) o"
);

/// The dump's order; `"C"` so that it does not depend on the database's locale.
const ORDER: &str = "grp, owner COLLATE \"C\", sub, name COLLATE \"C\"";

/// The md5 of the dump's text (each object's kind, name and DDL, in dump order),
/// computed by the server in one round trip: equal exactly when the dumps are equal.
pub(super) async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
    let sql = format!(
        "SELECT md5(coalesce(string_agg(kind || E'\\x1f' || name || E'\\x1f' || ddl, E'\\x1e' \
         ORDER BY {ORDER}), '')) AS fingerprint FROM ({OBJECTS_SQL}) o"
    );
    let rows = rows(conn, &sql).await?;
    let row = rows.first().ok_or_else(|| {
        HarnessError::Setup("the catalog fingerprint query returned no row".into())
    })?;
    get(row, "fingerprint")
}

/// Schemas, extensions, types and sequences, then every table (columns, row security,
/// constraints, indexes, triggers, policies), then views, functions and comments.
pub(super) async fn read_rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<Row>, HarnessError> {
    let sql = format!(
        "SELECT grp, owner, sub, kind, name, ddl, unit::int8 AS unit FROM ({OBJECTS_SQL}) o"
    );
    rows(conn, &sql).await?.iter().map(dump_row).collect()
}

fn dump_row(found: &QueryResult) -> Result<Row, HarnessError> {
    let kind: String = get(found, "kind")?;
    let name: String = get(found, "name")?;
    let unit: i64 = get(found, "unit")?;
    Ok(Row {
        key: ObjectKey::new(object_kind(&kind), name.clone()),
        order: Order {
            group: get(found, "grp")?,
            owner: get(found, "owner")?,
            sub: get(found, "sub")?,
            name,
        },
        ddl: get::<String>(found, "ddl")?.into(),
        unit: unit.to_string(),
    })
}

/// Notes in the session setting `conformance.ddl_log` (`classid objid flags,` per
/// object) each object a DDL command created, altered or dropped (flags: `c` / `d`, and
/// `x` when it is outside `public`, TOAST tables aside). A setting rather than a table: nothing a migration
/// or the dump can see, and it rolls back with the command's transaction. The
/// function is in `pg_catalog`, which the dump does not read.
const INSTALL_SQL: &str = r#"
CREATE OR REPLACE FUNCTION pg_catalog.conformance_note_ddl() RETURNS event_trigger
LANGUAGE plpgsql AS $body$
DECLARE noted text;
BEGIN
  IF TG_EVENT = 'sql_drop' THEN
    SELECT string_agg(classid::int8 || ' ' || objid::int8 || ' d'
             || CASE WHEN schema_name IS NULL OR schema_name = 'public' 
                  OR schema_name LIKE 'pg\_toast%' THEN '' ELSE 'x' END, ',')
      INTO noted FROM pg_event_trigger_dropped_objects();
  ELSE
    SELECT string_agg(classid::int8 || ' ' || objid::int8 || ' c'
             || CASE WHEN schema_name IS NULL OR schema_name = 'public' 
                  OR schema_name LIKE 'pg\_toast%' THEN '' ELSE 'x' END, ',')
      INTO noted FROM pg_event_trigger_ddl_commands();
  END IF;
  IF noted IS NOT NULL THEN
    PERFORM set_config('conformance.ddl_log',
      coalesce(current_setting('conformance.ddl_log', true), '') || noted || ',', false);
  END IF;
END $body$;
-- The log so far, emptied to its mark: a log without the mark was reset by someone
-- else (`RESET ALL`), and says nothing reliable.
CREATE OR REPLACE FUNCTION pg_catalog.conformance_take_ddl_log() RETURNS text
LANGUAGE plpgsql AS $body$
DECLARE log text := coalesce(current_setting('conformance.ddl_log', true), '');
BEGIN
  PERFORM set_config('conformance.ddl_log', '#', false);
  RETURN log;
END $body$;
DROP EVENT TRIGGER IF EXISTS conformance_ddl_end;
DROP EVENT TRIGGER IF EXISTS conformance_sql_drop;
CREATE EVENT TRIGGER conformance_ddl_end ON ddl_command_end
  EXECUTE FUNCTION pg_catalog.conformance_note_ddl();
CREATE EVENT TRIGGER conformance_sql_drop ON sql_drop
  EXECUTE FUNCTION pg_catalog.conformance_note_ddl();
-- Also under `session_replication_role = replica`, which data-loading migrations set.
ALTER EVENT TRIGGER conformance_ddl_end ENABLE ALWAYS;
ALTER EVENT TRIGGER conformance_sql_drop ENABLE ALWAYS;
"#;

/// What the log holds since the last read, and what else changes every object's text
/// (the search path and quoting decide how names print; policies print role names) or
/// stops the log (a migration that dropped or disabled the event triggers).
const LOG_SQL: &str = "SELECT pg_catalog.conformance_take_ddl_log() AS log, \
     current_setting('search_path') || '|' || current_setting('quote_all_identifiers') || '|' \
       || (SELECT md5(string_agg(oid::text || ':' || rolname, ',' ORDER BY oid)) FROM pg_roles) \
       AS environment, \
     (SELECT count(*) FROM pg_event_trigger WHERE evtenabled = 'A' \
      AND evtname IN ('conformance_ddl_end', 'conformance_sql_drop')) = 2 AS intact";

/// The units to read again for the objects changed (`$1` classes, `$2` OIDs): theirs,
/// and those of every object that depends on them (a view on a renamed table, a
/// foreign key to it, a column of a renamed type); with `$3`, more units.
const UNITS_SQL: &str = concat!(
    "WITH RECURSIVE changed(classid, objid) AS (SELECT * FROM unnest($1::oid[], $2::oid[])), \
     closure(classid, objid) AS (SELECT classid, objid FROM changed UNION \
       SELECT x.classid, x.objid FROM closure c CROSS JOIN LATERAL \
         (SELECT d.classid, d.objid FROM pg_depend d \
          WHERE d.refclassid = c.classid AND d.refobjid = c.objid OFFSET 0) x) \
     SELECT DISTINCT u::int8 AS unit FROM (SELECT ",
    unit_of!("cl.classid", "cl.objid"),
    " AS u FROM closure cl UNION ALL SELECT unnest($3::oid[])) x WHERE u IS NOT NULL"
);

/// Every object each unit (`$1`) owns, the unit itself included: its indexes,
/// constraints, triggers, defaults, row type… (what a drop of it reports).
const MEMBERS_SQL: &str = "WITH RECURSIVE owned(classid, objid, unit) AS ( \
       SELECT k.classid, u, u FROM unnest($1::oid[]) u, (VALUES ('pg_class'::regclass::oid), \
         ('pg_type'::regclass::oid), ('pg_proc'::regclass::oid)) k(classid) UNION \
       SELECT x.classid, x.objid, o.unit FROM owned o CROSS JOIN LATERAL \
         (SELECT d.classid, d.objid FROM pg_depend d WHERE d.refclassid = o.classid \
          AND d.refobjid = o.objid AND d.deptype IN ('a', 'i') OFFSET 0) x) \
     SELECT DISTINCT objid::int8 AS member, unit::int8 AS unit FROM owned";

/// One round trip for a read: a function (installed with the event trigger) that
/// finds the units of the changed objects (`classes`, `oids`) and their dependents,
/// plus `extra` units, and returns them (`part = 'units'`, one text), the objects they
/// own (`'members'`, one text) and their dump rows (`'row'`). A function, so that the
/// dump query gets the units as a parameter its filter pushes down into every section;
/// its plans are made once per session (`force_generic_plan`: planning the dump query
/// costs more than running it for a few units), and never JIT-compiled (compiling
/// costs more than running, too).
fn read_units_function() -> String {
    let units = UNITS_SQL
        .replace("$1::oid[]", "classes")
        .replace("$2::oid[]", "oids")
        .replace("$3::oid[]", "extra");
    let members = MEMBERS_SQL.replace("$1::oid[]", "found");
    let objects = OBJECTS_SQL.replace("/*TABLES*/", "AND t.oid = ANY(found)");
    format!(
        "CREATE OR REPLACE FUNCTION pg_catalog.conformance_read_units(classes oid[], oids oid[], extra oid[]) \
         RETURNS TABLE(part text, grp int, owner text, sub int, kind text, name text, ddl text, \
                       unit int8, member int8) \
         LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET jit = off AS $body$ \
         #variable_conflict use_column
         DECLARE found oid[]; \
         BEGIN \
           SELECT coalesce(array_agg(x.unit::oid), '{{}}') INTO found FROM ({units}) x; \
           RETURN QUERY SELECT 'units'::text, NULL::int, NULL::text, NULL::int, NULL::text, \
             NULL::text, array_to_string(found, ','), NULL::int8, NULL::int8; \
           RETURN QUERY SELECT 'members'::text, NULL::int, NULL::text, NULL::int, NULL::text, \
             NULL::text, coalesce(string_agg(m.member || ':' || m.unit, ','), ''), NULL::int8, \
             NULL::int8 FROM ({members}) m; \
           RETURN QUERY SELECT 'row'::text, o.grp, o.owner, o.sub, o.kind, o.name, o.ddl, \
             o.unit::int8, NULL::int8 FROM ({objects}) o WHERE o.unit = ANY(found); \
         END $body$"
    )
}

/// Follows one PostgreSQL database's catalog (see [`super::live`]).
#[derive(Debug, Default)]
pub(super) struct Tracker {
    /// Whether the event trigger is installed (else every read is whole).
    logging: bool,
    environment: String,
    /// The units each object belongs to (a dropped object's unit is read again).
    members: HashMap<i64, BTreeSet<i64>>,
    /// The objects each unit owns.
    owned: HashMap<i64, Vec<i64>>,
    /// The highest OID seen: an object dropped with a higher one was created since the
    /// last read, and changed nothing that read saw.
    max_oid: i64,
}

/// One entry of the log.
struct Noted {
    class: i64,
    oid: i64,
    dropped: bool,
    outside_public: bool,
}

impl Tracker {
    /// Installs the event trigger when the role may (a superuser); without it, every
    /// read is whole.
    pub(super) async fn install<C: ConnectionTrait>(conn: &C) -> Result<Self, HarnessError> {
        let installed = conn.execute_unprepared(INSTALL_SQL).await.is_ok()
            && conn
                .execute_unprepared(&read_units_function())
                .await
                .is_ok();
        Ok(Self {
            logging: installed,
            ..Self::default()
        })
    }

    /// Every object.
    pub(super) async fn read_all<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Vec<Row>, HarnessError> {
        if self.logging {
            let found = rows(conn, LOG_SQL).await?;
            let row = found
                .first()
                .ok_or_else(|| HarnessError::Setup("no DDL log row".into()))?;
            self.environment = get(row, "environment")?;
        }
        let rows = read_rows(conn).await?;
        self.members.clear();
        self.owned.clear();
        if self.logging {
            let units: BTreeSet<i64> = rows.iter().filter_map(|r| r.unit.parse().ok()).collect();
            self.learn_members(conn, &units).await?;
        }
        Ok(rows)
    }

    /// What changed since the last read: the units of the objects the event trigger
    /// noted and of those depending on them; the whole catalog when the log cannot say
    /// (no trigger, a schema or extension changed, names print differently now).
    pub(super) async fn refresh<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Reread, HarnessError> {
        if !self.logging {
            return Ok(Reread::All(self.read_all(conn).await?));
        }
        let found = rows(conn, LOG_SQL).await?;
        let row = found
            .first()
            .ok_or_else(|| HarnessError::Setup("no DDL log row".into()))?;
        let log: String = get(row, "log")?;
        let environment: String = get(row, "environment")?;
        // The event triggers dropped or disabled: the log says nothing from now on.
        if !get::<bool>(row, "intact")? {
            self.logging = false;
            return Ok(Reread::All(self.read_all(conn).await?));
        }
        let noted = log
            .strip_prefix('#')
            .filter(|_| environment == self.environment)
            .and_then(parse_log);
        let Some(noted) = noted else {
            return Ok(Reread::All(self.read_all(conn).await?));
        };
        if noted.is_empty() {
            return Ok(Reread::Units {
                units: BTreeSet::new(),
                rows: Vec::new(),
            });
        }
        let (mut classes, mut oids, mut extra) = (Vec::new(), Vec::new(), BTreeSet::new());
        for entry in &noted {
            let whole = entry.outside_public
                || entry.class == i64::from(PG_NAMESPACE)
                || entry.class == i64::from(PG_EXTENSION);
            if whole {
                return Ok(Reread::All(self.read_all(conn).await?));
            }
            if entry.dropped {
                if entry.oid > self.max_oid {
                    continue;
                }
                match self.members.get(&entry.oid) {
                    Some(units) => extra.extend(units.iter().copied()),
                    None => return Ok(Reread::All(self.read_all(conn).await?)),
                }
            } else {
                classes.push(entry.class);
                oids.push(entry.oid);
            }
        }
        let as_oids = |values: Vec<i64>| {
            sea_orm::Value::from(
                values
                    .into_iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>(),
            )
        };
        let found = conn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT * FROM pg_catalog.conformance_read_units($1::text[]::oid[], \
                 $2::text[]::oid[], $3::text[]::oid[])",
                [
                    as_oids(classes),
                    as_oids(oids),
                    as_oids(extra.into_iter().collect()),
                ],
            ))
            .await?;
        // Units and members come as one text each (`u,u,…`, `member:unit,…`): decoding
        // a row costs more than splitting a text.
        let (mut units, mut members, mut rows) = (BTreeSet::new(), Vec::new(), Vec::new());
        let malformed = || HarnessError::Setup("a malformed catalog read".into());
        for found in &found {
            match get::<String>(found, "part")?.as_str() {
                "units" => {
                    for unit in get::<String>(found, "ddl")?
                        .split(',')
                        .filter(|u| !u.is_empty())
                    {
                        units.insert(unit.parse::<i64>().map_err(|_| malformed())?);
                    }
                }
                "members" => {
                    for pair in get::<String>(found, "ddl")?
                        .split(',')
                        .filter(|p| !p.is_empty())
                    {
                        let (member, unit) = pair.split_once(':').ok_or_else(malformed)?;
                        members.push((
                            member.parse::<i64>().map_err(|_| malformed())?,
                            unit.parse::<i64>().map_err(|_| malformed())?,
                        ));
                    }
                }
                _ => rows.push(dump_row(found)?),
            }
        }
        self.forget_members(&units);
        self.add_members(members);
        Ok(Reread::Units {
            units: units.iter().map(i64::to_string).collect(),
            rows,
        })
    }

    /// Forgets what `units` owned (they are read again).
    fn forget_members(&mut self, units: &BTreeSet<i64>) {
        for unit in units {
            for member in self.owned.remove(unit).unwrap_or_default() {
                if let Some(of) = self.members.get_mut(&member) {
                    of.remove(unit);
                    if of.is_empty() {
                        self.members.remove(&member);
                    }
                }
            }
        }
    }

    /// Records `(member, unit)` pairs.
    fn add_members(&mut self, members: Vec<(i64, i64)>) {
        for (member, unit) in members {
            self.members.entry(member).or_default().insert(unit);
            self.owned.entry(unit).or_default().push(member);
            self.max_oid = self.max_oid.max(member);
        }
    }

    /// Reads which objects all `units` own.
    async fn learn_members<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        units: &BTreeSet<i64>,
    ) -> Result<(), HarnessError> {
        let list: Vec<String> = units.iter().map(i64::to_string).collect();
        let found = conn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                MEMBERS_SQL.replace("$1::oid[]", "$1::text[]::oid[]"),
                [sea_orm::Value::from(list)],
            ))
            .await?;
        let members = found
            .iter()
            .map(|row| Ok((get::<i64>(row, "member")?, get::<i64>(row, "unit")?)))
            .collect::<Result<Vec<_>, HarnessError>>()?;
        self.add_members(members);
        Ok(())
    }
}

/// `pg_namespace` and `pg_extension`'s OIDs (fixed in every PostgreSQL).
const PG_NAMESPACE: u32 = 2615;
const PG_EXTENSION: u32 = 3079;

/// The entries of the log's unread part; `None` if it is not as the trigger writes it
/// (a migration reset the session's settings).
fn parse_log(text: &str) -> Option<Vec<Noted>> {
    let mut noted = Vec::new();
    for entry in text.split(',').filter(|e| !e.is_empty()) {
        let mut parts = entry.split(' ');
        let class = parts.next()?.parse().ok()?;
        let oid = parts.next()?.parse().ok()?;
        let flags = parts.next()?;
        noted.push(Noted {
            class,
            oid,
            dropped: flags.starts_with('d'),
            outside_public: flags.contains('x'),
        });
    }
    Some(noted)
}

fn object_kind(kind: &str) -> ObjectKind {
    match kind {
        "schema" => ObjectKind::Schema,
        "extension" => ObjectKind::Extension,
        "enum type" => ObjectKind::EnumType,
        "domain" => ObjectKind::Domain,
        "composite type" => ObjectKind::CompositeType,
        "range type" => ObjectKind::RangeType,
        "sequence" => ObjectKind::Sequence,
        "table" => ObjectKind::Table,
        "row security" => ObjectKind::RowSecurity,
        "constraint" => ObjectKind::Constraint,
        "index" => ObjectKind::Index,
        "trigger" => ObjectKind::Trigger,
        "policy" => ObjectKind::Policy,
        "view" => ObjectKind::View,
        "materialized view" => ObjectKind::MaterializedView,
        "foreign table" => ObjectKind::ForeignTable,
        "function" => ObjectKind::Function,
        "procedure" => ObjectKind::Procedure,
        "aggregate" => ObjectKind::Aggregate,
        "comment" => ObjectKind::Comment,
        _ => ObjectKind::Other,
    }
}
