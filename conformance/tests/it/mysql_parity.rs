//! Parity in the pairs MySQL / MariaDB is in: a migrator whose MySQL branch declares
//! otherwise is caught in `mysql-postgres` and `mysql-sqlite`, each finding naming its
//! pair; an allow-list line naming the pair accepts it, the same line naming another
//! pair does not, and a stale line of a pair is reported.

use conformance::{AllowList, Backend, Check, Finding, Status, Suite, SuiteOutcome};
use sea_orm_migration::prelude::*;

use crate::common::{Sql, findings, in_transaction, outcome, sql};

async fn run<M: MigratorTrait>(backends: &[Backend], allow: &str) -> Option<SuiteOutcome> {
    let allow = AllowList::parse(allow, "list.txt").expect("allow-list");
    outcome(Suite::<M>::new().backends(backends).allow_list(allow)).await
}

fn messages(found: &[Finding]) -> Vec<&str> {
    found.iter().map(|f| f.message.as_str()).collect()
}

const PG_MYSQL: [Backend; 2] = [Backend::Postgres, Backend::MySql];

/// `note` is `varchar(64)` on SQLite and PostgreSQL, `text` on MySQL.
const NOTE_AS_TEXT_ON_MYSQL: Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id integer NOT NULL PRIMARY KEY, note varchar(64) NOT NULL)"],
    &["DROP TABLE items"],
)
.on_mysql(
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, note text NOT NULL)"],
    &["DROP TABLE items"],
);

migrator!(NoteAsTextOnMySql, [NOTE_AS_TEXT_ON_MYSQL]);

const KIND: &str =
    "mysql-postgres: items.note kind: mysql has text, postgres has character varying(64)";

#[tokio::test]
async fn a_type_declared_otherwise_on_mysql_is_caught_naming_the_pair() {
    let Some(outcome) = run::<NoteAsTextOnMySql>(&PG_MYSQL, "").await else {
        return;
    };
    let found = findings(&outcome, Check::Parity);
    assert_eq!(messages(&found).len(), 1, "{}", outcome.report);
    assert!(found[0].message.starts_with(KIND), "{}", found[0]);
    assert!(
        found[0]
            .message
            .ends_with("allow-list `mysql-postgres: items.note kind  # why`)"),
        "{}",
        found[0]
    );
    assert_eq!(found[0].backend, Some(Backend::MySql));
    let status = |backend| {
        outcome
            .report
            .statuses
            .get(&(Check::Parity, backend))
            .cloned()
    };
    assert!(
        matches!(status(Backend::MySql), Some(Status::Fail(_))),
        "{}",
        outcome.report
    );
}

#[tokio::test]
async fn a_line_naming_the_pair_accepts_the_difference() {
    for line in [
        "mysql-postgres: items.note kind  # MySQL keeps notes as text\n",
        "postgres-mysql: items.note kind  # either order\n",
        "equivalent mysql: text = postgres: character varying(64)  # notes as text\n",
        "equivalent postgres: character varying(64) = mysql: text  # either order\n",
    ] {
        let Some(outcome) = run::<NoteAsTextOnMySql>(&PG_MYSQL, line).await else {
            return;
        };
        assert!(outcome.report.passed(), "{line}: {}", outcome.report);
    }
}

#[tokio::test]
async fn a_line_naming_another_pair_does_not_accept_it() {
    for line in [
        "items.note kind  # a sqlite-postgres line\n",
        "mysql-sqlite: items.note kind  # the other pair MySQL is in\n",
        "equivalent sqlite: text = postgres: character varying(64)  # sqlite-postgres\n",
        "equivalent mysql: text = sqlite: varchar(64)  # mysql-sqlite\n",
    ] {
        let Some(outcome) = run::<NoteAsTextOnMySql>(&PG_MYSQL, line).await else {
            return;
        };
        let found = findings(&outcome, Check::Parity);
        assert_eq!(found.len(), 1, "{line}: {}", outcome.report);
        assert!(found[0].message.starts_with(KIND), "{line}: {}", found[0]);
    }
}

/// An index on SQLite and PostgreSQL, none on MySQL.
const INDEX_MISSING_ON_MYSQL: Sql = in_transaction(
    "m1_items",
    &[
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, note varchar(64) NOT NULL)",
        "CREATE INDEX idx_items_note ON items (note)",
    ],
    &["DROP TABLE items"],
)
.on_mysql(
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, note varchar(64) NOT NULL)"],
    &["DROP TABLE items"],
);

migrator!(IndexMissingOnMySql, [INDEX_MISSING_ON_MYSQL]);

#[tokio::test]
async fn a_missing_index_on_mysql_is_caught_in_both_its_pairs() {
    let every = [Backend::Sqlite, Backend::Postgres, Backend::MySql];
    let Some(outcome) = run::<IndexMissingOnMySql>(&every, "").await else {
        return;
    };
    let found = findings(&outcome, Check::Parity);
    let found = messages(&found);
    assert_eq!(found.len(), 2, "{}", outcome.report);
    assert!(
        found[0].starts_with(
            "mysql-postgres: items.index:idx_items_note exists: mysql has nothing, postgres has it"
        ),
        "{found:?}"
    );
    assert!(
        found[1].starts_with(
            "mysql-sqlite: items.index:idx_items_note exists: mysql has nothing, sqlite has it"
        ),
        "{found:?}"
    );
    let status = |backend| {
        outcome
            .report
            .statuses
            .get(&(Check::Parity, backend))
            .cloned()
    };
    assert_eq!(status(Backend::Sqlite), Some(Status::Pass));
    assert_eq!(status(Backend::Postgres), Some(Status::Pass));

    let both = "mysql-postgres: items.index:idx_items_note exists  # not on MySQL\n\
                mysql-sqlite: items.index:idx_items_note exists  # not on MySQL\n";
    let Some(outcome) = run::<IndexMissingOnMySql>(&every, both).await else {
        return;
    };
    assert_eq!(
        findings(&outcome, Check::Parity),
        vec![],
        "{}",
        outcome.report
    );
    let status = |backend| {
        outcome
            .report
            .statuses
            .get(&(Check::Parity, backend))
            .cloned()
    };
    assert_eq!(status(Backend::MySql), Some(Status::Pass));
}

/// The same table on every backend.
const SOUND: Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id integer NOT NULL PRIMARY KEY, note varchar(64) NOT NULL)"],
    &["DROP TABLE items"],
)
.on_mysql(
    &["CREATE TABLE items (id int NOT NULL PRIMARY KEY, note varchar(64) NOT NULL)"],
    &["DROP TABLE items"],
);

migrator!(Sound, [SOUND]);

#[tokio::test]
async fn a_stale_line_of_a_pair_is_reported() {
    let list = "mysql-postgres: items.note kind  # no longer differs\n\
                equivalent mysql: json = postgres: jsonb  # no such column\n";
    let Some(outcome) = run::<Sound>(&PG_MYSQL, list).await else {
        return;
    };
    let found = findings(&outcome, Check::Parity);
    assert_eq!(
        messages(&found),
        [
            "the allow-list:2: `equivalent mysql: json = postgres: jsonb` matches no column any more; remove it",
            "the allow-list:1: `mysql-postgres: items.note kind` matches no difference any more; remove it",
        ],
        "{}",
        outcome.report
    );
    assert!(found.iter().all(|f| f.backend == Some(Backend::MySql)));
}
