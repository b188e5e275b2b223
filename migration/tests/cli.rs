//! The `migration` binary as users run it: the main job on the default SQLite file, every
//! subcommand, PostgreSQL by URL, and a one-line error (never a panic) for bad input.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use conformance::Backend;
use rstest::rstest;

/// Runs the binary in `dir` with no inherited DATABASE_URL.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migration"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DATABASE_SCHEMA")
        .env_remove("MIGRATION_SQLITE_PATH")
        .output()
        .expect("run the migration binary")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failed run with exactly one `error:` line containing every `needle`.
fn assert_fails_with(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "'{needle}' missing from: {err}");
    }
}

fn assert_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

#[test]
fn main_job_migrates_the_default_sqlite_file_then_finds_nothing_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = assert_ok(&run(dir.path(), &[]));
    let file = dir.path().join("data/app.sqlite");
    assert!(
        file.is_file(),
        "default database created at {}",
        file.display()
    );
    assert!(
        first.contains(&format!("database: SQLite file {}", file.display())),
        "{first}"
    );
    assert!(
        first.contains("applied m20250101_000000_extensions"),
        "{first}"
    );
    assert!(first.contains("applied m20250101_000013_apps"), "{first}");
    assert!(
        first.contains("14 migrations applied, 0 pending"),
        "{first}"
    );

    let second = assert_ok(&run(dir.path(), &[]));
    assert!(
        second.contains("nothing pending: all 14 migrations are applied"),
        "{second}"
    );
}

#[test]
fn every_subcommand_works_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let url = url.as_str();

    let out = assert_ok(&run(dir.path(), &["-u", url, "up", "-n", "3"]));
    assert!(out.contains("3 migrations applied, 11 pending"), "{out}");

    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(
        &out,
        &["11 migrations pending", "m20250101_000003_model_metadata"],
    );
    assert!(stdout(&out).contains("pending  m20250101_000013_apps"));

    let out = assert_ok(&run(dir.path(), &["-u", url, "status"]));
    assert!(
        out.contains("applied  m20250101_000002_api_model_aliases"),
        "{out}"
    );
    assert!(out.contains("3 applied, 11 pending, 0 unknown"), "{out}");

    assert_ok(&run(dir.path(), &["-u", url, "up"]));
    assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));

    let out = assert_ok(&run(dir.path(), &["-u", url, "down"]));
    assert!(out.contains("rolled back m20250101_000013_apps"), "{out}");
    let out = assert_ok(&run(dir.path(), &["-u", url, "down", "-n", "2"]));
    assert!(
        out.contains("rolled back m20250101_000012_settings"),
        "{out}"
    );
    assert!(
        out.contains("rolled back m20250101_000011_mcp_oauth"),
        "{out}"
    );

    let out = assert_ok(&run(dir.path(), &["-u", url, "refresh"]));
    assert!(
        out.contains("rolled back m20250101_000000_extensions"),
        "{out}"
    );
    assert!(out.contains("14 migrations applied, 0 pending"), "{out}");

    let out = assert_ok(&run(dir.path(), &["-u", url, "fresh"]));
    assert!(out.contains("applied all 14 migrations"), "{out}");
    assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));

    let out = assert_ok(&run(dir.path(), &["-u", url, "reset"]));
    assert!(out.contains("14 migrations rolled back"), "{out}");
    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(&out, &["14 migrations pending"]);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn runs_on_the_database_url_given(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_migration"))
        .current_dir(dir.path())
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run");
    let text = assert_ok(&out);
    assert!(text.contains("14 migrations applied"), "{text}");
    assert!(
        !dir.path().join("data").exists(),
        "no default SQLite file when a URL is given"
    );
    assert_eq!(actual_schema(&db.conn).await, expected_schema(backend));
    if backend == Backend::Postgres {
        assert!(text.contains("database: PostgreSQL postgres://"), "{text}");
    }
    db.close().await.expect("close");
}

#[test]
fn malformed_url_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["-u", "not a url", "status"]);
    assert_fails_with(&out, &["'not a url' is not a valid URL", "sqlite://PATH"]);
}

#[test]
fn unsupported_backend_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["-u", "mysql://root:secret@localhost/app"]);
    assert_fails_with(&out, &["unsupported backend 'mysql'", "root:***@localhost"]);
    assert!(!stderr(&out).contains("secret"), "password leaked");
}

#[test]
fn missing_sqlite_folder_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no/such/folder/app.db");
    let out = run(
        dir.path(),
        &["-u", &format!("sqlite://{}", missing.display())],
    );
    assert_fails_with(
        &out,
        &[
            "does not exist",
            &dir.path().join("no/such/folder").display().to_string(),
        ],
    );
    assert!(!dir.path().join("no").exists(), "nothing created");
}

#[test]
fn unreachable_server_fails_fast_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: nothing listens there.
    let out = run(
        dir.path(),
        &[
            "-u",
            "postgres://app:pw@127.0.0.1:1/app",
            "--connect-timeout",
            "2",
            "status",
        ],
    );
    assert_fails_with(
        &out,
        &[
            "cannot connect to PostgreSQL postgres://app:***@127.0.0.1:1/app",
            "server is running",
        ],
    );
}

#[test]
fn down_past_the_first_migration_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&run(dir.path(), &[]));
    let out = run(dir.path(), &["down", "-n", "15"]);
    assert_fails_with(
        &out,
        &[
            "down -n 15",
            "only 14 migrations are applied",
            "nothing was rolled back",
        ],
    );
    let out = run(dir.path(), &["down", "-n", "0"]);
    assert_fails_with(&out, &["down -n 0"]);
    let status = assert_ok(&run(dir.path(), &["status"]));
    assert!(status.contains("14 applied, 0 pending"), "{status}");
}

#[tokio::test]
async fn unknown_applied_versions_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&run(dir.path(), &["up", "-n", "2"]));
    let file = dir.path().join("data/app.sqlite");
    let conn = conformance::backends::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("connect");
    exec(
        &conn,
        "INSERT INTO seaql_migrations VALUES ('m20990101_000000_from_the_future', 0)",
    )
    .await
    .expect("insert");
    conn.close().await.expect("close");
    for args in [&[][..], &["down"][..], &["status"][..], &["fresh"][..]] {
        let out = run(dir.path(), args);
        assert_fails_with(&out, &["does not know: m20990101_000000_from_the_future"]);
    }
    let out = run(dir.path(), &["status"]);
    assert!(
        stdout(&out).contains("2 applied, 12 pending, 1 unknown"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["upp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unrecognized subcommand 'upp'"),
        "{}",
        stderr(&out)
    );
}
