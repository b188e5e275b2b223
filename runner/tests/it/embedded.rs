//! The runner as a library an application calls at start-up: several instances at once
//! apply each migration exactly once; the lock is keyed by the database object, not its
//! spelling; the schema is an identifier, never SQL.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::*;
use conformance::Backend;
use migration_runner::{Error, Operation, Options};
use pretty_assertions::assert_eq;
use rstest::rstest;

const INSTANCES: usize = 4;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_at_once_apply_each_migration_exactly_once(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    // Each instance has its own pool, as separate application processes would.
    let mut pools = Vec::new();
    for _ in 0..INSTANCES {
        pools.push(connect_pool(&db.url).await);
    }
    let options = Options::default().sources(SOURCES);
    let starts: Vec<_> = pools
        .iter()
        .cloned()
        .map(|pool| {
            let options = options.clone();
            tokio::spawn(async move { migration_runner::up::<TestMigrator>(&pool, &options).await })
        })
        .collect();
    let mut applied_by: BTreeMap<String, usize> = BTreeMap::new();
    for start in starts {
        let report = start
            .await
            .expect("join")
            .unwrap_or_else(|e| panic!("up on {backend}: {e}"));
        for name in report.applied {
            *applied_by.entry(name).or_default() += 1;
        }
    }
    let once: BTreeMap<String, usize> = migration_names().into_iter().map(|n| (n, 1)).collect();
    assert_eq!(
        applied_by, once,
        "each migration applied by exactly one instance"
    );
    assert_eq!(
        applied(&db.conn, "seaql_migrations").await,
        migration_names()
    );
    let status = migration_runner::status::<TestMigrator>(&db.conn, &options)
        .await
        .expect("status");
    assert!(status.is_current(), "{status:?}");
    for pool in pools {
        pool.close().await.expect("close");
    }
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_symlinked_sqlite_path_meets_the_same_lock() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    let real = db.url.trim_start_matches("sqlite://").to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("alias.sqlite");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let held = migration_runner::lock(&db.conn, &Options::default())
        .await
        .expect("take the lock");

    let through_link = connect(&format!("sqlite://{}", link.display())).await;
    let options = Options::default().lock_timeout(Duration::ZERO);
    let outcome = migration_runner::up::<TestMigrator>(&through_link, &options).await;
    assert!(
        matches!(outcome, Err(Error::LockTimeout { .. })),
        "the symlinked path ran while the lock was held: {outcome:?}"
    );
    assert!(tables(&db.conn).await.is_empty(), "nothing applied");
    held.release().await.expect("release");
    migration_runner::up::<TestMigrator>(&through_link, &options)
        .await
        .expect("released, the same run goes through");
    through_link.close().await.expect("close");
    db.close().await.expect("close");
}

#[tokio::test]
async fn spellings_of_one_postgres_schema_meet_the_same_lock() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let held = migration_runner::lock(&db.conn, &Options::default().schema("public"))
        .await
        .expect("take the lock");
    for spelling in ["public", "PUBLIC", "\"public\"", "Public"] {
        let options = Options::default()
            .schema(spelling)
            .lock_timeout(Duration::ZERO);
        let outcome = migration_runner::up::<TestMigrator>(&db.conn, &options).await;
        assert!(
            matches!(outcome, Err(Error::LockTimeout { .. })),
            "{spelling} ran while the lock was held: {outcome:?}"
        );
    }
    // The connection's current schema, with no spelling given at all, is the same too.
    let outcome = migration_runner::up::<TestMigrator>(
        &db.conn,
        &Options::default().lock_timeout(Duration::ZERO),
    )
    .await;
    assert!(
        matches!(outcome, Err(Error::LockTimeout { .. })),
        "{outcome:?}"
    );
    assert!(tables(&db.conn).await.is_empty(), "nothing applied");
    held.release().await.expect("release");
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_schema_is_an_identifier_and_injection_is_refused_or_inert() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let attempts = [
        "\"public\"; CREATE TABLE injected(x int); --",
        "public; CREATE TABLE injected(x int)",
        "public,public",
        "\"public\", \"public\"",
        "' OR 1=1 --",
    ];
    for attempt in attempts {
        let options = Options::default().schema(attempt);
        for outcome in [
            migration_runner::status::<TestMigrator>(&db.conn, &options)
                .await
                .map(|_| ()),
            migration_runner::up::<TestMigrator>(&db.conn, &options)
                .await
                .map(|_| ()),
        ] {
            assert!(
                matches!(outcome, Err(Error::InvalidSchemaName { .. })),
                "{attempt}: {outcome:?}"
            );
        }
    }
    // A quoted name holding SQL is one (odd) identifier: bound, quoted, inert.
    exec(
        &db.conn,
        "CREATE SCHEMA \"x; CREATE TABLE injected(x int); --\"",
    )
    .await;
    let odd = Options::default().schema("\"x; CREATE TABLE injected(x int); --\"");
    migration_runner::up::<TestMigrator>(&db.conn, &odd)
        .await
        .expect("up in the odd schema");
    let injected = strings(
        &db.conn,
        "SELECT table_schema::text FROM information_schema.tables WHERE table_name = 'injected'",
    )
    .await;
    assert!(
        injected.is_empty(),
        "injected table created in {injected:?}"
    );
    let widgets = strings(
        &db.conn,
        "SELECT table_schema::text FROM information_schema.tables WHERE table_name = 'widgets'",
    )
    .await;
    assert_eq!(
        widgets,
        vec!["x; CREATE TABLE injected(x int); --".to_owned()]
    );
    db.close().await.expect("close");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_operation_reports_what_it_did(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let pool = connect_pool(&db.url).await;
    let options = Options::default().sources(SOURCES);
    let run = |operation| migration_runner::run::<TestMigrator>(&pool, operation, &options);
    let names = migration_names();
    let report = run(Operation::Up { limit: Some(1) }).await.expect("up 1");
    assert_eq!(report.applied, names[..1]);
    assert_eq!(report.pending, names[1..]);
    let report = run(Operation::Up { limit: None }).await.expect("up");
    assert_eq!(report.applied, names[1..]);
    let report = run(Operation::Down { count: 2 }).await.expect("down 2");
    assert_eq!(report.rolled_back, vec![names[2].clone(), names[1].clone()]);
    let report = run(Operation::Refresh).await.expect("refresh");
    assert_eq!(report.applied, names);
    let report = run(Operation::Fresh).await.expect("fresh");
    assert!(report.dropped_all_tables);
    assert_eq!(report.applied, names);
    let report = run(Operation::Reset).await.expect("reset");
    assert_eq!(report.rolled_back.len(), migration_count());
    assert!(tables(&pool).await.is_empty(), "{:?}", tables(&pool).await);
    pool.close().await.expect("close");
    db.close().await.expect("close");
}

#[tokio::test]
async fn a_connection_without_a_pool_is_refused_not_a_panic() {
    use sea_orm_migration::sea_orm::{DatabaseBackend, MockDatabase};
    for backend in [DatabaseBackend::Postgres, DatabaseBackend::MySql] {
        let mock = MockDatabase::new(backend).into_connection();
        let outcome = migration_runner::up::<TestMigrator>(&mock, &Options::default()).await;
        assert!(
            matches!(outcome, Err(Error::UnsupportedConnection { .. })),
            "{outcome:?}"
        );
    }
}

/// `up --to` and `down --to`, forward, backward, by a unique prefix, with `--dry-run`;
/// unknown and ambiguous versions are usage errors that change nothing.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn target_versions_forward_backward_unknown(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let url = db.url.as_str();
    let names = migration_names();
    let second = names[1].as_str();
    let plan =
        assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "--to", second, "--dry-run"]).await)
            .to_owned();
    assert!(plan.contains(&format!("-- {}: up", names[0])), "{plan}");
    assert!(plan.contains(&format!("-- {second}: up")), "{plan}");
    assert!(!plan.contains(&format!("-- {}: up", names[2])), "{plan}");
    assert!(
        !tables(&db.conn)
            .await
            .contains(&"seaql_migrations".to_owned()),
        "a dry run creates nothing"
    );

    let run = cli::<TestMigrator>(&["-u", url, "up", "--to", second]).await;
    assert!(
        assert_ok(&run).contains("2 migrations applied, 1 pending"),
        "{}",
        run.stdout
    );
    assert_eq!(applied(&db.conn, "seaql_migrations").await, names[..2]);
    let run = cli::<TestMigrator>(&["-u", url, "up", "--to", "m20240101_000002"]).await;
    assert!(
        assert_ok(&run).contains("nothing to apply"),
        "{}",
        run.stdout
    );

    // Unknown, ambiguous, and `-n` with `--to`: usage errors (exit 2), nothing changed.
    for (args, needle) in [
        (
            vec!["up", "--to", "m1999"],
            "no migration of this binary is named so",
        ),
        (vec!["up", "--to", "m2024"], "several migrations start so"),
        (
            vec!["down", "--to", "nope"],
            "no migration of this binary is named so",
        ),
        (vec!["up", "--to", second, "-n", "1"], "cannot be used with"),
    ] {
        let mut all = vec!["-u", url];
        all.extend(args.iter().copied());
        let run = cli::<TestMigrator>(&all).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(
            applied(&db.conn, "seaql_migrations").await,
            names[..2],
            "{args:?}"
        );
    }

    assert_ok(&cli::<TestMigrator>(&["-u", url, "up"]).await);
    let run = cli::<TestMigrator>(&["-u", url, "down", "--to", names[0].as_str()]).await;
    assert!(
        assert_ok(&run).contains("2 migrations rolled back"),
        "{}",
        run.stdout
    );
    assert_eq!(applied(&db.conn, "seaql_migrations").await, names[..1]);
    let run = cli::<TestMigrator>(&["-u", url, "down", "--to", names[2].as_str()]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("is not applied"), "{}", run.stderr);
    let run = cli::<TestMigrator>(&["-u", url, "down", "--to", names[0].as_str()]).await;
    assert!(
        assert_ok(&run).contains("nothing to roll back"),
        "{}",
        run.stdout
    );

    // The library: the same operations.
    let options = Options::default().sources(SOURCES);
    let report = migration_runner::run::<TestMigrator>(
        &db.conn,
        Operation::UpTo {
            version: names[2].clone(),
        },
        &options,
    )
    .await
    .expect("up to");
    assert_eq!(report.applied, names[1..]);
    let refused = migration_runner::run::<TestMigrator>(
        &db.conn,
        Operation::DownTo {
            version: "m2024".to_owned(),
        },
        &options,
    )
    .await;
    assert!(
        matches!(refused, Err(Error::AmbiguousTargetVersion { .. })),
        "{refused:?}"
    );
    db.close().await.expect("close");
}

/// `status --json`: one JSON object, the same typed status, checksums included.
#[tokio::test]
async fn status_as_json() {
    let Some(db) = conformance::fresh_database(Backend::Sqlite).await else {
        return;
    };
    let url = db.url.as_str();
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "2"]).await);
    let run = cli::<TestMigrator>(&["-u", url, "status", "--json"]).await;
    let value: serde_json::Value = serde_json::from_str(assert_ok(&run)).expect("one JSON object");
    let migrations = value["migrations"].as_array().expect("migrations");
    assert_eq!(migrations.len(), 3);
    assert_eq!(migrations[0]["name"], migration_names()[0]);
    assert_eq!(migrations[0]["state"], "applied");
    assert_eq!(migrations[2]["state"], "pending");
    let recorded = migrations[0]["recorded_checksum"]
        .as_str()
        .expect("recorded");
    assert!(recorded.starts_with("v2 "), "{recorded}");
    assert_eq!(
        migrations[0]["current_checksum"],
        migrations[0]["recorded_checksum"]
    );
    assert!(migrations[2]["recorded_checksum"].is_null());
    assert_eq!(value["summary"]["applied"], 2);
    assert_eq!(value["summary"]["pending"], 1);
    assert_eq!(value["current"], false);
    // --check still decides the exit code.
    let run = cli::<TestMigrator>(&["-u", url, "status", "--json", "--check"]).await;
    assert_eq!(run.code, 1, "{}", run.all());
    db.close().await.expect("close");
}
