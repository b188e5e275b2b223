//! The lint on a migrator of raw SQL: PostgreSQL lock hazards on tables that existed
//! before the migration (and none on a table it creates), one finding for one cause in
//! many migrations, and the allow-list opt-outs, stale ones included.

use conformance::lint::{NO_OP_DOWN, NO_TRANSACTION};
use conformance::{AllowList, Check, Finding};
use conformance::{Backend, Populate, Suite, SuiteOutcome};
use sea_orm_migration::prelude::*;

use crate::common::{self, Sql};

const ADD_WEIGHT: &str = "ALTER TABLE items ADD COLUMN weight integer NOT NULL";
const INDEX_ITEMS: &str = "CREATE INDEX idx_items_label ON items (label)";

struct Hazardous;

impl MigratorTrait for Hazardous {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Sql {
                name: "m1_items",
                up: &[
                    "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL)",
                ],
                postgres_up: None,
                down: &["DROP TABLE items"],
                mysql: None,
                transaction: None,
            }),
            // SQLite refuses a NOT NULL column without a default; PostgreSQL takes it on
            // an empty table and fails the deploy on a full one.
            Box::new(Sql {
                name: "m2_weight",
                up: &["ALTER TABLE items ADD COLUMN weight integer NOT NULL DEFAULT 0"],
                postgres_up: Some(&[ADD_WEIGHT]),
                down: &["ALTER TABLE items DROP COLUMN weight"],
                mysql: None,
                transaction: None,
            }),
            Box::new(Sql {
                name: "m3_label_index",
                up: &[INDEX_ITEMS],
                postgres_up: None,
                down: &["DROP INDEX idx_items_label"],
                mysql: None,
                transaction: None,
            }),
            // The same index on a table this migration creates: nobody uses it yet.
            Box::new(Sql {
                name: "m4_tags",
                up: &[
                    "CREATE TABLE tags (id varchar NOT NULL PRIMARY KEY, name varchar NOT NULL)",
                    "CREATE INDEX idx_tags_name ON tags (name)",
                ],
                postgres_up: None,
                down: &["DROP TABLE tags"],
                mysql: None,
                transaction: None,
            }),
        ]
    }
}

/// The lint on its own: on empty tables, where the hazardous steps apply (on rows,
/// `SET NOT NULL` over NULLs fails outright; `populated.rs` covers that).
async fn run_suite(backends: &[Backend], allow: AllowList) -> Option<SuiteOutcome> {
    common::outcome(
        Suite::<Hazardous>::new()
            .backends(backends)
            .allow_list(allow)
            .populate(Populate::off()),
    )
    .await
}

fn lint(outcome: &SuiteOutcome, rule: &str) -> Vec<Finding> {
    outcome
        .report
        .findings_of(Check::Lint)
        .into_iter()
        .filter(|f| f.rule.as_deref() == Some(rule))
        .cloned()
        .collect()
}

fn migrations(found: &[Finding]) -> Vec<Option<&str>> {
    found.iter().map(|f| f.migration.as_deref()).collect()
}

#[tokio::test]
async fn lock_hazards_on_existing_tables_only_with_rule_and_statement() {
    let Some(outcome) = run_suite(&[Backend::Postgres], AllowList::default()).await else {
        return;
    };
    let report = &outcome.report;

    let required = lint(&outcome, "adding-required-field");
    assert_eq!(migrations(&required), [Some("m2_weight")], "{report}");
    assert_eq!(required[0].backend, Some(Backend::Postgres));
    assert!(
        required[0].message.ends_with(&format!("\n  {ADD_WEIGHT}")),
        "{}",
        required[0]
    );

    // One finding, for the index on `items`; `tags` is created by the same migration.
    let index = lint(&outcome, "require-concurrent-index-creation");
    assert_eq!(migrations(&index), [Some("m3_label_index")], "{report}");
    assert!(index[0].message.ends_with(&format!("\n  {INDEX_ITEMS}")));
    // The migration runs in a transaction: the advice says how to use CONCURRENTLY then.
    assert!(
        index[0].message.contains("use_transaction()"),
        "{}",
        index[0]
    );
    assert!(
        !report.to_string().contains("idx_tags_name"),
        "a table created in the same migration is exempt:\n{report}"
    );
    assert!(
        report
            .to_string()
            .contains("[lint:require-concurrent-index-creation] postgres m3_label_index: "),
        "{report}"
    );
    assert!(lint(&outcome, NO_TRANSACTION).is_empty(), "{report}");
}

#[tokio::test]
async fn one_cause_in_many_migrations_is_one_finding() {
    let Some(outcome) = run_suite(&[Backend::Sqlite], AllowList::default()).await else {
        return;
    };
    let report = &outcome.report;
    let untransacted = lint(&outcome, NO_TRANSACTION);
    assert_eq!(migrations(&untransacted), [None], "{report}");
    assert_eq!(
        untransacted[0].message.lines().skip(1).collect::<Vec<_>>(),
        ["  m1_items", "  m2_weight", "  m3_label_index", "  m4_tags"],
        "{report}"
    );
    assert!(
        untransacted[0]
            .message
            .lines()
            .next()
            .is_some_and(|headline| headline.ends_with("(in 4 migrations):")),
        "{}",
        untransacted[0]
    );
    // PostgreSQL's rules are for PostgreSQL.
    assert!(lint(&outcome, "require-concurrent-index-creation").is_empty());
}

#[tokio::test]
async fn an_opt_out_silences_one_migrations_rule_and_a_stale_one_is_reported() {
    let allow = AllowList::parse(
        "# lint opt-outs\n\
         lint m3_label_index require-concurrent-index-creation  # items holds a few rows\n\
         lint m4_tags require-concurrent-index-creation  # nothing to silence: tags is new\n\
         lint m1_items no-transaction  # one statement\n",
        "allow.txt",
    )
    .expect("allow-list");
    let Some(outcome) = run_suite(&Backend::ALL, allow).await else {
        return;
    };
    let report = &outcome.report;
    assert!(
        lint(&outcome, "require-concurrent-index-creation").is_empty(),
        "{report}"
    );
    // Other rules of the same migrator still report.
    assert_eq!(
        migrations(&lint(&outcome, "adding-required-field")),
        [Some("m2_weight")]
    );
    // Only m1_items left the no-transaction finding.
    let untransacted = lint(&outcome, NO_TRANSACTION);
    assert_eq!(untransacted.len(), 1, "{report}");
    assert!(untransacted[0].message.contains("(in 3 migrations)"));
    assert!(!untransacted[0].message.contains("m1_items"));

    let stale: Vec<&Finding> = report
        .findings_of(Check::Lint)
        .into_iter()
        .filter(|f| f.message.starts_with("stale opt-out"))
        .collect();
    assert_eq!(stale.len(), 1, "{report}");
    assert_eq!(stale[0].migration.as_deref(), Some("m4_tags"));
    assert_eq!(stale[0].backend, None, "it fails lint on every backend");
    assert!(
        stale[0].message.contains("allow-list line 3"),
        "{}",
        stale[0]
    );
}

#[test]
fn an_opt_out_needs_a_known_rule_and_a_reason() {
    let error = AllowList::parse("lint m3_label_index concurrently  # why\n", "allow.txt")
        .expect_err("unknown rule");
    assert!(
        error
            .to_string()
            .starts_with("allow.txt:1: unknown lint rule `concurrently` (known: "),
        "{error}"
    );
    assert!(AllowList::parse("lint m3_label_index no-transaction\n", "allow.txt").is_err());
}

/// sea-query's way to make a column NOT NULL: the type restated, unchanged.
const TAGS_NOT_NULL: &str =
    r#"ALTER TABLE "items" ALTER COLUMN "tags" TYPE text[], ALTER COLUMN "tags" SET NOT NULL"#;

struct RestatesTypes;

impl MigratorTrait for RestatesTypes {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(common::sql(
                "m1_items",
                &[
                    "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar NOT NULL, tags text[] NULL)",
                ],
                &["DROP TABLE items"],
            )),
            Box::new(common::sql(
                "m2_tags_required",
                &[TAGS_NOT_NULL],
                &[
                    r#"ALTER TABLE "items" ALTER COLUMN "tags" TYPE text[], ALTER COLUMN "tags" DROP NOT NULL"#,
                ],
            )),
            Box::new(common::sql(
                "m3_label_text",
                &["ALTER TABLE items ALTER COLUMN label TYPE text"],
                &["ALTER TABLE items ALTER COLUMN label TYPE varchar"],
            )),
        ]
    }
}

#[tokio::test]
async fn a_type_restated_unchanged_is_no_type_change_and_not_null_is_its_own_rule() {
    let Some(outcome) = common::outcome(
        Suite::<RestatesTypes>::new()
            .backends(&[Backend::Postgres])
            .populate(Populate::off()),
    )
    .await
    else {
        return;
    };
    let report = &outcome.report;
    // Only m3 changes a type, as the catalog shows before and after.
    let retyped = lint(&outcome, "changing-column-type");
    assert_eq!(migrations(&retyped), [Some("m3_label_text")], "{report}");
    let not_null = lint(&outcome, "adding-not-nullable-field");
    assert_eq!(
        migrations(&not_null),
        [Some("m2_tags_required")],
        "{report}"
    );
    assert!(
        not_null[0]
            .message
            .ends_with(&format!("\n  {TAGS_NOT_NULL}")),
        "{}",
        not_null[0]
    );
}

struct UpdatesOnly;

impl MigratorTrait for UpdatesOnly {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Sql {
                transaction: Some(true),
                ..common::sql(
                    "m1_items",
                    &[
                        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar NOT NULL)",
                        "INSERT INTO items (id, label) VALUES (1, 'a')",
                    ],
                    &["DROP TABLE items"],
                )
            }),
            Box::new(Sql {
                transaction: Some(true),
                ..common::sql("m2_upper", &["UPDATE items SET label = upper(label)"], &[])
            }),
        ]
    }
}

#[rstest::rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_no_op_down_after_a_data_only_up_speaks_of_data(#[case] backend: Backend) {
    let Some(outcome) = common::outcome(Suite::<UpdatesOnly>::new().backends(&[backend])).await
    else {
        return;
    };
    let report = &outcome.report;
    let no_op = lint(&outcome, NO_OP_DOWN);
    assert_eq!(migrations(&no_op), [Some("m2_upper")], "{report}");
    assert_eq!(
        no_op[0].message,
        "down is a no-op: up changed data (rows of items) but down executed nothing:\n  \
         UPDATE items SET label = upper(label)"
    );
    // And the data it left changed is a finding of its own.
    assert!(
        report
            .findings_of(Check::StepReversibility)
            .iter()
            .any(|f| f.migration.as_deref() == Some("m2_upper")
                && f.message.contains("down did not restore the data")),
        "{report}"
    );
}
