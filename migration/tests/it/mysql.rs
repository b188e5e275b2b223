//! The 14 migrations on MySQL / MariaDB (the conformance harness does not read MySQL's
//! catalog yet, so these checks read `information_schema` and `SHOW CREATE TABLE`):
//! the main job through the binary, eight concurrent runs, the schema's rules
//! (case-insensitive columns, CASCADE, the partial unique indexes as MySQL expresses
//! them) and the committed snapshot `snapshots/mysql/schema.sql`.

use std::process::Output;

use crate::common::*;
use conformance::{Backend, SnapshotMode, TestDatabase};
use migration::sea_orm::{self, ConnectionTrait, DatabaseConnection, Statement};
use pretty_assertions::assert_eq;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots/mysql/schema.sql");

async fn mysql_tables(conn: &DatabaseConnection) -> Vec<String> {
    strings(
        conn,
        "SELECT CAST(TABLE_NAME AS CHAR) AS name FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
        "name",
    )
    .await
}

fn up(db: &TestDatabase, dir: &std::path::Path, args: &[&str]) -> Output {
    let mut all = vec!["-u", db.url.as_str()];
    all.extend_from_slice(args);
    run(dir, &all)
}

#[tokio::test]
async fn the_binary_applies_the_14_then_nothing_is_pending_and_reset_leaves_nothing() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let first = assert_ok(&up(&db, dir.path(), &[]));
    assert!(first.contains("database: MySQL mysql://"), "{first}");
    assert!(
        first.contains(&format!(
            "{} migrations applied, 0 pending",
            migration_count()
        )),
        "{first}"
    );
    let second = assert_ok(&up(&db, dir.path(), &[]));
    assert!(
        second.contains(&format!(
            "nothing pending: all {} migrations are applied",
            migration_count()
        )),
        "{second}"
    );
    assert_ok(&up(&db, dir.path(), &["status", "--check"]));
    // 16 tables of the schema, and the bookkeeping.
    assert_eq!(mysql_tables(&db.conn).await.len(), 16 + 4);
    let reset = assert_ok(&up(&db, dir.path(), &["reset"]));
    assert!(reset.contains("14 migrations rolled back"), "{reset}");
    assert_eq!(mysql_tables(&db.conn).await, Vec::<String>::new());
    db.close().await.expect("close");
}

#[tokio::test]
async fn eight_concurrent_up_processes_apply_each_migration_once() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let children: Vec<_> = (0..8)
        .map(|_| {
            tokio::process::Command::from(command(dir.path(), &["-u", &db.url, "up"]))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start the migration binary")
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().await.expect("wait");
        applied += assert_ok(&out).matches("applied m2025").count();
    }
    assert_eq!(applied, migration_count());
    assert_eq!(
        count(&db.conn, "SELECT COUNT(*) FROM seaql_migrations").await,
        migration_count() as i64
    );
    db.close().await.expect("close");
}

async fn ok(conn: &DatabaseConnection, sql: &str) {
    exec(conn, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn refused(conn: &DatabaseConnection, sql: &str) {
    assert!(exec(conn, sql).await.is_err(), "accepted: {sql}");
}

const NOW: &str = "'2025-01-01 00:00:00'";

#[tokio::test]
async fn the_schema_keeps_the_specs_rules_as_mysql_can() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&up(&db, dir.path(), &[]));
    let c = &db.conn;
    // citext: a user's toolset slugs are unique ignoring case.
    let toolset = |id: &str, slug: &str| {
        format!(
            "INSERT INTO toolsets (id, user_id, toolset_type, slug, enabled, created_at, updated_at) \
             VALUES ('{id}', 'u1', 'builtin', '{slug}', true, {NOW}, {NOW})"
        )
    };
    ok(c, &toolset("t1", "Web")).await;
    refused(c, &toolset("t2", "wEB")).await;
    // The partial unique index on a set prefix: many NULL or '' prefixes, one 'p'.
    let alias = |id: &str, prefix: &str| {
        format!(
            "INSERT INTO api_model_aliases (id, api_format, base_url, models, prefix, \
             forward_all_with_prefix, models_cache, cache_fetched_at, created_at, updated_at) \
             VALUES ('{id}', 'openai', 'http://x', '[]', {prefix}, false, '[]', {NOW}, {NOW}, {NOW})"
        )
    };
    ok(c, &alias("a1", "NULL")).await;
    ok(c, &alias("a2", "NULL")).await;
    ok(c, &alias("a3", "''")).await;
    ok(c, &alias("a4", "''")).await;
    ok(c, &alias("a5", "'p'")).await;
    refused(c, &alias("a6", "'p'")).await;
    // CASCADE: deleting an MCP server deletes its auth headers.
    let snapshot = schema_dump(c).await;
    assert!(
        snapshot.contains("ON DELETE CASCADE ON UPDATE CASCADE"),
        "{snapshot}"
    );
    db.close().await.expect("close");
}

/// `SHOW CREATE TABLE` of every table, in name order, bookkeeping left out.
async fn schema_dump(conn: &DatabaseConnection) -> String {
    let mut out = String::from(
        "-- The schema the 14 migrations make on MariaDB 10.11 (SHOW CREATE TABLE),\n\
         -- written by migration/tests/it/mysql.rs; CONFORMANCE_SNAPSHOTS=accept rewrites it.\n",
    );
    for table in mysql_tables(conn).await {
        if matches!(
            table.as_str(),
            "seaql_migrations"
                | "migration_checksums"
                | "migration_checksum_history"
                | "migration_dirty"
        ) {
            continue;
        }
        let row = conn
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::MySql,
                format!("SHOW CREATE TABLE `{table}`"),
            ))
            .await
            .expect("show create table")
            .expect("a row");
        let sql: String = row.try_get_by_index(1).expect("its DDL");
        out.push_str(&format!("\n{sql};\n"));
    }
    out
}

#[tokio::test]
async fn the_committed_mysql_snapshot_is_what_the_migrations_make() {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&up(&db, dir.path(), &[]));
    let actual = schema_dump(&db.conn).await;
    let committed = std::fs::read_to_string(SNAPSHOT).ok();
    match (SnapshotMode::from_env(), committed) {
        (SnapshotMode::Accept, _) | (SnapshotMode::CreateMissing, None) => {
            std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().expect("folder"))
                .expect("mkdir");
            std::fs::write(SNAPSHOT, &actual).expect("write the snapshot");
        }
        (_, Some(committed)) => assert_eq!(
            committed, actual,
            "snapshots/mysql/schema.sql differs (CONFORMANCE_SNAPSHOTS=accept to accept)"
        ),
        (_, None) => panic!("snapshots/mysql/schema.sql is missing (CONFORMANCE_SNAPSHOTS=create)"),
    }
    db.close().await.expect("close");
}
