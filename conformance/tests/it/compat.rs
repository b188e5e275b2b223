//! The `compat` check: the running application version's statements (built against the
//! schema before a migration) still work after its `up`. One migrator per break, each
//! caught and named on both backends where the backend can express it; a safe expand
//! step passes; the allow-list accepts an intended contract step.

use conformance::{AllowList, Backend, Check, Status, Suite, SuiteOutcome};
use rstest::rstest;
use sea_orm_migration::prelude::*;

use crate::common::{Sql, findings, in_transaction, outcome, per_backend};

/// `items` with a key, a NOT NULL label and a nullable note.
const ITEMS: Sql = in_transaction(
    "m1_items",
    &[
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
       note varchar(40))",
    ],
    &["DROP TABLE items"],
);

migrator!(
    DropsAColumn,
    [
        ITEMS,
        in_transaction(
            "m2_drop_label",
            &["ALTER TABLE items DROP COLUMN label"],
            &["ALTER TABLE items ADD COLUMN label varchar(40) NOT NULL DEFAULT ''"],
        ),
    ]
);

migrator!(
    RenamesAColumn,
    [
        ITEMS,
        in_transaction(
            "m2_rename_label",
            &["ALTER TABLE items RENAME COLUMN label TO title"],
            &["ALTER TABLE items RENAME COLUMN title TO label"],
        ),
    ]
);

migrator!(
    AddsARequiredColumn,
    [
        ITEMS,
        per_backend(
            "m2_org_id",
            &[
                "CREATE TABLE items_new (id integer NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
                 note varchar(40), org_id integer NOT NULL)",
                "INSERT INTO items_new SELECT id, label, note, 1 FROM items",
                "DROP TABLE items",
                "ALTER TABLE items_new RENAME TO items",
            ],
            &[
                "ALTER TABLE items ADD COLUMN org_id integer NOT NULL DEFAULT 1",
                "ALTER TABLE items ALTER COLUMN org_id DROP DEFAULT",
            ],
            &["ALTER TABLE items DROP COLUMN org_id"],
        ),
    ]
);

migrator!(
    NarrowsAType,
    [
        ITEMS,
        per_backend(
            "m2_short_labels",
            &[
                "CREATE TABLE items_new (id integer NOT NULL PRIMARY KEY, \
                 label varchar(40) NOT NULL CHECK (length(label) <= 3), note varchar(40))",
                "INSERT INTO items_new SELECT id, substr(label, 1, 3), note FROM items",
                "DROP TABLE items",
                "ALTER TABLE items_new RENAME TO items",
            ],
            &["ALTER TABLE items ALTER COLUMN label TYPE varchar(3) USING left(label, 3)"],
            &[],
        ),
    ]
);

migrator!(
    DropsATable,
    [
        ITEMS,
        in_transaction(
            "m2_drop_items",
            &["DROP TABLE items"],
            &[
                "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
               note varchar(40))"
            ],
        ),
    ]
);

migrator!(
    Expands,
    [
        ITEMS,
        in_transaction(
            "m2_add_nullable",
            &["ALTER TABLE items ADD COLUMN summary varchar(80)"],
            &["ALTER TABLE items DROP COLUMN summary"],
        ),
        in_transaction(
            "m3_tags",
            &["CREATE TABLE tags (id integer NOT NULL PRIMARY KEY, \
               item_id integer NOT NULL REFERENCES items (id), name varchar(20) NOT NULL)"],
            &["DROP TABLE tags"],
        ),
        in_transaction(
            "m4_add_with_default",
            &["ALTER TABLE tags ADD COLUMN weight integer NOT NULL DEFAULT 0"],
            &["ALTER TABLE tags DROP COLUMN weight"],
        ),
    ]
);

async fn walk<M: MigratorTrait>(backend: Backend) -> Option<SuiteOutcome> {
    outcome(Suite::<M>::new().backends(&[backend])).await
}

/// The compat findings' messages of `migration`.
fn breaks(outcome: &SuiteOutcome, migration: &str) -> Vec<String> {
    findings(outcome, Check::Compat)
        .into_iter()
        .filter(|f| f.migration.as_deref() == Some(migration))
        .map(|f| f.message)
        .collect()
}

/// Asserts that `migration` breaks the running version with `statement` failing and
/// the database saying `says`.
fn assert_breaks(outcome: &SuiteOutcome, migration: &str, statement: &str, says: &str) {
    let found = breaks(outcome, migration);
    assert!(
        found
            .iter()
            .any(|m| m.contains("breaks the running version")
                && m.contains(statement)
                && m.contains(says)),
        "no compat finding of {migration} for `{statement}` saying `{says}`: {}",
        outcome.report
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "no such column: label")]
#[case::postgres(Backend::Postgres, "column \"label\" does not exist")]
#[tokio::test]
async fn a_dropped_column_breaks_the_select_and_insert(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<DropsAColumn>(backend).await else {
        return;
    };
    assert_breaks(&outcome, "m2_drop_label", "SELECT", says);
    assert_breaks(&outcome, "m2_drop_label", "INSERT INTO \"items\"", "label");
    let message = &breaks(&outcome, "m2_drop_label")[0];
    assert!(
        message.contains("compat m2_drop_label items  # why"),
        "{message}"
    );
    assert!(
        breaks(&outcome, "m1_items").is_empty(),
        "{}",
        outcome.report
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "no such column: label")]
#[case::postgres(Backend::Postgres, "column \"label\" does not exist")]
#[tokio::test]
async fn a_renamed_column_breaks_the_running_version(#[case] backend: Backend, #[case] says: &str) {
    let Some(outcome) = walk::<RenamesAColumn>(backend).await else {
        return;
    };
    assert_breaks(&outcome, "m2_rename_label", "SELECT", says);
    assert_breaks(&outcome, "m2_rename_label", "UPDATE \"items\" SET", "label");
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "NOT NULL constraint failed: items.org_id")]
#[case::postgres(Backend::Postgres, "null value in column \"org_id\"")]
#[tokio::test]
async fn a_required_column_without_default_breaks_the_old_insert(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<AddsARequiredColumn>(backend).await else {
        return;
    };
    assert_breaks(&outcome, "m2_org_id", "INSERT INTO \"items\"", says);
    // Only the INSERT: reading, updating and deleting rows still work.
    assert_eq!(breaks(&outcome, "m2_org_id").len(), 1, "{}", outcome.report);
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "CHECK constraint failed")]
#[case::postgres(Backend::Postgres, "value too long for type character varying(3)")]
#[tokio::test]
async fn a_narrowed_type_breaks_the_old_insert_of_a_longer_value(
    #[case] backend: Backend,
    #[case] says: &str,
) {
    let Some(outcome) = walk::<NarrowsAType>(backend).await else {
        return;
    };
    assert_breaks(&outcome, "m2_short_labels", "INSERT INTO \"items\"", says);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_dropped_table_is_one_break(#[case] backend: Backend) {
    let Some(outcome) = walk::<DropsATable>(backend).await else {
        return;
    };
    let found = breaks(&outcome, "m2_drop_items");
    assert_eq!(found.len(), 1, "{}", outcome.report);
    assert!(
        found[0].contains("drops table items, which the running version reads"),
        "{}",
        found[0]
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_expand_step_keeps_the_running_version_working(#[case] backend: Backend) {
    let Some(outcome) = walk::<Expands>(backend).await else {
        return;
    };
    assert!(outcome.report.findings.is_empty(), "{}", outcome.report);
    let status = &outcome.report.statuses[&(Check::Compat, backend)];
    assert!(matches!(status, Status::Pass), "{}", outcome.report);
    // The running version's statements are the harness's, not the migrations'.
    for run in &outcome.runs {
        for step in &run.steps {
            let sql = step.up_sql().join("\n") + &step.down_sql().join("\n");
            assert!(!sql.contains("LIMIT 1"), "{sql}");
        }
    }
}

/// On both backends: stale lines are judged when every backend ran.
#[tokio::test]
async fn the_allow_list_accepts_a_contract_step_and_flags_a_stale_line() {
    let list = AllowList::parse(
        "compat m2_drop_label items  # the app stopped reading labels in 2.3\n\
         compat m1_items  # nothing breaks here\n",
        "test",
    )
    .expect("allow-list");
    let Some(outcome) = outcome(Suite::<DropsAColumn>::new().allow_list(list)).await else {
        return;
    };
    assert!(
        breaks(&outcome, "m2_drop_label").is_empty(),
        "{}",
        outcome.report
    );
    let stale = breaks(&outcome, "m1_items");
    assert_eq!(stale.len(), 1, "{}", outcome.report);
    assert!(
        stale[0].contains("`compat m1_items` accepts nothing"),
        "{}",
        stale[0]
    );
}

// MySQL / MariaDB: the same checks with its own statements and words.

#[tokio::test]
async fn compat_runs_on_mysql_and_catches_a_renamed_column() {
    let Some(outcome) = walk::<RenamesAColumn>(Backend::MySql).await else {
        return;
    };
    let found = breaks(&outcome, "m2_rename_label");
    let has = |statement: &str| {
        found.iter().any(|m| {
            m.contains("breaks the running version")
                && m.contains(statement)
                && m.contains("Unknown column 'label'")
        })
    };
    assert!(
        has("SELECT `id`, `label`, `note` FROM `items`"),
        "{found:#?}"
    );
    assert!(has("INSERT INTO `items` (`id`, `label`)"), "{found:#?}");
    assert!(has("UPDATE `items` SET"), "{found:#?}");
    assert!(
        breaks(&outcome, "m1_items").is_empty(),
        "{}",
        outcome.report
    );
    assert_eq!(
        outcome.report.statuses[&(Check::Compat, Backend::MySql)],
        Status::Fail(found.len()),
        "{}",
        outcome.report
    );
}

migrator!(
    AddsANullable,
    [
        ITEMS,
        in_transaction(
            "m2_summary",
            &["ALTER TABLE items ADD COLUMN summary varchar(80)"],
            &["ALTER TABLE items DROP COLUMN summary"],
        ),
        in_transaction(
            "m3_counters",
            &[
                "CREATE TABLE counters (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, \
               hits int NOT NULL DEFAULT 0)"
            ],
            &["DROP TABLE counters"],
        ),
        in_transaction(
            "m4_hits_wide",
            &["ALTER TABLE counters MODIFY hits bigint NOT NULL DEFAULT 0"],
            &["ALTER TABLE counters MODIFY hits int NOT NULL DEFAULT 0"],
        ),
    ]
);

#[tokio::test]
async fn an_expand_step_keeps_the_running_version_working_on_mysql() {
    let Some(outcome) = walk::<AddsANullable>(Backend::MySql).await else {
        return;
    };
    let report = &outcome.report;
    // (The lint's `mysql-table-copy` flags m4's type change.)
    for check in [Check::StepReversibility, Check::RoundTrip, Check::Compat] {
        assert!(findings(&outcome, check).is_empty(), "{check}: {report}");
    }
    assert!(report.not_seeded.is_empty(), "{report}");
    assert_eq!(
        report.statuses[&(Check::Compat, Backend::MySql)],
        Status::Pass,
        "{report}"
    );
}
