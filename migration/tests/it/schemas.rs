//! PostgreSQL schemas and the `citext` extension: two schemas of one database migrate,
//! report status and reset independently; `down` drops only a `citext` its `up` created,
//! and only once no schema uses it.

use crate::common::*;
use conformance::Backend;

async fn citext_installed(conn: &migration::sea_orm::DatabaseConnection) -> bool {
    count(
        conn,
        "SELECT COUNT(*) FROM pg_extension WHERE extname = 'citext'",
    )
    .await
        == 1
}

async fn tables_in(conn: &migration::sea_orm::DatabaseConnection, schema: &str) -> i64 {
    count(
        conn,
        &format!("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{schema}'"),
    )
    .await
}

#[tokio::test]
async fn two_schemas_of_one_database_migrate_report_and_reset_independently() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    exec(&db.conn, "CREATE SCHEMA app").await.expect("schema");
    exec(&db.conn, "CREATE SCHEMA app2").await.expect("schema");
    let n = migration_count();
    // The tables of the schema plus the two bookkeeping tables and the history.
    let migrated = (16 + 3) as i64;

    for schema in ["app", "app2"] {
        let text = assert_ok(&run(dir.path(), &["-u", url, "-s", schema, "up"]));
        assert!(
            text.contains(&format!("{n} migrations applied, 0 pending")),
            "{schema}: {text}"
        );
        assert_ok(&run(
            dir.path(),
            &["-u", url, "-s", schema, "status", "--check"],
        ));
        assert_eq!(tables_in(&db.conn, schema).await, migrated, "{schema}");
    }
    let text = assert_ok(&run(dir.path(), &["-u", url, "status"]));
    assert!(
        text.contains(&format!("0 applied, {n} pending")),
        "public is untouched: {text}"
    );
    assert_eq!(tables_in(&db.conn, "public").await, 0);

    // Resetting one leaves the other, and the extension it still uses.
    let text = assert_ok(&run(dir.path(), &["-u", url, "-s", "app", "reset"]));
    assert!(
        text.contains(&format!("{n} migrations rolled back")),
        "{text}"
    );
    assert_eq!(tables_in(&db.conn, "app").await, 0);
    let text = assert_ok(&run(dir.path(), &["-u", url, "-s", "app", "status"]));
    assert!(text.contains(&format!("0 applied, {n} pending")), "{text}");
    assert_ok(&run(
        dir.path(),
        &["-u", url, "-s", "app2", "status", "--check"],
    ));
    assert_eq!(tables_in(&db.conn, "app2").await, migrated);
    assert!(citext_installed(&db.conn).await, "app2 still uses citext");

    // The last user gone, the extension `up` created goes too.
    assert_ok(&run(dir.path(), &["-u", url, "-s", "APP2", "reset"]));
    assert_eq!(tables_in(&db.conn, "app2").await, 0);
    assert!(
        !citext_installed(&db.conn).await,
        "created by up, dropped by the last down"
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_pre_installed_citext_survives_a_full_reset() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    exec(&db.conn, "CREATE EXTENSION citext")
        .await
        .expect("install");
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&run(dir.path(), &["-u", &db.url, "up"]));
    assert_ok(&run(dir.path(), &["-u", &db.url, "reset"]));
    assert!(
        citext_installed(&db.conn).await,
        "an administrator's citext was dropped"
    );
    assert_eq!(tables_in(&db.conn, "public").await, 0);
    db.close().await.expect("close");
}

/// citext is one per database, the runner's lock one per schema: the first `up` of two
/// schemas at once must not both create it (migration 0 takes a database-wide lock).
#[tokio::test]
async fn two_schemas_first_migrated_at_once_both_succeed_every_time() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    for round in 0..6 {
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        for schema in [&a, &b] {
            exec(&db.conn, &format!("CREATE SCHEMA {schema}"))
                .await
                .expect("schema");
        }
        // Migration 0 only, in both schemas at once, citext not installed yet.
        let runs: Vec<_> = [&a, &b]
            .into_iter()
            .map(|schema| {
                binary::command(dir.path(), &["-u", url, "-s", schema, "up", "-n", "1"])
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in runs {
            let out = child.wait_with_output().expect("wait");
            assert_ok(&out);
        }
        assert!(citext_installed(&db.conn).await, "round {round}");
        // Both finish migrating; then both reset, dropping citext only with the last one.
        for schema in [&a, &b] {
            assert_ok(&run(dir.path(), &["-u", url, "-s", schema, "up"]));
        }
        for schema in [&a, &b] {
            assert_ok(&run(dir.path(), &["-u", url, "-s", schema, "reset"]));
        }
        assert!(!citext_installed(&db.conn).await, "round {round}");
    }
    db.close().await.expect("close");
}

/// `reset` of one schema keeps citext while another schema has applied migration 0 only
/// (no column of it uses citext yet), so that schema's next `up` still works.
#[tokio::test]
async fn a_reset_keeps_citext_for_a_schema_that_applied_only_migration_zero() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    exec(&db.conn, "CREATE SCHEMA a").await.expect("schema");
    exec(&db.conn, "CREATE SCHEMA b").await.expect("schema");
    assert_ok(&run(dir.path(), &["-u", url, "-s", "a", "up"]));
    assert_ok(&run(dir.path(), &["-u", url, "-s", "b", "up", "-n", "1"]));
    assert_ok(&run(dir.path(), &["-u", url, "-s", "a", "reset"]));
    assert!(citext_installed(&db.conn).await, "b applied migration 0");
    let text = assert_ok(&run(dir.path(), &["-u", url, "-s", "b", "up"]));
    assert!(text.contains("pending"), "{text}");
    assert_ok(&run(dir.path(), &["-u", url, "-s", "b", "reset"]));
    assert!(!citext_installed(&db.conn).await, "the last user is gone");
    db.close().await.expect("close");
}

/// citext installed beforehand in a schema of its own (`extensions`, as hosted
/// PostgreSQL services do) is found there: all migrations apply, and reset keeps it.
#[tokio::test]
async fn citext_installed_in_another_schema_is_found() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    exec(&db.conn, "CREATE SCHEMA extensions")
        .await
        .expect("schema");
    exec(&db.conn, "CREATE EXTENSION citext SCHEMA extensions")
        .await
        .expect("install");
    let n = migration_count();
    let text = assert_ok(&run(dir.path(), &["-u", url, "up"]));
    assert!(
        text.contains(&format!("{n} migrations applied, 0 pending")),
        "{text}"
    );
    assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));
    assert_ok(&run(dir.path(), &["-u", url, "reset"]));
    assert!(citext_installed(&db.conn).await, "not ours to drop");
    db.close().await.expect("close");
}
