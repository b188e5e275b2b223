//! `schema-ci drift` and `schema-ci baseline` on this repository's migrations, through
//! the binary: an existing database built without the bookkeeping is adopted by
//! `baseline`, after which the runner finds nothing pending and `status --check` passes;
//! drift's exit codes; no password in any output.

use std::process::Output;

use conformance::{Backend, TestDatabase, fresh_database};
use migration::{Migrator, SOURCES};
use rstest::rstest;
use sea_orm_migration::sea_orm::ConnectionTrait;

const LAST: &str = "m20250101_000013_apps";

/// `schema-ci ARGS` from the workspace root, without the caller's database settings.
fn schema_ci(args: &[&str]) -> Output {
    let (command, rest) = args.split_first().expect("a command");
    crate::common::schema_ci(command)
        .args(rest)
        .env_remove("DATABASE_URL")
        .env_remove("DATABASE_SCHEMA")
        .output()
        .expect("run schema-ci")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `cargo run -p migration -- ARGS`: the migration crate's CLI, in process.
async fn migration(args: &[&str]) -> (u8, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = std::iter::once("migration").chain(args.iter().copied());
    let code =
        migration_runner::cli::run_from::<Migrator, _, _>(argv, SOURCES, &mut out, &mut err).await;
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
    (code, shown)
}

async fn execute(db: &TestDatabase, sql: &str) {
    db.conn.execute_unprepared(sql).await.expect(sql);
}

/// A database with the application's schema, made by its migrations, whose bookkeeping
/// tables were then dropped: what an administrator's SQL would have left.
async fn unmanaged(backend: Backend) -> Option<TestDatabase> {
    let db = fresh_database(backend).await?;
    let (code, shown) = migration(&["up", "-u", &db.url]).await;
    assert_eq!(code, 0, "{shown}");
    for table in [
        "seaql_migrations",
        "migration_checksums",
        "migration_checksum_history",
    ] {
        execute(&db, &format!("DROP TABLE {table}")).await;
    }
    Some(db)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_database_made_without_migrations_is_adopted_by_baseline(#[case] backend: Backend) {
    let Some(db) = unmanaged(backend).await else {
        return;
    };
    // A hand-made index: refused, the difference named, nothing recorded.
    execute(&db, "CREATE INDEX idx_hand ON settings (value)").await;
    let out = schema_ci(&["baseline", "--to", "m20250101_000013", "-u", &db.url]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("extra index idx_hand"), "{shown}");
    assert!(shown.contains("baseline: REFUSED"), "{shown}");
    let (code, status) = migration(&["status", "-u", &db.url]).await;
    assert_eq!(code, 0, "{status}");
    assert!(status.contains("0 applied"), "{status}");
    // Equal: adopted.
    execute(&db, "DROP INDEX idx_hand").await;
    let out = schema_ci(&["baseline", "--to", "m20250101_000013", "-u", &db.url]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(&format!("recorded {LAST} as applied")),
        "{shown}"
    );
    assert!(
        shown.contains("recorded the checksums of 14 migration(s)"),
        "{shown}"
    );
    // The runner: nothing pending, and `status --check` passes.
    let (code, up) = migration(&["up", "-u", &db.url]).await;
    assert_eq!(code, 0, "{up}");
    assert!(up.contains("nothing pending"), "{up}");
    let (code, check) = migration(&["status", "--check", "-u", &db.url]).await;
    assert_eq!(code, 0, "{check}");
    // And no drift; a hand-made index is drift (1), unless the allow-list accepts it.
    let out = schema_ci(&["drift", "-u", &db.url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("drift: none"), "{}", text(&out));
    execute(&db, "CREATE INDEX idx_hotfix ON settings (value)").await;
    let out = schema_ci(&["drift", "-u", &db.url]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("extra index idx_hotfix"), "{shown}");
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("allow.txt");
    std::fs::write(
        &list,
        "drift index idx_hotfix  # added by hand during incident 42, kept\n",
    )
    .expect("write");
    let list = list.display().to_string();
    let out = schema_ci(&["drift", "-u", &db.url, "--allow-list", &list]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("accepted extra index idx_hotfix"), "{shown}");
    db.close().await.expect("close");
}

/// `scheme://user:PASSWORD@host...` from a URL with or without a password.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (user, host) = rest.split_once('@').expect("user");
    let user = user.split(':').next().unwrap_or(user);
    format!("{scheme}://{user}:{password}@{host}")
}

#[tokio::test]
async fn usage_errors_exit_2_and_no_password_is_ever_shown() {
    let password = "Pw-Secret-4d1b";
    let out = schema_ci(&["drift", "-u", &format!("mysql://app:{password}@db/app")]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("error:"), "{shown}");
    assert!(!shown.contains(password), "{shown}");
    let out = schema_ci(&["drift", "-u", "sqlite:///no/such/folder/app.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // Without -u: clap names the missing option; a URL given as a stray argument is
    // masked in clap's message too.
    let out = schema_ci(&["drift", &format!("postgres://app:{password}@db/app")]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(!shown.contains(password), "{shown}");
    let Some(db) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let (code, shown) = migration(&["up", "-u", &db.url]).await;
    assert_eq!(code, 0, "{shown}");
    let url = with_password(&db.url, password);
    for (args, code) in [
        (vec!["drift", "-u", &url], 0),
        (vec!["drift", "-u", &url, "-s", "x; DROP TABLE apps"], 2),
        (vec!["baseline", "--to", "m99", "-u", &url], 2),
        (vec!["baseline", "--to", "m2025", "-u", &url], 2),
    ] {
        let out = schema_ci(&args);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {shown}");
        assert!(!shown.contains(password), "{shown}");
    }
    db.close().await.expect("close");
}

/// On PostgreSQL, `-s SCHEMA`: the migrations ran in a schema of their own; drift
/// compares that schema, built the same way on the throwaway database.
#[tokio::test]
async fn drift_compares_the_schema_the_migrations_ran_in() {
    let Some(db) = fresh_database(Backend::Postgres).await else {
        return;
    };
    execute(&db, "CREATE SCHEMA app").await;
    let (code, shown) = migration(&["up", "-u", &db.url, "-s", "app"]).await;
    assert_eq!(code, 0, "{shown}");
    let out = schema_ci(&["drift", "-u", &db.url, "-s", "app"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    execute(&db, "CREATE INDEX idx_hotfix ON app.settings (value)").await;
    let out = schema_ci(&["drift", "-u", &db.url, "-s", "app"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("extra index app.idx_hotfix"), "{shown}");
    db.close().await.expect("close");
}
