//! The application's migrator, through the whole suite on both backends, with its DDL
//! asserted against the reviewed snapshots in `snapshots/`.

use std::path::PathBuf;

use conformance::checks::AllowList;
use conformance::snapshots::{self, assert_snapshots, schema_markdown};
use conformance::{Backend, Suite, backends::postgres_required};
use migration::Migrator;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::test]
async fn the_application_migrator_passes_every_check() {
    let allow =
        AllowList::load(&workspace().join("migration/parity-allowlist.txt")).expect("allow-list");
    let outcome = Suite::<Migrator>::new()
        .allow_list(allow)
        .run()
        .await
        .expect("suite");
    let report = &outcome.report;
    println!("{report}");
    assert!(report.passed(), "\n{report}");
    if postgres_required() {
        assert!(report.missing.is_empty(), "a backend is missing:\n{report}");
    }

    for run in &outcome.runs {
        assert_eq!(
            run.steps.len(),
            14,
            "{}: every migration walked",
            run.backend
        );
        assert_snapshots(run, &workspace().join("snapshots"));
    }

    // The ER diagram reviewers see rendered in the PR, from PostgreSQL's catalog.
    if let Some(pg) = outcome.runs.iter().find(|r| r.backend == Backend::Postgres) {
        let page = schema_markdown(&pg.final_logical, "Application schema");
        let path = workspace().join("snapshots/schema.md");
        if snapshots::updating() {
            std::fs::write(&path, &page).expect("write schema.md");
        } else {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            pretty_assertions::assert_eq!(
                committed,
                page,
                "snapshots/schema.md is stale: run `make snapshots` and commit it"
            );
        }
    }
}
