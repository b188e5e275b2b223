//! The application's migrator, through the whole suite on both backends (and MySQL
//! when `CONFORMANCE_MYSQL_URL` names a server), with its DDL
//! and ER diagram compared with the reviewed snapshots in `snapshots/` (written instead
//! with `make snapshots`).

use conformance::{Backend, Suite};
use migration::{Migrator, MigratorTrait};

#[tokio::test]
async fn the_application_migrator_passes_every_check() {
    // SQLite and PostgreSQL, and MySQL when the environment names one (as `verify`).
    let mut backends = Backend::ALL.to_vec();
    if conformance::backends::mysql_walked() {
        backends.push(Backend::MySql);
    }
    let outcome = Suite::<Migrator>::new()
        .backends(&backends)
        .allow_list("../migration/parity-allowlist.txt")
        .snapshots("../snapshots")
        .run()
        .await
        .expect("suite");
    let report = &outcome.report;
    println!("{report}");
    assert!(report.passed(), "\n{report}");
    // Every table walked populated: none left without synthetic rows.
    assert!(report.not_seeded.is_empty(), "\n{report}");
    if outcome.runs.iter().all(|r| r.backend != Backend::Postgres) {
        assert!(
            !conformance::backends::postgres_required(),
            "PostgreSQL is required but did not run:\n{report}"
        );
    }
    // A MySQL server configured is walked too.
    if conformance::backends::mysql_walked() {
        assert!(
            outcome.runs.iter().any(|r| r.backend == Backend::MySql),
            "MySQL is configured but did not run:\n{report}"
        );
    }
    for run in &outcome.runs {
        assert_eq!(
            run.steps.len(),
            Migrator::migrations().len(),
            "{}: every migration walked",
            run.backend
        );
    }
}
