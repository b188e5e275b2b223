//! PostgreSQL schemas and the `citext` extension: two schemas of one database migrate,
//! report status and reset independently; `down` drops only a `citext` its `up` created,
//! and only once no schema uses it.

mod common;

use common::*;
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
