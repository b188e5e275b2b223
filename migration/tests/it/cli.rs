//! The `migration` binary as users run it: the main job on the default SQLite file, every
//! subcommand, PostgreSQL by URL, and a one-line error (never a panic) for bad input.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::*;
use conformance::Backend;
use conformance::backends::PgSource;
use migration::sea_orm::DatabaseConnection;
use rstest::rstest;

#[test]
fn main_job_migrates_the_default_sqlite_file_then_finds_nothing_pending() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = assert_ok(&run(dir.path(), &[]));
    let file = dir.path().join("data/app.sqlite");
    assert!(
        file.is_file(),
        "default database created at {}",
        file.display()
    );
    assert!(
        first.contains(&format!("database: SQLite file {}", file.display())),
        "{first}"
    );
    assert!(
        first.contains("applied m20250101_000000_extensions"),
        "{first}"
    );
    assert!(first.contains("applied m20250101_000013_apps"), "{first}");
    assert!(
        first.contains(&format!(
            "{} migrations applied, 0 pending",
            migration_count()
        )),
        "{first}"
    );

    let second = assert_ok(&run(dir.path(), &[]));
    assert!(
        second.contains(&format!(
            "nothing pending: all {} migrations are applied",
            migration_count()
        )),
        "{second}"
    );
}

#[test]
fn a_closed_stdout_does_not_stop_the_run_half_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Like `cargo run -p migration | head -1`: the reader is gone before the first line.
    let mut child = command(dir.path(), &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let status = assert_ok(&run(dir.path(), &["status", "--check"]));
    assert!(
        status.contains(&format!("{} applied, 0 pending", migration_count())),
        "{status}"
    );
}

#[test]
fn every_subcommand_works_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let url = url.as_str();

    let out = assert_ok(&run(dir.path(), &["-u", url, "up", "-n", "3"]));
    assert!(
        out.contains(&format!(
            "3 migrations applied, {} pending",
            migration_count() - 3
        )),
        "{out}"
    );

    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(
        &out,
        &[
            &format!("{} migrations pending", migration_count() - 3),
            "m20250101_000003_model_metadata",
        ],
    );
    assert!(stdout(&out).contains("pending  m20250101_000013_apps"));

    let out = assert_ok(&run(dir.path(), &["-u", url, "status"]));
    assert!(
        out.contains("applied  m20250101_000002_api_model_aliases"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "3 applied, {} pending, 0 unknown",
            migration_count() - 3
        )),
        "{out}"
    );

    assert_ok(&run(dir.path(), &["-u", url, "up"]));
    assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));

    let out = assert_ok(&run(dir.path(), &["-u", url, "down"]));
    assert!(out.contains("rolled back m20250101_000013_apps"), "{out}");
    let out = assert_ok(&run(dir.path(), &["-u", url, "down", "-n", "2"]));
    assert!(
        out.contains("rolled back m20250101_000012_settings"),
        "{out}"
    );
    assert!(
        out.contains("rolled back m20250101_000011_mcp_oauth"),
        "{out}"
    );

    let out = assert_ok(&run(dir.path(), &["-u", url, "refresh"]));
    assert!(
        out.contains("rolled back m20250101_000000_extensions"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{} migrations applied, 0 pending",
            migration_count()
        )),
        "{out}"
    );

    let out = assert_ok(&run(dir.path(), &["-u", url, "fresh"]));
    assert!(
        out.contains(&format!("applied all {} migrations", migration_count())),
        "{out}"
    );
    assert_ok(&run(dir.path(), &["-u", url, "status", "--check"]));

    let out = assert_ok(&run(dir.path(), &["-u", url, "reset"]));
    assert!(
        out.contains(&format!("{} migrations rolled back", migration_count())),
        "{out}"
    );
    let out = run(dir.path(), &["-u", url, "status", "--check"]);
    assert_fails_with(
        &out,
        &[&format!("{} migrations pending", migration_count())],
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn runs_on_the_database_url_given(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_migration"))
        .current_dir(dir.path())
        .env("DATABASE_URL", &db.url)
        .output()
        .expect("run");
    let text = assert_ok(&out);
    assert!(
        text.contains(&format!("{} migrations applied", migration_count())),
        "{text}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "no default SQLite file when a URL is given"
    );
    assert_eq!(actual_schema(&db.conn).await, expected_schema(backend));
    if backend == Backend::Postgres {
        assert!(text.contains("database: PostgreSQL postgres://"), "{text}");
    }
    db.close().await.expect("close");
}

#[test]
fn malformed_url_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["-u", "not a url", "status"]);
    assert_fails_with(&out, &["'not a url' is not a valid URL", "sqlite://PATH"]);
}

#[test]
fn unsupported_backend_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["-u", "sqlserver://root:secret@localhost/app"]);
    assert_fails_with(
        &out,
        &["unsupported backend 'sqlserver'", "root:***@localhost"],
    );
    assert!(!stderr(&out).contains("secret"), "password leaked");
}

#[test]
fn missing_sqlite_folder_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no/such/folder/app.db");
    let out = run(
        dir.path(),
        &["-u", &format!("sqlite://{}", missing.display())],
    );
    assert_fails_with(
        &out,
        &[
            "does not exist",
            &dir.path().join("no/such/folder").display().to_string(),
        ],
    );
    assert!(!dir.path().join("no").exists(), "nothing created");
}

#[test]
fn unreachable_server_fails_fast_with_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Port 1 on loopback: nothing listens there.
    let out = run(
        dir.path(),
        &[
            "-u",
            "postgres://app:pw@127.0.0.1:1/app",
            "--connect-timeout",
            "2",
            "status",
        ],
    );
    assert_fails_with(
        &out,
        &[
            "cannot connect to PostgreSQL postgres://app:***@127.0.0.1:1/app",
            "server is running",
        ],
    );
}

#[test]
fn down_past_the_first_migration_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&run(dir.path(), &[]));
    let past = (migration_count() + 1).to_string();
    let out = run(dir.path(), &["down", "-n", &past]);
    assert_fails_with(
        &out,
        &[
            &format!("down -n {past}"),
            &format!("only {} migrations are applied", migration_count()),
            "nothing was rolled back",
        ],
    );
    let out = run(dir.path(), &["down", "-n", "0"]);
    assert_fails_with(&out, &["down -n 0"]);
    let status = assert_ok(&run(dir.path(), &["status"]));
    assert!(
        status.contains(&format!("{} applied, 0 pending", migration_count())),
        "{status}"
    );
}

#[tokio::test]
async fn unknown_applied_versions_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_ok(&run(dir.path(), &["up", "-n", "2"]));
    let file = dir.path().join("data/app.sqlite");
    let conn = connect(&format!("sqlite://{}", file.display())).await;
    exec(
        &conn,
        "INSERT INTO seaql_migrations VALUES ('m20990101_000000_from_the_future', 0)",
    )
    .await
    .expect("insert");
    conn.close().await.expect("close");
    for args in [
        &[][..],
        &["down"][..],
        &["status"][..],
        &["status", "--check"][..],
        &["fresh"][..],
        &["reset"][..],
    ] {
        let out = run(dir.path(), args);
        assert_fails_with(&out, &["does not know: m20990101_000000_from_the_future"]);
    }
    let out = run(dir.path(), &["status"]);
    assert!(
        stdout(&out).contains(&format!(
            "2 applied, {} pending, 1 unknown",
            migration_count() - 2
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["upp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unrecognized subcommand 'upp'"),
        "{}",
        stderr(&out)
    );
}

/// Runs the binary as a user that permissions apply to. The tests run as root, which
/// ignores permission bits, so as root the binary runs as `nobody` (uid and gid 65534;
/// root's only supplementary group, 0, is given no write bit below).
fn run_unprivileged(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt;
    let mut command = command(dir, args);
    let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if is_root {
        command.uid(65534).gid(65534);
    }
    command.output().expect("run the migration binary")
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test]
async fn sqlite_in_a_read_only_folder_fails_in_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o755);
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).expect("mkdir");
    let file = folder.join("app.db");
    let url = format!("sqlite://{}", file.display());
    assert_ok(&run(dir.path(), &["-u", &url, "up", "-n", "2"]));
    let conn = connect(&url).await;
    let before = conformance::catalog::dump(&conn)
        .await
        .expect("dump")
        .to_string();
    chmod(&folder, 0o555);

    // A new database cannot be created there.
    let new = folder.join("new.db");
    let out = run_unprivileged(dir.path(), &["-u", &format!("sqlite://{}", new.display())]);
    assert_fails_with(
        &out,
        &[
            &format!("cannot connect to SQLite file {}", new.display()),
            "unable to open database file",
            "writable",
        ],
    );
    assert!(!new.exists());

    // An existing one this user may read but not write: the lock (a `flock` on the
    // database file, opened read-only) is taken, creates nothing, and the first migration
    // fails inside its transaction.
    let out = run_unprivileged(dir.path(), &["-u", &url, "up"]);
    assert_fails_with(
        &out,
        &[
            "applying m20250101_000002_api_model_aliases failed",
            "readonly database",
        ],
    );
    assert!(!Path::new(&format!("{}.migration-lock", file.display())).exists());

    // Database writable, folder not: SQLite cannot create its journal, so the first
    // migration fails inside its transaction.
    chmod(&file, 0o666);
    let out = run_unprivileged(dir.path(), &["-u", &url, "up"]);
    assert_fails_with(
        &out,
        &[
            "applying m20250101_000002_api_model_aliases failed",
            "readonly database",
        ],
    );

    let after = conformance::catalog::dump(&conn)
        .await
        .expect("dump")
        .to_string();
    assert_eq!(after, before, "no partial write");
    assert_eq!(versions(&conn).await.len(), 2);
    conn.close().await.expect("close");
    chmod(&folder, 0o755);
}

/// Requires a password for one new role by putting a line for it first in the test
/// server's `pg_hba.conf`, which otherwise trusts every connection (so a wrong password
/// could never fail). Only on a server the harness started: a server given by
/// `CONFORMANCE_PG_URL` is not ours to reconfigure.
struct PasswordRole {
    name: String,
    hba_file: String,
    original: Vec<String>,
}

impl PasswordRole {
    async fn create(conn: &DatabaseConnection, password: &str) -> Self {
        let name = format!("password_test_{}", std::process::id());
        exec(
            conn,
            &format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"),
        )
        .await
        .expect("create role");
        let hba_file = strings(conn, "SELECT current_setting('hba_file') AS f", "f")
            .await
            .remove(0);
        let original: Vec<String> = strings(
            conn,
            "SELECT pg_read_file(current_setting('hba_file')) AS content",
            "content",
        )
        .await
        .remove(0)
        .lines()
        .map(str::to_owned)
        .collect();
        let mut lines = vec![format!("host all {name} all scram-sha-256")];
        lines.extend(original.iter().cloned());
        write_hba(conn, &hba_file, &lines).await;
        Self {
            name,
            hba_file,
            original,
        }
    }

    async fn remove(self, conn: &DatabaseConnection) {
        write_hba(conn, &self.hba_file, &self.original).await;
        exec(conn, &format!("DROP ROLE {}", self.name))
            .await
            .expect("drop role");
    }
}

/// Writes `lines` to the server's `pg_hba.conf` (as the server, through COPY) and reloads.
async fn write_hba(conn: &DatabaseConnection, file: &str, lines: &[String]) {
    exec(
        conn,
        "CREATE TEMP TABLE IF NOT EXISTS hba_lines (n int, line text)",
    )
    .await
    .expect("temp table");
    exec(conn, "DELETE FROM hba_lines").await.expect("clear");
    for (n, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line = line.replace('\'', "''");
        exec(
            conn,
            &format!("INSERT INTO hba_lines VALUES ({n}, '{line}')"),
        )
        .await
        .expect("insert line");
    }
    // CSV with a delimiter and a quote that never occur: each line is written verbatim.
    exec(
        conn,
        &format!(
            "COPY (SELECT line FROM hba_lines ORDER BY n) TO '{file}' \
             WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
        ),
    )
    .await
    .expect("write pg_hba.conf");
    exec(conn, "SELECT pg_reload_conf()").await.expect("reload");
    assert_eq!(
        count(
            conn,
            "SELECT COUNT(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"
        )
        .await,
        0,
        "pg_hba.conf parses"
    );
}

/// Waits until the server (which reloads asynchronously) refuses `url`.
async fn until_refused(url: &str) {
    for _ in 0..50 {
        match try_connect(url).await {
            Err(_) => return,
            Ok(conn) => {
                let _ = conn.close().await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("the server still accepts a wrong password");
}

#[tokio::test]
async fn wrong_postgres_password_is_refused_with_a_hint() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let server = conformance::backends::postgres_server().expect("server");
    if let PgSource::Url = server.source {
        eprintln!(
            "SKIPPED wrong_postgres_password: the server from CONFORMANCE_PG_URL is not ours to reconfigure"
        );
        db.close().await.expect("close");
        return;
    }
    let role = PasswordRole::create(&db.conn, "right-password").await;
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_username(&role.name).expect("user");
    url.set_password(Some("wrong-password")).expect("password");
    until_refused(url.as_str()).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &["-u", url.as_str(), "up"]);
    assert_fails_with(
        &out,
        &[
            &format!("cannot connect to PostgreSQL postgres://{}:***@", role.name),
            "password authentication failed",
            "check the user name and password in the URL",
        ],
    );
    assert!(!stderr(&out).contains("wrong-password"), "password leaked");
    assert!(!stdout(&out).contains("wrong-password"), "password leaked");

    // The control: the right password gets in, so it was the password that failed.
    url.set_password(Some("right-password")).expect("password");
    let text = assert_ok(&run(dir.path(), &["-u", url.as_str(), "status"]));
    assert!(
        text.contains(&format!("0 applied, {} pending", migration_count())),
        "{text}"
    );

    role.remove(&db.conn).await;
    db.close().await.expect("close");
}

#[test]
fn no_shape_of_password_reaches_the_binarys_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [
        "postgres://app:S3cretPw@127.0.0.1:99999/app",
        "postgres://app@127.0.0.1:1/app?password=S3cretPw",
        "postgres://app:S3cret%21Pw@127.0.0.1:1/app",
        "postgres:///app?host=/nonexistent-socket-dir&password=S3cretPw",
        "postgres://app:S3cretPw@/app",
    ] {
        for args in [
            vec!["-u", url, "--connect-timeout", "2", "status"],
            vec!["-u", url, "--connect-timeout", "2", "up"],
            vec![url],
        ] {
            let out = run(dir.path(), &args);
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}: {all}");
            for secret in ["S3cretPw", "S3cret%21Pw", "S3cret!Pw"] {
                assert!(!all.contains(secret), "{args:?} leaked: {all}");
            }
        }
    }
}

/// The statements a dry run printed, per migration, in order.
fn planned(out: &str) -> Vec<(String, Vec<String>)> {
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    for line in out.lines() {
        if let Some((name, _)) = line.strip_prefix("-- m").and_then(|h| h.split_once(": ")) {
            found.push((format!("m{name}"), Vec::new()));
        } else if !(line.is_empty() || line.starts_with("--") || line.starts_with("database: ")) {
            found
                .last_mut()
                .expect("a migration first")
                .1
                .push(line.to_owned());
        }
    }
    found
}

/// The statements `-v` printed as sent by each migration (not the runner's), in order.
fn ran(out: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut current = Vec::new();
    for line in out.lines() {
        if let Some((_, sql)) = line.split_once(" ms  ").filter(|_| line.starts_with("  ")) {
            if !sql.starts_with("[runner] ") {
                current.push(sql.to_owned());
            }
        } else if let Some((name, _)) = line
            .strip_prefix("applied ")
            .and_then(|rest| rest.split_once(" ("))
        {
            found.push((name.to_owned(), std::mem::take(&mut current)));
        }
    }
    found
}

/// The acceptance: on a fresh database `up --dry-run` prints every migration's
/// SQL for that backend and leaves the database empty; `up -v` then shows that SQL
/// running.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn up_dry_run_prints_every_migrations_sql_and_up_v_runs_exactly_that(
    #[case] backend: Backend,
) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let printed = assert_ok(&run(dir.path(), &["-u", &db.url, "up", "--dry-run"]));
    assert_eq!(
        actual_schema(&db.conn).await.tables.len(),
        0,
        "the dry run created nothing: {printed}"
    );
    let plan = planned(&printed);
    assert_eq!(plan.len(), migration_count(), "{printed}");
    assert!(
        plan.iter().any(|(_, sql)| sql
            .iter()
            .any(|s| s.starts_with("CREATE TABLE \"settings\""))),
        "{printed}"
    );
    let shown = assert_ok(&run(dir.path(), &["-u", &db.url, "-v", "up"]));
    assert_eq!(ran(&shown), plan, "{shown}");
    assert_eq!(actual_schema(&db.conn).await, expected_schema(backend));
    db.close().await.expect("close");
}

/// Like `sea-orm-cli migrate generate` from a workspace root: the crate is found in
/// `migration/`, and the next steps are printed.
#[test]
fn generate_finds_the_migration_crate_from_the_workspace_root_and_from_inside_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let crate_dir = root.path().join("migration");
    let migrations = crate_dir.join("src/migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["Cargo.toml", "src/lib.rs", "src/migrations/mod.rs"] {
        std::fs::copy(manifest.join(file), crate_dir.join(file)).expect("copy");
    }
    let out = assert_ok(&run(root.path(), &["generate", "add_widget"]));
    assert!(out.contains("created migration/src/migrations/m"), "{out}");
    assert!(out.contains("make snapshots"), "{out}");
    let out = assert_ok(&run(
        &crate_dir,
        &["generate", "add_gadget", "--universal-time"],
    ));
    assert!(out.contains("created src/migrations/m"), "{out}");
    let modules = std::fs::read_to_string(migrations.join("mod.rs")).expect("mod.rs");
    // Both last, in the order of their names (the same second sorts by name).
    let added: Vec<&str> = modules.lines().rev().take(2).collect();
    assert!(
        added.iter().any(|l| l.ends_with("_add_gadget;"))
            && added.iter().any(|l| l.ends_with("_add_widget;")),
        "{modules}"
    );
    assert!(
        !root.path().join("data").exists(),
        "generate touches no database"
    );
}

/// The README's CLI reference and `--help` name the same subcommands and flags.
#[test]
fn the_readme_cli_reference_matches_help() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("## The migration CLI").expect("the section");
    let section = &readme[start..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];

    let dir = tempfile::tempdir().expect("tempdir");
    let help = |args: &[&str]| assert_ok(&run(dir.path(), args));
    let main = help(&["--help"]);
    let commands: Vec<String> = main
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| *word != "help")
        .map(str::to_owned)
        .collect();
    assert!(commands.len() >= 8, "{main}");
    let mut helps = vec![main.clone()];
    for command in &commands {
        assert!(
            section.contains(&format!("`{command}")),
            "README's CLI section lacks the subcommand {command}"
        );
        helps.push(help(&[command.as_str(), "--help"]));
    }
    let flags = |text: &str| -> std::collections::BTreeSet<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|word| {
                word.strip_prefix("--")
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
            })
            .map(str::to_owned)
            .collect()
    };
    let in_help: std::collections::BTreeSet<String> = helps.iter().flat_map(|h| flags(h)).collect();
    let in_readme = flags(section);
    let missing: Vec<&String> = in_help.difference(&in_readme).collect();
    assert!(
        missing.is_empty(),
        "flags of --help missing from the README: {missing:?}"
    );
    let stale: Vec<&String> = in_readme.difference(&in_help).collect();
    assert!(
        stale.is_empty(),
        "README flags that --help does not know: {stale:?}"
    );
    for short in ["-u", "-s", "-v", "-n", "-h"] {
        assert!(
            helps.iter().any(|h| h.contains(&format!("{short}, --"))),
            "{short} missing from help"
        );
        assert!(
            section.contains(&format!("`{short}")),
            "{short} missing from the README"
        );
    }
}

/// `--help` names the environment variables but never prints their values: a
/// `DATABASE_URL` with a password stays out of the help text.
#[test]
fn help_never_prints_environment_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["--help"][..], &["up", "--help"], &["status", "-h"]] {
        let out = binary::command(dir.path(), args)
            .env("DATABASE_URL", "postgres://app:HelpLeak9@db/app")
            .env("DATABASE_SCHEMA", "SchemaValue7")
            .env("MIGRATION_SQLITE_PATH", "/tmp/PathValue5.sqlite")
            .output()
            .expect("run");
        let text = assert_ok(&out);
        assert!(text.contains("DATABASE_URL"), "{text}");
        for value in ["HelpLeak9", "SchemaValue7", "PathValue5"] {
            assert!(!text.contains(value), "{args:?} printed {value}: {text}");
        }
    }
}
