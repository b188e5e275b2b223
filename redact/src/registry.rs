//! The process-wide registry of known secrets, masked wherever they appear.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use crate::codec::{
    Keep, form_decode, form_encode, libpq_bare_escape, libpq_quote_escape, percent_decode,
    percent_encode,
};

/// Every registered secret in every form it may be written in.
static REGISTRY: Mutex<Secrets> = Mutex::new(Secrets::new());

/// Registers `secret`: from now on [`redact`](crate::redact) masks it wherever it appears,
/// as written, percent-encoded (by the url crate's encode sets, fully, or as a form) and
/// percent-decoded, and as a libpq value (`\` escapes). An empty secret is ignored.
///
/// ```
/// use secret_redact::{redact, register_secret};
/// register_secret("hunter2-7f3a");
/// assert_eq!(redact("login with hunter2-7f3a failed"), "login with *** failed");
/// ```
pub fn register_secret(secret: &str) {
    lock().add(secret);
}

/// Registers every password a driver could read in `target` (a connection URL or libpq
/// key/value string as the user typed it; see [`secrets_of`](crate::secrets_of)).
///
/// ```
/// use secret_redact::{redact, register_secrets_of};
/// register_secrets_of("postgres://app:pa ss/9c1e@db/app");
/// assert_eq!(redact("auth failed: 'pa ss/9c1e'"), "auth failed: '***'");
/// ```
///
/// Readings shorter than [`MIN_DERIVED_LEN`] characters are not registered: they come
/// from splitting a longer password at a `@`, `&` or `#` (the whole one is registered
/// too), and masking every `p` or `a` of every later message would make them unreadable.
/// The text rules still mask such a password where it stands in a URL or key/value pair.
pub fn register_secrets_of(target: &str) {
    let secrets = crate::secrets_of(target);
    let mut registry = lock();
    for secret in secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_DERIVED_LEN)
    {
        registry.add(secret);
    }
}

/// The shortest reading of a target that [`register_secrets_of`] registers.
pub const MIN_DERIVED_LEN: usize = 4;

/// Adds the range of every occurrence of every registered secret in `text`.
pub(crate) fn registered_ranges(text: &str, out: &mut Vec<Range<usize>>) {
    lock().occurrences(text, out);
}

fn lock() -> std::sync::MutexGuard<'static, Secrets> {
    // A panic while the lock was held cannot leave the sets half-updated in a way that
    // matters: every entry is a complete string.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Secrets in every form, grouped by first byte so that masking a text tries at each
/// position only the forms that can start there.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    by_first_byte: BTreeMap<u8, BTreeSet<String>>,
}

impl Secrets {
    pub(crate) const fn new() -> Self {
        Self {
            by_first_byte: BTreeMap::new(),
        }
    }

    pub(crate) fn add(&mut self, secret: &str) {
        for form in forms_of(secret) {
            if let Some(&first) = form.as_bytes().first() {
                self.by_first_byte.entry(first).or_default().insert(form);
            }
        }
    }

    /// Adds the range of every occurrence (overlapping ones too) of every form in `text`.
    pub(crate) fn occurrences(&self, text: &str, out: &mut Vec<Range<usize>>) {
        if self.by_first_byte.is_empty() {
            return;
        }
        let bytes = text.as_bytes();
        for (start, first) in bytes.iter().enumerate() {
            let Some(forms) = self.by_first_byte.get(first) else {
                continue;
            };
            for form in forms {
                if bytes[start..].starts_with(form.as_bytes())
                    && !is_url_scheme(bytes, start, start + form.len())
                {
                    out.push(start..start + form.len());
                }
            }
        }
    }
}

/// Whether `bytes[start..end]` is (part of) the scheme of a URL: a whole word of scheme
/// characters followed by `://`, as `postgres` in `postgres://`. A password that
/// happens to equal a scheme (`postgres`, say) is still masked everywhere else; masking
/// the scheme would hide nothing and make every URL unreadable.
fn is_url_scheme(bytes: &[u8], start: usize, end: usize) -> bool {
    let scheme_char = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.';
    if start > 0 && scheme_char(bytes[start - 1]) {
        return false;
    }
    if !bytes[start..end].iter().all(|b| scheme_char(*b)) {
        return false;
    }
    let mut after = end;
    while after < bytes.len() && scheme_char(bytes[after]) {
        after += 1;
    }
    bytes[after..].starts_with(b"://")
}

/// `secret` in every form it may be written in (empty ones left out).
fn forms_of(secret: &str) -> Vec<String> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![
        secret.to_owned(),
        form_encode(secret),
        libpq_quote_escape(secret),
        libpq_bare_escape(secret),
    ];
    for keep in [
        Keep::Unreserved,
        Keep::UserInfo,
        Keep::Query,
        Keep::SpecialQuery,
        Keep::Path,
    ] {
        forms.push(percent_encode(secret, keep));
    }
    for decoded in [percent_decode(secret), form_decode(secret)] {
        // A `%` that decodes to invalid UTF-8 is no form anybody writes.
        if !decoded.contains('\u{FFFD}') || secret.contains('\u{FFFD}') {
            forms.push(decoded);
        }
    }
    forms.retain(|form| !form.is_empty());
    forms
}

#[cfg(test)]
mod tests {
    use super::Secrets;

    fn masked(secrets: &Secrets, text: &str) -> Vec<String> {
        let mut ranges = Vec::new();
        secrets.occurrences(text, &mut ranges);
        ranges.iter().map(|r| text[r.clone()].to_owned()).collect()
    }

    #[test]
    fn finds_every_form() {
        let mut secrets = Secrets::new();
        secrets.add("a b/c");
        secrets.add("");
        assert_eq!(masked(&secrets, "x a b/c y"), ["a b/c"]);
        assert_eq!(masked(&secrets, "x a%20b%2Fc y"), ["a%20b%2Fc"]);
        assert_eq!(masked(&secrets, "x a+b%2Fc y"), ["a+b%2Fc"]);
        assert_eq!(masked(&secrets, "x a\\ b/c y"), ["a\\ b/c"]);
        assert_eq!(masked(&secrets, "nothing here"), Vec::<String>::new());
    }

    #[test]
    fn finds_overlapping_occurrences() {
        let mut secrets = Secrets::new();
        secrets.add("aa");
        assert_eq!(masked(&secrets, "aaa"), ["aa", "aa"]);
    }
}
