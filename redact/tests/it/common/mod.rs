//! Passwords, targets and leak checks shared by the property tests, and the process of
//! their own that the tests registering secrets run in.

use proptest::collection::vec;
use proptest::prelude::*;

/// Characters that break parsers, drawn often.
const FORCED: [char; 14] = [
    '/', '?', '#', '@', ':', '=', '&', ';', '\'', '"', '\\', ' ', '%', '+',
];

/// A password character around the marker runs: printable ASCII, no capital letter
/// (capitals make up the runs, so that a run is never cut, nor masked, by chance).
fn filler() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::sample::select(&FORCED[..]),
        2 => (0x20u8..0x7f)
            .prop_filter("capitals make up the runs", |b| !b.is_ascii_uppercase())
            .prop_map(char::from),
    ]
}

/// A password of 6 to 24 printable ASCII characters with one or two runs of 6 random
/// capitals in it, which cannot appear in a message by chance.
pub fn password() -> impl Strategy<Value = String> {
    (
        vec(filler(), 0..6),
        "[A-Z]{6}",
        vec(filler(), 0..6),
        proptest::option::of("[A-Z]{6}"),
    )
        .prop_map(|(head, run, middle, tail)| {
            let mut password: String = head.into_iter().collect();
            password.push_str(&run);
            password.extend(middle);
            password.push_str(&tail.unwrap_or_default());
            password
        })
}

/// Every byte but letters, digits and `-._~` as `%XX`.
pub fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// As inside a libpq `'...'` value.
pub fn quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

/// As an unquoted libpq value.
pub fn bare(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c == '\\' || c == '\'' || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// URL targets with the password percent-encoded: the text rules alone must mask them.
pub fn encoded_urls(password: &str) -> Vec<String> {
    let e = encoded(password);
    vec![
        format!("postgres://app:{e}@db.example:5432/app"),
        format!("postgresql://app:{e}@[::1]:5432/app?sslmode=disable"),
        format!("postgres://app:{e}@/app?host=/tmp"),
        format!("postgres:app:{e}@db.example/app"),
        format!("postgres://app@db.example/app?sslmode=disable&password={e}"),
        format!("postgres:///app?host=/tmp&password={e}&application_name=x"),
        format!("postgres://db.example/app?user=app&pass%77ord={e}"),
    ]
}

/// URL targets with the password raw but without whitespace: the text rules alone must
/// mask them too (the user-info up to the last `@` of the token).
pub fn raw_urls_without_space(password: &str) -> Vec<String> {
    let p = password.replace(char::is_whitespace, "-");
    vec![
        format!("postgres://app:{p}@db.example:5432/app"),
        format!("postgres://app:{p}@[::1]:5432/app"),
        format!("postgres://app:{p}@/app?host=/tmp"),
        format!("postgres:app:{p}@db.example/app"),
    ]
}

/// URL targets with the password raw, anything in it: only the registry must mask them.
pub fn raw_urls(password: &str) -> Vec<String> {
    let p = password;
    vec![
        format!("postgres://app:{p}@db.example:5432/app"),
        format!("postgres://app:{p}@[::1]:5432/app"),
        format!("postgres://app:{p}@/app?host=/tmp"),
        format!("postgres:app:{p}@db.example/app"),
        format!("postgres://app@db.example/app?password={p}"),
        format!("postgres://app@db.example/app?password={p}&sslmode=disable"),
        format!("postgres:///app?host=/tmp&password={p}"),
    ]
}

/// libpq key/value targets, escaped as libpq requires: the text rules alone must mask
/// them.
pub fn key_values(password: &str) -> Vec<String> {
    let (q, b) = (quoted(password), bare(password));
    vec![
        format!("host=/tmp user=app password={b} dbname=app"),
        format!("host=/tmp user=app password='{q}' dbname=app"),
        format!("host=/tmp password = '{q}'"),
        format!("password = {b} host=/tmp"),
        format!("host=db.example sslpassword={b}"),
    ]
}

/// Messages that quote `target`.
pub fn messages(target: &str) -> Vec<String> {
    vec![
        format!("cannot connect to {target}: refused"),
        format!("error: \"{target}\"\nnext line"),
        target.to_owned(),
    ]
}

/// What of `password` shows in `shown`, if anything: the password, raw or encoded, or
/// any 4 characters of a run of letters and digits that holds a capital.
pub fn leak(shown: &str, password: &str) -> Option<String> {
    if shown.contains(password) {
        return Some(password.to_owned());
    }
    if shown.contains(&encoded(password)) {
        return Some(encoded(password));
    }
    let chars: Vec<char> = password.chars().collect();
    chars
        .windows(4)
        .filter(|w| w.iter().all(char::is_ascii_alphanumeric))
        .filter(|w| w.iter().any(char::is_ascii_uppercase))
        .map(|w| w.iter().collect::<String>())
        .find(|w| shown.contains(w.as_str()))
}

/// Runs the ignored tests of `module` (its `module_path!()`) in a process of their own:
/// this test binary again, filtered to them. The registry is process-wide and only
/// grows, so what a test registers is masked in every later test of its process; tests
/// that register run apart from the ones that expect text left as it is, and from each
/// other. Asserts that they ran and passed, showing their output otherwise.
pub fn run_ignored_in_child(module: &str) {
    let filter = match module.split_once("::") {
        Some((_binary, path)) => format!("{path}::"),
        None => panic!("{module} is not a module of the test binary"),
    };
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
