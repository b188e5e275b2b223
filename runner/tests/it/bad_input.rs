//! The bad-input matrix: hostile and careless input to the CLI, each case asserting its
//! exit code and message, that no secret reaches stdout or stderr, and that a refused or
//! read-only command wrote nothing. Run in-process, so the output is exactly what the
//! CLI printed.

use std::path::Path;

use crate::common::*;
use conformance::Backend;
use pretty_assertions::assert_eq;
use rstest::rstest;

const SECRET: &str = "S3cretPw";

/// Runs `args` in a fresh folder (the default SQLite file would go there) and checks
/// the exit code, that every needle is in stderr, that no secret is anywhere in the
/// output, and that the folder is as it was.
async fn refused(args: &[&str], code: u8, needles: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let default = dir.path().join("data/app.sqlite").display().to_string();
    let mut all = vec!["--default-sqlite-path", default.as_str()];
    all.extend_from_slice(args);
    let before = listing(dir.path());
    let run = cli::<TestMigrator>(&all).await;
    assert_eq!(
        run.code, code,
        "{args:?}\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{args:?}: '{needle}' missing from: {}",
            run.stderr
        );
    }
    assert_no_secret(&run);
    assert_eq!(listing(dir.path()), before, "{args:?} wrote something");
    if code == 1 {
        assert_fails_with(&run, &[]);
    }
    run
}

fn assert_no_secret(run: &Run) {
    for secret in [SECRET, "S3cret%21Pw", "S3cret!Pw"] {
        assert!(
            !run.all().contains(secret),
            "secret in output: {}",
            run.all()
        );
    }
}

// --- URLs -------------------------------------------------------------------------

#[tokio::test]
async fn url_not_a_url() {
    refused(
        &["-u", "not a url", "status"],
        1,
        &["'not a url' is not a valid URL", "sqlite://PATH"],
    )
    .await;
}

#[tokio::test]
async fn url_malformed_port_with_password() {
    let run = refused(
        &[
            "-u",
            "postgres://app:S3cretPw@127.0.0.1:99999/app",
            "status",
        ],
        1,
        &[
            "is not a valid URL",
            "postgres://app:***@127.0.0.1:99999/app",
        ],
    )
    .await;
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[tokio::test]
async fn url_unsupported_backend() {
    refused(
        &["-u", "sqlserver://root:S3cretPw@localhost/app", "up"],
        1,
        &["unsupported backend 'sqlserver'", "root:***@localhost"],
    )
    .await;
}

#[tokio::test]
async fn url_mysql_without_a_database() {
    for url in [
        "mysql://root:S3cretPw@localhost",
        "mariadb://root:S3cretPw@localhost/",
    ] {
        refused(
            &["-u", url, "up"],
            1,
            &["it names no database", "root:***@localhost"],
        )
        .await;
    }
}

#[tokio::test]
async fn url_password_in_query_string() {
    let run = refused(
        &[
            "-u",
            "postgres://app@127.0.0.1:1/app?password=S3cretPw",
            "--connect-timeout",
            "2",
            "status",
        ],
        1,
        &["cannot connect to PostgreSQL postgres://app@127.0.0.1:1/app?password=***"],
    )
    .await;
    assert!(
        run.stdout
            .contains("database: PostgreSQL postgres://app@127.0.0.1:1/app?password=***"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn url_percent_encoded_password() {
    refused(
        &[
            "-u",
            "postgres://app:S3cret%21Pw@127.0.0.1:1/app",
            "--connect-timeout",
            "2",
            "up",
        ],
        1,
        &["cannot connect", "app:***@127.0.0.1:1"],
    )
    .await;
}

#[tokio::test]
async fn url_unix_socket_with_password() {
    refused(
        &[
            "-u",
            "postgres:///app?host=/nonexistent-socket-dir&password=S3cretPw",
            "--connect-timeout",
            "2",
            "status",
        ],
        1,
        &["cannot connect", "password=***"],
    )
    .await;
}

#[tokio::test]
async fn url_user_and_password_without_host() {
    refused(
        &["-u", "postgres://app:S3cretPw@/app", "status"],
        1,
        &["(empty host)", "app:***@"],
    )
    .await;
}

#[tokio::test]
async fn url_as_a_stray_argument_is_a_usage_error_without_the_secret() {
    refused(
        &["postgres://app:S3cretPw@localhost/app"],
        2,
        &["unrecognized subcommand", "app:***@"],
    )
    .await;
}

#[tokio::test]
async fn url_sqlite_naming_no_file() {
    refused(&["-u", "sqlite://", "status"], 1, &["names no file"]).await;
}

#[tokio::test]
async fn url_empty_falls_back_to_the_missing_default_file() {
    refused(
        &["-u", "", "status"],
        1,
        &["data/app.sqlite does not exist", "nothing was created"],
    )
    .await;
}

// --- Paths ----------------------------------------------------------------------

#[tokio::test]
async fn path_status_of_a_missing_default_database_creates_nothing() {
    refused(&["status"], 1, &["does not exist; nothing was created"]).await;
    refused(
        &["status", "--check"],
        1,
        &["does not exist; nothing was created"],
    )
    .await;
}

#[tokio::test]
async fn path_status_of_a_mistyped_sqlite_path_creates_nothing() {
    refused(
        &["-u", "sqlite:///nonexistent-folder/app.sqlite", "status"],
        1,
        &["/nonexistent-folder/app.sqlite does not exist"],
    )
    .await;
    assert!(!Path::new("/nonexistent-folder").exists());
}

#[tokio::test]
async fn path_up_into_a_missing_folder() {
    refused(
        &["-u", "sqlite:///nonexistent-folder/app.sqlite", "up"],
        1,
        &["the folder /nonexistent-folder does not exist"],
    )
    .await;
}

#[tokio::test]
async fn path_a_folder_instead_of_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().display());
    for command in ["up", "status"] {
        let run = cli::<TestMigrator>(&["-u", &url, command]).await;
        assert_fails_with(
            &run,
            &["is not a regular file, so it cannot be a SQLite database"],
        );
    }
    // A device either: nothing is created beside it (no `/dev/null.migration-lock`).
    let run = cli::<TestMigrator>(&["-u", "sqlite:///dev/null", "up"]).await;
    assert_fails_with(&run, &["/dev/null is not a regular file"]);
    assert!(!std::path::Path::new("/dev/null.migration-lock").exists());
}

#[tokio::test]
async fn path_a_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "not a database, just text ".repeat(100)).expect("write");
    let url = format!("sqlite://{}", file.display());
    for command in ["status", "up"] {
        let run = cli::<TestMigrator>(&["-u", &url, command]).await;
        assert_fails_with(&run, &["file is not a database"]);
    }
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "not a database, just text ".repeat(100)
    );
}

// --- Numbers --------------------------------------------------------------------

#[tokio::test]
async fn number_lock_timeout_past_u64_seconds_of_a_day() {
    refused(
        &["--lock-timeout", "18446744073709551615", "up"],
        2,
        &["at most 86400 seconds"],
    )
    .await;
}

#[tokio::test]
async fn number_connect_timeout_past_a_day() {
    refused(
        &["--connect-timeout", "18446744073709551615", "status"],
        2,
        &["at most 86400 seconds"],
    )
    .await;
    refused(
        &["--connect-timeout", "99999999999999999999999", "status"],
        2,
        &["at most 86400 seconds"],
    )
    .await;
}

#[tokio::test]
async fn number_negative_and_fractional_timeouts() {
    refused(
        &["--lock-timeout", "-1", "up"],
        2,
        &["unexpected argument '-1'"],
    )
    .await;
    refused(
        &["--lock-timeout=-1", "up"],
        2,
        &["'-1' is not a whole number of seconds"],
    )
    .await;
    refused(
        &["--lock-timeout", "1.5", "up"],
        2,
        &["'1.5' is not a whole number of seconds"],
    )
    .await;
}

#[tokio::test]
async fn number_up_zero_and_down_zero_create_nothing() {
    refused(&["up", "-n", "0"], 1, &["up -n 0 applies nothing"]).await;
    refused(&["down", "-n", "0"], 1, &["down -n 0: rolls back nothing"]).await;
}

#[tokio::test]
async fn number_counts_out_of_range() {
    refused(
        &["up", "-n", "4294967296"],
        2,
        &["invalid value '4294967296'"],
    )
    .await;
    refused(&["up", "-n", "-1"], 2, &["unexpected argument '-1'"]).await;
}

// --- Subcommands ----------------------------------------------------------------

#[tokio::test]
async fn subcommand_unknown() {
    refused(&["upp"], 2, &["unrecognized subcommand 'upp'"]).await;
    refused(&["status", "--chek"], 2, &["unexpected argument '--chek'"]).await;
    refused(&["accept-checksum"], 2, &["<VERSION>"]).await;
}

// --- Schemas (PostgreSQL) ---------------------------------------------------------

#[tokio::test]
async fn schema_injection_and_spellings() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    for (schema, needle) in [
        (
            "\"public\"; CREATE TABLE injected(x int); --",
            "invalid PostgreSQL schema name",
        ),
        ("public,public", "invalid PostgreSQL schema name"),
        ("", "the name is empty"),
        (&"s".repeat(64), "at most 63 bytes"),
    ] {
        for command in ["status", "up"] {
            let run = cli::<TestMigrator>(&["-u", &db.url, "-s", schema, command]).await;
            assert_fails_with(&run, &[needle]);
        }
    }
    for (schema, shown) in [
        ("nosuch", "nosuch"),
        ("NoSuch", "nosuch"),
        ("\"NoSuch\"", "NoSuch"),
    ] {
        for command in ["status", "up", "reset"] {
            let run = cli::<TestMigrator>(&["-u", &db.url, "-s", schema, command]).await;
            assert_fails_with(
                &run,
                &[&format!("the PostgreSQL schema \"{shown}\" does not exist")],
            );
        }
    }
    let schemas = strings(
        &db.conn,
        "SELECT nspname::text FROM pg_namespace WHERE nspname ILIKE 'nosuch'",
    )
    .await;
    assert!(schemas.is_empty(), "{schemas:?}");
    assert!(
        tables(&db.conn).await.is_empty(),
        "{:?}",
        tables(&db.conn).await
    );
    db.close().await.expect("close");
}

/// `-s` names a PostgreSQL schema: on SQLite and MySQL there is none to choose, so a
/// schema other than the default is refused before anything is opened, never ignored.
#[tokio::test]
async fn schema_on_a_backend_without_schemas_is_a_usage_error() {
    for command in [&["up"][..], &["status"], &["up", "--dry-run"], &["down"]] {
        let mut sqlite = vec!["-s", "app"];
        sqlite.extend_from_slice(command);
        refused(&sqlite, 2, &["-s app", "SQLite has no schemas"]).await;
        let mut mysql = vec![
            "-u",
            "mysql://root:S3cretPw@localhost:1/app",
            "-s",
            "tenant_1",
        ];
        mysql.extend_from_slice(command);
        refused(&mysql, 2, &["-s tenant_1", "a schema is a database"]).await;
    }
    // A terminal escape in the name is shown, not sent to the terminal.
    let run = refused(&["-s", "app\u{1b}[2J", "up"], 2, &["-s app\\u{1b}[2J"]).await;
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[tokio::test]
async fn postgres_database_that_does_not_exist() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_path("/no_such_database");
    url.set_password(Some(SECRET)).expect("password");
    let run = cli::<TestMigrator>(&["-u", url.as_str(), "status"]).await;
    assert_fails_with(&run, &["cannot connect to PostgreSQL", "no_such_database"]);
    assert_no_secret(&run);
    db.close().await.expect("close");
}

// --- Databases in odd states, on both backends -----------------------------------

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn odd_states(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let url = db.url.as_str();
    let names = migration_names();

    // status on an empty database writes nothing.
    let run = cli::<TestMigrator>(&["-u", url, "status", "--check"]).await;
    assert_fails_with(&run, &[&format!("{} migrations pending", names.len())]);
    assert!(
        tables(&db.conn).await.is_empty(),
        "status created {:?}",
        tables(&db.conn).await
    );

    // Versions that cannot be rolled back or accepted.
    assert_ok(&cli::<TestMigrator>(&["-u", url, "up", "-n", "1"]).await);
    let run = cli::<TestMigrator>(&["-u", url, "down", "-n", "99"]).await;
    assert_fails_with(
        &run,
        &["down -n 99: only 1 migration is applied; nothing was rolled back"],
    );
    let run = cli::<TestMigrator>(&["-u", url, "accept-checksum", "m_nope"]).await;
    assert_fails_with(&run, &["m_nope is not a migration of this binary"]);
    let run = cli::<TestMigrator>(&["-u", url, "accept-checksum", &names[2]]).await;
    assert_fails_with(&run, &[&format!("{} is not applied", names[2])]);
    let run = cli::<TestMigrator>(&["-u", url, "accept-checksum", &names[0]]).await;
    assert_fails_with(&run, &["already current; nothing to accept"]);

    // A version from a newer migrator: every command refuses, naming it.
    exec(
        &db.conn,
        "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m29990101_000000_future', 0)",
    )
    .await;
    for command in ["status", "up", "down", "reset", "fresh"] {
        let run = cli::<TestMigrator>(&["-u", url, command]).await;
        assert_fails_with(&run, &["does not know: m29990101_000000_future"]);
    }
    exec(
        &db.conn,
        "DELETE FROM seaql_migrations WHERE version = 'm29990101_000000_future'",
    )
    .await;

    // The lock held by another migrator.
    let held = migration_runner::lock(&db.conn, &migration_runner::Options::default())
        .await
        .expect("lock");
    let run = cli::<TestMigrator>(&["-u", url, "--lock-timeout", "0", "up"]).await;
    assert_fails_with(
        &run,
        &["timed out after 0 s waiting for the migration lock"],
    );
    held.release().await.expect("release");
    assert_eq!(applied(&db.conn, "seaql_migrations").await, names[..1]);
    db.close().await.expect("close");
}

/// The names of the entries of `dir`, as bytes.
fn names_in(dir: &Path) -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    names
}

/// `--default-sqlite-path` names a file byte for byte: no `%` escape decoded, no `?`
/// option read, no `file:` URI or `:memory:` recognised, any bytes the OS allows.
#[tokio::test]
async fn path_a_default_sqlite_path_is_a_path_byte_for_byte() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let names: Vec<Vec<u8>> = vec![
        b"a%41.sqlite".to_vec(),
        b"b.sqlite?mode=memory".to_vec(),
        b"file:c.sqlite?immutable=1".to_vec(),
        b"d#e f.sqlite".to_vec(),
        b":memory:".to_vec(),
        b"caf\xe9.sqlite".to_vec(),
    ];
    for name in names {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("data");
        let path = folder.join(std::ffi::OsStr::from_bytes(&name));
        let args = vec![
            "--default-sqlite-path".into(),
            path.clone().into_os_string(),
            "up".into(),
        ];
        let run = cli_os(args).await;
        let shown = String::from_utf8_lossy(&name).into_owned();
        assert_eq!(run.code, 0, "{shown}: {}{}", run.stdout, run.stderr);
        assert_eq!(
            names_in(&folder),
            vec![name.clone()],
            "{shown}: only that file"
        );
        let header = std::fs::read(&path).expect("read the database");
        assert!(header.starts_with(b"SQLite format 3\0"), "{shown}");
        // A second run finds it: the same file, not a new one.
        let args = vec![
            "--default-sqlite-path".into(),
            path.into_os_string(),
            "status".into(),
            "--check".into(),
        ];
        let run = cli_os(args).await;
        assert_eq!(run.code, 0, "{shown}: {}{}", run.stdout, run.stderr);
        let _ = OsStringExt::into_vec(std::ffi::OsString::new());
    }
}

/// In `-u sqlite://...` the path is percent-decoded, and the only option is `mode`.
#[tokio::test]
async fn url_sqlite_options_are_refused_but_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().display().to_string();
    for option in [
        "cache=shared",
        "mode=memory",
        "vfs=unix-none",
        "immutable=1",
        "mode=rwc&x=1",
    ] {
        let url = format!("sqlite://{base}/x.sqlite?{option}");
        let run = cli::<TestMigrator>(&["-u", &url, "up"]).await;
        assert_fails_with(&run, &["is not accepted", "mode=rwc, mode=rw or mode=ro"]);
    }
    let run = cli::<TestMigrator>(&["-u", &format!("sqlite://{base}/x.sqlite#frag"), "up"]).await;
    assert_fails_with(&run, &["fragment"]);
    assert!(names_in(dir.path()).is_empty(), "refused: nothing created");

    // mode=rw: the file must exist; mode=ro: read-only commands only.
    let run =
        cli::<TestMigrator>(&["-u", &format!("sqlite://{base}/x.sqlite?mode=rw"), "up"]).await;
    assert_fails_with(&run, &["does not exist"]);
    assert!(names_in(dir.path()).is_empty());
    let url = format!("sqlite://{base}/x%3Fy%25.sqlite?mode=rwc");
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up"]).await);
    assert_eq!(names_in(dir.path()), vec![b"x?y%.sqlite".to_vec()]);
    let ro = format!("sqlite://{base}/x%3Fy%25.sqlite?mode=ro");
    assert_fails_with(
        &cli::<TestMigrator>(&["-u", &ro, "down"]).await,
        &["mode=ro opens the database read-only"],
    );
    assert_ok(&cli::<TestMigrator>(&["-u", &ro, "status", "--check"]).await);
}

/// `status` and `--dry-run` on a WAL database create no `-wal` or `-shm` file, with and
/// without another connection open on it.
#[tokio::test]
async fn read_only_commands_create_no_file_on_a_wal_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("wal.sqlite");
    let url = format!("sqlite://{}", file.display());
    assert_ok(&cli::<TestMigrator>(&["-u", &url, "up", "-n", "2"]).await);
    let conn = connect(&url).await;
    exec(&conn, "PRAGMA journal_mode = WAL").await;
    conn.close().await.expect("close");
    assert_eq!(
        names_in(dir.path()),
        vec![b"wal.sqlite".to_vec()],
        "WAL files gone on close"
    );
    for args in [
        vec!["status"],
        vec!["status", "--check"],
        vec!["up", "--dry-run"],
        vec!["down", "--dry-run"],
    ] {
        let mut all = vec!["-u", url.as_str()];
        all.extend(args.iter().copied());
        let run = cli::<TestMigrator>(&all).await;
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        assert!(run.stdout.contains("database:"), "{args:?}: {}", run.stdout);
        assert!(
            !run.stderr.contains("error: cannot"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(
            names_in(dir.path()),
            vec![b"wal.sqlite".to_vec()],
            "{args:?} created a file"
        );
    }
    // A writer connected: its -wal and -shm exist; status reads through them.
    let writer = connect(&url).await;
    exec(&writer, "CREATE TABLE written_in_wal (id INTEGER)").await;
    let before = names_in(dir.path());
    let run = cli::<TestMigrator>(&["-u", &url, "status"]).await;
    assert!(
        assert_ok(&run).contains("2 applied, 1 pending"),
        "{}",
        run.stdout
    );
    assert_eq!(names_in(dir.path()), before);
    writer.close().await.expect("close");
}

/// A role that may not read the bookkeeping tables is told so, never "0 applied"; a
/// role without USAGE on the schema is refused before anything is read.
#[tokio::test]
async fn status_of_a_role_without_rights_fails_naming_the_privilege() {
    let Some(db) = conformance::fresh_database(Backend::Postgres).await else {
        return;
    };
    assert_ok(&cli::<TestMigrator>(&["-u", &db.url, "up", "-n", "2"]).await);
    let role = format!("reader_{}", std::process::id());
    exec(&db.conn, &format!("CREATE ROLE {role} LOGIN")).await;
    let mut url = url::Url::parse(&db.url).expect("url");
    url.set_username(&role).expect("user");
    url.set_password(None).expect("password");
    let url = url.to_string();
    let run = cli::<TestMigrator>(&["-u", &url, "status"]).await;
    if run.stderr.contains("authentication failed") {
        // A server given by CONFORMANCE_PG_URL need not trust a new role.
        eprintln!(
            "SKIPPED: the server does not let a new role in: {}",
            run.stderr
        );
        exec(&db.conn, &format!("DROP ROLE {role}")).await;
        return;
    }
    assert_fails_with(&run, &["permission denied", "seaql_migrations", "SELECT"]);
    assert!(!run.stdout.contains("0 applied"), "{}", run.stdout);
    exec(
        &db.conn,
        &format!("GRANT SELECT ON seaql_migrations TO {role}"),
    )
    .await;
    let run = cli::<TestMigrator>(&["-u", &url, "status"]).await;
    assert_fails_with(&run, &["permission denied", "migration_checksums"]);
    exec(
        &db.conn,
        &format!("GRANT SELECT ON migration_checksums TO {role}"),
    )
    .await;
    let run = cli::<TestMigrator>(&["-u", &url, "status"]).await;
    assert!(
        assert_ok(&run).contains("2 applied, 1 pending"),
        "{}",
        run.stdout
    );

    exec(&db.conn, "CREATE SCHEMA private").await;
    let run = cli::<TestMigrator>(&["-u", &url, "-s", "private", "status"]).await;
    assert_fails_with(
        &run,
        &["may not use the PostgreSQL schema \"private\"", "USAGE"],
    );
    exec(&db.conn, &format!("DROP OWNED BY {role}")).await;
    exec(&db.conn, &format!("DROP ROLE {role}")).await;
    db.close().await.expect("close");
}

/// A schema name with a tab, a line break or an escape is refused before connecting.
#[tokio::test]
async fn schema_with_control_characters_is_refused() {
    for schema in ["\"a\tb\"", "\"a\nb\"", "\"a\u{1b}[31mb\""] {
        refused(
            &[
                "-u",
                "postgres://app@127.0.0.1:1/app",
                "-s",
                schema,
                "status",
            ],
            1,
            &["contains a control character"],
        )
        .await;
    }
}

/// A PostgreSQL target is shown rebuilt from its parts: user, host, port, database, a
/// socket folder and a masked password, never the other options it carries.
#[tokio::test]
async fn url_shown_without_its_other_options() {
    let run = refused(
        &[
            "-u",
            "postgres://app@127.0.0.1:1/app?sslmode=disable&options=-c%20app.key%3DS3cretPw&password=x",
            "--connect-timeout",
            "0",
            "status",
        ],
        1,
        &["cannot connect to PostgreSQL postgres://app@127.0.0.1:1/app?password=***"],
    )
    .await;
    assert!(!run.all().contains("options"), "{}", run.all());
}
