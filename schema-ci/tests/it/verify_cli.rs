//! `cargo run -p schema-ci -- verify` as CI runs it: the table, and the exit code.

use std::process::Output;

use crate::common::schema_ci;
use migration::{Migrator, MigratorTrait};

/// `verify ARGS` from the workspace root, comparing snapshots as CI does.
fn verify(args: &[&str]) -> Output {
    verify_in_mode("compare", args)
}

fn verify_in_mode(mode: &str, args: &[&str]) -> Output {
    schema_ci("verify")
        .args(args)
        .env("CONFORMANCE_SNAPSHOTS", mode)
        .output()
        .expect("run the conformance binary")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_reviewed_schema_verifies_on_sqlite() {
    let out = verify(&["--backend", "sqlite"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("step-reversibility  pass        skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("snapshots           pass"), "{stdout}");
    assert!(
        stdout.contains("skipped parity on sqlite: needs both SQLite and PostgreSQL"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("verify: all checks passed"),
        "{stdout}"
    );
}

#[test]
fn unreviewed_snapshots_fail_with_a_table_and_exit_1() {
    let empty = tempfile::tempdir().expect("tempdir");
    let snapshots = empty.path().display().to_string();
    let out = verify(&["--backend", "sqlite", "--snapshots", &snapshots]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // One per migration, and the final schema.
    let expected = format!(
        "snapshots           FAIL ({})",
        Migrator::migrations().len() + 1
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(
        stdout.contains("[snapshots] sqlite m20250101_000013_apps: no reviewed snapshot at"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("verify: FAILED"), "{stdout}");
}

#[test]
fn a_first_run_creates_the_snapshots_and_says_so_then_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshots = dir.path().join("snapshots");
    let snapshots = snapshots.display().to_string();
    let out = verify_in_mode(
        "create",
        &["--backend", "sqlite", "--snapshots", &snapshots],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let files = std::fs::read_dir(dir.path().join("snapshots/sqlite"))
        .expect("the sqlite snapshot folder")
        .count();
    assert!(
        stdout.contains(&format!("note: created {files} sqlite snapshots in")),
        "{stdout}"
    );
    let again = verify(&["--backend", "sqlite", "--snapshots", &snapshots]);
    let (stdout, _) = text(&again);
    assert!(again.status.success(), "{stdout}");
    assert!(!stdout.contains("note: created"), "{stdout}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let out = verify(&["--backend", "oracle"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'oracle' for '--backend <BACKEND>'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[possible values: all, sqlite, postgres, mysql]"),
        "{stderr}"
    );

    let out = verify(&["--backend", "sqlite", "--allow-list", "no/such/list.txt"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the parity allow-list")
            && stderr.contains("no/such/list.txt does not exist"),
        "{stderr}"
    );

    let out = verify(&["--skip", "everything"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no check is named 'everything'"),
        "{stderr}"
    );

    let list = tempfile::NamedTempFile::new().expect("tempfile");
    std::fs::write(list.path(), "mcps.slug kind\n").expect("write");
    let out = verify(&[
        "--backend",
        "sqlite",
        "--allow-list",
        &list.path().display().to_string(),
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(":1: every entry needs a `# reason`"),
        "{stderr}"
    );
}

#[test]
fn every_check_passes_on_both_backends() {
    let out = verify(&[]);
    let (stdout, stderr) = text(&out);
    if !out.status.success() && stderr.contains("required backend postgres is missing") {
        assert!(!conformance::backends::postgres_required(), "{stderr}");
        eprintln!("conformance: SKIPPED verify on both backends: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let header = stdout
        .lines()
        .find(|l| l.starts_with("check"))
        .unwrap_or("");
    let mysql = conformance::backends::mysql_walked();
    assert_eq!(header.ends_with("mysql"), mysql, "{stdout}");
    for check in [
        "step-reversibility",
        "round-trip",
        "clean-base",
        "parity",
        "lint",
        "snapshots",
    ] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(check))
            .expect("a row per check");
        // A MySQL server configured (`CONFORMANCE_MYSQL_URL`) is a third column, where
        // parity compares MySQL with PostgreSQL and with SQLite.
        let mut expected = vec![check, "pass", "pass"];
        if mysql {
            expected.push("pass");
        }
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            expected,
            "{stdout}"
        );
    }
    assert!(stderr.contains("conformance: using PostgreSQL"), "{stderr}");
}
