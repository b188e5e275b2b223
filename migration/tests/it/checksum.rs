//! Drift: the CLI records a checksum of each applied migration's SQL, keeps the
//! `migration_checksums` table in step with `seaql_migrations` through every command,
//! and reports (status) or refuses (up) applied migrations whose SQL changed.

use crate::common::*;
use conformance::{Backend, TestDatabase};
use migration::{
    Alias, DbErr, Index, MigrationName, MigrationTrait, Migrator, MigratorTrait, SchemaManager,
    async_trait,
};
use migration_runner::{ChecksumPart, Error, Operation, Options};
use pretty_assertions::assert_eq;
use rstest::rstest;

const SETTINGS: &str = "m20250101_000012_settings";
const API_TOKENS: &str = "m20250101_000005_api_tokens";

/// Asserts one checksum row per applied version, and no other.
async fn assert_in_step(db: &TestDatabase, applied: usize) {
    let versions = versions(&db.conn).await;
    assert_eq!(versions.len(), applied);
    assert_eq!(checksummed_versions(&db.conn).await, versions);
}

#[tokio::test]
async fn a_changed_checksum_is_named_by_status_and_refused_by_up() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();
    assert_ok(&run(dir.path(), &["-u", url, "up", "-n", "13"]));
    // As if migration 5's code had changed since it was applied.
    exec(
        &db.conn,
        &format!("UPDATE {CHECKSUM_TABLE} SET checksum = 'edited' WHERE version = '{API_TOKENS}'"),
    )
    .await
    .expect("tamper");

    let text = assert_ok(&run(dir.path(), &["-u", url, "status"]));
    assert!(
        text.contains(&format!("changed  {API_TOKENS} (its source file, SQL of up, SQL of down changed since it was applied)")),
        "{text}"
    );
    assert!(
        text.contains("13 applied, 1 pending, 0 unknown, 1 changed"),
        "{text}"
    );

    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(
        &out,
        &[
            "status --check: 1 migration pending: m20250101_000013_apps",
            &format!("1 applied migration changed since applied (checksum mismatch): {API_TOKENS}"),
        ],
    );

    let before = conformance::catalog::dump(&db.conn)
        .await
        .expect("dump")
        .to_string();
    let out = run(dir.path(), &["-u", url, "up"]);
    assert_fails_with(
        &out,
        &[
            &format!("changed since they were applied (checksum mismatch): {API_TOKENS}"),
            "--allow-checksum-mismatch",
        ],
    );
    let after = conformance::catalog::dump(&db.conn)
        .await
        .expect("dump")
        .to_string();
    assert_eq!(after, before, "a refused up writes nothing");
    assert_eq!(versions(&db.conn).await.len(), 13);

    let text = assert_ok(&run(
        dir.path(),
        &["-u", url, "up", "--allow-checksum-mismatch"],
    ));
    assert!(text.contains(&format!("warning: applied migrations changed since they were applied (checksum mismatch): {API_TOKENS}")), "{text}");
    assert!(text.contains("1 migration applied, 0 pending"), "{text}");
    // What was really applied stays on record, so the drift stays visible.
    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(&out, &["1 applied migration changed", API_TOKENS]);
    db.close().await.expect("close");
}

/// Migration 12 as it would be after someone edited it: one more index.
struct EditedSettings;

impl MigrationName for EditedSettings {
    fn name(&self) -> &str {
        SETTINGS
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EditedSettings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::migrations::m20250101_000012_settings::Migration
            .up(manager)
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_settings_value_type")
                    .table(Alias::new("settings"))
                    .col(Alias::new("value_type"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::migrations::m20250101_000012_settings::Migration
            .down(manager)
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// The real migrator with migration 12 edited.
struct EditedMigrator;

impl MigratorTrait for EditedMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        Migrator::migrations()
            .into_iter()
            .map(|m| {
                if m.name() == SETTINGS {
                    Box::new(EditedSettings) as Box<dyn MigrationTrait>
                } else {
                    m
                }
            })
            .collect()
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn editing_an_applied_migration_is_detected(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let options = Options::default().sources(migration::SOURCES);
    migration_runner::run::<Migrator>(&db.conn, Operation::Up { limit: Some(13) }, &options)
        .await
        .expect("up 13");
    let status = migration_runner::status::<Migrator>(&db.conn, &options)
        .await
        .expect("status");
    assert!(status.changed().is_empty());
    assert_eq!(status.pending().len(), 1);

    // Its source file is the same; the SQL of its up is not.
    let status = migration_runner::status::<EditedMigrator>(&db.conn, &options)
        .await
        .expect("status");
    assert_eq!(status.changed(), vec![SETTINGS]);
    let edited = status
        .migrations
        .iter()
        .find(|m| m.name == SETTINGS)
        .expect("listed");
    assert_eq!(
        edited.state,
        migration_runner::MigrationState::Changed {
            parts: vec![ChecksumPart::UpSql]
        }
    );
    match migration_runner::up::<EditedMigrator>(&db.conn, &options).await {
        Err(Error::ChecksumMismatch { versions }) => assert_eq!(versions, vec![SETTINGS]),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(versions(&db.conn).await.len(), 13, "nothing applied");
    db.close().await.expect("close");
}

#[tokio::test]
async fn migrations_applied_without_checksums_get_them_on_the_next_up() {
    // The application embeds `Migrator::up`, which keeps no checksums.
    let Some(db) = migrated(Backend::Sqlite).await else {
        return;
    };
    assert!(
        !table_names(&db.conn)
            .await
            .iter()
            .any(|t| t == CHECKSUM_TABLE),
        "Migrator::up must not create the CLI's checksum table"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let url = db.url.as_str();

    let text = assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));
    assert!(
        text.contains(&format!(
            "applied  {SETTINGS} (no checksum recorded yet; the next `up` records it)"
        )),
        "{text}"
    );
    assert!(
        !table_names(&db.conn)
            .await
            .iter()
            .any(|t| t == CHECKSUM_TABLE),
        "status creates nothing"
    );

    let text = assert_ok(&run(dir.path(), &["-u", url, "up"]));
    assert!(
        text.contains(&format!(
            "recorded the checksums of {} migrations applied without one",
            migration_count()
        )),
        "{text}"
    );
    assert!(text.contains("nothing pending"), "{text}");
    assert_in_step(&db, migration_count()).await;
    let text = assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));
    assert!(
        text.contains(&format!(
            "{} applied, 0 pending, 0 unknown, 0 changed",
            migration_count()
        )),
        "{text}"
    );
    assert!(!text.contains("no checksum"), "{text}");
    db.close().await.expect("close");
}
