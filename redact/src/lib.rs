//! The one redaction for every URL or connection string that may reach any output:
//! [`redact`] masks passwords in any text, in two layers whose masks add up.
//!
//! # Known secrets: the registry
//!
//! Whoever parses a connection target registers it with [`register_secrets_of`] (the
//! runner does so for every target it is given, before connecting). That parses the
//! target every way a driver might ([`secrets_of`]: the url crate's parse, libpq's URI
//! rules, the greedy "up to the last `@`" rule, secret query parameters, libpq key/value
//! conninfo with quotes and `\` escapes) and remembers every password it finds, raw and
//! decoded. [`register_secret`] adds one secret directly (a password from a file or an
//! environment variable). From then on [`redact`] masks every occurrence of every
//! registered secret anywhere in the text, in every form it may be written in:
//! percent-encoded (fully, by the url crate's encode sets, or as a form), percent-decoded
//! and libpq-escaped. The registry is process-wide and thread-safe; it only grows, and
//! empty secrets are ignored. Overlapping occurrences are masked as one, so a secret that
//! contains another one is masked whole.
//!
//! # Unknown secrets: the text rules
//!
//! Text quoting a target nobody registered (an error message, a log line) is masked by
//! rules that need no parse, so that malformed URLs, the ones most likely to end up in an
//! error message, are masked too. Over-masking is preferred to a leak:
//! - the password of any `scheme://user:password@`: from the first `:` after `://` to the
//!   last `@` of the whitespace-delimited token, so a raw `/`, `?`, `#`, `:` or `@` in it
//!   is masked too (and with it, at worst, part of the host); with no `@` in the token, a
//!   raw space in the password is assumed and the mask runs on to the last `@` of the next
//!   token of the line that has one (unless `user:` is followed by a port or the "user"
//!   holds `/` or `[`);
//! - the password of `scheme:user:password@host` (no `//`), to the last `@` of the token;
//! - the value of any `key=value` or `key = value` whose key (percent-decoded, any case)
//!   names a secret: `password`, `passwd`, `pwd`, `pass`, `secret`, `token`, `apikey`,
//!   `api_key`, `credential`, anywhere in it, as in `?password=`, `&sslpassword=`,
//!   `pass%77ord=`, `PGPASSWORD=` or libpq's `host=/tmp password = x`. A value quoted with
//!   `'` or `"` is masked to its closing quote (`\` escapes honoured; unterminated: to the
//!   end of the line), an unquoted one to the next unescaped whitespace; after `?`, `&` or
//!   `;` it also ends at a `&` or `;` that starts another `key=`.
//!
//! What the rules cannot see (a password with a raw space in a `?password=` value or in a
//! `scheme:user:` URL, a password quoted in prose with no key) only the registry masks.

mod codec;
mod extract;
mod registry;
mod rules;

use std::ops::Range;

pub use extract::secrets_of;
pub use registry::{MIN_DERIVED_LEN, register_secret, register_secrets_of};

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// `text` with every password in it masked (both layers: see the crate docs); the rest is
/// kept as written.
///
/// ```
/// use secret_redact::redact;
/// assert_eq!(redact("postgres://app:S3cret@db:99999/app"), "postgres://app:***@db:99999/app");
/// assert_eq!(redact("postgres:///app?host=/tmp&password=S3cret"), "postgres:///app?host=/tmp&password=***");
/// assert_eq!(redact("postgres://app:pa/ss@db/app"), "postgres://app:***@db/app");
/// assert_eq!(redact(r"host=db password = 'a\'b c' user=app"), "host=db password = *** user=app");
/// ```
pub fn redact(text: &str) -> String {
    let mut ranges = Vec::new();
    rules::secret_ranges(text, &mut ranges);
    registry::registered_ranges(text, &mut ranges);
    mask(text, ranges)
}

/// `text` with each run of overlapping or touching `ranges` replaced by one [`MASK`].
fn mask(text: &str, mut ranges: Vec<Range<usize>>) -> String {
    ranges.retain(|range| range.start < range.end);
    ranges.sort_by_key(|range| range.start);
    let mut out = String::with_capacity(text.len());
    let mut shown = 0;
    let mut runs: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match runs.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => runs.push(range),
        }
    }
    for run in runs {
        out.push_str(&text[shown..run.start]);
        out.push_str(MASK);
        shown = run.end;
    }
    out.push_str(&text[shown..]);
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn masks_every_shape() {
        let cases = [
            ("postgres://app:S3cretPw@127.0.0.1:99999/app", "S3cretPw"),
            ("postgres://app@host/db?password=S3cretPw", "S3cretPw"),
            (
                "postgres://app@host/db?sslmode=disable&password=S3cretPw&x=1",
                "S3cretPw",
            ),
            ("postgres://app:S3cret%40Pw@host/db", "S3cret%40Pw"),
            ("postgres://app@host/db?pass%77ord=S3cretPw", "S3cretPw"),
            ("postgres:///db?host=/tmp&password=S3cretPw", "S3cretPw"),
            ("postgres://user:S3cretPw@/db", "S3cretPw"),
            ("postgres://user:S3cretPw@", "S3cretPw"),
            (
                "host=/tmp user=app password=S3cretPw dbname=app",
                "S3cretPw",
            ),
            ("host=/tmp password='S3cret Pw' dbname=app", "S3cret Pw"),
            (
                "cannot connect to postgres://u:p@ss:S3cretPw@h/db: refused",
                "S3cretPw",
            ),
            ("mysql://root:S3cretPw@localhost/app", "S3cretPw"),
            ("PASSWORD=S3cretPw", "S3cretPw"),
            ("postgres://app:S3cretPw@[::1/app", "S3cretPw"),
            ("postgres://app@host/app?sslpassword=S3cretPw", "S3cretPw"),
            ("postgres://app:S%33cretPw@host/app", "S%33cretPw"),
        ];
        for (text, secret) in cases {
            let shown = redact(text);
            assert!(!shown.contains(secret), "{text} -> {shown}");
            assert!(shown.contains("***"), "{text} -> {shown}");
        }
    }

    #[test]
    fn keeps_what_is_not_secret() {
        for text in [
            "sqlite://data/app.sqlite?mode=rwc",
            "postgres://app@localhost:5432/app",
            "applied m20250101_000000_extensions (3 ms)",
            "a = b",
            "sqlite://data/app.sqlite",
            "sqlite::memory:",
            "applied m1 (3 ms)",
            "SELECT a = b FROM t",
            "user@example.com",
            "postgres://localhost:5432/app",
            "postgres://[::1]:5432/app",
            "postgres:///app?host=/tmp&user=app",
            "host=/tmp user=app dbname=app",
            "password authentication failed for user \"app\"",
            "listening on http://localhost:8080/x, mail admin@example.com",
            "at 12:30:00 UTC, see std::io::Error",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
