//! The one redaction for every URL or connection string that may reach any output.
//!
//! It works on text, not on a parsed URL, so that malformed URLs (the ones most likely to
//! end up in an error message) are masked too. Two rules, applied everywhere in the text:
//! - the password of any `scheme://user:password@` user-info part, host or no host;
//! - the value of any `key=value` whose key (percent-decoded, any case) names a secret:
//!   `password`, `passwd`, `pwd`, `pass`, `secret`, `token`, as in `?password=`,
//!   `&sslpassword=`, or libpq's `host=/tmp password=x`.

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Key words that make a `key=value` pair secret.
const SECRET_KEYS: [&str; 6] = ["password", "passwd", "pwd", "pass", "secret", "token"];

/// `text` with every password in it masked; the rest is kept as written.
///
/// ```
/// use secret_redact::redact;
/// assert_eq!(redact("postgres://app:S3cret@db:99999/app"), "postgres://app:***@db:99999/app");
/// assert_eq!(redact("postgres:///app?host=/tmp&password=S3cret"), "postgres:///app?host=/tmp&password=***");
/// ```
pub fn redact(text: &str) -> String {
    mask_secret_pairs(&mask_user_info(text))
}

/// Masks `:password` in every `scheme://user:password@` of `text`.
fn mask_user_info(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#' or whitespace; its user info at
        // its last '@' (a password may contain '@' when not percent-encoded).
        let end = after
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                let user_info = &authority[..at];
                match user_info.find(':') {
                    Some(colon) => {
                        out.push_str(&user_info[..colon]);
                        out.push(':');
                        out.push_str(MASK);
                    }
                    None => out.push_str(user_info),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Masks the value of every `key=value` pair whose key names a secret.
fn mask_secret_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let key_start = before
            .rfind(|c: char| c == '?' || c == '&' || c == ';' || c.is_whitespace())
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        let key = &before[key_start..];
        out.push_str(before);
        out.push('=');
        let value = &after[1..];
        if names_a_secret(key) {
            let end = secret_value_end(value);
            if end > 0 {
                out.push_str(MASK);
            }
            rest = &value[end..];
        } else {
            rest = value;
        }
    }
    out.push_str(rest);
    out
}

fn names_a_secret(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    !key.is_empty() && SECRET_KEYS.iter().any(|secret| key.contains(secret))
}

/// Where a secret value ends: a quoted value at its closing quote, else at the next
/// separator.
fn secret_value_end(value: &str) -> usize {
    if let Some(quote) = value.chars().next().filter(|c| *c == '\'' || *c == '"') {
        return value[1..]
            .find(quote)
            .map_or(value.len(), |close| close + 2);
    }
    value
        .find(|c: char| c == '&' || c == ';' || c == '#' || c.is_whitespace())
        .unwrap_or(value.len())
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(text.as_bytes())
        .map(|(key, value)| {
            if value.is_empty() {
                key.into_owned()
            } else {
                format!("{key}={value}")
            }
        })
        .collect()
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
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
