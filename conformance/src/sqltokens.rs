//! SQL compared as SQL: two definitions are the same when their tokens are, as
//! PostgreSQL's own lexer rules cut them (squawk's lexer). Whitespace, layout and
//! comments are ignored and unquoted words compared without case; string literals and
//! quoted identifiers are kept exact. The body of a `sql` or `plpgsql` function (a
//! dollar-quoted string) is lexed as SQL too; any other language's body (Python, C…)
//! is a literal, compared exactly.

pub(crate) use squawk_lexer::TokenKind;
use squawk_lexer::{LiteralKind, tokenize};

/// What a token is, as far as a comparison cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    /// A keyword or an unquoted identifier: compared without case.
    Word,
    /// A quoted identifier: compared exactly.
    QuotedIdent,
    /// A string, number or bit-string literal: compared exactly.
    Literal,
    /// Punctuation and operators.
    Symbol,
    /// Where a lexed function body starts or ends (its dollar-quote tag is layout).
    BodyQuote,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Self::Word => "word",
            Self::QuotedIdent => "identifier",
            Self::Literal => "literal",
            Self::Symbol => "symbol",
            Self::BodyQuote => "body quote",
        }
    }
}

/// One token: its class, its text as written, and the text it is compared by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqlToken {
    pub(crate) class: Class,
    pub(crate) text: String,
    key: String,
}

impl SqlToken {
    fn new(class: Class, text: &str) -> Self {
        let key = match class {
            Class::Word => text.to_ascii_lowercase(),
            Class::BodyQuote => "$$".to_owned(),
            _ => text.to_owned(),
        };
        Self {
            class,
            text: text.to_owned(),
            key,
        }
    }
}

/// The tokens of `sql`, whitespace and comments left out.
pub(crate) fn tokens(sql: &str) -> Vec<SqlToken> {
    let raw = raw_tokens(sql);
    let lex_bodies = language(&raw).is_some_and(|l| l == "sql" || l == "plpgsql");
    let mut out = Vec::with_capacity(raw.len());
    for (kind, text) in raw {
        match (class(kind), dollar_body(text)) {
            (Some(Class::Literal), Some((tag, body))) if lex_bodies => {
                out.push(SqlToken::new(Class::BodyQuote, tag));
                out.extend(
                    raw_tokens(body)
                        .into_iter()
                        .filter_map(|(kind, text)| Some(SqlToken::new(class(kind)?, text))),
                );
                out.push(SqlToken::new(Class::BodyQuote, tag));
            }
            (Some(class), _) => out.push(SqlToken::new(class, text)),
            (None, _) => {}
        }
    }
    out
}

/// Whether two texts are the same SQL (see the module's rules).
pub(crate) fn same_sql(a: &str, b: &str) -> bool {
    a == b || keys(&tokens(a)) == keys(&tokens(b))
}

fn keys(tokens: &[SqlToken]) -> Vec<(Class, &str)> {
    tokens.iter().map(|t| (t.class, t.key.as_str())).collect()
}

/// At most this many token differences are described; the rest are counted.
const SHOWN: usize = 5;

/// What differs between `expected` and `actual`, token by token, one line each:
/// ``literal `E'%\\1'` became `E'%\1'` ``, `` `NOT` added ``. Empty when they are the same SQL.
pub(crate) fn differences(expected: &str, actual: &str) -> Vec<String> {
    let (before, after) = (tokens(expected), tokens(actual));
    let ops =
        similar::capture_diff_slices(similar::Algorithm::Myers, &keys(&before), &keys(&after));
    let mut lines: Vec<String> = ops
        .iter()
        .filter_map(|op| {
            let (tag, old, new) = op.as_tag_tuple();
            let (old, new) = (&before[old], &after[new]);
            match tag {
                similar::DiffTag::Equal => None,
                similar::DiffTag::Delete => Some(format!("{} removed", shown(old))),
                similar::DiffTag::Insert => Some(format!("{} added", shown(new))),
                similar::DiffTag::Replace => Some(format!(
                    "{}{} became {}",
                    label(old, new),
                    shown(old),
                    shown(new)
                )),
            }
        })
        .collect();
    if lines.len() > SHOWN {
        let more = lines.len() - SHOWN;
        lines.truncate(SHOWN);
        lines.push(format!("… and {more} more token difference(s)"));
    }
    lines
}

/// `literal `, `identifier `… when every token on both sides is of one class.
fn label(old: &[SqlToken], new: &[SqlToken]) -> String {
    let first = old.first().or(new.first()).map(|t| t.class);
    match first {
        Some(class) if old.iter().chain(new).all(|t| t.class == class) => {
            format!("{} ", class.name())
        }
        _ => String::new(),
    }
}

/// The tokens as written, in backticks.
fn shown(tokens: &[SqlToken]) -> String {
    let text: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    format!("`{}`", text.join(" "))
}

/// One significant token of a text (whitespace and comments left out) and where it
/// starts: what a parser reads, slicing the text as written between two tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Spanned<'a> {
    pub(crate) kind: TokenKind,
    pub(crate) text: &'a str,
    /// Its byte offset in the text lexed.
    pub(crate) start: usize,
}

impl Spanned<'_> {
    /// The byte offset just after it.
    pub(crate) fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// Whether it is this keyword (an unquoted word, in any case).
    pub(crate) fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Ident && self.text.eq_ignore_ascii_case(word)
    }

    /// Whether it opens a nesting: `(` or `[`.
    pub(crate) fn opens(&self) -> bool {
        matches!(self.kind, TokenKind::OpenParen | TokenKind::OpenBracket)
    }

    /// Whether it closes a nesting: `)` or `]`.
    pub(crate) fn closes(&self) -> bool {
        matches!(self.kind, TokenKind::CloseParen | TokenKind::CloseBracket)
    }
}

/// The significant tokens of `sql` with their offsets (see [`Spanned`]).
pub(crate) fn spanned(sql: &str) -> Vec<Spanned<'_>> {
    let mut at = 0;
    let mut out = Vec::new();
    for (kind, text) in raw_tokens(sql) {
        if class(kind).is_some() {
            out.push(Spanned {
                kind,
                text,
                start: at,
            });
        }
        at += text.len();
    }
    out
}

/// Every token of `sql` with its text, whitespace and comments included.
fn raw_tokens(sql: &str) -> Vec<(TokenKind, &str)> {
    let mut at = 0;
    let mut out = Vec::new();
    for token in tokenize(sql) {
        let len = token.len as usize;
        let Some(text) = sql.get(at..at + len) else {
            break;
        };
        at += len;
        out.push((token.kind, text));
    }
    out
}

/// How a token compares; `None` for what is left out (whitespace, comments).
fn class(kind: TokenKind) -> Option<Class> {
    match kind {
        TokenKind::Whitespace
        | TokenKind::LineComment
        | TokenKind::BlockComment { .. }
        | TokenKind::Eof => None,
        TokenKind::Ident => Some(Class::Word),
        TokenKind::QuotedIdent { .. } => Some(Class::QuotedIdent),
        TokenKind::Literal { .. } => Some(Class::Literal),
        _ => Some(Class::Symbol),
    }
}

/// `$tag$body$tag$` → (`$tag$`, `body`).
fn dollar_body(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with('$') {
        return None;
    }
    let close = text[1..].find('$')? + 2;
    let tag = &text[..close];
    let body = text[close..].strip_suffix(tag)?;
    Some((tag, body))
}

/// The value of a `LANGUAGE x` clause, lower-cased and unquoted.
fn language(raw: &[(TokenKind, &str)]) -> Option<String> {
    let mut significant = raw.iter().filter(|(kind, _)| class(*kind).is_some());
    while let Some((kind, text)) = significant.next() {
        if *kind == TokenKind::Ident && text.eq_ignore_ascii_case("language") {
            let (kind, text) = significant.next()?;
            let name = match kind {
                TokenKind::Literal {
                    kind: LiteralKind::Str { .. },
                }
                | TokenKind::QuotedIdent { .. } => text[1..text.len().saturating_sub(1)].to_owned(),
                _ => text.to_ascii_lowercase(),
            };
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "CREATE OR REPLACE FUNCTION public.fmt(t text)\n RETURNS text\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n  RETURN regexp_replace(t, '(a)', E'%\\\\1');\nEND\n$function$";

    #[test]
    fn layout_comments_case_and_the_body_quote_tag_are_not_differences() {
        let relaid = "create or replace function public.fmt(t text) returns text language PLPGSQL as $$ \
                      begin -- the same\n return /* still */ regexp_replace(t,'(a)',E'%\\\\1'); end $$";
        assert!(same_sql(FUNCTION, relaid));
        assert!(differences(FUNCTION, relaid).is_empty());
    }

    #[test]
    fn a_literal_changed_by_one_character_is_named() {
        let broken = FUNCTION.replace("E'%\\\\1'", "E'%\\1'");
        assert!(!same_sql(FUNCTION, &broken));
        assert_eq!(
            differences(FUNCTION, &broken),
            ["literal `E'%\\\\1'` became `E'%\\1'`"]
        );
    }

    #[test]
    fn quoted_identifiers_keep_their_case_words_do_not() {
        assert!(same_sql(
            "SELECT Label FROM items",
            "select label from ITEMS"
        ));
        assert!(!same_sql(
            r#"SELECT "Label" FROM items"#,
            r#"SELECT "label" FROM items"#
        ));
        assert_eq!(
            differences(r#"SELECT "Label""#, r#"SELECT "label""#),
            ["identifier `\"Label\"` became `\"label\"`"]
        );
        assert_eq!(
            differences("SELECT a FROM t", "SELECT a, b FROM t"),
            ["`, b` added"]
        );
    }

    #[test]
    fn a_body_in_another_language_is_compared_exactly() {
        let python =
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$\nif x:\n    return 1\n$$";
        let dedented = python.replace("    return", "return");
        assert!(!same_sql(python, &dedented));
        let c = "CREATE FUNCTION f() RETURNS int LANGUAGE 'c' AS $$a  b$$";
        assert!(!same_sql(c, &c.replace("a  b", "a b")));
    }

    #[test]
    fn many_differences_are_counted_past_the_first_few() {
        let lines = differences(
            "SELECT 1 + 2 + 3 + 4 + 5 + 6 + 7",
            "SELECT 1 - 2 - 3 - 4 - 5 - 6 - 7",
        );
        assert_eq!(lines.len(), SHOWN + 1, "{lines:?}");
        assert!(lines[SHOWN].starts_with("… and "), "{lines:?}");
    }
}
