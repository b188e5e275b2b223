//! The catalog sees every kind of object a migration may leave behind: for each, a
//! migrator whose `down` forgets it fails step reversibility, naming the migration and
//! the object. Parity knows sea-query's types and PostgreSQL-only CHECKs, and the
//! catalog fingerprint changes exactly when the dump does.

use conformance::catalog::{dump, fingerprint};
use conformance::{AllowList, Check};
use conformance::{Backend, Suite, SuiteOutcome, fresh_database};
use sea_orm_migration::prelude::*;

use crate::common::{self, CREATE_ITEMS, Sql, run, sql};

/// A migrator: the items table, then `up` whose `down` forgets something.
macro_rules! leaves_behind {
    ($name:ident, $up:expr, $down:expr) => {
        migrator!($name, [CREATE_ITEMS, sql("m2_change", $up, $down)]);
    };
}

async fn run_suite<M: MigratorTrait>(backends: &[Backend]) -> Option<SuiteOutcome> {
    let suite = Suite::<M>::new().backends(backends);
    common::outcome(suite.allow_list(AllowList::default())).await
}

/// Runs `M` on PostgreSQL and asserts a step-reversibility finding of `migration`
/// that names `object`.
async fn assert_left_behind<M: MigratorTrait>(backend: Backend, migration: &str, object: &str) {
    let Some(outcome) = run_suite::<M>(&[backend]).await else {
        return;
    };
    let findings = outcome.report.findings_of(Check::StepReversibility);
    assert!(
        findings
            .iter()
            .any(|f| f.migration.as_deref() == Some(migration)
                && f.backend == Some(backend)
                && f.message.contains(object)),
        "expected a step-reversibility finding of {migration} naming `{object}`:\n{}",
        outcome.report
    );
}

leaves_behind!(
    ForgetsRowSecurity,
    &[
        "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY p_items ON items FOR SELECT USING (label <> '')"
    ],
    &["DROP POLICY p_items ON items"]
);

#[tokio::test]
async fn row_level_security_left_behind_is_caught() {
    assert_left_behind::<ForgetsRowSecurity>(
        Backend::Postgres,
        "m2_change",
        "left behind row security on items",
    )
    .await;
}

leaves_behind!(
    ForgetsAPolicy,
    &[
        "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY p_items ON items FOR SELECT USING (label <> '')"
    ],
    &["ALTER TABLE items DISABLE ROW LEVEL SECURITY"]
);

#[tokio::test]
async fn a_policy_left_behind_is_caught() {
    assert_left_behind::<ForgetsAPolicy>(
        Backend::Postgres,
        "m2_change",
        "left behind policy items.p_items",
    )
    .await;
}

migrator!(
    ForgetsATrigger,
    [
        sql(
            "m1_items",
            &[
                "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL)",
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
            ],
            &["DROP TABLE items", "DROP FUNCTION touch()"],
        ),
        sql(
            "m2_trigger",
            &[
                "CREATE TRIGGER trg_items BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()"
            ],
            &["SELECT 1"],
        ),
    ]
);

#[tokio::test]
async fn a_trigger_left_behind_is_caught() {
    assert_left_behind::<ForgetsATrigger>(
        Backend::Postgres,
        "m2_trigger",
        "left behind trigger items.trg_items",
    )
    .await;
}

leaves_behind!(
    KeepsACollation,
    &["ALTER TABLE items ALTER COLUMN label TYPE varchar COLLATE \"C\""],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_changed_collation_left_behind_is_caught() {
    assert_left_behind::<KeepsACollation>(
        Backend::Postgres,
        "m2_change",
        "changed column collation items.label",
    )
    .await;
}

leaves_behind!(
    KeepsAComment,
    &[
        "COMMENT ON TABLE items IS 'things'",
        "COMMENT ON COLUMN items.label IS 'what people read'"
    ],
    &["COMMENT ON TABLE items IS NULL"]
);

#[tokio::test]
async fn a_comment_left_behind_is_caught() {
    assert_left_behind::<KeepsAComment>(
        Backend::Postgres,
        "m2_change",
        "left behind comment on column items.label",
    )
    .await;
}

migrator!(
    KeepsAnEnumValue,
    [
        CREATE_ITEMS,
        sql(
            "m2_mood",
            &["CREATE TYPE mood AS ENUM ('happy')"],
            &["DROP TYPE mood"]
        ),
        sql(
            "m3_mood_sad",
            &["ALTER TYPE mood ADD VALUE 'sad'"],
            &["SELECT 1"]
        ),
    ]
);

#[tokio::test]
async fn an_enum_value_added_later_and_left_behind_is_caught() {
    assert_left_behind::<KeepsAnEnumValue>(
        Backend::Postgres,
        "m3_mood_sad",
        "changed enum type mood",
    )
    .await;
}

leaves_behind!(
    KeepsADomain,
    &["CREATE DOMAIN label_text AS text NOT NULL CHECK (VALUE <> '')"],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_domain_left_behind_is_caught() {
    assert_left_behind::<KeepsADomain>(
        Backend::Postgres,
        "m2_change",
        "left behind domain label_text",
    )
    .await;
}

leaves_behind!(
    KeepsACompositeType,
    &["CREATE TYPE pair AS (a integer, b text)"],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_composite_type_left_behind_is_caught() {
    assert_left_behind::<KeepsACompositeType>(
        Backend::Postgres,
        "m2_change",
        "left behind composite type pair",
    )
    .await;
}

leaves_behind!(
    KeepsViews,
    &[
        "CREATE VIEW item_labels AS SELECT label FROM items",
        "CREATE MATERIALIZED VIEW item_count AS SELECT count(*) AS n FROM items"
    ],
    &["DROP VIEW item_labels"]
);

#[tokio::test]
async fn a_view_left_behind_is_caught() {
    assert_left_behind::<KeepsViews>(
        Backend::Postgres,
        "m2_change",
        "left behind materialized view item_count",
    )
    .await;
}

leaves_behind!(
    KeepsASequence,
    &["CREATE SEQUENCE item_numbers START 10 INCREMENT 5"],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_sequence_left_behind_is_caught() {
    assert_left_behind::<KeepsASequence>(
        Backend::Postgres,
        "m2_change",
        "left behind sequence item_numbers",
    )
    .await;
}

leaves_behind!(
    KeepsAFunction,
    &[
        "CREATE FUNCTION answer(n integer) RETURNS integer LANGUAGE sql AS 'SELECT 42 + n'",
        "CREATE PROCEDURE reset_items() LANGUAGE sql AS 'DELETE FROM items'"
    ],
    &["DROP PROCEDURE reset_items()"]
);

#[tokio::test]
async fn a_function_left_behind_is_caught() {
    assert_left_behind::<KeepsAFunction>(
        Backend::Postgres,
        "m2_change",
        "left behind function answer(n integer)",
    )
    .await;
}

leaves_behind!(
    KeepsAnExtension,
    &["CREATE EXTENSION pg_trgm"],
    &["SELECT 1"]
);

#[tokio::test]
async fn an_extension_left_behind_is_caught() {
    assert_left_behind::<KeepsAnExtension>(
        Backend::Postgres,
        "m2_change",
        "left behind extension pg_trgm",
    )
    .await;
}

leaves_behind!(
    KeepsStorageOptions,
    &[
        "ALTER TABLE items SET (fillfactor = 70)",
        "ALTER TABLE items SET UNLOGGED"
    ],
    &["ALTER TABLE items SET LOGGED"]
);

#[tokio::test]
async fn reloptions_left_behind_are_caught() {
    let Some(outcome) = run_suite::<KeepsStorageOptions>(&[Backend::Postgres]).await else {
        return;
    };
    let findings = outcome.report.findings_of(Check::StepReversibility);
    assert!(
        findings
            .iter()
            .any(|f| f.migration.as_deref() == Some("m2_change")
                && f.message.contains("changed table items")
                && f.message.contains("+ ) WITH (fillfactor=70);")),
        "{}",
        outcome.report
    );
}

leaves_behind!(
    KeepsASchema,
    &[
        "CREATE SCHEMA audit",
        "CREATE TABLE audit.log (id integer GENERATED ALWAYS AS IDENTITY)"
    ],
    &["DROP TABLE audit.log"]
);

#[tokio::test]
async fn a_schema_left_behind_is_caught() {
    assert_left_behind::<KeepsASchema>(Backend::Postgres, "m2_change", "left behind schema audit")
        .await;
}

leaves_behind!(
    KeepsATableInAnotherSchema,
    &[
        "CREATE SCHEMA audit",
        "CREATE TABLE audit.log (id integer GENERATED ALWAYS AS IDENTITY)"
    ],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_table_outside_the_current_schema_left_behind_is_caught() {
    let Some(outcome) = run_suite::<KeepsATableInAnotherSchema>(&[Backend::Postgres]).await else {
        return;
    };
    let findings = outcome.report.findings_of(Check::StepReversibility);
    let message = &findings
        .iter()
        .find(|f| f.migration.as_deref() == Some("m2_change"))
        .unwrap_or_else(|| panic!("{}", outcome.report))
        .message;
    assert!(message.contains("left behind table audit.log"), "{message}");
    // The identity's sequence shows with its owner column.
    assert!(
        message.contains("left behind sequence audit.log_id_seq")
            && message.contains("OWNED BY audit.log.id"),
        "{message}"
    );
}

leaves_behind!(
    KeepsAGeneratedColumn,
    &[
        "ALTER TABLE items ADD COLUMN label_length integer GENERATED ALWAYS AS (length(label)) STORED"
    ],
    &["SELECT 1"]
);

#[tokio::test]
async fn a_generated_column_left_behind_is_caught() {
    assert_left_behind::<KeepsAGeneratedColumn>(
        Backend::Postgres,
        "m2_change",
        "left behind column items.label_length",
    )
    .await;
}

leaves_behind!(
    KeepsUserVersion,
    &["PRAGMA user_version = 3"],
    &["SELECT 1"]
);

#[tokio::test]
async fn sqlite_user_version_left_behind_is_caught() {
    assert_left_behind::<KeepsUserVersion>(
        Backend::Sqlite,
        "m2_change",
        "left behind setting user_version",
    )
    .await;
}

migrator!(
    PostgresOnlyCheck,
    [Sql {
        name: "m1_items",
        up: &["CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, n integer NOT NULL)"],
        down: &["DROP TABLE items"],
        postgres_up: Some(&[
            "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, n integer NOT NULL CHECK (n > 0))"
        ]),
        mysql: None,
        transaction: None,
    }]
);

#[tokio::test]
async fn a_postgres_only_check_fails_parity() {
    let Some(outcome) = run_suite::<PostgresOnlyCheck>(&Backend::ALL).await else {
        return;
    };
    let findings = outcome.report.findings_of(Check::Parity);
    assert_eq!(findings.len(), 1, "{}", outcome.report);
    assert!(
        findings[0]
            .message
            .starts_with("items checks: sqlite has no CHECK, postgres has 1 CHECK ((n > 0))"),
        "{}",
        findings[0]
    );
}

/// After each statement the fingerprint differs from the one before; a dump taken at the
/// same points differs too; undoing everything gives the first fingerprint back.
async fn fingerprint_follows_the_dump(backend: Backend, changes: &[&str], undo: &[&str]) {
    let Some(db) = fresh_database(backend).await else {
        return;
    };
    let conn = &db.conn;
    run(conn, CREATE_ITEMS.up).await.expect("items");
    let first = fingerprint(conn).await.expect("fingerprint");
    assert_eq!(first, fingerprint(conn).await.expect("again"), "stable");
    let (mut last_fingerprint, mut last_dump) = (first.clone(), dump(conn).await.expect("dump"));
    for change in changes {
        run(conn, &[change]).await.expect(change);
        let (now, now_dump) = (
            fingerprint(conn).await.expect("fp"),
            dump(conn).await.expect("dump"),
        );
        assert_ne!(now_dump, last_dump, "the dump misses `{change}`");
        assert_ne!(now, last_fingerprint, "the fingerprint misses `{change}`");
        (last_fingerprint, last_dump) = (now, now_dump);
    }
    run(conn, undo).await.expect("undo");
    assert_eq!(fingerprint(conn).await.expect("fp"), first, "undone");
    db.close().await.expect("close");
}

#[tokio::test]
async fn the_postgres_fingerprint_changes_with_every_kind() {
    fingerprint_follows_the_dump(
        Backend::Postgres,
        &[
            "CREATE SCHEMA audit",
            "CREATE EXTENSION pg_trgm",
            "CREATE TYPE mood AS ENUM ('happy')",
            "ALTER TYPE mood ADD VALUE 'sad'",
            "CREATE DOMAIN label_text AS text CHECK (VALUE <> '')",
            "CREATE TYPE pair AS (a integer, b text)",
            "CREATE SEQUENCE item_numbers",
            "ALTER SEQUENCE item_numbers INCREMENT 2",
            "ALTER TABLE items ADD COLUMN n integer GENERATED BY DEFAULT AS IDENTITY",
            "ALTER TABLE items ALTER COLUMN label TYPE varchar COLLATE \"C\"",
            "ALTER TABLE items SET (fillfactor = 70)",
            "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE items FORCE ROW LEVEL SECURITY",
            "CREATE POLICY p_items ON items USING (label <> '')",
            "ALTER POLICY p_items ON items WITH CHECK (label <> 'x')",
            "ALTER TABLE items ADD CONSTRAINT label_not_empty CHECK (label <> '')",
            "CREATE INDEX idx_items_label ON items (lower(label))",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER trg_items BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch()",
            "CREATE VIEW item_labels AS SELECT label FROM items",
            "CREATE OR REPLACE VIEW item_labels AS SELECT label, id FROM items",
            "CREATE MATERIALIZED VIEW item_count AS SELECT count(*) AS n FROM items",
            "COMMENT ON TABLE items IS 'things'",
            "COMMENT ON COLUMN items.label IS 'what people read'",
            "CREATE TABLE audit.log (id integer, at date) PARTITION BY RANGE (at)",
            "CREATE UNLOGGED TABLE scratch (id integer)",
        ],
        &[
            "DROP SCHEMA audit CASCADE",
            "DROP EXTENSION pg_trgm",
            "DROP TABLE items CASCADE",
            "DROP TABLE scratch",
            "DROP MATERIALIZED VIEW IF EXISTS item_count",
            "DROP TYPE mood",
            "DROP DOMAIN label_text",
            "DROP TYPE pair",
            "DROP SEQUENCE item_numbers",
            "DROP FUNCTION touch()",
            // Recreated the same: new OIDs, the same dump, the same fingerprint.
            "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL DEFAULT 'x')",
        ],
    )
    .await;
}

#[tokio::test]
async fn the_sqlite_fingerprint_changes_with_every_kind() {
    fingerprint_follows_the_dump(
        Backend::Sqlite,
        &[
            "CREATE INDEX idx_items_label ON items (label)",
            "CREATE VIEW item_labels AS SELECT label FROM items",
            "CREATE TRIGGER trg_items AFTER UPDATE ON items BEGIN SELECT 1; END",
            "PRAGMA user_version = 3",
            "PRAGMA application_id = 7",
            "CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT)",
            "INSERT INTO counters DEFAULT VALUES",
        ],
        &[
            "DROP TABLE counters",
            "DROP VIEW item_labels",
            "DROP TABLE items",
            "PRAGMA user_version = 0",
            "PRAGMA application_id = 0",
            "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL DEFAULT 'x')",
        ],
    )
    .await;
}

// Definitions compared as SQL: `down` puts the first version of a function back, laid
// out differently (or, broken, with one character of a literal changed).
const FMT_V1: &str = r#"CREATE FUNCTION fmt(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN regexp_replace(t, '(a)', E'%\\1');
END
$$"#;
const FMT_V2: &str = r#"CREATE OR REPLACE FUNCTION fmt(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN regexp_replace(t, '(b)', E'%\\1');
END
$$"#;
const FMT_V1_RELAID: &str = r#"create or replace function fmt(t text) returns text
language plpgsql as $body$ begin -- the first version
  return regexp_replace(t,
                        '(a)',
                        E'%\\1'); end $body$"#;
const FMT_V1_BROKEN: &str = r#"create or replace function fmt(t text) returns text
language plpgsql as $body$ begin -- the first version
  return regexp_replace(t,
                        '(a)',
                        E'%\1'); end $body$"#;

migrator!(
    RestoresAFunctionRelaid,
    [
        CREATE_ITEMS,
        sql("m2_fmt", &[FMT_V1], &["DROP FUNCTION fmt(text)"]),
        sql("m3_fmt_v2", &[FMT_V2], &[FMT_V1_RELAID]),
    ]
);

migrator!(
    RestoresAFunctionBroken,
    [
        CREATE_ITEMS,
        sql("m2_fmt", &[FMT_V1], &["DROP FUNCTION fmt(text)"]),
        sql("m3_fmt_v2", &[FMT_V2], &[FMT_V1_BROKEN]),
    ]
);

#[tokio::test]
async fn a_function_restored_with_only_layout_changes_is_restored() {
    let Some(outcome) = run_suite::<RestoresAFunctionRelaid>(&[Backend::Postgres]).await else {
        return;
    };
    assert_eq!(
        outcome.report.findings_of(Check::StepReversibility),
        Vec::<&conformance::Finding>::new(),
        "{}",
        outcome.report
    );
}

#[tokio::test]
async fn a_function_restored_with_one_literal_changed_names_the_literal() {
    let Some(outcome) = run_suite::<RestoresAFunctionBroken>(&[Backend::Postgres]).await else {
        return;
    };
    let found = outcome.report.findings_of(Check::StepReversibility);
    let finding = found
        .iter()
        .find(|f| f.migration.as_deref() == Some("m3_fmt_v2"))
        .unwrap_or_else(|| panic!("no finding of m3:\n{}", outcome.report));
    let message = &finding.message;
    let literal = "    literal `E'%\\\\1'` became `E'%\\1'`\n";
    let at = message
        .find(&format!("changed function fmt(t text):\n{literal}"))
        .unwrap_or_else(|| panic!("the literal first:\n{message}"));
    // Then both definitions in full, as the catalog prints them.
    let rest = &message[at..];
    let expected = rest.find("    expected:\n").expect("expected definition");
    let found_at = rest.find("    found:\n").expect("found definition");
    assert!(expected < found_at, "{message}");
    assert!(rest[expected..found_at].contains("E'%\\\\1'"), "{message}");
    assert!(rest[found_at..].contains("E'%\\1'"), "{message}");
}

migrator!(
    RestoresAViewRelaid,
    [
        CREATE_ITEMS,
        sql(
            "m2_view",
            &["CREATE VIEW labels AS SELECT id, label FROM items WHERE label <> 'x'"],
            &["DROP VIEW labels"],
        ),
        sql(
            "m3_view_v2",
            &[
                "DROP VIEW labels",
                "CREATE VIEW labels AS SELECT id FROM items WHERE label <> 'x'"
            ],
            &[
                "DROP VIEW labels",
                "create view labels as\n  select id, label -- as before\n  from items\n  where label <> 'x'"
            ],
        ),
    ]
);

#[tokio::test]
async fn a_sqlite_view_restored_with_only_layout_changes_is_restored() {
    // SQLite keeps a view's text as written: its layout is not part of the schema.
    let Some(outcome) = run_suite::<RestoresAViewRelaid>(&[Backend::Sqlite]).await else {
        return;
    };
    assert_eq!(
        outcome.report.findings_of(Check::StepReversibility),
        Vec::<&conformance::Finding>::new(),
        "{}",
        outcome.report
    );
}
