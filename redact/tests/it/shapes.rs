//! The text rules, shape by shape (nothing is ever registered in this test process: the
//! tests that register run in processes of their own), and the readings of `secrets_of`.

use secret_redact::{redact, secrets_of};

#[track_caller]
fn shows(text: &str, expected: &str) {
    assert_eq!(redact(text), expected, "redact({text:?})");
}

#[test]
fn masks_raw_characters_in_url_passwords() {
    shows("postgres://app:pa/ss@host/db", "postgres://app:***@host/db");
    shows("postgres://app:pa?ss@host/db", "postgres://app:***@host/db");
    shows("postgres://app:pa#ss@host/db", "postgres://app:***@host/db");
    shows("postgres://app:p@s:s@host/db", "postgres://app:***@host/db");
    shows(
        "postgres://app:pa/ss@[::1]:5432/db",
        "postgres://app:***@[::1]:5432/db",
    );
    shows(
        "postgres://app:pa/ss@/db?host=/tmp",
        "postgres://app:***@/db?host=/tmp",
    );
    shows(
        "cannot connect to postgres://app:pa/ss@host/db: refused",
        "cannot connect to postgres://app:***@host/db: refused",
    );
}

#[test]
fn masks_a_raw_space_in_a_url_password() {
    shows(
        "cannot connect to postgres://app:my pass@db/app: refused",
        "cannot connect to postgres://app:***@db/app: refused",
    );
    // A port is no password: nothing to mask up to a later '@'.
    let port = "listening on postgres://db:5432/app for app@example.com";
    shows(port, port);
}

#[test]
fn masks_urls_without_slashes() {
    shows("postgres:app:pw@host/db", "postgres:app:***@host/db");
    shows("postgres:app:p/w@host/db", "postgres:app:***@host/db");
    shows(
        "target=postgres:app:pw@host/db",
        "target=postgres:app:***@host/db",
    );
}

#[test]
fn masks_key_values_with_spaces_and_quotes() {
    shows(
        "host=/tmp password = S3cret dbname=app",
        "host=/tmp password = *** dbname=app",
    );
    shows(r"password='a\'b c' dbname=app", "password=*** dbname=app");
    shows(r"password = 'a\\' dbname=app", "password = *** dbname=app");
    shows(r"password=a\ b\'c dbname=app", "password=*** dbname=app");
    shows(r#"password="a \"b\" c" user=x"#, "password=*** user=x");
    shows(
        "password='never closed\nnext line",
        "password=***\nnext line",
    );
}

#[test]
fn masks_query_passwords_with_raw_separators() {
    shows(
        "postgres://db/app?password=a&b#c&sslmode=x",
        "postgres://db/app?password=***&sslmode=x",
    );
    shows(
        "postgres://db/app?password='a b'&x=1",
        "postgres://db/app?password=***&x=1",
    );
    shows(
        "postgres://db/app?password=a;b",
        "postgres://db/app?password=***",
    );
    shows(
        "postgres://db/app?pass%77ord=x1&a=1",
        "postgres://db/app?pass%77ord=***&a=1",
    );
    shows(
        "postgres://db/app?PASSWORD=x1",
        "postgres://db/app?PASSWORD=***",
    );
    shows(
        "jdbc:postgresql://db/app?user=app&password=x1",
        "jdbc:postgresql://db/app?user=app&password=***",
    );
}

#[test]
fn masks_other_secret_keys() {
    shows("PGPASSWORD=x1 psql", "PGPASSWORD=*** psql");
    shows("export PGPASSWORD='a b'", "export PGPASSWORD=***");
    shows(
        "Server=db;Password=x1;Database=app",
        "Server=db;Password=***;Database=app",
    );
    shows("--password=x1 --host=db", "--password=*** --host=db");
    shows(
        "sslpassword=x1 token=t1 api_key=k1",
        "sslpassword=*** token=*** api_key=***",
    );
}

#[test]
fn keeps_what_is_not_secret() {
    for text in [
        "sqlite://data/app.sqlite",
        "sqlite://data/app.sqlite?mode=rwc",
        "sqlite::memory:",
        "applied m1 (3 ms)",
        "SELECT a = b FROM t",
        "user@example.com",
        "postgres://app@localhost:5432/app",
        "postgres://localhost:5432/app?sslmode=disable",
        "postgres:///app?host=/tmp&user=app",
        "host=/tmp user=app dbname=app",
        "password authentication failed for user \"app\"",
        "at 12:30:00 UTC, see std::io::Error",
    ] {
        shows(text, text);
    }
}

#[track_caller]
fn reads(target: &str, secret: &str) {
    let found = secrets_of(target);
    assert!(
        found.iter().any(|s| s == secret),
        "{secret:?} not in {found:?} of {target:?}"
    );
}

#[test]
fn secrets_of_reads_every_interpretation() {
    // (a) the url crate: decoded and raw.
    reads("postgres://app:p%20w@db/app", "p w");
    reads("postgres://app:p%20w@db/app", "p%20w");
    // (b) libpq: the user-info ends at the first '@'; (c) greedy: at the last one.
    reads("postgres://app:p@w@db/app", "p");
    reads("postgres://app:p@w@db/app", "p@w");
    reads("postgres://app:p/w?#x@db/app", "p/w?#x");
    reads("postgres:app:p w@db/app", "p w");
    // (d) secret query parameters, any case, percent-encoded keys, decoded and raw.
    reads("postgres://db/app?PassWord=a%26b", "a&b");
    reads("postgres://db/app?PassWord=a%26b", "a%26b");
    reads("postgres://db/app?pass%77ord=a+b", "a b");
    reads("postgres://db/app?password=a&b#c d", "a");
    reads("postgres://db/app?password=a&b#c d", "a&b#c d");
    // (e) libpq key/value: spaces around '=', quotes, escapes; raw and unescaped.
    reads(r"host=db password = 'a\'b\\c d'", r"a\'b\\c d");
    reads(r"host=db password = 'a\'b\\c d'", r"a'b\c d");
    reads(r"host=db password=a\ b", "a b");
    assert!(secrets_of("").is_empty());
}
