//! Names as SQL writes them: possibly qualified (`audit.events`), possibly quoted
//! (`"Display Name"`, `` `a` ``, `[a]`, a doubled quote inside), read back to the name
//! the catalog holds.

/// Reads a possibly qualified, possibly quoted name at the start of `text`; returns it
/// unquoted (parts joined by `.`) and what follows.
pub(crate) fn read_name(text: &str) -> (String, &str) {
    let mut rest = text.trim_start();
    let mut parts = Vec::new();
    loop {
        let (part, after) = read_identifier(rest);
        if part.is_empty() {
            break;
        }
        parts.push(part);
        rest = after;
        match rest.strip_prefix('.') {
            Some(after_dot) => rest = after_dot,
            None => break,
        }
    }
    (parts.join("."), rest)
}

fn read_identifier(text: &str) -> (String, &str) {
    let closing = match text.chars().next() {
        Some('"') => Some('"'),
        Some('`') => Some('`'),
        Some('[') => Some(']'),
        _ => None,
    };
    if let Some(close) = closing {
        let body = &text[1..];
        let mut out = String::new();
        let mut chars = body.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == close {
                // A doubled quote is a quote inside the name.
                if chars.peek().is_some_and(|(_, next)| *next == close) {
                    out.push(c);
                    chars.next();
                    continue;
                }
                return (out, &body[at + c.len_utf8()..]);
            }
            out.push(c);
        }
        return (out, "");
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    (text[..end].to_owned(), &text[end..])
}

/// `public.t` → `t`, `main.t` → `t` (the default schemas the catalog leaves unnamed).
pub(crate) fn unqualify_public(name: &str) -> String {
    name.strip_prefix("public.")
        .or_else(|| name.strip_prefix("main."))
        .unwrap_or(name)
        .to_owned()
}

/// The table a statement names after its first `ON` word (`CREATE INDEX i ON t (a)`,
/// `... ON ONLY public.t USING btree`), without `public.`.
pub(crate) fn table_after_on(text: &str) -> Option<String> {
    let on = text
        .split_whitespace()
        .position(|w| w.eq_ignore_ascii_case("ON"))?;
    let mut rest = after_words(text, on + 1);
    if rest.to_ascii_uppercase().starts_with("ONLY ") {
        rest = &rest[5..];
    }
    let (name, _) = read_name(rest);
    (!name.is_empty()).then(|| unqualify_public(&name))
}

/// The text after the first `n` whitespace-separated words.
pub(crate) fn after_words(text: &str, n: usize) -> &str {
    let mut rest = text.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_unquoted_and_qualified() {
        assert_eq!(
            read_name("\"Display Name\" text"),
            ("Display Name".to_owned(), " text")
        );
        assert_eq!(
            read_name("audit.\"a\"\"b\"(x)"),
            ("audit.a\"b".to_owned(), "(x)")
        );
        assert_eq!(read_name("`a b` int").0, "a b");
        assert_eq!(read_name("[a b] int").0, "a b");
        assert_eq!(unqualify_public("public.t"), "t");
        assert_eq!(unqualify_public("main.t"), "t");
        assert_eq!(unqualify_public("audit.t"), "audit.t");
        assert_eq!(
            table_after_on("CREATE INDEX i ON ONLY public.items USING btree (a)").as_deref(),
            Some("items")
        );
        assert_eq!(after_words("  a  b c", 2), "c");
    }
}
