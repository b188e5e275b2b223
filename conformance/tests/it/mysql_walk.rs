//! The walk on MySQL / MariaDB: what is caught there (data a `down` leaves behind, a
//! base left unclean, the lint's rules that apply), and what does not run there yet,
//! said so in the table rather than passed. The broken migrators shared with SQLite
//! and PostgreSQL run on MySQL in `broken.rs`.

use conformance::{
    Backend, Check, DataCase, NotOnBackend, SkipReason, Status, Suite, SuiteOutcome,
};
use sea_orm_migration::prelude::*;

use crate::common::{Sql, findings, outcome, sql};

async fn on_mysql<M: MigratorTrait>() -> Option<SuiteOutcome> {
    outcome(Suite::<M>::new().backends(&[Backend::MySql])).await
}

const ITEMS: Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, label varchar(64) NOT NULL)"],
    &["DROP TABLE items"],
);

migrator!(
    LeavesRowsBehind,
    [
        ITEMS,
        sql(
            "m2_seed_items",
            &["INSERT INTO items (id, label) VALUES (101, 'a'), (102, 'b')"],
            &["DELETE FROM items WHERE id = 101"],
        ),
    ]
);

#[tokio::test]
async fn rows_left_behind_by_a_down_are_caught_on_mysql() {
    let Some(outcome) = on_mysql::<LeavesRowsBehind>().await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert_eq!(found[0].migration.as_deref(), Some("m2_seed_items"));
    assert_eq!(found[0].backend, Some(Backend::MySql));
    let message = &found[0].message;
    assert!(
        message.contains("table items: 3 row(s) expected, 4 found"),
        "on the three synthetic rows: {message}"
    );
    assert!(message.contains("left behind e.g. '102','b'"), "{message}");
    // Applying it again then trips over the row left behind.
    assert_eq!(found.len(), 2, "{}", outcome.report);
}

migrator!(
    KeepsItsTable,
    [sql(
        "m1_items",
        &["CREATE TABLE items (id int NOT NULL PRIMARY KEY)"],
        &["SELECT 1"],
    ),]
);

#[tokio::test]
async fn a_down_that_keeps_its_table_leaves_no_clean_base_on_mysql() {
    let Some(outcome) = on_mysql::<KeepsItsTable>().await else {
        return;
    };
    let clean = findings(&outcome, Check::CleanBase);
    assert_eq!(clean.len(), 1, "{}", outcome.report);
    assert!(clean[0].message.contains("items"), "{}", clean[0]);
    assert!(
        !findings(&outcome, Check::StepReversibility).is_empty(),
        "{}",
        outcome.report
    );
}

migrator!(
    Sloppy,
    [
        sql(
            "m1_items",
            &["CREATE TABLE IF NOT EXISTS items (id int NOT NULL PRIMARY KEY)"],
            &["DROP TABLE IF EXISTS items"],
        ),
        sql(
            "m2_audit",
            &["CREATE TABLE audit (id int NOT NULL PRIMARY KEY)"],
            &[]
        ),
    ]
);

#[tokio::test]
async fn the_lint_on_mysql_flags_if_exists_and_noop_downs_but_not_transactions() {
    let Some(outcome) = on_mysql::<Sloppy>().await else {
        return;
    };
    let lint: Vec<String> = findings(&outcome, Check::Lint)
        .iter()
        .map(ToString::to_string)
        .collect();
    let has = |needle: &str| lint.iter().any(|f| f.contains(needle));
    assert!(
        has("mysql m1_items: up uses IF NOT EXISTS on a table"),
        "{lint:#?}"
    );
    assert!(has("mysql m2_audit: down is a no-op"), "{lint:#?}");
    // No migration runs in a transaction on MySQL (its DDL commits implicitly): nothing
    // to ask of the migration, so no finding.
    assert!(!has("does not run in a transaction"), "{lint:#?}");
}

migrator!(Sound, [ITEMS]);

#[tokio::test]
async fn what_does_not_run_on_mysql_says_so_and_is_not_a_pass() {
    let Some(outcome) = on_mysql::<Sound>().await else {
        return;
    };
    let report = &outcome.report;
    assert!(report.passed(), "{report}");
    let status = |check| report.statuses.get(&(check, Backend::MySql)).cloned();
    for check in [
        Check::StepReversibility,
        Check::RoundTrip,
        Check::CleanBase,
        Check::Lint,
    ] {
        assert_eq!(status(check), Some(Status::Pass), "{check}: {report}");
    }
    assert_eq!(
        status(Check::Parity),
        Some(Status::Skipped(SkipReason::NotOnBackend(
            NotOnBackend::ParityPair
        )))
    );
    // The populate generator writes MySQL's values: compat runs, on populated tables.
    assert_eq!(status(Check::Compat), Some(Status::Pass), "{report}");
    let table = report.to_string();
    let header = table.lines().next().unwrap_or_default();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["check", "sqlite", "postgres", "mysql"]
    );
    let parity = table
        .lines()
        .find(|l| l.starts_with("parity"))
        .unwrap_or_default();
    assert!(parity.ends_with("not run"), "{table}");
    assert!(
        table.contains(
            "not run parity on mysql: parity compares pairs of backends; \
             neither SQLite nor PostgreSQL was walked to pair with it"
        ),
        "{table}"
    );
    assert!(
        !table.contains("the populated walk"),
        "MySQL's steps walk populated tables: {table}"
    );
}

migrator!(
    SplitsLabels,
    [
        ITEMS,
        sql(
            "m2_prefix",
            &[
                "ALTER TABLE items ADD COLUMN prefix varchar(1) NULL",
                "UPDATE items SET prefix = LEFT(label, 1)",
            ],
            &["ALTER TABLE items DROP COLUMN prefix"],
        ),
    ]
);

#[tokio::test]
async fn data_cases_pass_and_fail_as_asserted_on_mysql() {
    let seeded = |name: &str| {
        DataCase::new(name, "m2_prefix").seed_sql([
            "INSERT INTO items (id, label) VALUES (1, 'apple')",
            "INSERT INTO items (id, label) VALUES (2, 'pear')",
        ])
    };
    let good = seeded("every label gets its prefix")
        .after_up_sql(
            "SELECT id, prefix FROM items ORDER BY id",
            [["1", "a"], ["2", "p"]],
        )
        .after_down_sql("SELECT count(*) FROM items", [[2]]);
    let bad = seeded("wrong expectations").after_up_sql("SELECT prefix FROM items", [["x"]]);
    let suite = Suite::<SplitsLabels>::new()
        .backends(&[Backend::MySql])
        .data_cases([good, bad]);
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    let found = findings(&outcome, Check::DataCases);
    let messages: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1, "{messages:#?}");
    assert!(
        messages[0].contains("case `wrong expectations`: after up: `SELECT prefix FROM items` returned [[\"a\"], [\"p\"]], expected [[\"x\"]]"),
        "{messages:#?}"
    );
    assert_eq!(
        outcome.report.statuses[&(Check::DataCases, Backend::MySql)],
        Status::Fail(1)
    );
}

migrator!(
    WrittenForPostgres,
    [sql(
        "m1_docs",
        &["CREATE TABLE docs (id integer PRIMARY KEY, tags text[] NOT NULL)"],
        &["DROP TABLE docs"],
    )]
);

#[tokio::test]
async fn a_migrator_that_does_not_parse_on_mysql_gets_one_finding_naming_no_one_backend() {
    let Some(outcome) = on_mysql::<WrittenForPostgres>().await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert_eq!(found.len(), 1, "{}", outcome.report);
    let message = &found[0].message;
    assert!(
        message.contains("looks written for other backends only"),
        "{message}"
    );
    assert!(!message.contains("written for sqlite"), "{message}");
}
