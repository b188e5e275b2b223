//! `drift` and `baseline` on real databases: changes made by hand are found and named,
//! a clean database has none, the allow-list accepts what it names, nothing is written
//! to the live database, and `baseline` records versions only over an equal schema.

use crate::common::{Sql, run};
use conformance::AllowList;
use conformance::ops::{BaselineOptions, BaselineOutcome, DriftOptions, baseline, drift};
use conformance::{Backend, HarnessError, TestDatabase, fresh_database};
use rstest::rstest;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};

const ITEMS: Sql = Sql {
    name: "m1_items",
    up: &[
        "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar(20) NOT NULL DEFAULT 'x')",
        "CREATE INDEX idx_items_label ON items (label)",
    ],
    down: &["DROP TABLE items"],
    postgres_up: Some(&[
        "CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar(20) NOT NULL DEFAULT 'x')",
        "CREATE INDEX idx_items_label ON items (label)",
        "ALTER TABLE items ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY p_items ON items USING (label <> '')",
    ]),
    mysql: None,
    transaction: Some(true),
};
const NOTES: Sql = Sql {
    name: "m2_notes",
    up: &["CREATE TABLE notes (id varchar NOT NULL PRIMARY KEY, body text)"],
    down: &["DROP TABLE notes"],
    postgres_up: None,
    mysql: None,
    transaction: Some(true),
};
const TAGS: Sql = Sql {
    name: "m3_tags",
    up: &["CREATE TABLE tags (id varchar NOT NULL PRIMARY KEY)"],
    down: &["DROP TABLE tags"],
    postgres_up: None,
    mysql: None,
    transaction: Some(true),
};

migrator!(Shop, [ITEMS, NOTES, TAGS]);

/// A database with the first `applied` migrations applied by sea-orm-migration.
async fn migrated(backend: Backend, applied: u32) -> Option<TestDatabase> {
    let db = fresh_database(backend).await?;
    Shop::up(&db.conn, Some(applied)).await.expect("up");
    Some(db)
}

/// `items.label` widened from varchar(20) to varchar(50) by hand (SQLite: a rebuild).
async fn widen_label(db: &TestDatabase) {
    let statements: &[&str] = match db.backend {
        Backend::Postgres => &["ALTER TABLE items ALTER COLUMN label TYPE varchar(50)"],
        Backend::Sqlite => &[
            "CREATE TABLE items_new (id varchar NOT NULL PRIMARY KEY, label varchar(50) NOT NULL DEFAULT 'x')",
            "INSERT INTO items_new SELECT id, label FROM items",
            "DROP TABLE items",
            "ALTER TABLE items_new RENAME TO items",
            "CREATE INDEX idx_items_label ON items (label)",
        ],
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    };
    run(&db.conn, statements).await.expect("widen");
}

fn objects(report: &conformance::ops::DriftReport) -> Vec<String> {
    report
        .comparison
        .differences
        .iter()
        .map(|c| c.object().to_string())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn hand_made_changes_are_found_and_named(#[case] backend: Backend) {
    let Some(db) = migrated(backend, 3).await else {
        return;
    };
    if backend == Backend::Postgres {
        // Before the widening: PostgreSQL refuses to retype a column a policy uses.
        run(&db.conn, &["DROP POLICY p_items ON items"])
            .await
            .expect("policy");
    }
    widen_label(&db).await;
    run(&db.conn, &["CREATE INDEX idx_hotfix ON items (id, label)"])
        .await
        .expect("index");
    let report = drift::<Shop>(&db.url, &DriftOptions::default())
        .await
        .expect("drift");
    assert!(report.has_drift());
    let text = report.to_string();
    let found = objects(&report);
    assert!(found.contains(&"index idx_hotfix".to_owned()), "{text}");
    assert!(found.contains(&"table items".to_owned()), "{text}");
    assert!(text.contains("extra index idx_hotfix"), "{text}");
    assert!(text.contains("changed column type items.label"), "{text}");
    assert!(
        text.contains("varchar(50)") || text.contains("(50)"),
        "{text}"
    );
    if backend == Backend::Postgres {
        assert!(found.contains(&"policy items.p_items".to_owned()), "{text}");
        assert!(text.contains("missing policy items.p_items"), "{text}");
    }
    assert!(text.contains("drift: FOUND"), "{text}");
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn exactly_the_applied_migrations_are_expected(#[case] backend: Backend) {
    let Some(db) = migrated(backend, 2).await else {
        return;
    };
    let report = drift::<Shop>(&db.url, &DriftOptions::default())
        .await
        .expect("drift");
    assert!(!report.has_drift(), "{report}");
    assert_eq!(report.applied, ["m1_items", "m2_notes"]);
    assert!(report.to_string().contains("drift: none"), "{report}");
    // A version this migrator does not know: nothing to build the expected schema from.
    insert_version(&db, "m9_from_the_future").await;
    let error = drift::<Shop>(&db.url, &DriftOptions::default())
        .await
        .expect_err("an unknown version");
    assert!(
        matches!(&error, HarnessError::UnknownAppliedVersions { versions } if versions == &["m9_from_the_future"]),
        "{error}"
    );
    db.close().await.expect("close");
}

async fn insert_version(db: &TestDatabase, version: &str) {
    let backend = db.conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "INSERT INTO seaql_migrations (version, applied_at) VALUES ($1, 0)",
        _ => "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, 0)",
    };
    db.conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [version.into()],
        ))
        .await
        .expect("insert a version");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_allow_list_accepts_what_it_names_and_reports_stale_lines(#[case] backend: Backend) {
    let Some(db) = migrated(backend, 3).await else {
        return;
    };
    run(&db.conn, &["CREATE INDEX idx_hotfix ON items (id, label)"])
        .await
        .expect("index");
    let list = AllowList::parse(
        "drift index idx_hotfix  # added by hand during incident 42, kept\n\
         drift index idx_gone  # dropped since\n",
        "allow.txt",
    )
    .expect("allow-list");
    let report = drift::<Shop>(&db.url, &DriftOptions::default().allow_list(list))
        .await
        .expect("drift");
    assert!(!report.has_drift(), "{report}");
    let text = report.to_string();
    assert!(
        text.contains(
            "accepted extra index idx_hotfix (allow-list line 1: added by hand during incident 42, kept)"
        ),
        "{text}"
    );
    assert!(
        text.contains("note: allow-list line 2 (`drift index idx_gone`) matches no difference"),
        "{text}"
    );
    db.close().await.expect("close");
}

/// A read-only role: `SELECT` on the migrations table only, and
/// `default_transaction_read_only = on`. Drift works as it, and the password it is given
/// appears nowhere in what drift says.
#[tokio::test]
async fn drift_writes_nothing_on_postgres_as_a_read_only_role() {
    let Some(db) = migrated(Backend::Postgres, 3).await else {
        return;
    };
    run(&db.conn, &["CREATE INDEX idx_hotfix ON items (id, label)"])
        .await
        .expect("index");
    let role = format!("drift_ro_{}", std::process::id());
    let database: String = query_text(&db, "SELECT current_database() AS v").await;
    for sql in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT CONNECT ON DATABASE \"{database}\" TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT ON seaql_migrations TO {role}"),
        format!("ALTER ROLE {role} SET default_transaction_read_only = on"),
    ] {
        db.conn.execute_unprepared(&sql).await.expect(&sql);
    }
    let before = conformance::catalog::dump(&db.conn).await.expect("dump");
    let password = "Drift-Pw-7f3a9c";
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_username(&role).expect("user");
    url.set_password(Some(password)).expect("password");
    let url = url.to_string();
    let report = drift::<Shop>(&url, &DriftOptions::default())
        .await
        .expect("drift as a read-only role");
    assert_eq!(objects(&report), ["index idx_hotfix"], "{report}");
    let shown = secret_redact::redact(&format!("{report}\n{report:?}"));
    assert!(!shown.contains(password), "{shown}");
    let after = conformance::catalog::dump(&db.conn).await.expect("dump");
    assert_eq!(before, after);
    let versions = query_text(
        &db,
        "SELECT string_agg(version, ',' ORDER BY version) AS v FROM seaql_migrations",
    )
    .await;
    assert_eq!(versions, "m1_items,m2_notes,m3_tags");
    db.conn
        .execute_unprepared(&format!("DROP OWNED BY {role}"))
        .await
        .expect("drop owned");
    db.close().await.expect("close");
    drop_role(&role).await;
}

async fn query_text(db: &TestDatabase, sql: &str) -> String {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.conn.get_database_backend(), sql))
        .await
        .expect(sql)
        .expect("a row");
    row.try_get::<String>("", "v").expect("v")
}

/// Drops `role` from the server once its database is gone.
async fn drop_role(role: &str) {
    let Some(server) = fresh_database(Backend::Postgres).await else {
        return;
    };
    server
        .conn
        .execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
    server.close().await.expect("close");
}

/// A SQLite file, rollback journal or WAL: drift leaves its bytes and its modification
/// time as they were, and creates no file beside it (no `-wal`, no `-shm`, no journal).
#[rstest]
#[case::rollback_journal("delete")]
#[case::wal("wal")]
#[tokio::test]
async fn drift_writes_nothing_on_sqlite(#[case] journal: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("live.db");
    // One connection, as the harness opens its databases.
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    options.max_connections(1);
    let conn = Database::connect(options).await.expect("connect");
    conn.execute_unprepared(&format!("PRAGMA journal_mode = {journal}"))
        .await
        .expect("journal mode");
    Shop::up(&conn, None).await.expect("up");
    run(&conn, &["CREATE INDEX idx_hotfix ON items (id, label)"])
        .await
        .expect("index");
    conn.close().await.expect("close");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(), ["live.db"]);
    let bytes = std::fs::read(&path).expect("read");
    let modified = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let url = format!("sqlite://{}", path.display());
    let report = drift::<Shop>(&url, &DriftOptions::default())
        .await
        .expect("drift");
    assert_eq!(objects(&report), ["index idx_hotfix"], "{report}");
    assert_eq!(listing(), ["live.db"]);
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    let after = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(after, modified);
}

/// The database as an administrator made it: the schema of the first two migrations,
/// no migrations table.
async fn unmanaged(backend: Backend) -> Option<TestDatabase> {
    let db = migrated(backend, 2).await?;
    run(&db.conn, &["DROP TABLE seaql_migrations"])
        .await
        .expect("drop the bookkeeping");
    Some(db)
}

async fn has_migrations_table(db: &TestDatabase) -> bool {
    sea_orm_migration::SchemaManager::new(&db.conn)
        .has_table("seaql_migrations")
        .await
        .expect("has_table")
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn baseline_refuses_a_differing_schema_then_adopts_an_equal_one(#[case] backend: Backend) {
    let Some(db) = unmanaged(backend).await else {
        return;
    };
    // Unknown and ambiguous versions change nothing.
    let options = BaselineOptions::default();
    let unknown = baseline::<Shop>(&db.url, "m9", &options).await;
    assert!(
        matches!(unknown, Err(HarnessError::UnknownVersion { .. })),
        "{unknown:?}"
    );
    let ambiguous = baseline::<Shop>(&db.url, "m", &options).await;
    assert!(
        matches!(&ambiguous, Err(HarnessError::AmbiguousVersion { candidates, .. }) if candidates.len() == 3),
        "{ambiguous:?}"
    );
    assert!(!has_migrations_table(&db).await);
    // A hand-made index: refused, with the difference shown, nothing recorded.
    run(&db.conn, &["CREATE INDEX idx_hand ON notes (body)"])
        .await
        .expect("index");
    let refused = baseline::<Shop>(&db.url, "m2", &options)
        .await
        .expect("baseline");
    assert_eq!(refused.outcome, BaselineOutcome::Refused, "{refused}");
    assert!(refused.recorded.is_empty());
    let text = refused.to_string();
    assert!(text.contains("extra index idx_hand"), "{text}");
    assert!(text.contains("baseline: REFUSED"), "{text}");
    assert!(!has_migrations_table(&db).await);
    // Without it, the schema is what m1 and m2 make: adopted.
    run(&db.conn, &["DROP INDEX idx_hand"]).await.expect("drop");
    let adopted = baseline::<Shop>(&db.url, "m2", &options)
        .await
        .expect("baseline");
    assert_eq!(adopted.outcome, BaselineOutcome::Recorded, "{adopted}");
    assert_eq!(adopted.version, "m2_notes");
    assert_eq!(adopted.recorded, ["m1_items", "m2_notes"]);
    assert_eq!(adopted.checksummed, ["m1_items", "m2_notes"]);
    // The runner sees both applied, with checksums, and m3 pending.
    let status = migration_runner::status::<Shop>(&db.conn, &migration_runner::Options::default())
        .await
        .expect("status");
    assert_eq!(status.applied(), ["m1_items", "m2_notes"]);
    assert_eq!(status.pending(), ["m3_tags"]);
    for recorded in &status.migrations[..2] {
        assert_eq!(
            recorded.state,
            migration_runner::MigrationState::Applied,
            "{status:?}"
        );
        assert!(recorded.recorded_checksum.is_some(), "{status:?}");
    }
    // And the adopted database has no drift.
    let report = drift::<Shop>(&db.url, &DriftOptions::default())
        .await
        .expect("drift");
    assert!(!report.has_drift(), "{report}");
    assert_eq!(report.applied, ["m1_items", "m2_notes"]);
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn baseline_force_records_over_a_difference_and_says_so(#[case] backend: Backend) {
    let Some(db) = unmanaged(backend).await else {
        return;
    };
    run(&db.conn, &["CREATE INDEX idx_hand ON notes (body)"])
        .await
        .expect("index");
    let forced = baseline::<Shop>(&db.url, "m2_notes", &BaselineOptions::default().force(true))
        .await
        .expect("baseline");
    assert_eq!(forced.outcome, BaselineOutcome::Forced, "{forced}");
    assert_eq!(forced.recorded, ["m1_items", "m2_notes"]);
    let text = forced.to_string();
    assert!(text.contains("WARNING: --force"), "{text}");
    assert!(text.contains("extra index idx_hand"), "{text}");
    // Drift then shows the difference that was forced over.
    let report = drift::<Shop>(&db.url, &DriftOptions::default())
        .await
        .expect("drift");
    assert_eq!(objects(&report), ["index idx_hand"], "{report}");
    // A baseline to an earlier version than what is recorded is refused.
    let earlier = baseline::<Shop>(&db.url, "m1", &BaselineOptions::default()).await;
    assert!(
        matches!(earlier, Err(HarnessError::AlreadyBeyond { .. })),
        "{earlier:?}"
    );
    db.close().await.expect("close");
}
