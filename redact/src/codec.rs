//! The ways one secret may be written: percent-encoded (by several encode sets),
//! percent-decoded, and libpq-quoted, with the scanners of libpq's key/value values.

/// Which bytes a percent-encoding leaves as they are (the others become `%XX`).
#[derive(Clone, Copy)]
pub(crate) enum Keep {
    /// Only letters, digits and `-._~` (what a careful user writes).
    Unreserved,
    /// The url crate's user-info encode set (what `Url::set_password` and parsing write).
    UserInfo,
    /// The url crate's query encode set (non-special schemes such as `postgres:`).
    Query,
    /// The url crate's query encode set of special schemes (`'` encoded too).
    SpecialQuery,
    /// The url crate's path and fragment encode sets together.
    Path,
}

impl Keep {
    fn keeps(self, byte: u8) -> bool {
        if !byte.is_ascii() || byte.is_ascii_control() || byte == b' ' {
            return false;
        }
        match self {
            Self::Unreserved => byte.is_ascii_alphanumeric() || b"-._~".contains(&byte),
            Self::UserInfo => !b"\"#<>?`{}/:;=@[\\]^|".contains(&byte),
            Self::Query => !b"\"#<>".contains(&byte),
            Self::SpecialQuery => !b"\"#<>'".contains(&byte),
            Self::Path => !b"\"#<>?`{}".contains(&byte),
        }
    }
}

/// `text` percent-encoded: every byte that `keep` does not keep becomes `%XX`.
pub(crate) fn percent_encode(text: &str, keep: Keep) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep.keeps(byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `text` form-encoded (`application/x-www-form-urlencoded`: a space becomes `+`).
pub(crate) fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `text` with every `%XX` decoded (invalid UTF-8 replaced); other bytes as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit))
            .and_then(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` form-decoded: `+` is a space, then `%XX` decoded.
pub(crate) fn form_decode(text: &str) -> String {
    percent_decode(&text.replace('+', " "))
}

/// `text` as libpq reads it back from a quoted value: `\` before `'` and `\`.
pub(crate) fn libpq_quote_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` as an unquoted libpq value: `\` before `'`, `\` and whitespace.
pub(crate) fn libpq_bare_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' || c == '\'' || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A value scanned the way libpq scans one: where it ends (the index just after its last
/// byte in the scanned text) and what it means once `\` escapes are undone.
pub(crate) struct Scanned {
    pub(crate) end: usize,
    pub(crate) unescaped: String,
}

/// Scans a quoted value; `text` starts just after the opening `quote`. A `\` escapes the
/// next character. `end` is the index of the closing quote, or `None` when unterminated.
pub(crate) fn scan_quoted(text: &str, quote: char) -> (Option<usize>, String) {
    let mut unescaped = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return (Some(i), unescaped);
        }
        if c == '\\' {
            if let Some((_, next)) = chars.next() {
                unescaped.push(next);
            }
        } else {
            unescaped.push(c);
        }
    }
    (None, unescaped)
}

/// Scans an unquoted value from the start of `text` until `stops(text, i, c)` says the
/// character `c` at `i` ends it; a `\` escapes the next character (which never stops it).
pub(crate) fn scan_bare(text: &str, stops: impl Fn(&str, usize, char) -> bool) -> Scanned {
    let mut unescaped = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, next)) = chars.next() {
                unescaped.push(next);
            }
            continue;
        }
        if stops(text, i, c) {
            return Scanned { end: i, unescaped };
        }
        unescaped.push(c);
    }
    Scanned {
        end: text.len(),
        unescaped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        assert_eq!(
            percent_encode("a b/@:'", Keep::Unreserved),
            "a%20b%2F%40%3A%27"
        );
        assert_eq!(percent_encode("a b/@:'", Keep::UserInfo), "a%20b%2F%40%3A'");
        assert_eq!(percent_encode("a b#'", Keep::Query), "a%20b%23'");
        assert_eq!(form_encode("a b&"), "a+b%26");
        assert_eq!(percent_decode("a%20b%2f%zz%+1%"), "a b/%zz%+1%");
        assert_eq!(form_decode("a+b%2B"), "a b+");
    }

    #[test]
    fn scans_libpq_values() {
        assert_eq!(
            scan_quoted(r"a\'b c' x", '\''),
            (Some(6), "a'b c".to_owned())
        );
        assert_eq!(scan_quoted(r"a\\", '\''), (None, r"a\".to_owned()));
        let bare = scan_bare(r"a\ b\'c d", |_, _, c| c.is_whitespace());
        assert_eq!((bare.end, bare.unescaped.as_str()), (7, "a b'c"));
        assert_eq!(libpq_quote_escape(r"a'b\"), r"a\'b\\");
        assert_eq!(libpq_bare_escape(r"a b'"), r"a\ b\'");
    }
}
