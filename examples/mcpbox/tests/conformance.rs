//! The whole conformance suite on SQLite and PostgreSQL, with the example's allow-list
//! and its reviewed snapshots (`CONFORMANCE_SNAPSHOTS=accept` to regenerate them).

use mcpbox_migration::Migrator;

#[tokio::test]
async fn migrations_conform() {
    let outcome = conformance::Suite::<Migrator>::new()
        .allow_list("parity-allowlist.txt")
        .snapshots("snapshots")
        .run()
        .await
        .expect("the suite runs");
    assert!(outcome.report.passed(), "{}", outcome.report);
}
