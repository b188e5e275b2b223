//! SQL fragments the catalog's queries share, as macros so that they `concat!` into
//! `const` query texts.

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
