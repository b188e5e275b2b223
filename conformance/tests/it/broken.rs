//! The harness tested on migrators that are broken on purpose: each defect must be
//! caught, by the right check, naming the right migration and object. A harness that
//! has never failed proves nothing.

use conformance::{AllowList, Check};
use conformance::{Backend, SnapshotMode, Suite, SuiteOutcome};
use rstest::rstest;
use sea_orm_migration::prelude::*;

use crate::common::{self, Sql, findings};

/// Raw SQL in a transaction on both backends (these tests' migrations ask for one).
const fn sql(
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
) -> Sql {
    Sql {
        transaction: Some(true),
        ..common::sql(name, up, down)
    }
}

const CREATE_ITEMS: Sql = Sql {
    transaction: Some(true),
    ..common::CREATE_ITEMS
};

migrator!(
    Sound,
    [
        CREATE_ITEMS,
        sql(
            "m2_item_indexes",
            &[
                "CREATE INDEX idx_items_label ON items (label)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &[
                "DROP INDEX idx_items_id_label",
                "DROP INDEX idx_items_label"
            ],
        )
        .on_mysql(
            &[
                "CREATE INDEX idx_items_label ON items (label)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &[
                "DROP INDEX idx_items_id_label ON items",
                "DROP INDEX idx_items_label ON items"
            ],
        ),
    ]
);

migrator!(
    ForgetsAnIndex,
    [
        CREATE_ITEMS,
        sql(
            "m2_item_indexes",
            &[
                "CREATE INDEX idx_items_label ON items (label)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &["DROP INDEX idx_items_label"],
        )
        .on_mysql(
            &[
                "CREATE INDEX idx_items_label ON items (label)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &["DROP INDEX idx_items_label ON items"],
        ),
    ]
);

// Rebuilds the table (SQLite's way to change a default); the down rebuilds it without
// the default the column had before.
migrator!(
    DropsADefault,
    [
        CREATE_ITEMS,
        sql(
            "m2_label_default",
            &[
                "DROP TABLE items",
                "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL DEFAULT 'y')",
            ],
            &[
                "DROP TABLE items",
                "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL)"
            ],
        )
        .on_mysql(
            &[
                "DROP TABLE items",
                "CREATE TABLE items (id varchar(64) NOT NULL PRIMARY KEY, label varchar(64) NOT NULL DEFAULT 'y')",
            ],
            &[
                "DROP TABLE items",
                "CREATE TABLE items (id varchar(64) NOT NULL PRIMARY KEY, label varchar(64) NOT NULL)"
            ],
        ),
    ]
);

migrator!(
    DiffersByBackend,
    [
        CREATE_ITEMS,
        Sql {
            name: "m2_payload",
            up: &["ALTER TABLE items ADD COLUMN payload text NULL"],
            down: &["ALTER TABLE items DROP COLUMN payload"],
            postgres_up: Some(&["ALTER TABLE items ADD COLUMN payload jsonb NULL"]),
            mysql: None,
            transaction: Some(true),
        },
    ]
);

migrator!(
    ChangedUp,
    [
        CREATE_ITEMS,
        sql(
            "m2_item_indexes",
            &[
                "CREATE INDEX idx_items_label ON items (label DESC)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &[
                "DROP INDEX idx_items_id_label",
                "DROP INDEX idx_items_label"
            ],
        )
        .on_mysql(
            &[
                "CREATE INDEX idx_items_label ON items (label DESC)",
                "CREATE INDEX idx_items_id_label ON items (id, label)"
            ],
            &[
                "DROP INDEX idx_items_id_label ON items",
                "DROP INDEX idx_items_label ON items"
            ],
        ),
    ]
);

migrator!(
    Sloppy,
    [
        Sql {
            name: "m1_items",
            up: &["CREATE TABLE IF NOT EXISTS items (id varchar NOT NULL PRIMARY KEY)"],
            down: &["DROP TABLE IF EXISTS items"],
            postgres_up: None,
            mysql: None,
            transaction: None,
        },
        sql(
            "m2_audit",
            &["CREATE TABLE audit (id varchar NOT NULL PRIMARY KEY)"],
            &[]
        ),
    ]
);

migrator!(
    FailingDown,
    [
        CREATE_ITEMS,
        sql(
            "m2_extra",
            &["CREATE TABLE extra (id varchar NOT NULL PRIMARY KEY)"],
            &["DROP TABLE no_such_table"]
        ),
    ]
);

// Reserved words (`user`, `group`), mixed case (`Order`) and a column whose name needs
// quotes (`Display Name`): the same tables on both backends, whatever the quoting.
migrator!(
    OddNames,
    [
        sql(
            "m1_odd_names",
            &[
                "CREATE TABLE \"user\" (id integer NOT NULL PRIMARY KEY, \"Display Name\" varchar NOT NULL DEFAULT 'x')",
                "CREATE TABLE \"group\" (id integer NOT NULL PRIMARY KEY, \"user\" integer NOT NULL REFERENCES \"user\" (id) ON DELETE CASCADE)",
                "CREATE TABLE \"Order\" (id integer NOT NULL PRIMARY KEY, \"group\" integer NULL REFERENCES \"group\" (id), \"Display Name\" varchar NULL)",
                "CREATE INDEX \"idx_Order_Display Name\" ON \"Order\" (\"Display Name\")",
                "CREATE UNIQUE INDEX idx_user_display ON \"user\" (\"Display Name\", id)",
                "INSERT INTO \"user\" (id, \"Display Name\") VALUES (1, 'a')",
            ],
            &[
                "DROP INDEX idx_user_display",
                "DROP INDEX \"idx_Order_Display Name\"",
                "DROP TABLE \"Order\"",
                "DROP TABLE \"group\"",
                "DROP TABLE \"user\"",
            ],
        ),
        sql(
            "m2_order_column",
            &[
                "ALTER TABLE \"user\" ADD COLUMN \"Order\" integer NULL",
                "UPDATE \"user\" SET \"Order\" = 2",
            ],
            &["ALTER TABLE \"user\" DROP COLUMN \"Order\""],
        ),
    ]
);

async fn run_suite<M: MigratorTrait>(
    backends: &[Backend],
    allow: AllowList,
) -> Option<SuiteOutcome> {
    common::outcome(Suite::<M>::new().backends(backends).allow_list(allow)).await
}

/// `m2_item_indexes` indexes `items` without `CONCURRENTLY`: a lock hazard on a live
/// table, accepted for these tests' empty one; and in two DDL statements, not atomic on
/// MySQL, accepted too.
fn indexes_on_empty_items() -> AllowList {
    AllowList::parse(
        "lint m2_item_indexes require-concurrent-index-creation  # items is empty here\n\
         lint m2_item_indexes mysql-not-atomic  # two indexes on an empty table",
        "test",
    )
    .expect("opt-out")
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test]
async fn a_sound_migrator_passes(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<Sound>(&[backend], indexes_on_empty_items()).await else {
        return;
    };
    assert!(outcome.report.passed(), "{}", outcome.report);
    assert_eq!(outcome.runs[0].steps.len(), 2);
}

#[tokio::test]
async fn reserved_words_mixed_case_and_quoted_names_are_the_same_names_on_both_backends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let suite = |mode| {
        Suite::<OddNames>::new()
            .backends(&Backend::ALL)
            .snapshots(dir.path())
            .snapshot_mode(mode)
    };
    let Some(accepted) = common::outcome(suite(SnapshotMode::Accept)).await else {
        return;
    };
    let report = &accepted.report;
    assert!(report.passed(), "{report}");
    for run in &accepted.runs {
        let tables: Vec<&str> = run
            .final_logical
            .tables
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(tables, ["Order", "group", "user"], "{}", run.backend);
        let order = &run.final_logical.tables["Order"];
        assert_eq!(
            order.indexes["idx_Order_Display Name"].columns,
            ["Display Name"],
            "{}",
            run.backend
        );
        let fk = order.foreign_keys.iter().next().expect("a foreign key");
        assert_eq!(
            (fk.ref_table.as_str(), &fk.columns[..]),
            ("group", &["group".to_owned()][..])
        );
    }
    // The step walk saw m2's column and its data come and go under their own names.
    let postgres = accepted
        .runs
        .iter()
        .find(|r| r.backend == Backend::Postgres);
    let dump = postgres.expect("postgres ran").final_dump.to_string();
    assert!(
        dump.contains("CREATE TABLE \"user\" ("),
        "quoted in SQL:\n{dump}"
    );
    assert!(
        dump.contains("\"Display Name\" character varying"),
        "{dump}"
    );
    let keys: Vec<String> = postgres
        .expect("postgres ran")
        .final_dump
        .object_keys()
        .map(ToString::to_string)
        .collect();
    assert!(keys.contains(&"table user".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"index idx_Order_Display Name".to_owned()),
        "{keys:?}"
    );
    let compared = suite(SnapshotMode::Compare).run().await.expect("suite");
    assert!(compared.report.passed(), "{}", compared.report);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test]
async fn a_down_that_forgets_an_index_is_caught(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<ForgetsAnIndex>(&[backend], AllowList::default()).await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert_eq!(found[0].migration.as_deref(), Some("m2_item_indexes"));
    assert_eq!(found[0].backend, Some(backend));
    // MySQL's indexes are part of their table's `SHOW CREATE TABLE`: the table's diff
    // shows the index line, not a column named `KEY`.
    let left_behind = match backend {
        Backend::MySql => "+   KEY `idx_items_id_label` (`id`,`label`)",
        _ => "left behind index idx_items_id_label",
    };
    assert!(found[0].message.contains(left_behind), "{}", found[0]);
    assert!(!found[0].message.contains("column"), "{}", found[0]);
    // Applying it again then trips over the leftover, and the walk stops there.
    assert_eq!(found.len(), 2, "{}", outcome.report);
    assert!(
        found[1].message.contains("when applied again after down"),
        "{}",
        found[1]
    );
    // Down all drops the table, and the index with it: the base is clean, which is why
    // the step walk is needed to see this defect at all.
    assert_eq!(findings(&outcome, Check::CleanBase), vec![]);
    assert!(!outcome.report.passed());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test]
async fn a_down_that_drops_a_default_is_caught(#[case] backend: Backend) {
    let Some(outcome) = run_suite::<DropsADefault>(&[backend], AllowList::default()).await else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    assert_eq!(found.len(), 1, "{}", outcome.report);
    assert_eq!(found[0].migration.as_deref(), Some("m2_label_default"));
    assert!(
        found[0].message.contains("changed table items"),
        "{}",
        found[0]
    );
    assert!(
        found[0].message.contains("DEFAULT 'x'"),
        "the lost default is shown: {}",
        found[0]
    );
}

#[tokio::test]
async fn a_backend_specific_up_is_caught_unless_allow_listed() {
    let both = [Backend::Sqlite, Backend::Postgres];
    let Some(outcome) = run_suite::<DiffersByBackend>(&both, AllowList::default()).await else {
        return;
    };
    let found = findings(&outcome, Check::Parity);
    assert_eq!(found.len(), 1, "{}", outcome.report);
    assert!(
        found[0]
            .message
            .starts_with("items.payload kind: sqlite has text, postgres has jsonb"),
        "{}",
        found[0]
    );
    assert_eq!(findings(&outcome, Check::StepReversibility), vec![]);

    let allow = AllowList::parse("items.payload kind  # JSON is text on SQLite\n", "test")
        .expect("allow-list");
    let Some(outcome) = run_suite::<DiffersByBackend>(&both, allow).await else {
        return;
    };
    assert!(outcome.report.passed(), "{}", outcome.report);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test]
async fn an_up_changed_without_its_snapshot_is_caught(#[case] backend: Backend) {
    let Some(reviewed) = run_suite::<Sound>(&[backend], indexes_on_empty_items()).await else {
        return;
    };
    // The reviewed snapshots, written by an accepting run (the ER diagram included).
    let dir = tempfile::tempdir().expect("tempdir");
    let accepted = Suite::<Sound>::new()
        .backends(&[backend])
        .allow_list(indexes_on_empty_items())
        .snapshots(dir.path())
        .snapshot_mode(SnapshotMode::Accept)
        .run()
        .await
        .expect("suite");
    assert!(accepted.report.passed(), "{}", accepted.report);
    assert_eq!(accepted.runs[0].steps, reviewed.runs[0].steps);

    // `verify` compares the files itself: the reviewed migrator passes, the changed one not.
    let same = Suite::<Sound>::new()
        .backends(&[backend])
        .allow_list(indexes_on_empty_items())
        .snapshots(dir.path())
        .snapshot_mode(SnapshotMode::Compare)
        .run()
        .await
        .expect("suite");
    assert!(same.report.passed(), "{}", same.report);
    let changed = Suite::<ChangedUp>::new()
        .backends(&[backend])
        .snapshots(dir.path())
        .snapshot_mode(SnapshotMode::Compare)
        .run()
        .await
        .expect("suite");
    let found = findings(&changed, Check::Snapshots);
    let names: Vec<Option<&str>> = found.iter().map(|f| f.migration.as_deref()).collect();
    assert_eq!(names, [None, Some("m2_item_indexes")], "{}", changed.report);
    assert!(
        found[1].message.contains("DESC"),
        "the diff shows the change: {}",
        found[1]
    );

    // The tests assert them with insta, which fails on the same change (unless told to
    // accept everything, as `make snapshots` does).
    if std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always")
        || std::env::var_os("INSTA_FORCE_PASS").is_some()
    {
        eprintln!(
            "conformance: insta is accepting snapshots in this run; its failure path is not exercised"
        );
        return;
    }
    reviewed.runs[0].assert_snapshots(dir.path());
    let caught = std::panic::catch_unwind(|| changed.runs[0].assert_snapshots(dir.path()));
    assert!(
        caught.is_err(),
        "insta accepted a changed up without review"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn lint_flags_if_exists_noop_and_failing_downs_and_missing_transactions(
    #[case] backend: Backend,
) {
    let Some(outcome) = run_suite::<Sloppy>(&[backend], AllowList::default()).await else {
        return;
    };
    let lint: Vec<String> = findings(&outcome, Check::Lint)
        .iter()
        .map(ToString::to_string)
        .collect();
    let has = |needle: &str| lint.iter().any(|f| f.contains(needle));
    assert!(
        has("m1_items: up uses IF NOT EXISTS on a table"),
        "{lint:#?}"
    );
    assert!(has("m1_items: down uses IF EXISTS on a table"), "{lint:#?}");
    assert!(has("m2_audit: down is a no-op"), "{lint:#?}");
    // sea-orm-migration runs PostgreSQL migrations in a transaction by default, not SQLite's.
    assert_eq!(
        has("m1_items: does not run in a transaction"),
        backend == Backend::Sqlite,
        "{lint:#?}"
    );
    assert!(!outcome.report.passed());

    let Some(outcome) = run_suite::<FailingDown>(&[backend], AllowList::default()).await else {
        return;
    };
    let lint = findings(&outcome, Check::Lint);
    assert_eq!(lint.len(), 1, "{}", outcome.report);
    assert_eq!(lint[0].migration.as_deref(), Some("m2_extra"));
    assert!(lint[0].message.starts_with("down failed"), "{}", lint[0]);
    assert!(lint[0].message.contains("no_such_table"), "{}", lint[0]);
}

migrator!(
    RefusedByTheDatabase,
    [
        CREATE_ITEMS,
        sql(
            "m2_syntax_error",
            &["CREATE TABLE broken (id integer NOT NULL PRIMARY KEY,, note text)"],
            &["DROP TABLE broken"]
        ),
        sql(
            "m3_duplicate_key",
            &[
                "INSERT INTO items (id, label) VALUES ('a', 'x')",
                "INSERT INTO items (id, label) VALUES ('a', 'y')"
            ],
            &["DELETE FROM items"]
        ),
    ]
);

/// Whether `text` quotes a server's own source location: `at line 1164`, `scan.l`,
/// `parse_expr.c`.
fn quotes_server_source(text: &str) -> bool {
    let at_line = text.match_indices("line ").any(|(at, _)| {
        text[at + 5..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    let source_file = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .any(|word| word.ends_with(".c") || word.ends_with(".l") || word.ends_with(".y"));
    at_line || source_file
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn database_errors_show_their_code_and_message_not_the_servers_source(
    #[case] backend: Backend,
) {
    let Some(outcome) = run_suite::<RefusedByTheDatabase>(&[backend], AllowList::default()).await
    else {
        return;
    };
    let found = findings(&outcome, Check::StepReversibility);
    let of = |name: &str| -> String {
        found
            .iter()
            .find(|f| f.migration.as_deref() == Some(name))
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no finding for {name}: {}", outcome.report))
    };
    let (syntax, duplicate) = (of("m2_syntax_error"), of("m3_duplicate_key"));
    for message in [&syntax, &duplicate] {
        assert!(!quotes_server_source(message), "{message}");
        assert!(!message.contains("Execution Error"), "{message}");
        // Neither failure can follow from the other.
        assert!(!message.contains("possibly because"), "{message}");
    }
    assert!(syntax.starts_with("up failed: "), "{syntax}");
    assert!(syntax.contains("syntax error"), "{syntax}");
    match backend {
        Backend::Postgres => {
            assert!(
                syntax.contains("(SQLSTATE 42601, at character 54 of the statement)"),
                "{syntax}"
            );
            assert!(
                duplicate.contains("duplicate key value violates unique constraint"),
                "{duplicate}"
            );
            assert!(duplicate.contains("SQLSTATE 23505"), "{duplicate}");
            assert!(
                duplicate.contains("detail: Key (id)=(a) already exists."),
                "{duplicate}"
            );
        }
        Backend::Sqlite => {
            assert!(syntax.contains("(SQLite result code 1)"), "{syntax}");
            assert!(
                duplicate.contains("UNIQUE constraint failed: items.id"),
                "{duplicate}"
            );
            // SQLITE_CONSTRAINT_PRIMARYKEY
            assert!(
                duplicate.contains("(SQLite result code 1555)"),
                "{duplicate}"
            );
        }
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    }
}
