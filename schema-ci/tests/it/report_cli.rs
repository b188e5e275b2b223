//! `cargo run -p schema-ci -- report --base <ref>` as the workflow runs it: Markdown on
//! stdout and appended to `$GITHUB_STEP_SUMMARY`; a clear error for a base git does
//! not know.

use std::process::Output;

use crate::common::schema_ci;
use conformance::review::MARKER;

fn report(args: &[&str], summary: Option<&std::path::Path>) -> Output {
    let mut command = schema_ci("report");
    command
        .args(args)
        .env("CONFORMANCE_SNAPSHOTS", "compare")
        .env_remove("GITHUB_STEP_SUMMARY");
    if let Some(path) = summary {
        command.env("GITHUB_STEP_SUMMARY", path);
    }
    command.output().expect("run the schema-ci binary")
}

#[test]
fn the_report_goes_to_stdout_and_is_appended_to_the_step_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "an earlier step's summary\n").expect("write");
    let out = report(&["--base", "HEAD", "--backend", "sqlite"], Some(&summary));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with(MARKER), "{stdout}");
    let written = std::fs::read_to_string(&summary).expect("read");
    assert_eq!(
        written,
        format!("an earlier step's summary\n{stdout}\n"),
        "the summary keeps what was there and gets the report"
    );
}

#[test]
fn a_base_git_does_not_know_is_a_clear_error() {
    let out = report(&["--base", "no-such-branch-for-the-report"], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: `no-such-branch-for-the-report` is not a commit git knows here"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_base_is_required() {
    let out = report(&[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base"));
}
