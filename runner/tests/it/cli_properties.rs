//! No input makes the CLI panic: over arbitrary argument lists built from its own
//! vocabulary and hostile values, the exit code is always 0, 1 or 2, and the secret in
//! any URL given never reaches its output.
//!
//! In a process of their own (this test binary run again, by
//! [`in_a_process_of_their_own`]): the CLI registers the passwords of every target it is
//! given with `secret_redact`, process-wide and for good, and a password's readings may
//! take in the text after it (`...&sslmode=disable`, `' dbname=app`): here that would be
//! random text masked in the output every other test checks.

use crate::common::*;
use proptest::prelude::*;

const SECRET: &str = "S3cretPw";

/// One folder for every case: the databases the cases create carry over between them,
/// so later cases meet migrated, half-migrated and reset databases too.
static DIR: std::sync::LazyLock<tempfile::TempDir> =
    std::sync::LazyLock::new(|| tempfile::tempdir().expect("tempdir"));

fn root() -> String {
    DIR.path().display().to_string()
}

/// Words the CLI knows, and values that have broken CLIs before.
fn token() -> impl Strategy<Value = String> {
    let dir = root();
    let sqlite = format!("sqlite://{dir}/db.sqlite");
    let default = format!("{dir}/data/app.sqlite");
    prop_oneof![
        Just("up".to_owned()),
        Just("down".to_owned()),
        Just("status".to_owned()),
        Just("fresh".to_owned()),
        Just("refresh".to_owned()),
        Just("reset".to_owned()),
        Just("accept-checksum".to_owned()),
        Just("--check".to_owned()),
        Just("--allow-checksum-mismatch".to_owned()),
        Just("--dry-run".to_owned()),
        Just("-v".to_owned()),
        Just("-n".to_owned()),
        Just("-s".to_owned()),
        Just("--lock-timeout".to_owned()),
        Just("--connect-timeout".to_owned()),
        Just("--help".to_owned()),
        Just("-u".to_owned()),
        Just(sqlite),
        Just(format!("--default-sqlite-path={default}")),
        Just("sqlite::memory:".to_owned()),
        Just("postgres://app:S3cretPw@127.0.0.1:1/app".to_owned()),
        Just("postgres://app:S3cretPw@127.0.0.1:99999/app".to_owned()),
        Just("postgres:///app?host=/nonexistent&password=S3cretPw".to_owned()),
        Just("0".to_owned()),
        Just("1".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("-1".to_owned()),
        Just("".to_owned()),
        Just("\"public\"; DROP TABLE x; --".to_owned()),
        Just("m20240101_000001_widgets".to_owned()),
        "[ -~]{0,12}",
        any::<u64>().prop_map(|n| n.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "run in a process of its own by in_a_process_of_their_own"]
    fn the_exit_code_is_always_0_1_or_2(tokens in proptest::collection::vec(token(), 0..7)) {
        let root = root();
        // The default SQLite file (and --connect-timeout) first, so that an argument list
        // without its own stays in the temporary folder and fails fast; later arguments
        // may override both.
        let mut args = vec![
            format!("--default-sqlite-path={root}/data/app.sqlite"),
            "--connect-timeout=1".to_owned(),
        ];
        args.extend(tokens);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = runtime.block_on(cli::<TestMigrator>(&refs));
        prop_assert!(run.code <= 2, "{args:?} exited {}: {}", run.code, run.all());
        prop_assert!(!run.all().contains(SECRET), "{args:?} leaked: {}", run.all());
        if run.code == 1 {
            prop_assert!(run.stderr.starts_with("error: ") && run.stderr.lines().count() == 1, "{args:?}: {}", run.stderr);
        }
    }
}

/// A password of printable ASCII with the characters that break URL and conninfo parsing
/// forced in often, and one run of six capitals (no other capital in it) that cannot
/// appear in any output by chance: a partial leak shows as a piece of that run.
fn password() -> impl Strategy<Value = (String, String)> {
    let other = prop_oneof![
        proptest::sample::select(vec![
            '/', '?', '#', '@', ':', '=', '&', ';', '\'', '"', '\\', ' ', '%', '+'
        ]),
        proptest::char::range('!', '@'),
        proptest::char::range('[', '~'),
    ];
    (
        proptest::collection::vec(other.clone(), 0..6),
        "[A-Z]{6}",
        proptest::collection::vec(other, 0..6),
    )
        .prop_map(|(before, marker, after)| {
            let password: String = before
                .into_iter()
                .chain(marker.chars())
                .chain(after)
                .collect();
            (password, marker)
        })
}

/// Every shape a driver accepts a password in: URL user info (encoded and raw), a query
/// parameter (encoded and raw), `scheme:user:pw@` without `//`, an IPv6 host, libpq
/// key/value (bare, and quoted with escapes and spaces around `=`).
fn shapes(password: &str) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(password.as_bytes()).collect();
    let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
    vec![
        format!("postgres://app:{encoded}@127.0.0.1:1/app"),
        format!("postgres://app:{password}@127.0.0.1:1/app"),
        format!("postgres://app@127.0.0.1:1/app?sslmode=disable&password={encoded}"),
        format!("postgres://app@127.0.0.1:1/app?password={password}"),
        format!("postgres:app:{password}@127.0.0.1:1/app"),
        format!("postgresql://app:{encoded}@[::1]:1/app"),
        format!("host=127.0.0.1 port=1 user=app password={password}"),
        format!("host=127.0.0.1 port=1 password = '{quoted}' dbname=app"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    #[ignore = "run in a process of its own by in_a_process_of_their_own"]
    fn no_password_of_any_shape_reaches_any_output((password, marker) in password()) {
        let root = root();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let encoded: String = url::form_urlencoded::byte_serialize(password.as_bytes()).collect();
        for target in shapes(&password) {
            for command in [&["status"][..], &["up"], &["up", "--dry-run"], &["down"], &["fresh"]] {
                let mut args = vec![
                    format!("--default-sqlite-path={root}/data/app.sqlite"),
                    // Refused connections are retried until the timeout: 0 fails at once,
                    // with the target named in the message all the same.
                    "--connect-timeout=0".to_owned(),
                    "-u".to_owned(),
                    target.clone(),
                ];
                args.extend(command.iter().map(|c| (*c).to_owned()));
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                let run = runtime.block_on(cli::<TestMigrator>(&refs));
                let all = run.all();
                prop_assert!(run.code <= 2, "{args:?}: {all}");
                prop_assert!(!all.contains(&password), "{args:?} leaked the password: {all}");
                prop_assert!(!all.contains(&encoded), "{args:?} leaked it encoded: {all}");
                for piece in marker.as_bytes().windows(4) {
                    let piece = std::str::from_utf8(piece).expect("ascii");
                    prop_assert!(!all.contains(piece), "{args:?} leaked {piece:?} of it: {all}");
                }
            }
        }
    }
}

#[test]
fn in_a_process_of_their_own() {
    run_ignored_in_child(module_path!());
}
