//! Many targets at once (`up_many`, `--schemas`, `--targets-file`): a broken tenant in
//! the middle fails alone and is named, `--max-failures` stops starting new targets,
//! `--jobs` bounds how many run at once, no password reaches any output, and the input
//! is checked before any target is touched.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::*;
use conformance::{Backend, TestDatabase};
use migration_runner::{FanOut, Options, TargetSet};
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, MigratorTrait, SchemaManager, async_trait,
};

/// A password the test server (trust authentication) ignores, put in every URL of a
/// targets file: it must appear nowhere.
const SECRET: &str = "S3cretFanPw";

/// Some targets of one backend, the `broken` one holding a `gadgets` table already, so
/// that migration 2 fails there.
struct Tenants {
    /// Each target's URL (with [`SECRET`] on PostgreSQL).
    urls: Vec<String>,
    /// The targets file naming them (with a comment and a blank line).
    file: tempfile::NamedTempFile,
    _dir: tempfile::TempDir,
    databases: Vec<TestDatabase>,
}

impl Tenants {
    async fn new(backend: Backend, count: usize, broken: usize) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut urls = Vec::new();
        let mut databases = Vec::new();
        for index in 0..count {
            let url = match backend {
                Backend::Sqlite => {
                    format!("sqlite://{}/tenant{index}.sqlite", dir.path().display())
                }
                _ => {
                    let db = conformance::fresh_database(backend).await?;
                    let mut url = url::Url::parse(&db.url).expect("url");
                    url.set_password(Some(SECRET)).expect("password");
                    databases.push(db);
                    url.to_string()
                }
            };
            if index == broken {
                let conn = connect(&url).await;
                exec(&conn, "CREATE TABLE gadgets (x integer)").await;
                conn.close().await.expect("close");
            }
            urls.push(url);
        }
        let text = format!("# the tenants\n\n{}\n", urls.join("\n"));
        let file = targets_file(&text);
        Some(Self {
            urls,
            file,
            _dir: dir,
            databases,
        })
    }

    fn path(&self) -> &str {
        self.file.path().to_str().expect("utf-8 path")
    }

    /// The migrations applied in target `index` (none when it has no bookkeeping table).
    async fn applied(&self, index: usize) -> Vec<String> {
        let conn = connect(&self.urls[index]).await;
        let found = if tables(&conn).await.contains(&"seaql_migrations".to_owned()) {
            applied(&conn, "seaql_migrations").await
        } else {
            Vec::new()
        };
        conn.close().await.expect("close");
        found
    }

    /// Whether target `index` was never touched: no bookkeeping table at all.
    async fn untouched(&self, index: usize) -> bool {
        let conn = connect(&self.urls[index]).await;
        let found = tables(&conn).await;
        conn.close().await.expect("close");
        !found
            .iter()
            .any(|t| t.starts_with("seaql") || t.starts_with("migration_"))
    }

    async fn close(self) {
        for db in self.databases {
            db.close().await.expect("close");
        }
    }
}

fn targets_file(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), text).expect("write");
    file
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "password in output: {text}");
}

/// The broken tenant in the middle fails alone: the others are migrated, the summary
/// and the one error line name it, exit 1, no password anywhere.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_broken_tenant_fails_alone_and_is_named(#[case] backend: Backend) {
    let Some(tenants) = Tenants::new(backend, 5, 2).await else {
        return;
    };
    let run = cli::<TestMigrator>(&["up", "--targets-file", tenants.path(), "--jobs", "2"]).await;
    assert_no_secret(&run.all());
    assert_fails_with(
        &run,
        &["1 of 5 targets failed", "applying m20240101_000002_gadgets"],
    );
    let names: Vec<String> = tenants.urls.iter().map(|u| shown(backend, u)).collect();
    assert!(run.stderr.contains(&names[2]), "{}", run.stderr);
    for (index, name) in names.iter().enumerate() {
        let row = run
            .stdout
            .lines()
            .find(|l| l.starts_with(name.as_str()))
            .unwrap_or_else(|| panic!("no row for {name} in {}", run.stdout));
        let applied_column = row[name.len()..].split_whitespace().next();
        if index == 2 {
            assert!(row.contains("gadgets"), "{row}");
            // The migration it applied before failing is counted, not hidden.
            assert_eq!(applied_column, Some("1"), "{row}");
            assert_eq!(tenants.applied(index).await, migration_names()[..1]);
        } else {
            assert!(row.contains(" 3  ") && row.contains(" 0  "), "{row}");
            assert_eq!(tenants.applied(index).await, migration_names());
        }
    }
    assert!(
        run.stdout
            .contains("5 targets: 4 succeeded, 1 failed, 0 skipped"),
        "{}",
        run.stdout
    );
    tenants.close().await;
}

/// How a target appears in the summary.
fn shown(backend: Backend, url: &str) -> String {
    match backend {
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").expect("sqlite url");
            format!("SQLite file {path}")
        }
        _ => format!("PostgreSQL {}", url.replace(SECRET, "***")),
    }
}

/// `--max-failures 1 --jobs 1`: after the first failure no target is started; the ones
/// before it stay migrated, the ones after it are untouched (no bookkeeping table).
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn max_failures_stops_the_rollout(#[case] backend: Backend) {
    let Some(tenants) = Tenants::new(backend, 5, 1).await else {
        return;
    };
    let args = [
        "up",
        "--targets-file",
        tenants.path(),
        "--jobs",
        "1",
        "--max-failures",
        "1",
        "--json",
    ];
    let run = cli::<TestMigrator>(&args).await;
    assert_no_secret(&run.all());
    assert_eq!(
        tenants.applied(0).await,
        migration_names(),
        "stays migrated"
    );
    for index in 2..5 {
        assert!(tenants.untouched(index).await, "target {index} was touched");
    }
    assert_fails_with(
        &run,
        &["1 of 5 targets failed", "3 not started after 1 failure"],
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let outcomes: Vec<&str> = json["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["ok", "failed", "skipped", "skipped", "skipped"]);
    assert_eq!(json["summary"]["skipped"], 3);
    assert_eq!(json["success"], false);
    tenants.close().await;
}

/// `--json` is one object with the documented fields, and says which target failed.
#[tokio::test]
async fn json_names_every_target_with_its_outcome() {
    let Some(tenants) = Tenants::new(Backend::Postgres, 3, 1).await else {
        return;
    };
    let run = cli::<TestMigrator>(&["up", "--targets-file", tenants.path(), "--json"]).await;
    assert_no_secret(&run.all());
    assert_eq!(run.code, 1, "{}", run.all());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    let targets = json["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), 3);
    for (index, target) in targets.iter().enumerate() {
        let keys: Vec<&String> = target.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "applied",
                "duration_ms",
                "error",
                "outcome",
                "pending",
                "target"
            ]
        );
        assert_eq!(
            target["target"],
            shown(Backend::Postgres, &tenants.urls[index])
        );
        assert!(target["duration_ms"].is_u64());
        if index == 1 {
            assert_eq!(target["outcome"], "failed");
            assert!(target["error"].as_str().expect("error").contains("gadgets"));
        } else {
            assert_eq!(target["outcome"], "ok");
            assert_eq!(target["applied"].as_array().expect("applied").len(), 3);
            assert!(target["error"].is_null());
        }
    }
    assert_eq!(
        json["summary"],
        serde_json::json!({"targets": 3, "succeeded": 2, "failed": 1, "skipped": 0})
    );

    // Status over them all: the two migrated are current, the broken one has one
    // migration applied and two pending; status fails for none.
    let run = cli::<TestMigrator>(&["status", "--targets-file", tenants.path(), "--json"]).await;
    assert_no_secret(&run.all());
    assert_eq!(run.code, 0, "{}", run.all());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    let counts: Vec<(usize, usize)> = json["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let n = |key: &str| t[key].as_array().expect("list").len();
            (n("applied"), n("pending"))
        })
        .collect();
    assert_eq!(counts, [(3, 0), (1, 2), (3, 0)]);
    tenants.close().await;
}

/// The library's report (an application's start-up): the schemas of one database by
/// pattern, one broken, one whose lock is held (each target has its own lock), and a
/// schema the pattern does not match left alone. Its JSON shows no password.
#[tokio::test]
async fn up_many_over_schemas_by_pattern() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    for schema in [
        "tenant_a", "tenant_b", "tenant_c", "tenant_d", "tenantx", "other",
    ] {
        exec(&db.conn, &format!("CREATE SCHEMA {schema}")).await;
    }
    exec(&db.conn, "CREATE TABLE tenant_b.gadgets (x integer)").await;
    let held = migration_runner::lock(&db.conn, &Options::default().schema("tenant_d"))
        .await
        .expect("lock tenant_d");
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_password(Some(SECRET)).expect("password");
    let targets = TargetSet::Schemas {
        url: url.to_string(),
        pattern: r"tenant\_%".to_owned(),
    };
    let fan_out = FanOut::default()
        .jobs(NonZeroUsize::new(3).expect("3"))
        .options(
            Options::default()
                .sources(SOURCES)
                .lock_timeout(std::time::Duration::ZERO),
        );
    let report = migration_runner::up_many::<TestMigrator>(&targets, &fan_out)
        .await
        .expect("fan-out");
    held.release().await.expect("release");
    let schemas: Vec<String> = report
        .outcomes
        .iter()
        .map(|o| {
            o.target
                .rsplit(", schema ")
                .next()
                .expect("schema")
                .to_owned()
        })
        .collect();
    assert_eq!(schemas, ["tenant_a", "tenant_b", "tenant_c", "tenant_d"]);
    assert!(!report.is_success());
    let failed: Vec<&str> = report.failed().iter().map(|o| o.target.as_str()).collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].ends_with("schema tenant_b"), "{failed:?}");
    assert!(failed[1].ends_with("schema tenant_d"), "{failed:?}");
    assert!(matches!(
        report.outcomes[3].error,
        Some(migration_runner::Error::LockTimeout { .. })
    ));
    // tenant_b failed at its second migration: the first stays applied, and says so.
    assert_eq!(report.outcomes[1].applied, migration_names()[..1]);
    assert!(report.outcomes[3].applied.is_empty());
    for index in [0, 2] {
        assert_eq!(report.outcomes[index].applied, migration_names());
        assert!(report.outcomes[index].pending.is_empty());
    }
    for schema in ["tenant_a", "tenant_c"] {
        let table = format!("{schema}.seaql_migrations");
        assert_eq!(applied(&db.conn, &table).await, migration_names());
    }
    let untouched = strings(
        &db.conn,
        "SELECT table_schema::text FROM information_schema.tables \
         WHERE table_name = 'seaql_migrations' ORDER BY 1",
    )
    .await;
    assert_eq!(untouched, ["tenant_a", "tenant_b", "tenant_c"]);
    let json = report.to_json();
    assert_no_secret(&json);
    for outcome in &report.outcomes {
        assert_no_secret(&outcome.target);
        if let Some(error) = &outcome.error {
            assert_no_secret(&error.to_string());
        }
    }
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(parsed["summary"]["failed"], 2);

    // The CLI over the same database: the same outcome, exit 1, the table names them.
    let run = cli::<TestMigrator>(&["-u", url.as_str(), "up", "--schemas", r"tenant\_%"]).await;
    assert_no_secret(&run.all());
    assert_fails_with(&run, &["1 of 4 targets failed", "schema tenant_b"]);
    assert!(run.stdout.contains("schema tenant_d"), "{}", run.stdout);
    db.close().await.expect("close");
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

/// One migration that counts how many run at once.
struct CountingMigrator;

struct Counting;

impl MigrationName for Counting {
    fn name(&self) -> &str {
        "m20240101_000001_counting"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Counting {
    async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

impl MigratorTrait for CountingMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Counting)]
    }
}

/// `--jobs 2` over six targets: two at a time, never more (and not one by one).
#[tokio::test]
async fn jobs_bounds_how_many_run_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let urls: Vec<String> = (0..6)
        .map(|i| format!("sqlite://{}/t{i}.sqlite", dir.path().display()))
        .collect();
    let file = targets_file(&urls.join("\n"));
    let path = file.path().to_str().expect("utf-8");
    let run = cli::<CountingMigrator>(&["up", "--targets-file", path, "--jobs", "2"]).await;
    assert_ok(&run);
    assert_eq!(MOST.load(Ordering::SeqCst), 2, "{}", run.stdout);
}

/// Refused before any target is touched: exit 2 with what is wrong, no password.
#[tokio::test]
async fn bad_input_is_refused_before_any_target_is_touched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.sqlite");
    let good = format!("sqlite://{}", first.display());
    let bad = format!("postgres://app:{SECRET}@db:99999/app");
    let file = targets_file(&format!("# tenants\n{good}\n\n  {bad}\n"));
    let path = file.path().to_str().expect("utf-8");
    let run = cli::<TestMigrator>(&["up", "--targets-file", path]).await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("{path}, line 4: ")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no target was started"),
        "{}",
        run.stderr
    );
    assert_no_secret(&run.all());
    assert!(!first.exists(), "the first target was created");

    let empty = targets_file("# nothing\n\n");
    let empty_path = empty.path().to_str().expect("utf-8");
    let sqlite = format!("sqlite://{}", dir.path().join("x.sqlite").display());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["up", "--targets-file", empty_path], "names no target"),
        (
            vec!["-u", &sqlite, "up", "--schemas", "tenant%"],
            "a schema pattern needs a PostgreSQL database",
        ),
        (
            vec!["up", "--schemas", "a%", "--targets-file", path],
            "cannot be used with",
        ),
        (vec!["up", "--jobs", "2"], "--schemas"),
        (vec!["up", "--targets-file", path, "--jobs", "0"], "--jobs"),
        (
            vec!["up", "--targets-file", path, "--max-failures", "0"],
            "--max-failures",
        ),
        (
            vec!["up", "--targets-file", path, "--dry-run"],
            "cannot be used with",
        ),
        (
            vec!["status", "--targets-file", path, "--check"],
            "cannot be used with",
        ),
    ];
    for (args, needle) in cases {
        let run = cli::<TestMigrator>(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_no_secret(&run.all());
    }
    assert!(!dir.path().join("x.sqlite").exists());
}

/// A pattern that matches no schema is a usage error (surely a typo), and a pattern is
/// a value, never SQL.
#[tokio::test]
async fn a_pattern_matching_nothing_is_refused() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    exec(&db.conn, "CREATE SCHEMA tenant_a").await;
    for pattern in ["nothing\\_%", "' OR 1=1 --", "pg\\_%", "information_schema"] {
        let run = cli::<TestMigrator>(&["-u", &db.url, "status", "--schemas", pattern]).await;
        assert_eq!(run.code, 2, "{pattern}: {}", run.all());
        assert!(run.stderr.contains("matches the pattern"), "{}", run.stderr);
    }
    let run = cli::<TestMigrator>(&["-u", &db.url, "status", "--schemas", "tenant%"]).await;
    assert!(
        assert_ok(&run).contains("schema tenant_a"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 target: 1 succeeded"),
        "{}",
        run.stdout
    );
    db.close().await.expect("close");
}

/// A SQLite line follows the rules of `-u sqlite://`: an option other than `mode` is
/// refused (usage, exit 2), and so is a path that is not a regular file (exit 1), each
/// naming its line, with nothing touched.
#[tokio::test]
async fn sqlite_lines_follow_the_rules_of_dash_u() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = format!("sqlite://{}/first.sqlite", dir.path().display());
    for (line, code, needle) in [
        (
            "sqlite:///tmp/x.sqlite?cache=shared",
            2,
            "the option 'cache=shared' is not accepted",
        ),
        ("sqlite:///dev/null", 1, "is not a regular file"),
    ] {
        let file = targets_file(&format!("{first}\n{line}\n"));
        let path = file.path().to_str().expect("utf-8");
        let run = cli::<TestMigrator>(&["up", "--targets-file", path]).await;
        assert_eq!(run.code, code, "{line}: {}", run.all());
        assert!(
            run.stderr.contains(&format!("{path}, line 2: ")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(needle), "{}", run.stderr);
        assert!(
            !dir.path().join("first.sqlite").exists(),
            "{line}: a target was touched"
        );
    }
}
