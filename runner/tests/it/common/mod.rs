//! Shared by the runner's tests: small migrators of their own, connections through the
//! runner's builder, and the CLI run in-process with its output captured.

use std::time::Duration;

use migration_runner::{Access, Sources, Target};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

#[path = "migrators/m20240101_000001_widgets.rs"]
pub mod m20240101_000001_widgets;
#[path = "migrators/m20240101_000002_gadgets.rs"]
pub mod m20240101_000002_gadgets;
#[path = "migrators/m20240101_000003_name_widgets.rs"]
pub mod m20240101_000003_name_widgets;
#[path = "migrators/m20240101_000003_name_widgets_down_edited.rs"]
pub mod m20240101_000003_name_widgets_down_edited;
#[path = "migrators/m20240101_000003_name_widgets_edited.rs"]
pub mod m20240101_000003_name_widgets_edited;

pub const NAME_WIDGETS: &str = "m20240101_000003_name_widgets";

/// Three migrations: two tables, then a data-dependent one.
pub struct TestMigrator;

impl MigratorTrait for TestMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_widgets::Migration),
            Box::new(m20240101_000002_gadgets::Migration),
            Box::new(m20240101_000003_name_widgets::Migration),
        ]
    }
}

pub const SOURCES: Sources = migration_runner::migration_sources!(
    "tests/it/common/migrators" => m20240101_000001_widgets, m20240101_000002_gadgets, m20240101_000003_name_widgets,
);

/// The migrator with migration 3's per-row logic edited.
pub struct EditedMigrator;

impl MigratorTrait for EditedMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_widgets::Migration),
            Box::new(m20240101_000002_gadgets::Migration),
            Box::new(m20240101_000003_name_widgets_edited::Migration),
        ]
    }
}

pub const EDITED_SOURCES: Sources = Sources::new(&[
    (
        "m20240101_000001_widgets",
        include_str!("migrators/m20240101_000001_widgets.rs"),
    ),
    (
        "m20240101_000002_gadgets",
        include_str!("migrators/m20240101_000002_gadgets.rs"),
    ),
    (
        NAME_WIDGETS,
        include_str!("migrators/m20240101_000003_name_widgets_edited.rs"),
    ),
]);

/// The migrator with migration 3's `down` edited.
pub struct DownEditedMigrator;

impl MigratorTrait for DownEditedMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_widgets::Migration),
            Box::new(m20240101_000002_gadgets::Migration),
            Box::new(m20240101_000003_name_widgets_down_edited::Migration),
        ]
    }
}

pub const DOWN_EDITED_SOURCES: Sources = Sources::new(&[
    (
        "m20240101_000001_widgets",
        include_str!("migrators/m20240101_000001_widgets.rs"),
    ),
    (
        "m20240101_000002_gadgets",
        include_str!("migrators/m20240101_000002_gadgets.rs"),
    ),
    (
        NAME_WIDGETS,
        include_str!("migrators/m20240101_000003_name_widgets_down_edited.rs"),
    ),
]);

pub fn migration_names() -> Vec<String> {
    TestMigrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

pub fn migration_count() -> usize {
    TestMigrator::migrations().len()
}

/// Opens `url` with the runner's connection builder (one session).
pub async fn connect(url: &str) -> DatabaseConnection {
    Target::parse(url, Access::ReadWrite)
        .expect("target")
        .connect(Access::ReadWrite, Duration::from_secs(5))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

/// A pool of several sessions, like an application's.
pub async fn connect_pool(url: &str) -> DatabaseConnection {
    let mut options = sea_orm_migration::sea_orm::ConnectOptions::new(url);
    options.max_connections(4).sqlx_logging(false);
    sea_orm_migration::sea_orm::Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"))
}

pub async fn exec(conn: &DatabaseConnection, sql: &str) {
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

pub async fn strings(conn: &DatabaseConnection, sql: &str) -> Vec<String> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a string"))
        .collect()
}

/// Table names of the connection's schema (SQLite: the database).
pub async fn tables(conn: &DatabaseConnection) -> Vec<String> {
    let sql = match conn.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
        }
        sea_orm_migration::sea_orm::DbBackend::MySql => {
            "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1",
    };
    strings(conn, sql).await
}

/// The applied versions in `schema_table` (e.g. `seaql_migrations` or `app.seaql_migrations`).
pub async fn applied(conn: &DatabaseConnection, schema_table: &str) -> Vec<String> {
    strings(
        conn,
        &format!("SELECT version FROM {schema_table} ORDER BY version"),
    )
    .await
}

/// One in-process CLI run.
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs the CLI over `M` with `args`, capturing what it prints.
pub async fn cli<M: MigratorTrait>(args: &[&str]) -> Run {
    cli_with::<M, _>(SOURCES, args.iter().copied()).await
}

/// Runs the CLI over the test migrator with arguments given as OS strings (file names
/// need not be UTF-8).
pub async fn cli_os(args: Vec<std::ffi::OsString>) -> Run {
    cli_with::<TestMigrator, _>(SOURCES, args).await
}

/// Runs the CLI over `M`, whose migrations' source files are `sources`, with `args`
/// (after the program name), capturing what it prints.
pub async fn cli_with<M: MigratorTrait, T: Into<std::ffi::OsString> + Clone>(
    sources: Sources,
    args: impl IntoIterator<Item = T>,
) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let argv = std::iter::once(std::ffi::OsString::from("migration"))
        .chain(args.into_iter().map(Into::into));
    let code =
        migration_runner::cli::run_from::<M, _, _>(argv, sources, &mut stdout, &mut stderr).await;
    Run {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The name libtest gives the test function `name` of the module whose `module_path!()`
/// is `module`, as `--exact` wants it: the module path without this binary's name
/// (`kill::kill_child_cli`). For the tests that run this binary again as a child.
pub fn test_name(module: &str, name: &str) -> String {
    match module.split_once("::") {
        Some((_binary, path)) => format!("{path}::{name}"),
        None => name.to_owned(),
    }
}

/// Runs the ignored tests of `module` (its `module_path!()`) in a process of their own:
/// this test binary again, filtered to them; for tests whose traces are process-wide and
/// permanent (the passwords the CLI registers with `secret_redact`). Asserts that they ran
/// and passed, showing their output otherwise.
pub fn run_ignored_in_child(module: &str) {
    let filter = test_name(module, "");
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([filter.as_str(), "--ignored"])
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && !stdout.contains("running 0 tests"),
        "the tests of {filter} in a process of their own:\n{stdout}{stderr}"
    );
}

/// Asserts exit code 1 with exactly one `error:` line containing every needle.
pub fn assert_fails_with(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code, 1,
        "exit code; stdout: {} stderr: {}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {}", run.stderr);
    assert!(lines[0].starts_with("error: "), "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "'{needle}' missing from: {}",
            run.stderr
        );
    }
}

pub fn assert_ok(run: &Run) -> &str {
    assert_eq!(run.code, 0, "stdout: {} stderr: {}", run.stdout, run.stderr);
    &run.stdout
}

/// Every file and folder under `dir`, for "nothing was written" checks.
pub fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            found.push(path.display().to_string());
        }
    }
    found.sort();
    found
}
