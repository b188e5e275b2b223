//! The text rules: where a password sits in free text, found without knowing it. Each
//! rule adds the byte ranges to mask; ranges may overlap (the caller merges them).

use std::ops::Range;

use crate::codec::{scan_bare, scan_quoted};

/// Key words that make a `key=value` pair secret (matched in the percent-decoded,
/// lower-cased key, anywhere in it: `sslpassword`, `PGPASSWORD`, `pass%77ord`).
const SECRET_KEYS: [&str; 9] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "credential",
];

/// Adds the range of every password the text rules find in `text`.
pub(crate) fn secret_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    user_info_ranges(text, out);
    bare_user_info_ranges(text, out);
    pair_ranges(text, out);
}

/// Whether `key` (as written: percent-encoded or not, any case) names a secret.
pub(crate) fn names_a_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let decoded = crate::codec::form_decode(key).to_ascii_lowercase();
    SECRET_KEYS
        .iter()
        .any(|secret| lower.contains(secret) || decoded.contains(secret))
}

/// How far back from a `=` a key is read (a longer one is read from its end).
const MAX_KEY_LEN: usize = 128;

/// The key written before the `=` at `eq` (spaces between them allowed), and whether it
/// is a URL query or `;`-separated key (after `?`, `&` or `;`) rather than a libpq one.
pub(crate) fn key_before(text: &str, eq: usize) -> (&str, bool) {
    let before = text[..eq].trim_end_matches([' ', '\t']);
    let mut start = 0;
    let mut query = false;
    for (read, (i, c)) in before.char_indices().rev().enumerate() {
        if c == '?' || c == '&' || c == ';' || c.is_whitespace() {
            start = i + c.len_utf8();
            query = !c.is_whitespace();
            break;
        }
        if read == MAX_KEY_LEN {
            start = i;
            break;
        }
    }
    (&before[start..], query)
}

/// The whitespace-delimited tokens of `text`, each with where it starts.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + text[from..].find(|c: char| !c.is_whitespace())?;
        let end = text[start..]
            .find(char::is_whitespace)
            .map_or(text.len(), |i| start + i);
        from = end;
        Some((start, &text[start..end]))
    })
}

/// `scheme://user:password@`: the password runs from the first `:` of the token after
/// `://` to its last `@` (a raw `/`, `?`, `#`, `:` or `@` in the password is masked along,
/// and so may be some host: over-masking, never a leak). Without any `@` in the token, the
/// password may hold a raw space: see [`spaced_password_end`].
fn user_info_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    for (start, token) in tokens(text) {
        let last_at = token.rfind('@');
        for (found, _) in token.match_indices("://") {
            let user = found + 3;
            let Some(colon) = token[user..].find(':').map(|i| user + i) else {
                break;
            };
            let at = match last_at {
                Some(at) => Some(start + at),
                None => spaced_password_end(text, start + user, colon - user, start + token.len()),
            };
            if let Some(at) = at.filter(|at| *at > start + colon + 1) {
                out.push(start + colon + 1..at);
            }
            if last_at.is_some() {
                // A later `://` has its first `:` no sooner: its range is inside this one.
                break;
            }
        }
    }
}

/// The `@` that ends a password with a raw space in it (`postgres://app:my pw@db/app`):
/// the last `@` of the next token of the line that has one, unless what follows the
/// `user:` looks like a port (`localhost:5432/app`), the `user` like no user
/// (`[::1]`, `host/path`), or another URL comes first.
fn spaced_password_end(text: &str, start: usize, colon: usize, end: usize) -> Option<usize> {
    let user = &text[start..start + colon];
    let after = &text[start + colon + 1..end];
    let port = after.split(['/', '?', '#']).next().unwrap_or_default();
    let looks_like_port =
        after.is_empty() || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if user.is_empty() || user.contains(['/', '[', ']', '?', '#']) || looks_like_port {
        return None;
    }
    let rest = &text[end..];
    let mut read = 0;
    for (token_start, token) in tokens(rest) {
        if rest[read..token_start].contains('\n') || token.contains("://") {
            return None;
        }
        if let Some(at) = token.rfind('@') {
            return Some(end + token_start + at);
        }
        read = token_start + token.len();
    }
    None
}

/// `scheme:user:password@host` (no `//`, which sqlx and the url crate accept): the
/// password runs from the second `:` to the last `@` of the token.
fn bare_user_info_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    let is_scheme_byte = |b: u8| b.is_ascii_alphanumeric() || b"+.-".contains(&b);
    for (start, token) in tokens(text) {
        let Some(last_at) = token.rfind('@') else {
            continue;
        };
        let bytes = token.as_bytes();
        for (colon, _) in token[..last_at].match_indices(':') {
            let scheme_start = bytes[..colon]
                .iter()
                .rposition(|b| !is_scheme_byte(*b))
                .map_or(0, |i| i + 1);
            if !bytes.get(scheme_start).is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let rest = &token[colon + 1..last_at];
            let Some(user_end) = rest.find([':', '/', '@', '?', '#']) else {
                continue;
            };
            if user_end > 0 && rest.as_bytes()[user_end] == b':' && user_end + 1 < rest.len() {
                out.push(start + colon + 1 + user_end + 1..start + last_at);
            }
        }
    }
}

/// `key=value` and `key = value` whose key names a secret: a quoted value (`'` or `"`,
/// with `\` escapes) to its closing quote and on to the next space, an unquoted one to the
/// next unescaped space; after `?`, `&` or `;` also to the next `&`/`;` that starts
/// another `key=` (so a raw `&` or `#` in a query password is masked along).
fn pair_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    let mut masked_to = 0;
    for (eq, _) in text.match_indices('=') {
        if eq < masked_to {
            // Inside a value already masked: any secret there is masked with it.
            continue;
        }
        let (key, query) = key_before(text, eq);
        if key.is_empty() || !names_a_secret(key) {
            continue;
        }
        let after = &text[eq + 1..];
        let start = eq + 1 + (after.len() - after.trim_start_matches([' ', '\t']).len());
        let end = start + value_end(&text[start..], query);
        if end > start {
            out.push(start..end);
            masked_to = end;
        }
    }
}

/// Where a secret value starting at `value[0]` ends (see [`pair_ranges`]).
fn value_end(value: &str, query: bool) -> usize {
    let stops = |text: &str, i: usize, c: char| {
        c.is_whitespace() || query && (c == '&' || c == ';') && starts_a_pair(&text[i + 1..])
    };
    match value.chars().next() {
        Some(quote @ ('\'' | '"')) => match scan_quoted(&value[1..], quote) {
            (Some(close), _) => {
                let rest = 1 + close + 1;
                rest + scan_bare(&value[rest..], stops).end
            }
            (None, _) => value.find('\n').unwrap_or(value.len()),
        },
        _ => scan_bare(value, stops).end,
    }
}

/// Whether `text` (what follows a `&` or `;`) starts with `key=`.
fn starts_a_pair(text: &str) -> bool {
    let segment = text
        .find(|c: char| c == '&' || c == ';' || c.is_whitespace())
        .map_or(text, |i| &text[..i]);
    segment.find('=').is_some_and(|eq| eq > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> Vec<&str> {
        let mut ranges = Vec::new();
        secret_ranges(text, &mut ranges);
        ranges.iter().map(|r| &text[r.clone()]).collect()
    }

    #[test]
    fn finds_each_rule() {
        assert_eq!(masked("postgres://app:pa/ss@host/db"), ["pa/ss"]);
        assert_eq!(masked("postgres:app:pw@host/db"), ["pw"]);
        assert_eq!(masked("x postgres://app:my pw@db/app y"), ["my pw"]);
        assert_eq!(masked("password = 'a\\'b c' dbname=x"), ["'a\\'b c'"]);
        assert_eq!(masked("?password=a&b#c&user=x"), ["a&b#c"]);
        assert_eq!(masked("password=a&b=c d"), ["a&b=c"]);
    }

    #[test]
    fn reads_keys() {
        assert_eq!(key_before("a?pass%77ord=x", 12), ("pass%77ord", true));
        assert_eq!(key_before("host=x password  = y", 16), ("password", false));
        assert!(names_a_secret("pass%77ord"));
        assert!(names_a_secret("PGPASSWORD"));
        assert!(!names_a_secret("host"));
    }
}
