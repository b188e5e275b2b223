//! The SQL text MySQL and MariaDB print, cut into pieces (code, string literals,
//! backquoted identifiers, comments), so that every rewrite of [`super::normalize`]
//! touches code only, never the inside of a string or a name.

/// What a piece of SQL text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece {
    /// Keywords, operators, bare names, numbers, whitespace; `/*! … */` versioned
    /// comments too (the server runs what they hold).
    Code,
    /// A string literal in `'…'` or `"…"` (quotes included).
    Literal,
    /// A name in backquotes (quotes included).
    Name,
    /// A `/* … */`, `-- …` or `# …` comment.
    Comment,
}

/// `sql` as consecutive pieces; their texts joined are `sql`. An unterminated literal,
/// name or comment runs to the end.
pub(super) fn pieces(sql: &str) -> Vec<(Piece, &str)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut code_start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let (kind, end) = match bytes[at] {
            b'\'' | b'"' => (Piece::Literal, quoted_end(bytes, at, true)),
            b'`' => (Piece::Name, quoted_end(bytes, at, false)),
            b'/' if bytes.get(at + 1) == Some(&b'*') && bytes.get(at + 2) != Some(&b'!') => {
                let end = sql[at + 2..]
                    .find("*/")
                    .map_or(sql.len(), |i| at + 2 + i + 2);
                (Piece::Comment, end)
            }
            b'#' => (Piece::Comment, line_end(sql, at)),
            b'-' if sql[at..].starts_with("-- ") || sql[at..].starts_with("--\n") => {
                (Piece::Comment, line_end(sql, at))
            }
            _ => {
                at += 1;
                continue;
            }
        };
        if code_start < at {
            out.push((Piece::Code, &sql[code_start..at]));
        }
        out.push((kind, &sql[at..end]));
        at = end;
        code_start = end;
    }
    if code_start < sql.len() {
        out.push((Piece::Code, &sql[code_start..]));
    }
    out
}

/// Where the quoted text opening at `start` ends (after its closing quote): the quote
/// doubled stays inside; in a literal a backslash escapes the next byte.
fn quoted_end(bytes: &[u8], start: usize, backslash: bool) -> usize {
    let quote = bytes[start];
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if backslash => at += 2,
            b if b == quote && bytes.get(at + 1) == Some(&quote) => at += 2,
            b if b == quote => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

fn line_end(sql: &str, at: usize) -> usize {
    sql[at..].find('\n').map_or(sql.len(), |i| at + i)
}

/// The value of a string literal (quotes included): `''` and backslash escapes read
/// as MySQL reads them (`\%` and `\_` keep their backslash, as in MySQL).
pub(super) fn literal_value(literal: &str) -> String {
    let quote = literal.chars().next().unwrap_or('\'');
    let inner = literal
        .strip_prefix(quote)
        .map(|rest| rest.strip_suffix(quote).unwrap_or(rest))
        .unwrap_or(literal);
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('0') => out.push('\0'),
                Some('Z') => out.push('\u{1a}'),
                Some(c @ ('%' | '_')) => {
                    out.push('\\');
                    out.push(c);
                }
                Some(c) => out.push(c),
                None => out.push('\\'),
            },
            c if c == quote && chars.peek() == Some(&quote) => {
                chars.next();
                out.push(quote);
            }
            c => out.push(c),
        }
    }
    out
}

/// A value as the one literal form the catalog reports: single quotes, a quote doubled,
/// every other character as itself.
pub(super) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A name in backquotes, a backquote in it doubled: how a catalog name goes into SQL.
pub(crate) fn backquote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `sql` with its backquoted names in double quotes, as standard SQL (and the lexer
/// the populate generator reads CHECK constraints with) writes them.
pub(crate) fn ansi_names(sql: &str) -> String {
    pieces(sql)
        .into_iter()
        .map(|(kind, piece)| match kind {
            Piece::Name => format!("\"{}\"", name_value(piece).replace('"', "\"\"")),
            _ => piece.to_owned(),
        })
        .collect()
}

/// The values of the string literals of `sql`, in order: the members of a column type
/// `enum('a','b')` or `set('a','b')`.
pub(crate) fn literal_values(sql: &str) -> Vec<String> {
    pieces(sql)
        .into_iter()
        .filter(|(kind, _)| *kind == Piece::Literal)
        .map(|(_, piece)| literal_value(piece))
        .collect()
}

/// The name a backquoted piece holds.
pub(super) fn name_value(piece: &str) -> String {
    piece
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
        .unwrap_or(piece)
        .replace("``", "`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_into_double_quotes_and_literals_give_their_values() {
        assert_eq!(
            ansi_names("`a` in ('x`y') and `we\"i``rd` > 0"),
            "\"a\" in ('x`y') and \"we\"\"i`rd\" > 0"
        );
        assert_eq!(
            literal_values("enum('a','it''s','b,c')"),
            ["a", "it's", "b,c"]
        );
    }

    #[test]
    fn pieces_keep_strings_names_and_comments_apart() {
        let sql = "a = 'it''s \\' x' AND `we``ird` /* c */ /*!80016 X */ -- t\n\"d\"";
        let found = pieces(sql);
        assert_eq!(found.iter().map(|(_, t)| *t).collect::<String>(), sql);
        let kinds: Vec<Piece> = found.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [
                Piece::Code,
                Piece::Literal,
                Piece::Code,
                Piece::Name,
                Piece::Code,
                Piece::Comment,
                Piece::Code,
                Piece::Comment,
                Piece::Code,
                Piece::Literal,
            ]
        );
        assert_eq!(found[1].1, "'it''s \\' x'");
        assert_eq!(found[6].1, " /*!80016 X */ ");
    }

    #[test]
    fn literal_values_read_both_escapes() {
        assert_eq!(literal_value("'it''s'"), "it's");
        assert_eq!(literal_value("'it\\'s'"), "it's");
        assert_eq!(literal_value("'a\\\\b\\n'"), "a\\b\n");
        assert_eq!(literal_value("'50\\%'"), "50\\%");
        assert_eq!(literal_value("\"say \"\"hi\"\"\""), "say \"hi\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(backquote("a`b"), "`a``b`");
        assert_eq!(name_value("`a``b`"), "a`b");
    }
}
