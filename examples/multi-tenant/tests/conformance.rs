//! The whole conformance suite on SQLite and PostgreSQL, with the example's allow-list,
//! its reviewed snapshots (`CONFORMANCE_SNAPSHOTS=accept` to regenerate them) and data
//! cases: rows seeded into the 14-migration schema get the default organization, and
//! come back unchanged after `down`.

use multi_tenant_migration::Migrator;

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
