//! Checksums see every edit: of a data-dependent `up` (through the source file), of a
//! `down` (source and dry-run SQL), and say which migrations they cannot cover.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::*;
use conformance::Backend;
use migration_runner::{
    CHECKSUM_HISTORY_TABLE, ChecksumPart, Error, MigrationState, Operation, Options, Sources,
};
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

fn state_of(status: &migration_runner::Status, name: &str) -> MigrationState {
    status
        .migrations
        .iter()
        .find(|m| m.name == name)
        .map(|m| m.state.clone())
        .expect("listed")
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_edit_to_a_data_dependent_up_shows_as_changed(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let options = Options::default().sources(SOURCES);
    migration_runner::up::<TestMigrator>(&db.conn, &options)
        .await
        .expect("up");

    // The dry-run SQL of the edited migration is the same (it sees no rows)...
    let sql_only = Options::default().sources(Sources::none());
    let status = migration_runner::status::<EditedMigrator>(&db.conn, &sql_only)
        .await
        .expect("status");
    assert_eq!(
        state_of(&status, NAME_WIDGETS),
        MigrationState::Applied,
        "SQL alone cannot see it"
    );

    // ...but its source is not.
    let edited = Options::default().sources(EDITED_SOURCES);
    let status = migration_runner::status::<EditedMigrator>(&db.conn, &edited)
        .await
        .expect("status");
    assert_eq!(
        state_of(&status, NAME_WIDGETS),
        MigrationState::Changed {
            parts: vec![ChecksumPart::Source]
        }
    );
    match migration_runner::up::<EditedMigrator>(&db.conn, &edited).await {
        Err(Error::ChecksumMismatch { versions }) => assert_eq!(versions, vec![NAME_WIDGETS]),
        other => panic!("expected a refusal, got {other:?}"),
    }
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_edit_to_a_down_shows_as_changed(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    migration_runner::up::<TestMigrator>(&db.conn, &Options::default().sources(SOURCES))
        .await
        .expect("up");
    let status = migration_runner::status::<DownEditedMigrator>(
        &db.conn,
        &Options::default().sources(DOWN_EDITED_SOURCES),
    )
    .await
    .expect("status");
    assert_eq!(
        state_of(&status, NAME_WIDGETS),
        MigrationState::Changed {
            parts: vec![ChecksumPart::Source, ChecksumPart::DownSql]
        }
    );
    // Through the CLI too, named in `status` and failing `status --check`.
    let run = cli::<DownEditedMigrator>(&["-u", &db.url, "status"]).await;
    // The CLI was given the original sources: only the down SQL differs.
    assert!(
        assert_ok(&run).contains(&format!(
            "changed  {NAME_WIDGETS} (its SQL of down changed since it was applied)"
        )),
        "{}",
        run.stdout
    );
    let run = cli::<DownEditedMigrator>(&["-u", &db.url, "status", "--check"]).await;
    assert_fails_with(
        &run,
        &["changed since applied (checksum mismatch): m20240101_000003_name_widgets"],
    );
    db.close().await.expect("close");
}

#[tokio::test]
async fn accept_checksum_records_the_old_and_new_checksum() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    migration_runner::up::<TestMigrator>(&db.conn, &Options::default().sources(SOURCES))
        .await
        .expect("up");
    let edited = Options::default().sources(EDITED_SOURCES);
    let operation = Operation::AcceptChecksum {
        version: NAME_WIDGETS.to_owned(),
    };
    let report = migration_runner::run::<EditedMigrator>(&db.conn, operation.clone(), &edited)
        .await
        .expect("accept");
    let accepted = report.accepted.expect("accepted");
    assert_ne!(accepted.old, accepted.new);
    let history = strings(
        &db.conn,
        &format!("SELECT old_checksum || ' -> ' || new_checksum FROM {CHECKSUM_HISTORY_TABLE}"),
    )
    .await;
    assert_eq!(
        history,
        vec![format!("{} -> {}", accepted.old, accepted.new)]
    );
    let status = migration_runner::status::<EditedMigrator>(&db.conn, &edited)
        .await
        .expect("status");
    assert!(status.is_current(), "{status:?}");
    // Accepting again: nothing to accept.
    match migration_runner::run::<EditedMigrator>(&db.conn, operation, &edited).await {
        Err(Error::ChecksumAlreadyCurrent { .. }) => {}
        other => panic!("expected nothing to accept, got {other:?}"),
    }
    db.close().await.expect("close");
}

/// Reads a row its dry run cannot have: no SQL part for its `up` or `down`.
struct ReadsARow;

impl MigrationName for ReadsARow {
    fn name(&self) -> &str {
        "m20240101_000004_reads_a_row"
    }
}

async fn needs_a_row(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT 1 AS one",
    ))
    .await?
    .map(|_| ())
    .ok_or_else(|| DbErr::Custom("expected a row".to_owned()))
}

#[async_trait::async_trait]
impl MigrationTrait for ReadsARow {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        needs_a_row(manager).await
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        needs_a_row(manager).await
    }
}

static CALLS: AtomicU64 = AtomicU64::new(0);

/// Issues a different statement every time: its SQL parts are left out, not "changed".
struct NonDeterministic;

impl MigrationName for NonDeterministic {
    fn name(&self) -> &str {
        "m20240101_000005_non_deterministic"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for NonDeterministic {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let n = CALLS.fetch_add(1, Ordering::SeqCst);
        let db = manager.get_connection();
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT {n}"),
        ))
        .await
        .map(|_| ())
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.up(manager).await
    }
}

struct GapMigrator;

impl MigratorTrait for GapMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(ReadsARow), Box::new(NonDeterministic)]
    }
}

#[tokio::test]
async fn a_migration_without_a_checksum_is_reported_never_skipped() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    let options = Options::default();
    let report = migration_runner::up::<GapMigrator>(&db.conn, &options)
        .await
        .expect("up");
    assert_eq!(report.applied.len(), 2);
    let status = migration_runner::status::<GapMigrator>(&db.conn, &options)
        .await
        .expect("status");
    assert_eq!(
        status.without_checksum(),
        vec![
            "m20240101_000004_reads_a_row",
            "m20240101_000005_non_deterministic"
        ]
    );
    let reads = &status.migrations[0];
    assert!(
        reads
            .gaps
            .iter()
            .any(|g| g.part == ChecksumPart::UpSql && g.reason.contains("expected a row")),
        "{reads:?}"
    );
    let varying = &status.migrations[1];
    assert!(
        varying
            .gaps
            .iter()
            .any(|g| g.reason.contains("different SQL")),
        "{varying:?}"
    );
    assert!(!status.is_current());

    let run = cli::<GapMigrator>(&["-u", &db.url, "status"]).await;
    assert!(
        assert_ok(&run).contains("m20240101_000004_reads_a_row has no checksum"),
        "{}",
        run.stdout
    );
    let run = cli::<GapMigrator>(&["-u", &db.url, "status", "--check"]).await;
    assert_fails_with(
        &run,
        &[
            "2 migrations without a checksum",
            "m20240101_000004_reads_a_row",
        ],
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_command_keeps_checksums_in_step_with_applied_versions(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let url = db.url.as_str();
    let in_step = |expected: usize| {
        let conn = db.conn.clone();
        async move {
            let versions = applied(&conn, "seaql_migrations").await;
            assert_eq!(versions.len(), expected);
            let checksummed = strings(
                &conn,
                "SELECT version FROM migration_checksums ORDER BY version",
            )
            .await;
            assert_eq!(checksummed, versions);
        }
    };
    let n = migration_count();
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "1"]).await);
    in_step(1).await;
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up"]).await);
    in_step(n).await;
    assert_ok(&cli::<TestMigrator>(&["-u", url, "down", "-n", "2"]).await);
    in_step(n - 2).await;
    assert_ok(&cli::<TestMigrator>(&["-u", url, "refresh"]).await);
    in_step(n).await;
    assert_ok(&cli::<TestMigrator>(&["-u", url, "fresh"]).await);
    in_step(n).await;
    assert_ok(&cli::<TestMigrator>(&["-u", url, "status", "--check"]).await);
    assert_ok(&cli::<TestMigrator>(&["-u", url, "reset"]).await);
    assert!(
        tables(&db.conn).await.is_empty(),
        "reset leaves no bookkeeping table: {:?}",
        tables(&db.conn).await
    );
    db.close().await.expect("close");
}
