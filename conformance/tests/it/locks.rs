//! Measured locks (PostgreSQL): what each migration's first `up` of the walk held on the
//! tables that existed before it, read from `pg_locks` just before its commit, whether
//! it rewrote them, and how long it took; shown in `verify`, the review and JSON.

use conformance::review::{BaseSnapshots, Current, Report};
use conformance::{Backend, Suite, SuiteOutcome};
use conformance::{LockMode, MeasuredLocks, TableLock};
use sea_orm_migration::prelude::*;

use crate::common::{Sql, outcome, sql};

/// `items`, which every later migration finds filled with the walk's rows.
const ITEMS: Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id integer NOT NULL PRIMARY KEY, code varchar(20) NOT NULL)"],
    &["DROP TABLE items"],
);

const fn outside_transaction(
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
) -> Sql {
    Sql {
        transaction: Some(false),
        ..sql(name, up, down)
    }
}

migrator!(
    Rewrites,
    [
        ITEMS,
        sql(
            "m2_retype",
            &["ALTER TABLE items ALTER COLUMN id TYPE bigint"],
            &["ALTER TABLE items ALTER COLUMN id TYPE integer"],
        ),
        sql(
            "m3_volatile",
            &["ALTER TABLE items ADD COLUMN score double precision DEFAULT random()"],
            &["ALTER TABLE items DROP COLUMN score"],
        ),
    ]
);

migrator!(
    Indexes,
    [
        ITEMS,
        sql(
            "m2_index",
            &["CREATE INDEX items_code ON items (code)"],
            &["DROP INDEX items_code"],
        ),
    ]
);

migrator!(
    InsertsAndCreates,
    [
        ITEMS,
        sql(
            "m2_rows",
            &[
                "CREATE TABLE other (id integer NOT NULL PRIMARY KEY, note text)",
                "CREATE INDEX other_note ON other (note)",
                "INSERT INTO other (id, note) VALUES (1, 'a')",
                "INSERT INTO items (id, code) VALUES (1000, 'added')",
            ],
            &["DELETE FROM items WHERE id = 1000", "DROP TABLE other"],
        ),
    ]
);

migrator!(
    WithoutTransaction,
    [
        ITEMS,
        outside_transaction(
            "m2_concurrently",
            &["CREATE INDEX CONCURRENTLY items_code ON items (code)"],
            &["DROP INDEX CONCURRENTLY items_code"],
        ),
        outside_transaction(
            "m3_retype",
            &["ALTER TABLE items ALTER COLUMN id TYPE bigint"],
            &["ALTER TABLE items ALTER COLUMN id TYPE integer"],
        ),
    ]
);

/// The walk on PostgreSQL only; `None` when PostgreSQL may be missing and is.
async fn walk<M: MigratorTrait>() -> Option<SuiteOutcome> {
    outcome(Suite::<M>::new().backends(&[Backend::Postgres])).await
}

/// The measurement of `migration`, which must exist.
fn measured<'a>(outcome: &'a SuiteOutcome, migration: &str) -> &'a MeasuredLocks {
    let found = outcome
        .report
        .locks
        .iter()
        .find(|m| m.migration == migration);
    let run = outcome.runs.iter().find(|r| r.backend == Backend::Postgres);
    assert_eq!(
        run.map(|r| &r.locks),
        Some(&outcome.report.locks),
        "the report keeps the run's measurements"
    );
    found.unwrap_or_else(|| panic!("no measurement of {migration}: {:#?}", outcome.report.locks))
}

fn lock(table: &str, mode: LockMode, rewritten: bool) -> TableLock {
    TableLock {
        table: table.to_owned(),
        mode: Some(mode),
        rewritten,
        dropped: false,
    }
}

/// The `locks` lines `verify` prints.
fn verify_lines(outcome: &SuiteOutcome) -> Vec<String> {
    outcome
        .report
        .to_string()
        .lines()
        .skip_while(|l| !l.starts_with("locks "))
        .take_while(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn a_type_change_and_a_volatile_default_rewrite_the_table_under_access_exclusive() {
    let Some(outcome) = walk::<Rewrites>().await else {
        return;
    };
    for migration in ["m2_retype", "m3_volatile"] {
        let measured = measured(&outcome, migration);
        assert!(measured.in_transaction);
        assert_eq!(measured.not_measured, None);
        assert_eq!(
            measured.tables,
            [lock("items", LockMode::AccessExclusive, true)],
            "{migration}"
        );
        assert!(measured.duration > std::time::Duration::ZERO);
    }
    // A table the migration creates is not listed.
    assert_eq!(measured(&outcome, "m1_items").tables, []);

    let lines = verify_lines(&outcome);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for (line, migration) in lines[1..].iter().zip(["m2_retype", "m3_volatile"]) {
        let start = format!("  {migration}: ACCESS EXCLUSIVE on items for ");
        assert!(line.starts_with(&start), "{line}");
        assert!(line.ends_with(" ms, table rewritten"), "{line}");
    }

    // The review shows it beside squawk's finding on the same statement.
    let current = Current::from_outcome(Current::migration_names::<Rewrites>(), &outcome);
    let review = Report::build(&BaseSnapshots::default(), &current).to_string();
    let line = review
        .lines()
        .find(|l| l.starts_with("- `m2_retype`: measured: "))
        .unwrap_or_else(|| panic!("no measured line in the review:\n{review}"));
    assert!(
        line.contains("ACCESS EXCLUSIVE on `items` for ")
            && line.contains("table rewritten")
            && line.contains("(squawk: `changing-column-type`"),
        "{line}"
    );

    // JSON for other tools.
    let json: serde_json::Value =
        serde_json::from_str(&outcome.report.locks_json(3)).expect("json");
    let retype = &json["migrations"][1];
    assert_eq!(retype["migration"], "m2_retype");
    assert_eq!(retype["tables"][0]["mode"], "ACCESS_EXCLUSIVE");
    assert_eq!(retype["tables"][0]["rewritten"], true);
}

#[tokio::test]
async fn create_index_holds_share_without_a_rewrite_and_the_probe_is_not_captured() {
    let Some(outcome) = walk::<Indexes>().await else {
        return;
    };
    let measured = measured(&outcome, "m2_index");
    assert_eq!(measured.tables, [lock("items", LockMode::Share, false)]);
    let lines = verify_lines(&outcome);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  m2_index: SHARE on items for ") && !l.contains("rewritten")),
        "{lines:#?}"
    );
    // The probe's statements are not the migration's.
    let run = outcome
        .runs
        .iter()
        .find(|r| r.backend == Backend::Postgres)
        .expect("a PostgreSQL run");
    let step = run
        .steps
        .iter()
        .find(|s| s.migration == "m2_index")
        .expect("m2_index walked");
    assert_eq!(step.up_sql(), ["CREATE INDEX items_code ON items (code)"]);
}

#[tokio::test]
async fn rows_written_hold_row_exclusive_and_tables_the_migration_creates_are_not_listed() {
    let Some(outcome) = walk::<InsertsAndCreates>().await else {
        return;
    };
    assert!(outcome.report.passed(), "{}", outcome.report);
    let measured = measured(&outcome, "m2_rows");
    assert_eq!(
        measured.tables,
        [lock("items", LockMode::RowExclusive, false)]
    );
    assert!(measured.hazards().is_empty());
    assert_eq!(
        verify_lines(&outcome),
        [
            "locks (postgres, 2 migration(s) measured): none stronger than ROW EXCLUSIVE on an existing table, no table rewritten"
        ]
    );
}

#[tokio::test]
async fn without_a_transaction_only_rewrites_and_time_are_measured() {
    let Some(outcome) = walk::<WithoutTransaction>().await else {
        return;
    };
    let concurrently = measured(&outcome, "m2_concurrently");
    assert!(!concurrently.in_transaction);
    assert_eq!(concurrently.not_measured.as_deref(), Some("no transaction"));
    assert_eq!(concurrently.tables, []);
    let retype = measured(&outcome, "m3_retype");
    assert_eq!(retype.not_measured.as_deref(), Some("no transaction"));
    assert_eq!(
        retype.tables,
        [TableLock {
            table: "items".to_owned(),
            mode: None,
            rewritten: true,
            dropped: false,
        }]
    );
    let lines = verify_lines(&outcome);
    assert!(
        lines.iter().any(|l| l
            .starts_with("  m3_retype: locks not measured: no transaction; took ")
            && l.ends_with(", items rewritten")),
        "{lines:#?}"
    );
}

// The rehearsal's rows: after the first three, synthetic rows go in in batches.

migrator!(
    RefusesOneRow,
    [
        sql(
            "m1_picky",
            &["CREATE TABLE picky (id integer NOT NULL PRIMARY KEY, CHECK (id <> 10))"],
            &["DROP TABLE picky"],
        ),
        sql("m2_noop", &["SELECT 1"], &[]),
    ]
);

migrator!(
    CountsItsRows,
    [
        sql(
            "m1_wide",
            &[
                "CREATE TABLE wide (id integer NOT NULL PRIMARY KEY, code varchar(20) NOT NULL, note text)"
            ],
            &["DROP TABLE wide"],
        ),
        // Fails (a NULL code) unless the walk put exactly 2500 rows in (the first
        // three one by one, then batches: 333 rows each on SQLite, 1000 on PostgreSQL
        // and MySQL).
        sql(
            "m2_count",
            &[
                "INSERT INTO wide (id, code) SELECT 0, NULL WHERE (SELECT count(*) FROM wide) <> 2500"
            ],
            &[],
        )
        .on_mysql(
            &[
                "INSERT INTO wide (id, code) SELECT 0, NULL FROM DUAL \
                 WHERE (SELECT count(*) FROM wide) <> 2500"
            ],
            &[],
        ),
    ]
);

#[tokio::test]
async fn a_row_refused_inside_a_batch_is_named_and_the_rows_before_it_go_in() {
    // The populated walk: SQLite, PostgreSQL and MySQL.
    let backends = [Backend::Sqlite, Backend::Postgres, Backend::MySql];
    let suite = Suite::<RefusesOneRow>::new()
        .backends(&backends)
        .populate(conformance::Populate::default().rows(30));
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    for backend in backends {
        let picky = outcome
            .report
            .not_seeded
            .iter()
            .find(|n| n.backend == backend && n.table == "picky")
            .unwrap_or_else(|| panic!("picky seeded whole on {backend}: {}", outcome.report));
        assert_eq!(picky.rows, 9, "{picky}");
        assert!(
            picky.why.starts_with("the database refused row 10: "),
            "{picky}"
        );
    }
}

#[tokio::test]
async fn thousands_of_rows_go_in_whole() {
    let suite = Suite::<CountsItsRows>::new()
        .backends(&[Backend::Sqlite, Backend::Postgres, Backend::MySql])
        .populate(conformance::Populate::default().rows(2500));
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    assert!(outcome.report.not_seeded.is_empty(), "{}", outcome.report);
    // m2_count's up went through on the walk (the round trip meets empty tables).
    let step = outcome
        .report
        .findings_of(conformance::Check::StepReversibility);
    assert!(step.is_empty(), "{}", outcome.report);
}
