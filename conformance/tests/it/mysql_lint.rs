//! MySQL's own lint rules: a migration that is not atomic there (`mysql-not-atomic`),
//! an `ALTER TABLE` that copies or locks a table that existed before
//! (`mysql-table-copy`), and their allow-list lines.

use conformance::lint::{MYSQL_NOT_ATOMIC, MYSQL_TABLE_COPY};
use conformance::{AllowList, Backend, Check, Finding, Populate, Suite, SuiteOutcome};
use sea_orm_migration::prelude::*;

use crate::common::{self, sql};

const ITEMS: common::Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, label varchar NOT NULL, qty int NULL)"],
    &["DROP TABLE items"],
)
.on_mysql(
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, label varchar(16) NOT NULL, qty int NULL)"],
    &["DROP TABLE items"],
);

const CREATE_TAGS: &str =
    "CREATE TABLE tags (id int NOT NULL PRIMARY KEY, name varchar(16) NOT NULL)";
const INDEX_TAGS: &str = "CREATE INDEX idx_tags_name ON tags (name)";
/// A type change on the table the same migration created: no live table to copy.
const RETYPE_NEW_TAGS: &str = "ALTER TABLE tags MODIFY name varchar(200) NOT NULL";
const SEED_ITEMS: &str = "INSERT INTO items (id, label, qty) VALUES (1, 'a', 1)";
const ADD_NOTE: &str = "ALTER TABLE items ADD COLUMN note varchar(32) NULL";
const QTY_BIGINT: &str = "ALTER TABLE items MODIFY qty bigint NULL";

/// Written for MySQL alone (`.backends(&[Backend::MySql])`).
fn mysql_only(
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
) -> common::Sql {
    sql(name, up, down)
}

migrator!(
    Hazards,
    [
        // One DDL statement each way: atomic enough.
        ITEMS,
        // Two DDL statements (and a third) in one up: not atomic; a down of one is.
        mysql_only(
            "m2_tags",
            &[CREATE_TAGS, INDEX_TAGS, RETYPE_NEW_TAGS],
            &["DROP TABLE tags"],
        ),
        // A VARCHAR made longer within one length byte (16 → 32 characters of 4 bytes):
        // in place.
        mysql_only(
            "m3_label_longer",
            &["ALTER TABLE items MODIFY label varchar(32) NOT NULL"],
            &["ALTER TABLE items MODIFY label varchar(16) NOT NULL"],
        ),
        // A nullable column added at the end: INSTANT.
        mysql_only(
            "m4_note",
            &[ADD_NOTE],
            &["ALTER TABLE items DROP COLUMN note"],
        ),
        // A column's type changed: ALGORITHM=COPY.
        mysql_only(
            "m5_qty_bigint",
            &[QTY_BIGINT],
            &["ALTER TABLE items MODIFY qty int NULL"],
        ),
        // The type restated to change only the nullability (as sea-query does): in place.
        mysql_only(
            "m6_qty_not_null",
            &["ALTER TABLE items MODIFY qty bigint NOT NULL"],
            &["ALTER TABLE items MODIFY qty bigint NULL"],
        ),
        // A row written, then a DDL statement: the row stays if the DDL fails (and the
        // other way round in down).
        mysql_only(
            "m7_seed_then_alter",
            &[SEED_ITEMS, "ALTER TABLE items ADD COLUMN flag int NULL"],
            &[
                "ALTER TABLE items DROP COLUMN flag",
                "DELETE FROM items WHERE id = 1"
            ],
        ),
    ]
);

/// The lint on its own: on empty tables, where the hazardous steps apply (on rows,
/// `MODIFY … NOT NULL` over NULLs fails outright; `mysql_populated.rs` covers that).
async fn on_mysql(allow: AllowList) -> Option<SuiteOutcome> {
    common::outcome(
        Suite::<Hazards>::new()
            .backends(&[Backend::MySql])
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

/// The migrations a rule's findings name, grouped or not, in order.
fn named(found: &[Finding]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for finding in found {
        let listed = finding.message.lines().skip(1).filter_map(|line| {
            let name = line.trim().split(':').next()?;
            name.starts_with('m').then(|| name.to_owned())
        });
        for name in finding.migration.clone().into_iter().chain(listed) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[tokio::test]
async fn a_migration_of_several_statements_with_ddl_is_not_atomic_on_mysql() {
    let Some(outcome) = on_mysql(AllowList::default()).await else {
        return;
    };
    let report = &outcome.report;
    let found = lint(&outcome, MYSQL_NOT_ATOMIC);
    // One cause (up) in two migrations: one finding listing both; down in m7 alone
    // (m2's down is one statement).
    assert_eq!(found.len(), 2, "{report}");
    assert_eq!(
        named(&found[..1]),
        ["m2_tags", "m7_seed_then_alter"],
        "{report}"
    );
    assert_eq!(found[1].migration.as_deref(), Some("m7_seed_then_alter"));
    assert!(found[1].message.starts_with("down is not atomic on MySQL"));
    let message = &found[0].message;
    assert!(
        message.starts_with("up is not atomic on MySQL: each DDL statement commits on its own"),
        "{message}"
    );
    assert!(
        message.contains("one DDL statement per migration"),
        "{message}"
    );
    assert!(message.contains("`resolve-dirty`"), "{message}");
    for statement in [CREATE_TAGS, INDEX_TAGS, RETYPE_NEW_TAGS, SEED_ITEMS] {
        assert!(
            message.contains(&format!(": {statement}")),
            "{statement} not named:\n{message}"
        );
    }
}

#[tokio::test]
async fn table_copies_on_mysql_are_flagged_and_in_place_changes_are_not() {
    let Some(outcome) = on_mysql(AllowList::default()).await else {
        return;
    };
    let report = &outcome.report;
    let found = lint(&outcome, MYSQL_TABLE_COPY);
    // Not m2 (its table is new), m3 (a longer VARCHAR), m4 (INSTANT), m6 (type restated).
    assert_eq!(named(&found), ["m5_qty_bigint"], "{report}");
    let message = &found[0].message;
    assert!(
        message.starts_with(
            "changing a column's data type: MySQL copies the whole table (ALGORITHM=COPY)"
        ),
        "{message}"
    );
    assert!(message.contains("new column, backfill it"), "{message}");
    assert!(message.ends_with(&format!("\n  {QTY_BIGINT}")), "{message}");
}

#[tokio::test]
async fn a_mysql_opt_out_accepts_one_migration_and_a_stale_one_is_reported() {
    let allow = AllowList::parse(
        "lint m2_tags mysql-not-atomic  # tags is new and empty\n\
         lint m4_note mysql-table-copy  # nothing to silence: INSTANT\n",
        "allow.txt",
    )
    .expect("allow-list");
    let Some(outcome) = on_mysql(allow).await else {
        return;
    };
    let report = &outcome.report;
    assert_eq!(
        named(&lint(&outcome, MYSQL_NOT_ATOMIC)),
        ["m7_seed_then_alter"],
        "{report}"
    );
    let stale: Vec<&Finding> = report
        .findings_of(Check::Lint)
        .into_iter()
        .filter(|f| f.message.starts_with("stale opt-out"))
        .collect();
    assert_eq!(stale.len(), 1, "{report}");
    assert_eq!(stale[0].migration.as_deref(), Some("m4_note"));
    assert!(
        stale[0].message.contains("allow-list line 2"),
        "{}",
        stale[0]
    );
}

migrator!(JustItems, [ITEMS]);

#[tokio::test]
async fn a_mysql_opt_out_is_not_stale_where_mysql_did_not_run() {
    let allow = AllowList::parse(
        "lint m1_items mysql-not-atomic  # judged on MySQL only\n",
        "allow.txt",
    )
    .expect("allow-list");
    let Some(outcome) = common::outcome(
        Suite::<JustItems>::new()
            .backends(&Backend::ALL)
            .allow_list(allow),
    )
    .await
    else {
        return;
    };
    let report = &outcome.report;
    let stale = report
        .findings_of(Check::Lint)
        .into_iter()
        .filter(|f| f.message.starts_with("stale opt-out"))
        .count();
    assert_eq!(stale, 0, "{report}");
}
