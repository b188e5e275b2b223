//! Every normalisation of what MySQL 8 and MariaDB print, as pure functions, each with
//! its test: the dump's DDL loses what varies between runs (the `AUTO_INCREMENT`
//! counter, the `DEFINER`, the database's own name); the logical facts read the two
//! families' different spellings as one.

use super::super::{FkAction, UnknownFkAction};
use super::text::{Piece, backquote, literal, literal_value, name_value, pieces};

/// Which server family a connection talks to: they print the same facts differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// MySQL (8.0 and later).
    MySql,
    /// MariaDB (10.2.7 and later: defaults are expressions in the catalog).
    MariaDb,
}

impl Family {
    /// From `SELECT VERSION()`: MariaDB says so (`10.11.19-MariaDB-0+deb12u1`).
    pub(crate) fn of_version(version: &str) -> Self {
        if version.to_ascii_lowercase().contains("mariadb") {
            Self::MariaDb
        } else {
            Self::MySql
        }
    }
}

// ---- the dump ---------------------------------------------------------------------

/// `SHOW CREATE TABLE` without the table option `AUTO_INCREMENT=n` (the next value of
/// the counter, which rows move): it follows the closing parenthesis of the column list.
pub(super) fn strip_auto_increment(ddl: &str) -> String {
    let mut depth = 0usize;
    let mut closed = false;
    let mut out = String::with_capacity(ddl.len());
    for (kind, piece) in pieces(ddl) {
        if kind != Piece::Code {
            out.push_str(piece);
            continue;
        }
        if closed {
            out.push_str(&remove_option(piece, "AUTO_INCREMENT"));
            continue;
        }
        for (at, c) in piece.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        out.push_str(&piece[..=at]);
                        out.push_str(&remove_option(&piece[at + 1..], "AUTO_INCREMENT"));
                        closed = true;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !closed {
            out.push_str(piece);
        }
    }
    out
}

/// `code` without ` NAME=digits` (the name in any case, as a whole word).
fn remove_option(code: &str, name: &str) -> String {
    let mut out = code.to_owned();
    let pattern = format!("{name}=");
    let mut from = 0;
    while let Some(found) = out[from..].to_ascii_uppercase().find(&pattern) {
        let at = from + found;
        let digits_end = out[at + pattern.len()..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(out.len(), |i| at + pattern.len() + i);
        let word_start = at == 0 || !is_word(out[..at].chars().next_back());
        if word_start && digits_end > at + pattern.len() {
            let start = if out[..at].ends_with(' ') { at - 1 } else { at };
            out.replace_range(start..digits_end, "");
            from = start;
        } else {
            from = at + pattern.len();
        }
    }
    out
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Without its `DEFINER=user@host` clause: the account that ran the migration, which
/// differs between environments (`root@localhost`, `app@%`, `CURRENT_USER`).
pub(super) fn strip_definer(ddl: &str) -> String {
    let mut offset = 0;
    let mut start = None;
    for (kind, piece) in pieces(ddl) {
        if kind == Piece::Code
            && let Some(at) = definer_at(piece)
        {
            start = Some(offset + at);
            break;
        }
        offset += piece.len();
    }
    let Some(start) = start else {
        return ddl.to_owned();
    };
    // The user, then `@` and the host; `CURRENT_USER` or `CURRENT_USER()` alone.
    let mut end = atom_end(ddl, start + "DEFINER=".len());
    if ddl[end..].starts_with("()") {
        end += 2;
    }
    if ddl[end..].starts_with('@') {
        end = atom_end(ddl, end + 1);
    }
    let rest = ddl[end..].trim_start();
    format!("{}{rest}", &ddl[..start])
}

/// Where a user or host name starting at `at` ends: in backquotes, in quotes, or bare.
fn atom_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    if let Some((Piece::Name | Piece::Literal, piece)) = pieces(rest).first().copied() {
        return at + piece.len();
    }
    at + rest
        .find(|c: char| !(c.is_alphanumeric() || "_$.%-".contains(c)))
        .unwrap_or(rest.len())
}

/// Where `DEFINER=` starts in a piece of code, as a whole word.
fn definer_at(code: &str) -> Option<usize> {
    let upper = code.to_ascii_uppercase();
    upper
        .match_indices("DEFINER=")
        .map(|(at, _)| at)
        .find(|&at| !is_word(code[..at].chars().next_back()))
}

/// Without the database's name before a `.`: the harness's databases have a name per
/// run (`` `conformance_123_4`.`t` `` → `` `t` ``); objects of other databases keep it.
pub(super) fn strip_database(ddl: &str, database: &str) -> String {
    let found = pieces(ddl);
    let mut out = String::with_capacity(ddl.len());
    for (index, (kind, piece)) in found.iter().enumerate() {
        let dot_follows = found
            .get(index + 1)
            .is_some_and(|(k, next)| *k == Piece::Code && next.starts_with('.'));
        if *kind == Piece::Name && dot_follows && name_value(piece) == database {
            // The `.` is the next piece's first character: skip it there.
            continue;
        }
        let after_skipped = index > 0
            && found[index - 1].0 == Piece::Name
            && name_value(found[index - 1].1) == database
            && *kind == Piece::Code
            && piece.starts_with('.');
        out.push_str(if after_skipped { &piece[1..] } else { piece });
    }
    out
}

// ---- the logical schema -------------------------------------------------------------

/// An expression as the catalog prints it (a default, a generated column, a CHECK, an
/// index key) in one form for both families: MySQL 8's `information_schema` escapes the
/// text once more (`_utf8mb4\'x\'`) and writes charset introducers; MariaDB writes
/// `\'` inside literals; both spell `current_timestamp` their own way. The result has
/// literals in single quotes with quotes doubled, no introducers, and
/// `CURRENT_TIMESTAMP`.
pub(crate) fn expression(text: &str, family: Family) -> String {
    let text = match family {
        Family::MySql => unescape(text),
        Family::MariaDb => text.to_owned(),
    };
    let mut out = String::with_capacity(text.len());
    for (kind, piece) in pieces(&text) {
        match kind {
            Piece::Literal => {
                drop_introducer(&mut out);
                out.push_str(&literal(&literal_value(piece)));
            }
            Piece::Code => out.push_str(&current_timestamp(piece)),
            Piece::Name | Piece::Comment => out.push_str(piece),
        }
    }
    out
}

/// One level of backslash escaping undone (`\'` → `'`, `\\` → `\`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            c => out.push(c),
        }
    }
    out
}

/// Removes a charset introducer (`_utf8mb4`, `_binary`) that ends `out`.
fn drop_introducer(out: &mut String) {
    let word_len = out
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .count();
    let word = &out[out.len() - word_len..];
    if word.len() > 1 && word.starts_with('_') {
        out.truncate(out.len() - word_len);
    }
}

/// `current_timestamp()`, `CURRENT_TIMESTAMP`, `current_timestamp(3)` →
/// `CURRENT_TIMESTAMP` (`CURRENT_TIMESTAMP(3)`): MariaDB writes the call, MySQL the
/// keyword.
fn current_timestamp(code: &str) -> String {
    const WORD: &str = "current_timestamp";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.to_ascii_lowercase().find(WORD) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + WORD.len()..].chars().next();
        out.push_str(&rest[..at]);
        if is_word(before) || is_word(after) {
            out.push_str(&rest[at..at + WORD.len()]);
            rest = &rest[at + WORD.len()..];
            continue;
        }
        out.push_str("CURRENT_TIMESTAMP");
        rest = &rest[at + WORD.len()..];
        if let Some(args) = rest.strip_prefix("()") {
            rest = args;
        }
    }
    out.push_str(rest);
    out
}

/// A column's default as one SQL expression (`'pending'`, `0`, `CURRENT_TIMESTAMP`),
/// `None` for no default or `DEFAULT NULL`:
/// - MariaDB prints an expression: literals quoted, `NULL` (the text) for `DEFAULT
///   NULL` and for a nullable column without a default;
/// - MySQL prints a literal default's bare value (`pending`, never quoted; SQL NULL for
///   `DEFAULT NULL`), and an expression (`EXTRA` says `DEFAULT_GENERATED`) escaped.
pub(crate) fn column_default(
    family: Family,
    raw: Option<&str>,
    extra: &str,
    data_type: &str,
) -> Option<String> {
    let raw = raw?;
    match family {
        Family::MariaDb if raw.eq_ignore_ascii_case("NULL") => None,
        Family::MariaDb => Some(expression(raw, family)),
        Family::MySql if extra.to_ascii_uppercase().contains("DEFAULT_GENERATED") => {
            Some(expression(raw, family))
        }
        Family::MySql if is_numeric(data_type) || data_type.eq_ignore_ascii_case("bit") => {
            Some(raw.to_owned())
        }
        Family::MySql => Some(literal(raw)),
    }
}

fn is_numeric(data_type: &str) -> bool {
    matches!(
        data_type.to_ascii_lowercase().as_str(),
        "tinyint"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "decimal"
            | "numeric"
            | "float"
            | "double"
            | "real"
    )
}

/// The column's type as `COLUMN_TYPE` gives it, lower-cased, integers without their
/// display width (`int(11)` → `int`: MariaDB and MySQL before 8.0.19 print it, MySQL
/// 8.0.19 and later do not), except `tinyint(1)` (both keep it: it is the boolean) and
/// a `zerofill` column (whose width matters).
pub(crate) fn sql_type(column_type: &str) -> String {
    let lower = column_type.trim().to_ascii_lowercase();
    let integer = ["tinyint(", "smallint(", "mediumint(", "int(", "bigint("]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    if !integer || lower.contains("zerofill") || lower.starts_with("tinyint(1)") {
        return lower;
    }
    match (lower.find('('), lower.find(')')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}{}", &lower[..open], &lower[close + 1..])
        }
        _ => lower,
    }
}

/// A CHECK's clause in one form: MySQL wraps it in parentheses, MariaDB does not.
pub(crate) fn check_clause(text: &str, family: Family) -> String {
    let clause = expression(text.trim(), family);
    strip_outer_parens(&clause).to_owned()
}

/// `(a > 0)` → `a > 0`; `(a) > (b)` stays.
fn strip_outer_parens(text: &str) -> &str {
    let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) else {
        return text;
    };
    let mut depth = 0i32;
    for (kind, piece) in pieces(inner) {
        if kind != Piece::Code {
            continue;
        }
        for c in piece.chars() {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if depth < 0 {
                return text;
            }
        }
    }
    if depth == 0 { inner.trim() } else { text }
}

/// Whether the CHECK `name` = `clause` (normalised) is the one MariaDB adds to a JSON
/// column: `JSON` is an alias of `longtext` there, with `CHECK (json_valid(col))` named
/// after the column. MySQL has a real JSON type and no such check.
pub(crate) fn is_json_check(column: &str, name: &str, clause: &str) -> bool {
    name == column && clause == format!("json_valid({})", backquote(column))
}

/// Whether a unique index stands for a UNIQUE constraint rather than a named index:
/// MySQL keeps no difference, and names an unnamed `UNIQUE (a, b)` after its first
/// column (`a`, then `a_2`, `a_3` on a clash), as sea-query's `unique_key()` leaves it.
/// Whole columns only: a prefix or an expression is an index's.
pub(crate) fn is_unique_constraint(index: &str, keys: &[IndexKey]) -> bool {
    let Some(IndexKey::Column { name: first, .. }) = keys.first() else {
        return false;
    };
    let whole = keys.iter().all(|key| {
        matches!(
            key,
            IndexKey::Column {
                prefix: None,
                descending: false,
                ..
            }
        )
    });
    let named_after_first = index == first
        || index
            .strip_prefix(first.as_str())
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    whole && named_after_first
}

/// One key of an index, as `information_schema.STATISTICS` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IndexKey {
    /// A column, or its first `prefix` characters (bytes for binary types).
    Column {
        /// The column.
        name: String,
        /// `SUB_PART`.
        prefix: Option<i64>,
        /// `COLLATION = 'D'`.
        descending: bool,
    },
    /// A functional key part (MySQL 8.0.13+), normalised.
    Expression {
        /// The expression.
        text: String,
        /// `COLLATION = 'D'`.
        descending: bool,
    },
}

impl IndexKey {
    /// The key as [`crate::catalog::Index::columns`] holds it: `url`, `url(100)`,
    /// `lower(email)`, with ` DESC` when descending.
    pub(crate) fn text(&self) -> String {
        let (text, descending) = match self {
            Self::Column {
                name,
                prefix,
                descending,
            } => match prefix {
                Some(n) => (format!("{name}({n})"), *descending),
                None => (name.clone(), *descending),
            },
            Self::Expression { text, descending } => (text.clone(), *descending),
        };
        if descending {
            format!("{text} DESC")
        } else {
            text
        }
    }

    /// The key as SQL writes it: `` `url`(100) ``, `(lower(`email`))`.
    pub(crate) fn sql(&self) -> String {
        let (text, descending) = match self {
            Self::Column {
                name,
                prefix,
                descending,
            } => match prefix {
                Some(n) => (format!("{}({n})", backquote(name)), *descending),
                None => (backquote(name), *descending),
            },
            Self::Expression { text, descending } => (format!("({text})"), *descending),
        };
        if descending {
            format!("{text} DESC")
        } else {
            text
        }
    }
}

/// A foreign key's `UPDATE_RULE` / `DELETE_RULE`. InnoDB checks `RESTRICT` and
/// `NO ACTION` alike, at once; MariaDB reports an action left out as `RESTRICT`, MySQL
/// 8 as `NO ACTION`: both read as [`FkAction::NoAction`] (PostgreSQL's default too).
pub(crate) fn fk_action(rule: &str) -> Result<FkAction, UnknownFkAction> {
    match rule.trim().to_ascii_uppercase().as_str() {
        "RESTRICT" | "NO ACTION" => Ok(FkAction::NoAction),
        other => other.parse(),
    }
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
