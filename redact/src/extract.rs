//! Every password a driver could read in one connection target, by parsing it every way
//! a driver might (see [`secrets_of`]).

use std::collections::BTreeSet;

use crate::codec::{form_decode, percent_decode, scan_bare, scan_quoted};
use crate::rules::{key_before, names_a_secret};

/// How many ends a query value is tried with (each `&`, `;`, `#` or space may end it).
const MAX_QUERY_ENDS: usize = 64;

/// Every string a driver could read as a password in `target`, a connection target as a
/// user typed it: a URL (well-formed or not) or a libpq key/value conninfo string.
///
/// Over-reports on purpose: each reading below adds its password raw (as written) and
/// decoded (`%XX`, and `+` as a space where a query may mean it), duplicates removed:
/// - the url crate's parse: its password and every query value whose key names a secret;
/// - libpq's URI rule: the user-info ends at the first `@` (before the first `/`);
/// - the url crate's rule on raw text: the last `@` before the first `/`, `?` or `#`;
/// - the greedy rule: from `scheme://user:` (or `scheme:user:`, no `//`) to the last `@`
///   of the string (and of its first whitespace-delimited token);
/// - every `key=value` whose key names a secret (percent-decoded, any case: `password`,
///   `sslpassword`, `pass%77ord`, `PGPASSWORD`...): as a query value ending at each `&`,
///   `;`, `#`, space or the end, and as a libpq value (spaces around `=`, `'`-quoted with
///   `\'` and `\\` escapes, or unquoted with `\` escapes), raw and unescaped.
///
/// ```
/// use secret_redact::secrets_of;
/// assert!(secrets_of("postgres://app:pa/ss@db/app").contains(&"pa/ss".to_owned()));
/// assert!(secrets_of(r"host=db password = 'a\'b c'").contains(&"a'b c".to_owned()));
/// assert!(secrets_of("postgres://app@db/app?sslmode=disable").is_empty());
/// ```
pub fn secrets_of(target: &str) -> Vec<String> {
    let mut found = Found::default();
    url_crate_secrets(target, &mut found);
    for start in user_info_starts(target) {
        user_info_secrets(&target[start..], &mut found);
    }
    pair_secrets(target, &mut found);
    found.0.into_iter().collect()
}

/// The candidates found so far, without duplicates or empty strings.
#[derive(Default)]
struct Found(BTreeSet<String>);

impl Found {
    fn add(&mut self, secret: String) {
        if !secret.is_empty() {
            self.0.insert(secret);
        }
    }

    /// Adds `secret` as written and percent-decoded.
    fn add_encoded(&mut self, secret: &str) {
        self.add(secret.to_owned());
        self.add(percent_decode(secret));
    }

    /// Adds a query value as written, percent-decoded and form-decoded.
    fn add_query_value(&mut self, value: &str) {
        self.add_encoded(value);
        self.add(form_decode(value));
    }
}

/// The url crate's reading (what sqlx does).
fn url_crate_secrets(target: &str, found: &mut Found) {
    let Ok(url) = url::Url::parse(target) else {
        return;
    };
    if let Some(password) = url.password() {
        found.add_encoded(password);
    }
    for (key, value) in url.query_pairs() {
        if names_a_secret(&key) {
            found.add(value.into_owned());
        }
    }
}

/// Where a user-info may start: after a leading `scheme:` (with or without `//`) and
/// after every `://`.
fn user_info_starts(target: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = target.match_indices("://").map(|(i, _)| i + 3).collect();
    let trimmed = target.trim_start();
    let offset = target.len() - trimmed.len();
    let scheme_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
        .filter(|len| {
            trimmed
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_alphabetic)
                && *len > 0
        });
    if let Some(len) = scheme_len.filter(|len| trimmed[*len..].starts_with(':')) {
        starts.push(offset + len + 1);
    }
    starts
}

/// The user-info readings of `rest`, which follows `scheme://` or `scheme:`: the password
/// starts after the first `:` and ends at one of the `@` the rules above pick.
fn user_info_secrets(rest: &str, found: &mut Found) {
    let Some(colon) = rest.find(':') else {
        return;
    };
    let before = |stops: &[char]| rest.find(stops).map_or(rest, |end| &rest[..end]);
    let token = rest
        .find(char::is_whitespace)
        .map_or(rest, |end| &rest[..end]);
    let ends = [
        rest[colon..].find('@').map(|at| colon + at),
        before(&['/']).rfind('@'),
        before(&['/', '?', '#']).rfind('@'),
        token.rfind('@'),
        rest.rfind('@'),
    ];
    for at in ends.into_iter().flatten().filter(|at| *at > colon) {
        found.add_encoded(&rest[colon + 1..at]);
    }
}

/// The values of every `key=value` whose key names a secret, read as a query value and
/// as a libpq value.
fn pair_secrets(target: &str, found: &mut Found) {
    for (eq, _) in target.match_indices('=') {
        let (key, _) = key_before(target, eq);
        if key.is_empty() || !names_a_secret(key) {
            continue;
        }
        let value = &target[eq + 1..];
        query_values(value, found);
        libpq_value(value.trim_start(), found);
    }
}

/// `value` cut at each `&`, `;`, `#` or whitespace, and at its end.
fn query_values(value: &str, found: &mut Found) {
    let ends = value
        .char_indices()
        .filter(|(_, c)| matches!(c, '&' | ';' | '#') || c.is_whitespace())
        .map(|(i, _)| i)
        .take(MAX_QUERY_ENDS)
        .chain([value.len()]);
    for end in ends {
        found.add_query_value(&value[..end]);
    }
}

/// `value` read as libpq reads a value: quoted to the closing quote, else to the next
/// unescaped whitespace; raw and unescaped.
fn libpq_value(value: &str, found: &mut Found) {
    match value.chars().next() {
        Some(quote @ ('\'' | '"')) => {
            let inner = &value[1..];
            let (close, unescaped) = scan_quoted(inner, quote);
            found.add(inner[..close.unwrap_or(inner.len())].to_owned());
            found.add(unescaped);
        }
        _ => {
            let scanned = scan_bare(value, |_, _, c| c.is_whitespace());
            found.add(value[..scanned.end].to_owned());
            found.add(scanned.unescaped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::secrets_of;

    fn has(target: &str, secret: &str) -> bool {
        secrets_of(target).iter().any(|found| found == secret)
    }

    #[test]
    fn reads_every_user_info() {
        assert!(has("postgres://app:S3cret%40Pw@db/app", "S3cret%40Pw"));
        assert!(has("postgres://app:S3cret%40Pw@db/app", "S3cret@Pw"));
        assert!(has("postgres://app:pa/ss@db/app", "pa/ss"));
        assert!(has("postgres://app:p@ss@db/app", "p"));
        assert!(has("postgres://app:p@ss@db/app", "p@ss"));
        assert!(has("postgres:app:pw@db/app", "pw"));
        assert!(has("  postgres:app:p w@db/app", "p w"));
        assert!(has("postgres://app:a b@[::1]:5432/app", "a b"));
    }

    #[test]
    fn reads_every_pair() {
        assert!(has("postgres://db/app?password=a%26b", "a&b"));
        assert!(has("postgres://db/app?password=a+b", "a b"));
        assert!(has("postgres://db/app?password=a&b#c", "a&b#c"));
        assert!(has("postgres://db/app?pass%77ord=x1", "x1"));
        assert!(has("host=db password = 'a\\'b\\\\ c' user=x", "a'b\\ c"));
        assert!(has(
            "host=db password = 'a\\'b\\\\ c' user=x",
            "a\\'b\\\\ c"
        ));
        assert!(has("host=db PASSWORD=a\\ b user=x", "a b"));
        assert!(has("PGPASSWORD=x1", "x1"));
    }

    #[test]
    fn finds_nothing_where_there_is_none() {
        for target in [
            "sqlite://data/app.sqlite?mode=rwc",
            "sqlite::memory:",
            "postgres://app@localhost:5432/app",
            "postgres:///app?host=/tmp",
            "host=/tmp user=app dbname=app",
        ] {
            assert_eq!(secrets_of(target), Vec::<String>::new(), "{target}");
        }
    }
}
