//! The walk on populated tables: synthetic rows before every step, and what a
//! migration does to them. One broken migrator per hazard, each caught and named on
//! both backends, and a generator test over sea-query's column types.

use conformance::Check;
use conformance::{Backend, Populate, Suite, SuiteOutcome};
use rstest::rstest;
use sea_orm_migration::prelude::*;

use crate::common::{Sql, finding_of, findings, outcome, per_backend, sql};

/// `items` with a key, a label, a status from a CHECK list of two values, a code and
/// a nullable note.
const ITEMS: Sql = sql(
    "m1_items",
    &[
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
       status varchar(10) NOT NULL CHECK (status IN ('open', 'done')), code varchar(20) NOT NULL, \
       note varchar(40))",
    ],
    &["DROP TABLE items"],
);

migrator!(
    UpdatesWithoutRestoring,
    [
        ITEMS,
        sql("m2_shout", &["UPDATE items SET label = upper(label)"], &[]),
    ]
);

migrator!(
    AddsNotNullWithoutDefault,
    [
        ITEMS,
        per_backend(
            "m2_price",
            &[
                "CREATE TABLE items_new (id integer NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
             status varchar(10) NOT NULL, code varchar(20) NOT NULL, note varchar(40), price integer NOT NULL)",
                "INSERT INTO items_new SELECT id, label, status, code, note, NULL FROM items",
                "DROP TABLE items",
                "ALTER TABLE items_new RENAME TO items",
            ],
            &["ALTER TABLE items ADD COLUMN price integer NOT NULL"],
            &["ALTER TABLE items DROP COLUMN price"],
        ),
    ]
);

migrator!(
    ChecksWhatRowsBreak,
    [
        ITEMS,
        per_backend(
            "m2_only_open",
            &[
                "CREATE TABLE open_items (id integer NOT NULL PRIMARY KEY, status varchar(10) NOT NULL CHECK (status = 'open'))",
                "INSERT INTO open_items SELECT id, status FROM items",
            ],
            &["ALTER TABLE items ADD CONSTRAINT only_open CHECK (status = 'open')"],
            &["ALTER TABLE items DROP CONSTRAINT only_open"],
        ),
    ]
);

migrator!(
    UniqueOverDuplicates,
    [
        ITEMS,
        sql(
            "m2_unique_status",
            &["CREATE UNIQUE INDEX items_status ON items (status)"],
            &["DROP INDEX items_status"],
        ),
    ]
);

migrator!(
    CastsWhatDoesNotCast,
    [
        ITEMS,
        per_backend(
            "m2_numeric_code",
            &[
                "CREATE TABLE codes (code INTEGER NOT NULL) STRICT",
                "INSERT INTO codes SELECT code FROM items",
            ],
            &["ALTER TABLE items ALTER COLUMN code TYPE integer USING code::integer"],
            &["ALTER TABLE items ALTER COLUMN code TYPE varchar(20)"],
        ),
    ]
);

migrator!(
    DropsAColumn,
    [
        ITEMS,
        sql(
            "m2_drop_note",
            &["ALTER TABLE items DROP COLUMN note"],
            &["ALTER TABLE items ADD COLUMN note varchar(40)"],
        ),
    ]
);

migrator!(
    NarrowsAType,
    [
        ITEMS,
        sql(
            "m2_short_labels",
            &["ALTER TABLE items ALTER COLUMN label TYPE varchar(3) USING left(label, 3)"],
            &["ALTER TABLE items ALTER COLUMN label TYPE varchar(40)"],
        ),
    ]
);

async fn walk<M: MigratorTrait>(backend: Backend) -> Option<SuiteOutcome> {
    outcome(Suite::<M>::new().backends(&[backend])).await
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rows_changed_in_place_and_not_restored_name_the_table_and_column(
    #[case] backend: Backend,
) {
    let Some(outcome) = walk::<UpdatesWithoutRestoring>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_shout");
    assert!(
        message.contains("down did not restore the data"),
        "{message}"
    );
    assert!(message.contains("table items"), "{message}");
    assert!(message.contains("column label"), "{message}");
    assert!(
        message.contains("LABEL-1"),
        "an example value after: {message}"
    );
    // The same migrator on empty tables passes: only rows show the defect.
    let empty = outcome_of::<UpdatesWithoutRestoring>(backend, Populate::off()).await;
    let on_empty = findings(&empty, Check::StepReversibility);
    assert!(on_empty.is_empty(), "{}", empty.report);
}

async fn outcome_of<M: MigratorTrait>(backend: Backend, populate: Populate) -> SuiteOutcome {
    Suite::<M>::new()
        .backends(&[backend])
        .populate(populate)
        .run()
        .await
        .expect("suite")
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "NOT NULL constraint failed")]
#[case::postgres(Backend::Postgres, "contains null values")]
#[tokio::test]
async fn a_not_null_column_without_default_fails_on_rows(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<AddsNotNullWithoutDefault>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_price");
    assert!(message.contains("up failed"), "{message}");
    assert!(message.contains(says), "{message}");
    assert!(
        message.contains("at statement:"),
        "names the statement: {message}"
    );
    let empty = outcome_of::<AddsNotNullWithoutDefault>(backend, Populate::off()).await;
    let on_empty = findings(&empty, Check::StepReversibility);
    assert!(
        on_empty.iter().all(|f| !f.message.contains("up failed")),
        "{}",
        empty.report
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "CHECK constraint failed")]
#[case::postgres(Backend::Postgres, "is violated by some row")]
#[tokio::test]
async fn a_check_that_existing_rows_break_fails_on_rows(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<ChecksWhatRowsBreak>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_only_open");
    assert!(message.contains(says), "{message}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "UNIQUE constraint failed")]
#[case::postgres(Backend::Postgres, "could not create unique index")]
#[tokio::test]
async fn a_unique_index_over_duplicates_fails_on_rows(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<UniqueOverDuplicates>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_unique_status");
    assert!(message.contains(says), "{message}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "cannot store TEXT value in INTEGER column")]
#[case::postgres(Backend::Postgres, "invalid input syntax for type integer")]
#[tokio::test]
async fn a_cast_that_fails_on_some_values_fails_on_rows(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<CastsWhatDoesNotCast>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_numeric_code");
    assert!(message.contains(says), "{message}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test]
async fn a_dropped_column_is_reported_as_irreversible(#[case] backend: Backend) {
    let Some(outcome) = walk::<DropsAColumn>(backend).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_drop_note");
    assert!(
        message.contains("irreversible: up drops column items.note"),
        "{message}"
    );
    // Rows 1 and 2 hold a note, row 3 none.
    assert!(message.contains("2 value(s) lost"), "{message}");
    assert!(
        !message.contains("down did not restore the data"),
        "said once: {message}"
    );
    let found = findings(&outcome, Check::StepReversibility);
    assert_eq!(found.len(), 1, "{}", outcome.report);

    // A reasoned line accepts it; a line that accepts nothing is itself a finding.
    let list = conformance::AllowList::parse(
        "irreversible m2_drop_note items.note  # notes moved to the audit log\n",
        "test",
    )
    .expect("allow-list");
    let accepted = outcome_with::<DropsAColumn>(backend, list).await;
    let left = findings(&accepted, Check::StepReversibility);
    assert!(left.is_empty(), "{}", accepted.report);
}

async fn outcome_with<M: MigratorTrait>(
    backend: Backend,
    list: conformance::AllowList,
) -> SuiteOutcome {
    Suite::<M>::new()
        .backends(&[backend])
        .allow_list(list)
        .run()
        .await
        .expect("suite")
}

/// Judged only when every backend ran: a loss may happen on one backend only.
#[tokio::test]
async fn an_irreversible_line_that_accepts_nothing_is_a_finding() {
    let list =
        conformance::AllowList::parse("irreversible m2_shout items.label  # stale\n", "test")
            .expect("allow-list");
    let suite = Suite::<UpdatesWithoutRestoring>::new()
        .allow_list(list)
        .populate(Populate::off());
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert!(
        found.iter().any(|f| f.message.contains("accepts no loss")),
        "{}",
        outcome.report
    );
}

/// PostgreSQL only: SQLite has no `ALTER COLUMN … TYPE`.
#[tokio::test]
async fn a_lossy_type_change_is_reported_as_irreversible() {
    let Some(outcome) = walk::<NarrowsAType>(Backend::Postgres).await else {
        return;
    };
    let message = finding_of(&outcome, "m2_short_labels");
    assert!(
        message.contains("irreversible: up changes the type of items.label"),
        "{message}"
    );
    assert!(message.contains("3 value(s) lost"), "{message}");
}
