//! What each DDL command touched, noted by an event trigger in a session setting, and
//! the SQL that reads those objects' units again in one round trip.

use super::dump::OBJECTS_SQL;

/// Notes in the session setting `conformance.ddl_log` (`classid objid flags,` per
/// object) each object a DDL command created, altered or dropped (flags: `c` / `d`, and
/// `x` when it is outside `public`, TOAST tables aside). A setting rather than a table: nothing a migration
/// or the dump can see, and it rolls back with the command's transaction. The
/// function is in `pg_catalog`, which the dump does not read.
pub(super) const INSTALL_SQL: &str = r#"
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
pub(super) const LOG_SQL: &str = "SELECT pg_catalog.conformance_take_ddl_log() AS log, \
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
pub(super) const MEMBERS_SQL: &str = "WITH RECURSIVE owned(classid, objid, unit) AS ( \
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
pub(super) fn read_units_function() -> String {
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

/// One entry of the log.
pub(super) struct Noted {
    pub(super) class: i64,
    pub(super) oid: i64,
    pub(super) dropped: bool,
    pub(super) outside_public: bool,
}

/// `pg_namespace` and `pg_extension`'s OIDs (fixed in every PostgreSQL).
pub(super) const PG_NAMESPACE: u32 = 2615;
pub(super) const PG_EXTENSION: u32 = 3079;

/// The entries of the log's unread part; `None` if it is not as the trigger writes it
/// (a migration reset the session's settings).
pub(super) fn parse_log(text: &str) -> Option<Vec<Noted>> {
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
