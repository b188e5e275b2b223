//! The walk on migrators built to test it: every statement captured whatever the path,
//! rows left behind, panics, a failure in the middle with a later defect still found,
//! checks that could not run, and data cases.

use conformance::capture::StatementKind;
use conformance::{Backend, Populate, Status, Suite, SuiteOutcome};
use conformance::{Check, DataCase, Finding};
use rstest::rstest;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::common::{self, findings};

/// What one direction of a test migration does.
#[derive(Clone, Copy)]
enum Do {
    /// Each statement through `execute_unprepared`.
    Unprepared(&'static [&'static str]),
    /// `panic!` with this message.
    Panic(&'static str),
    /// Every sea-orm path, in a known order (see [`all_paths`]).
    AllPaths,
    /// Undoes [`Do::AllPaths`].
    UndoAllPaths,
    /// Like [`Do::Unprepared`], with each backend's own statements.
    PerBackend {
        sqlite: &'static [&'static str],
        postgres: &'static [&'static str],
    },
}

struct Step {
    name: &'static str,
    up: Do,
    down: Do,
    transaction: Option<bool>,
}

const fn step(name: &'static str, up: Do, down: Do) -> Step {
    Step {
        name,
        up,
        down,
        transaction: Some(true),
    }
}

impl MigrationName for Step {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Step {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        perform(manager, self.up).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        perform(manager, self.down).await
    }

    fn use_transaction(&self) -> Option<bool> {
        self.transaction
    }
}

async fn perform(manager: &SchemaManager<'_>, what: Do) -> Result<(), DbErr> {
    match what {
        Do::Unprepared(statements) => {
            for sql in statements {
                manager.get_connection().execute_unprepared(sql).await?;
            }
            Ok(())
        }
        Do::PerBackend { sqlite, postgres } => {
            let statements = match manager.get_database_backend() {
                DbBackend::Postgres => postgres,
                _ => sqlite,
            };
            for sql in statements {
                manager.get_connection().execute_unprepared(sql).await?;
            }
            Ok(())
        }
        Do::Panic(message) => panic!("{message}"),
        Do::AllPaths => all_paths(manager).await,
        Do::UndoAllPaths => {
            manager
                .drop_table(Table::drop().table("paths").to_owned())
                .await
        }
    }
}

/// One statement through each path, in this order:
/// builder, `execute` (query builder), `execute_raw`, `execute_unprepared`,
/// `query_one` (builder), `query_all_raw`, `has_table`.
async fn all_paths(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    manager
        .create_table(
            Table::create()
                .table("paths")
                .col(ColumnDef::new("id").integer().not_null().primary_key())
                .col(ColumnDef::new("label").string().not_null())
                .to_owned(),
        )
        .await?;
    conn.execute(
        Query::insert()
            .into_table("paths")
            .columns(["id", "label"])
            .values_panic([1.into(), "one".into()]),
    )
    .await?;
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DbBackend::Postgres => "UPDATE paths SET label = $1 WHERE id = $2",
            _ => "UPDATE paths SET label = ? WHERE id = ?",
        },
        ["uno".into(), 1.into()],
    ))
    .await?;
    conn.execute_unprepared("CREATE INDEX idx_paths_label ON paths (label)")
        .await?;
    let row = conn
        .query_one(
            Query::select()
                .expr(Expr::col("label"))
                .from("paths")
                .and_where(Expr::col("id").eq(1)),
        )
        .await?;
    assert!(row.is_some(), "the row written above");
    conn.query_all_raw(Statement::from_string(backend, "SELECT id FROM paths"))
        .await?;
    assert!(manager.has_table("paths").await?);
    Ok(())
}

const ITEMS: Step = step(
    "m1_items",
    Do::Unprepared(&[
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar NOT NULL)",
    ]),
    Do::Unprepared(&["DROP TABLE items"]),
);

migrator!(
    EveryPath,
    [
        step("m1_paths", Do::AllPaths, Do::UndoAllPaths),
        Step {
            name: "m2_paths_again",
            up: Do::Unprepared(&["DROP TABLE paths"]),
            down: Do::AllPaths,
            // Outside a transaction this time: the connection path, not the transaction's.
            transaction: Some(false),
        },
    ]
);

/// The walk's mechanics on the tables as these migrators fill them: no synthetic rows
/// (`populated.rs` walks those), so that each test sees only its own rows.
async fn run_suite<M: MigratorTrait>(backends: &[Backend]) -> Option<SuiteOutcome> {
    run(Suite::<M>::new()
        .backends(backends)
        .populate(Populate::off()))
    .await
}

async fn run<M: MigratorTrait>(suite: Suite<M>) -> Option<SuiteOutcome> {
    common::outcome(suite).await
}

/// The index of each needle in `haystack`, in order; fails if one is missing or out of order.
fn in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        let at = haystack[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing after byte {from} of:\n{haystack}"));
        from += at + needle.len();
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_statement_is_captured_in_order_whatever_the_path(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<EveryPath>(&[backend]).await else {
        return;
    };
    // The findings: m2 runs outside a transaction on purpose, and drops the table the
    // running version reads (check `compat`, whose own statements are not captured).
    let (compat, others): (Vec<_>, Vec<_>) = outcome
        .report
        .findings
        .iter()
        .partition(|f| f.check == Check::Compat);
    assert_eq!(others.len(), 1, "{}", outcome.report);
    assert!(
        others[0].message.contains("does not run in a transaction"),
        "{}",
        outcome.report
    );
    assert_eq!(compat.len(), 1, "{}", outcome.report);
    assert!(
        compat[0].message.contains("drops table paths"),
        "{}",
        outcome.report
    );
    let run = &outcome.runs[0];
    let order = [
        "CREATE TABLE \"paths\"",
        "INSERT INTO \"paths\"",
        "UPDATE paths SET label",
        "CREATE INDEX idx_paths_label ON paths (label)",
        "SELECT \"label\" FROM \"paths\"",
        "SELECT id FROM paths",
    ];
    let snapshots = run.snapshots();
    for (name, direction) in [("m1_paths", "-- up"), ("m2_paths_again", "-- down")] {
        let (_, text) = snapshots
            .iter()
            .find(|(n, _)| n == name)
            .expect("a snapshot per migration");
        let section = text
            .split("\n\n")
            .find(|s| s.starts_with(direction))
            .expect("both directions");
        in_order(section, &order);
        assert!(
            !section.contains("seaql_migrations"),
            "bookkeeping stays out: {section}"
        );
    }
    // Queries are told apart from commands (has_table's catalog query last).
    let step = &run.steps[0];
    let kinds: Vec<StatementKind> = step.up.iter().map(|s| s.kind).collect();
    use StatementKind::{Command, Query};
    assert_eq!(
        kinds,
        [Command, Command, Command, Command, Query, Query, Query],
        "{:#?}",
        step.up
    );
    // Exactly these: the harness's own catalog and data queries are not in the log.
    assert_eq!(run.steps[1].up_sql(), ["DROP TABLE paths"]);
}

migrator!(
    SloppyRawSql,
    [
        ITEMS,
        step(
            "m2_raw_index",
            Do::Unprepared(&["CREATE INDEX IF NOT EXISTS idx_items_label ON items (label)"]),
            Do::Unprepared(&["DROP INDEX idx_items_label"]),
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn raw_sql_is_in_the_snapshots_and_the_lint(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<SloppyRawSql>(&[backend]).await else {
        return;
    };
    let (_, text) = outcome.runs[0]
        .snapshots()
        .into_iter()
        .find(|(n, _)| n == "m2_raw_index")
        .expect("snapshot");
    assert_eq!(
        text,
        "-- up\nCREATE INDEX IF NOT EXISTS idx_items_label ON items (label);\n\n\
         -- down\nDROP INDEX idx_items_label;\n"
    );
    // On PostgreSQL squawk also flags the index built without CONCURRENTLY on a table
    // that existed before: that is its own finding.
    let lint: Vec<Finding> = findings(&outcome, Check::Lint)
        .into_iter()
        .filter(|f| f.rule.as_deref() == Some("if-exists"))
        .collect();
    assert_eq!(lint.len(), 1, "{}", outcome.report);
    assert_eq!(lint[0].migration.as_deref(), Some("m2_raw_index"));
    assert!(
        lint[0].message.contains("IF NOT EXISTS on an index"),
        "{}",
        lint[0]
    );
}

migrator!(
    LeavesRowsBehind,
    [
        ITEMS,
        step(
            "m2_seed_items",
            Do::Unprepared(&[
                "INSERT INTO items (id, label) VALUES (1, 'a')",
                "INSERT INTO items (id, label) VALUES (2, 'b')",
            ]),
            Do::Unprepared(&["DELETE FROM items WHERE id = 1"]),
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rows_left_behind_by_a_down_are_caught(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<LeavesRowsBehind>(&[backend]).await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    // Applying it again then trips over the row left behind: a second finding.
    assert_eq!(found.len(), 2, "{}", outcome.report);
    assert_eq!(found[0].migration.as_deref(), Some("m2_seed_items"));
    let message = &found[0].message;
    assert!(
        message.contains("down did not restore the data"),
        "{message}"
    );
    assert!(
        message.contains("table items: 0 row(s) expected, 1 found"),
        "{message}"
    );
    let example = match backend {
        Backend::Sqlite => "2,'b'",
        Backend::Postgres => "(2,b)",
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    };
    assert!(
        message.contains(&format!("left behind e.g. {example}")),
        "an example row: {message}"
    );
    assert!(!outcome.report.passed());
}

/// `items` with one row, which later steps change behind the schema's back.
const SEEDED_ITEMS: Step = step(
    "m1_items",
    Do::Unprepared(&[
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar NOT NULL)",
        "INSERT INTO items (id, label) VALUES (1, 'a')",
    ]),
    Do::Unprepared(&["DROP TABLE items"]),
);

const OTHER_UP: Do = Do::Unprepared(&["CREATE TABLE other (id integer NOT NULL PRIMARY KEY)"]);

migrator!(
    ChangesRowsOfAnUntouchedTable,
    [
        SEEDED_ITEMS,
        step(
            "m2_other",
            OTHER_UP,
            Do::Unprepared(&[
                "DROP TABLE other",
                "UPDATE items SET label = 'changed' WHERE id = 1",
            ]),
        ),
    ]
);

migrator!(
    ChangesRowsThroughATrigger,
    [
        SEEDED_ITEMS,
        // A trigger on the migrations table: its statements are not captured, and it
        // fires when sea-orm deletes a version row, with no statement of any migration.
        step(
            "m2_trigger",
            Do::PerBackend {
                sqlite: &["CREATE TRIGGER bump AFTER DELETE ON seaql_migrations \
                           BEGIN UPDATE items SET label = label || '!' WHERE id = 1; END"],
                postgres: &[
                    "CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN UPDATE items SET label = label || '!' WHERE id = 1; RETURN NULL; END $$",
                    "CREATE TRIGGER bump AFTER DELETE ON seaql_migrations \
                     FOR EACH ROW EXECUTE FUNCTION bump()",
                ],
            },
            Do::PerBackend {
                sqlite: &["DROP TRIGGER bump"],
                postgres: &[
                    "DROP TRIGGER bump ON seaql_migrations",
                    "DROP FUNCTION bump()"
                ],
            },
        ),
        step("m3_other", OTHER_UP, Do::Unprepared(&["DROP TABLE other"])),
    ]
);

/// The first step-reversibility finding's message, which must be `migration`'s data.
fn data_finding_of(outcome: &SuiteOutcome, migration: &str) -> String {
    let found = findings(outcome, Check::StepReversibility);
    let finding = found
        .iter()
        .find(|f| f.migration.as_deref() == Some(migration))
        .unwrap_or_else(|| panic!("no finding for {migration}: {}", outcome.report));
    assert!(
        finding
            .message
            .contains("down did not restore the data as it was before up"),
        "{}",
        finding.message
    );
    assert!(
        finding
            .message
            .contains("table items: 1 row(s) expected, 1 found"),
        "{}",
        finding.message
    );
    finding.message.clone()
}

// The walk reads again only the tables a call may have changed: these prove that a
// change to a table whose schema no step touches is still seen, however it is made.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rows_changed_in_a_table_the_step_does_not_touch_are_caught(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<ChangesRowsOfAnUntouchedTable>(&[backend]).await else {
        return;
    };
    let message = data_finding_of(&outcome, "m2_other");
    assert!(message.contains("changed"), "{message}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rows_changed_by_no_captured_statement_are_caught(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<ChangesRowsThroughATrigger>(&[backend]).await else {
        return;
    };
    // m2's own down drops the trigger before its version row goes; m3's does not.
    let message = data_finding_of(&outcome, "m3_other");
    assert!(message.contains("a!"), "{message}");
}

migrator!(
    RewritesRowsInPlace,
    [
        SEEDED_ITEMS,
        step(
            "m2_other",
            OTHER_UP,
            // The same type, so the schema is as before; the values are not.
            Do::Unprepared(&[
                "DROP TABLE other",
                "ALTER TABLE items ALTER COLUMN label TYPE varchar USING upper(label)",
            ]),
        ),
    ]
);

#[tokio::test]
async fn rows_rewritten_in_place_by_alter_table_using_are_caught() {
    let Some(outcome) = run_suite::<RewritesRowsInPlace>(&[Backend::Postgres]).await else {
        return;
    };
    let message = data_finding_of(&outcome, "m2_other");
    assert!(message.contains("(1,A)"), "{message}");
}

migrator!(
    Panics,
    [
        ITEMS,
        step(
            "m2_panics",
            Do::Unprepared(&["CREATE TABLE other (id integer NOT NULL PRIMARY KEY)"]),
            Do::Panic("sea-query cannot drop this foreign key"),
        ),
        step(
            "m3_after",
            Do::Unprepared(&["CREATE TABLE after (id integer NOT NULL PRIMARY KEY)"]),
            Do::Unprepared(&["DROP TABLE after"]),
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_panicking_migration_is_a_finding_and_the_suite_finishes(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<Panics>(&[backend]).await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert!(
        found
            .iter()
            .any(|f| f.migration.as_deref() == Some("m2_panics")
                && f.message
                    .contains("panicked: sea-query cannot drop this foreign key")),
        "{}",
        outcome.report
    );
    // The walk went on past it.
    let walked: Vec<&str> = outcome.runs[0]
        .steps
        .iter()
        .map(|s| s.migration.as_str())
        .collect();
    assert_eq!(walked, ["m1_items", "m2_panics", "m3_after"]);
    // The down-all of the round trip panics too: reported, and clean-base not run.
    assert!(
        findings(&outcome, Check::RoundTrip)
            .iter()
            .any(|f| f.message.contains("down all panicked")),
        "{}",
        outcome.report
    );
    let table = outcome.report.to_string();
    assert!(table.contains("clean-base"), "{table}");
    assert!(!outcome.report.passed());
}

// Step 3 fails; step 7's down forgets an index. Steps 4..7 do not depend on step 3.
migrator!(
    FailsInTheMiddle,
    [
        ITEMS,
        step(
            "m2_a",
            Do::Unprepared(&["CREATE TABLE a (id integer NOT NULL PRIMARY KEY)"]),
            Do::Unprepared(&["DROP TABLE a"]),
        ),
        step(
            "m3_fails",
            Do::Unprepared(&["ALTER TABLE no_such_table ADD COLUMN x integer"]),
            Do::Unprepared(&[]),
        ),
        step(
            "m4_b",
            Do::Unprepared(&["CREATE TABLE b (id integer NOT NULL PRIMARY KEY)"]),
            Do::Unprepared(&["DROP TABLE b"]),
        ),
        step(
            "m5_c",
            Do::Unprepared(&["CREATE TABLE c (id integer NOT NULL PRIMARY KEY)"]),
            Do::Unprepared(&["DROP TABLE c"]),
        ),
        step(
            "m6_d",
            Do::Unprepared(&["CREATE TABLE d (id integer NOT NULL PRIMARY KEY)"]),
            Do::Unprepared(&["DROP TABLE d"]),
        ),
        step(
            "m7_forgets_an_index",
            Do::Unprepared(&[
                "CREATE INDEX idx_d_id ON d (id)",
                "CREATE INDEX idx_c_id ON c (id)"
            ]),
            Do::Unprepared(&["DROP INDEX idx_d_id"]),
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_failure_in_the_middle_does_not_hide_a_later_defect(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<FailsInTheMiddle>(&[backend]).await else {
        return;
    };
    let report = &outcome.report;
    let found = findings(&outcome, Check::StepReversibility);
    let of = |name: &str| -> Vec<&Finding> {
        found
            .iter()
            .filter(|f| f.migration.as_deref() == Some(name))
            .collect()
    };
    assert!(
        of("m3_fails")[0].message.starts_with("up failed"),
        "{report}"
    );
    assert!(
        of("m7_forgets_an_index")[0]
            .message
            .contains("left behind index idx_c_id"),
        "{report}"
    );
    let walked: Vec<&str> = outcome.runs[0]
        .steps
        .iter()
        .map(|s| s.migration.as_str())
        .collect();
    assert_eq!(
        walked,
        [
            "m1_items",
            "m2_a",
            "m4_b",
            "m5_c",
            "m6_d",
            "m7_forgets_an_index"
        ],
        "{report}"
    );
    for clean in ["m4_b", "m5_c", "m6_d"] {
        assert!(of(clean).is_empty(), "{clean}: {report}");
    }
    assert!(outcome.runs[0].incomplete.is_some());

    // What could not run says so: up all fails at m3, so there is no clean base to check.
    assert!(
        matches!(
            report.statuses[&(Check::CleanBase, backend)],
            Status::NotRun(_)
        ),
        "{report}"
    );
    let table = report.to_string();
    let clean_base_line = table
        .lines()
        .find(|l| l.starts_with("clean-base"))
        .expect("clean-base row");
    assert!(clean_base_line.contains("not run"), "{table}");
    assert!(
        table.contains("not run clean-base on"),
        "the reason is printed: {table}"
    );
    assert!(!report.passed());
}

#[tokio::test]
async fn parity_and_snapshots_do_not_describe_a_half_migrated_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(outcome) = run(Suite::<FailsInTheMiddle>::new().snapshots(dir.path())).await else {
        return;
    };
    let report = &outcome.report;
    for backend in Backend::ALL {
        for check in [Check::Parity, Check::Snapshots] {
            assert!(
                matches!(report.statuses[&(check, backend)], Status::NotRun(_)),
                "{check} on {backend}:\n{report}"
            );
        }
    }
    assert!(findings(&outcome, Check::Parity).is_empty());
    assert!(findings(&outcome, Check::Snapshots).is_empty());
}

migrator!(
    SplitsLabels,
    [
        ITEMS,
        step(
            "m2_split_label",
            Do::Unprepared(&[
                "ALTER TABLE items ADD COLUMN prefix varchar NULL",
                "UPDATE items SET prefix = substr(label, 1, 1)",
            ]),
            Do::Unprepared(&["ALTER TABLE items DROP COLUMN prefix"]),
        ),
    ]
);

/// A failed `assert!` in a user's closure.
fn explode() {
    panic!("an assert in a closure")
}

fn cases() -> [DataCase; 2] {
    [
        DataCase::new("prefixes are filled", "m2_split_label")
            .seed_sql([
                "INSERT INTO items (id, label) VALUES (1, 'apple')",
                "INSERT INTO items (id, label) VALUES (2, 'pear')",
            ])
            .after_up_sql(
                "SELECT id, prefix FROM items ORDER BY id",
                [["1", "a"], ["2", "p"]],
            )
            .after_down_sql("SELECT count(*) FROM items", [[2]])
            .after_up(|db| {
                Box::pin(async move {
                    let backend = db.get_database_backend();
                    let sql = "SELECT count(*) AS n FROM items WHERE prefix IS NULL";
                    let row = db
                        .query_one_raw(Statement::from_string(backend, sql))
                        .await?
                        .ok_or("no row")?;
                    let missing: i64 = row.try_get("", "n")?;
                    if missing == 0 {
                        Ok(())
                    } else {
                        Err(format!("{missing} prefixes missing").into())
                    }
                })
            }),
        DataCase::new("wrong expectations", "m2_split_label")
            .seed_sql(["INSERT INTO items (id, label) VALUES (1, 'apple')"])
            .after_up_sql("SELECT prefix FROM items", [["x"]])
            .after_down(|_db| Box::pin(async { Err("always fails".into()) }))
            .after_down(|_db| {
                Box::pin(async {
                    explode();
                    Ok(())
                })
            }),
    ]
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn data_cases_pass_and_fail_as_asserted(#[case] backend: Backend) {
    let [good, bad] = cases();
    let Some(outcome) = run(Suite::<SplitsLabels>::new()
        .backends(&[backend])
        .data_case(good.clone()))
    .await
    else {
        return;
    };
    assert!(outcome.report.passed(), "{}", outcome.report);
    assert_eq!(
        outcome.report.statuses[&(Check::DataCases, backend)],
        Status::Pass
    );

    let Some(outcome) = run(Suite::<SplitsLabels>::new()
        .backends(&[backend])
        .data_cases([good, bad]))
    .await
    else {
        return;
    };
    let found = findings(&outcome, Check::DataCases);
    let messages: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 3, "{messages:#?}");
    assert!(
        found
            .iter()
            .all(|f| f.migration.as_deref() == Some("m2_split_label")),
        "{messages:#?}"
    );
    assert!(
        messages[0].contains("case `wrong expectations`: after up: `SELECT prefix FROM items` returned [[\"a\"]], expected [[\"x\"]]"),
        "{messages:#?}"
    );
    assert!(
        messages[1].contains("case `wrong expectations`: after down: always fails"),
        "{messages:#?}"
    );
    assert!(
        messages[2]
            .contains("case `wrong expectations`: after down: panicked: an assert in a closure"),
        "{messages:#?}"
    );
    assert_eq!(
        outcome.report.statuses[&(Check::DataCases, backend)],
        Status::Fail(3)
    );
    assert!(outcome.report.to_string().contains("data-cases"));
}

#[tokio::test]
async fn a_data_case_for_an_unknown_migration_says_which_names_exist() {
    let case = DataCase::new("typo", "m2_split_lable");
    let Some(outcome) = run(Suite::<SplitsLabels>::new()
        .backends(&[Backend::Sqlite])
        .data_case(case))
    .await
    else {
        return;
    };
    let found = findings(&outcome, Check::DataCases);
    assert_eq!(found.len(), 1, "{}", outcome.report);
    assert!(
        found[0]
            .message
            .contains("no migration named m2_split_lable; the names are: m1_items, m2_split_label"),
        "{}",
        found[0]
    );
}

migrator!(
    PostgresOnly,
    [
        // sea-orm-migration's default: no transaction on SQLite, which the lint would
        // flag, were this backend not out of the question.
        Step {
            transaction: None,
            ..step(
                "m1_mood",
                Do::Unprepared(&["CREATE TYPE mood AS ENUM ('ok', 'sad')"]),
                Do::Unprepared(&["DROP TYPE mood"]),
            )
        },
        step(
            "m2_people",
            Do::Unprepared(&["CREATE TABLE people (id integer PRIMARY KEY, mood mood)"]),
            Do::Unprepared(&["DROP TABLE people"]),
        ),
        step(
            "m3_wider_id",
            Do::Unprepared(&["ALTER TABLE people ALTER COLUMN id TYPE bigint"]),
            Do::Unprepared(&["ALTER TABLE people ALTER COLUMN id TYPE integer"]),
        ),
    ]
);

#[tokio::test]
async fn a_migrator_written_for_postgres_gets_one_finding_on_sqlite() {
    let Some(outcome) = run_suite::<PostgresOnly>(&[Backend::Sqlite]).await else {
        return;
    };
    let report = &outcome.report;
    assert_eq!(report.findings.len(), 1, "{report}");
    let finding = &report.findings[0];
    assert_eq!(finding.check, Check::StepReversibility, "{report}");
    assert_eq!(finding.migration.as_deref(), Some("m1_mood"), "{report}");
    for said in [
        "up failed: near \"TYPE\": syntax error",
        "the migrator looks written for postgres only",
        "`Suite::backends(&[Backend::Postgres])`",
        "`verify --backend postgres`",
    ] {
        assert!(finding.message.contains(said), "{said}: {report}");
    }
    assert!(!finding.message.contains("possibly because"), "{report}");
    // Nothing else ran, and nothing passes.
    assert!(outcome.runs[0].steps.is_empty(), "{report}");
    for check in [Check::RoundTrip, Check::CleanBase, Check::Lint] {
        assert!(
            matches!(
                report.statuses[&(check, Backend::Sqlite)],
                Status::NotRun(_)
            ),
            "{check}: {report}"
        );
    }
}

migrator!(
    ParsesNowhere,
    [step(
        "m1_typo",
        Do::Unprepared(&["CREATE TABLE typo (id integer,, note text)"]),
        Do::Unprepared(&["DROP TABLE typo"]),
    )]
);

#[tokio::test]
async fn a_first_migration_that_parses_nowhere_is_not_said_to_be_for_another_backend() {
    let Some(outcome) = run_suite::<ParsesNowhere>(&Backend::ALL).await else {
        return;
    };
    let report = &outcome.report;
    assert_eq!(report.findings.len(), 2, "{report}");
    for finding in &report.findings {
        assert!(
            finding
                .message
                .contains("The first migration does not parse on any backend either."),
            "{report}"
        );
        assert!(!finding.message.contains("looks written for"), "{report}");
    }
}

migrator!(
    FailsThenMissesItsTable,
    [
        ITEMS,
        step(
            "m2_duplicate_key",
            Do::Unprepared(&[
                "CREATE TABLE b (id integer NOT NULL PRIMARY KEY)",
                "INSERT INTO b (id) VALUES (1)",
                "INSERT INTO b (id) VALUES (1)",
            ]),
            Do::Unprepared(&["DROP TABLE b"]),
        ),
        step(
            "m3_index_b",
            Do::Unprepared(&["CREATE INDEX idx_b_id ON b (id)"]),
            Do::Unprepared(&["DROP INDEX idx_b_id"]),
        ),
        step(
            "m4_typo",
            Do::Unprepared(&["CREATE TABLE c (id integer,, note text)"]),
            Do::Unprepared(&["DROP TABLE c"]),
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn only_a_missing_object_is_said_to_possibly_follow_an_earlier_failure(
    #[case] backend: Backend,
) {
    let Some(outcome) = run_suite::<FailsThenMissesItsTable>(&[backend]).await else {
        return;
    };
    let report = &outcome.report;
    let found = findings(&outcome, Check::StepReversibility);
    let of = |name: &str| -> &Finding {
        found
            .iter()
            .find(|f| f.migration.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no finding for {name}: {report}"))
    };
    let hint = "(possibly because m2_duplicate_key failed before it)";
    assert!(
        !of("m2_duplicate_key").message.contains("possibly"),
        "{report}"
    );
    assert!(of("m3_index_b").message.contains(hint), "{report}");
    let typo = &of("m4_typo").message;
    assert!(typo.contains("syntax error"), "{report}");
    assert!(!typo.contains("possibly"), "{report}");
}

/// One string of statements through `execute_unprepared`, as migrations ported from
/// SQL files do: comments, a `;` inside a literal, and a block whose body holds `;`
/// (PostgreSQL's `DO`, SQLite's trigger).
const BATCH_POSTGRES: &str = "-- tidy the label index
CREATE INDEX IF NOT EXISTS idx_items_label_new ON items (label);
DROP INDEX IF EXISTS idx_items_label;
UPDATE items SET label = 'a;b' WHERE label = 'x';
DO $$
BEGIN
  UPDATE items SET label = 'c' WHERE id = 1;
  RAISE NOTICE 'done; really';
END
$$;
/* trailing comment; with a semicolon */";

const BATCH_SQLITE: &str = "-- tidy the label index
CREATE INDEX IF NOT EXISTS idx_items_label_new ON items (label);
DROP INDEX IF EXISTS idx_items_label;
UPDATE items SET label = 'a;b' WHERE label = 'x';
CREATE TRIGGER trg_items AFTER UPDATE ON items
BEGIN
  UPDATE items SET label = 'c;' WHERE id = NEW.id AND label <> 'c;';
  SELECT CASE WHEN NEW.id < 0 THEN RAISE(ABORT, 'no; never') END;
END;
/* trailing comment; with a semicolon */";

migrator!(
    Batches,
    [
        step(
            "m1_items",
            Do::Unprepared(&[
                "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, label varchar NOT NULL); \
                 CREATE INDEX idx_items_label ON items (label)"
            ]),
            Do::Unprepared(&["DROP TABLE items"]),
        ),
        step(
            "m2_batch",
            Do::PerBackend {
                sqlite: &[BATCH_SQLITE],
                postgres: &[BATCH_POSTGRES],
            },
            Do::PerBackend {
                sqlite: &["DROP TRIGGER trg_items; DROP INDEX idx_items_label_new;\n\
                           CREATE INDEX idx_items_label ON items (label);"],
                postgres: &["DROP INDEX idx_items_label_new;\n\
                             CREATE INDEX idx_items_label ON items (label);"],
            },
        ),
    ]
);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_batch_of_statements_is_split_for_the_lint_the_snapshots_and_the_findings(
    #[case] backend: Backend,
) {
    let Some(outcome) = run_suite::<Batches>(&[backend]).await else {
        return;
    };
    let report = &outcome.report;
    let block = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER trg_items AFTER UPDATE ON items\nBEGIN\n  \
             UPDATE items SET label = 'c;' WHERE id = NEW.id AND label <> 'c;';\n  \
             SELECT CASE WHEN NEW.id < 0 THEN RAISE(ABORT, 'no; never') END;\nEND"
        }
        Backend::Postgres => {
            "DO $$\nBEGIN\n  UPDATE items SET label = 'c' WHERE id = 1;\n  \
             RAISE NOTICE 'done; really';\nEND\n$$"
        }
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    };
    let statements = [
        "CREATE INDEX IF NOT EXISTS idx_items_label_new ON items (label)",
        "DROP INDEX IF EXISTS idx_items_label",
        "UPDATE items SET label = 'a;b' WHERE label = 'x'",
        block,
    ];
    let step = &outcome.runs[0].steps[1];
    assert_eq!(step.up_sql(), statements, "{report}");
    assert_eq!(
        step.down_sql().len(),
        3 - (backend == Backend::Postgres) as usize
    );
    // The snapshot lists them one by one.
    let (_, text) = outcome.runs[0]
        .snapshots()
        .into_iter()
        .find(|(n, _)| n == "m2_batch")
        .expect("snapshot");
    let up = format!("-- up\n{};\n", statements.join(";\n"));
    assert!(text.starts_with(&up), "{text}");

    // The IF EXISTS lint reads every statement, and each finding quotes only its own.
    let lint = findings(&outcome, Check::Lint);
    let quoted = |rule: &str, cause: &str| -> Vec<String> {
        let finding = lint
            .iter()
            .find(|f| f.rule.as_deref() == Some(rule) && f.message.starts_with(cause))
            .unwrap_or_else(|| panic!("no {rule} finding `{cause}`:\n{report}"));
        assert_eq!(finding.migration.as_deref(), Some("m2_batch"), "{finding}");
        finding.message.lines().skip(1).map(str::to_owned).collect()
    };
    assert_eq!(
        quoted("if-exists", "up uses IF NOT EXISTS on an index"),
        [format!("  {}", statements[0])]
    );
    assert_eq!(
        quoted("if-exists", "up uses IF EXISTS on an index"),
        [format!("  {}", statements[1])]
    );
    if backend == Backend::Postgres {
        let creation = quoted("require-concurrent-index-creation", "");
        assert_eq!(creation, [format!("  {}", statements[0])]);
        let deletion = quoted("require-concurrent-index-deletion", "");
        assert_eq!(deletion, [format!("  {}", statements[1])]);
    }
    for finding in &lint {
        let own = statements
            .iter()
            .filter(|s| finding.message.contains(*s))
            .count();
        assert!(own <= 1, "quotes more than its own statement: {finding}");
    }
    assert!(
        findings(&outcome, Check::StepReversibility).is_empty(),
        "{report}"
    );
}
