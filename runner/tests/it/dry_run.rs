//! `up --dry-run` / `down --dry-run` print the SQL each migration would run and change
//! nothing; `-v` prints each statement as it runs. On both backends, what the dry run
//! printed is what the real run then executes.

use crate::common::*;
use conformance::Backend;
use migration_runner::Options;
use pretty_assertions::assert_eq;
use rstest::rstest;

const READS_DATA: &str = "-- this migration reads data; statements after this point may differ";

/// The statements a dry run printed, per migration, in order.
fn planned(out: &str) -> Vec<(String, Vec<String>)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for line in out.lines() {
        if let Some((name, _)) = line.strip_prefix("-- m").and_then(|h| h.split_once(": ")) {
            found.push((format!("m{name}"), Vec::new()));
            continue;
        }
        if line.is_empty() || line.starts_with("--") || line.starts_with("database: ") {
            continue;
        }
        found
            .last_mut()
            .unwrap_or_else(|| panic!("a statement before any migration: {line}"))
            .1
            .push(line.to_owned());
    }
    found
}

/// The statements `-v` printed as sent by each migration (not the runner's own), in order.
fn ran(out: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut current = Vec::new();
    for line in out.lines() {
        if let Some((_, sql)) = line.split_once(" ms  ").filter(|_| line.starts_with("  ")) {
            if !sql.starts_with("[runner] ") {
                current.push(sql.to_owned());
            }
            continue;
        }
        let done = line
            .strip_prefix("applied ")
            .or_else(|| line.strip_prefix("rolled back "));
        if let Some((name, _)) = done.and_then(|rest| rest.split_once(" (")) {
            found.push((name.to_owned(), std::mem::take(&mut current)));
        }
    }
    found
}

fn names(plan: &[(String, Vec<String>)]) -> Vec<&str> {
    plan.iter().map(|(name, _)| name.as_str()).collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn up_dry_run_prints_what_up_then_runs_and_changes_nothing(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dry = cli::<TestMigrator>(&["-u", &db.url, "up", "--dry-run"]).await;
    let printed = assert_ok(&dry).to_owned();
    assert_eq!(
        tables(&db.conn).await,
        Vec::<String>::new(),
        "not even the bookkeeping tables: {printed}"
    );
    let plan = planned(&printed);
    assert_eq!(names(&plan), migration_names(), "{printed}");
    assert!(
        plan[0].1[0].starts_with("CREATE TABLE \"widgets\""),
        "{printed}"
    );
    assert!(printed.contains("-- dry run: 3 migrations would be applied"));
    // The data-dependent migration is marked right after its query.
    let after_query = printed
        .lines()
        .skip_while(|line| !line.starts_with("SELECT id FROM widgets"))
        .nth(1);
    assert_eq!(after_query, Some(READS_DATA), "{printed}");

    let real = cli::<TestMigrator>(&["-u", &db.url, "-v", "up"]).await;
    let shown = assert_ok(&real).to_owned();
    assert_eq!(ran(&shown), plan, "{shown}");
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn down_dry_run_prints_what_down_then_runs_and_changes_nothing(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    assert_ok(&cli::<TestMigrator>(&["-u", &db.url, "up"]).await);
    let before = (
        tables(&db.conn).await,
        applied(&db.conn, "seaql_migrations").await,
    );
    let dry = cli::<TestMigrator>(&["-u", &db.url, "down", "-n", "3", "--dry-run"]).await;
    let printed = assert_ok(&dry).to_owned();
    let after = (
        tables(&db.conn).await,
        applied(&db.conn, "seaql_migrations").await,
    );
    assert_eq!(after, before, "{printed}");
    let plan = planned(&printed);
    let mut newest_first = migration_names();
    newest_first.reverse();
    assert_eq!(names(&plan), newest_first, "{printed}");
    assert!(printed.contains("-- dry run: 3 migrations would be rolled back"));

    let real = cli::<TestMigrator>(&["-u", &db.url, "-v", "down", "-n", "3"]).await;
    let shown = assert_ok(&real).to_owned();
    assert_eq!(ran(&shown), plan, "{shown}");
    db.close().await.expect("close");
}

/// With data, the data-dependent migration does more than its dry run could show: the
/// dry run says so at the point where they part.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn where_data_decides_the_dry_run_says_so(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    assert_ok(&cli::<TestMigrator>(&["-u", &db.url, "up", "-n", "2"]).await);
    exec(&db.conn, "INSERT INTO widgets (id, name) VALUES (7, '')").await;
    let printed =
        assert_ok(&cli::<TestMigrator>(&["-u", &db.url, "up", "--dry-run"]).await).to_owned();
    assert!(printed.contains(READS_DATA), "{printed}");
    let plan = planned(&printed);
    let shown = assert_ok(&cli::<TestMigrator>(&["-u", &db.url, "-v", "up"]).await).to_owned();
    let real = ran(&shown);
    assert_eq!(names(&real), vec![NAME_WIDGETS]);
    let (planned_sql, real_sql) = (&plan[0].1, &real[0].1);
    assert_eq!(real_sql[..planned_sql.len()], planned_sql[..], "{shown}");
    assert!(
        real_sql.len() > planned_sql.len() && real_sql[1].contains("widget 7"),
        "the real run updates the row the dry run could not see: {shown}"
    );
    db.close().await.expect("close");
}

/// A dry run does not wait for, nor take, the migration lock.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_dry_run_takes_no_lock(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let held = migration_runner::lock(&db.conn, &Options::default())
        .await
        .expect("lock");
    let dry = cli::<TestMigrator>(&["-u", &db.url, "--lock-timeout", "0", "up", "--dry-run"]).await;
    assert_ok(&dry);
    // The control: the real run does need the lock.
    let real = cli::<TestMigrator>(&["-u", &db.url, "--lock-timeout", "0", "up"]).await;
    assert_eq!(real.code, 1, "{}", real.all());
    held.release().await.expect("release");
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_dry_run_on_a_missing_sqlite_file_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let default = dir.path().join("data/app.sqlite");
    let default = format!("--default-sqlite-path={}", default.display());
    let dry = cli::<TestMigrator>(&[&default, "up", "--dry-run"]).await;
    let printed = assert_ok(&dry).to_owned();
    assert!(printed.contains("does not exist yet"), "{printed}");
    assert_eq!(names(&planned(&printed)), migration_names());
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_dry_run_of_down_refuses_a_count_beyond_what_is_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up", "-n", "1"]).await);
    let dry = cli::<TestMigrator>(&["-u", &url, "down", "-n", "2", "--dry-run"]).await;
    assert_fails_with(&dry, &["only 1 migration is applied"]);
}

/// `-v` never shows a password, even though the URL has one.
#[tokio::test]
async fn verbose_output_shows_no_password() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let mut url = url::Url::parse(&db.url).expect("url");
    if url.password().is_none() {
        // The harness's server trusts local users: any password is accepted.
        let _ = url.set_password(Some("S3cretPw"));
    }
    let secret = url.password().expect("a password").to_owned();
    let run = cli::<TestMigrator>(&["-u", url.as_str(), "-v", "up"]).await;
    assert_ok(&run);
    assert!(run.stdout.contains(" ms  CREATE TABLE"), "{}", run.stdout);
    let all = run.all();
    assert!(!all.contains(&format!(":{secret}@")), "{all}");
    assert!(all.contains(":***@"), "the URL is shown redacted: {all}");
    // A password that is also the user or database name (testcontainers' `postgres`)
    // appears as those; any other password must appear nowhere.
    if secret != url.username() && !url.path().ends_with(&format!("/{secret}")) {
        assert!(!all.contains(&secret), "{all}");
    }
    db.close().await.expect("close");
}
