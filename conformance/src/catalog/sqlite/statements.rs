//! Which objects a migration call's statements may have created or dropped: what the
//! tracker reads again when the schema cookie moved.

use std::collections::BTreeSet;

use crate::capture::Executed;

/// The lower-cased identifiers named by `statements` when every one of them creates
/// or drops a table, index, view or trigger, or is not a schema statement at all;
/// `None` when any may change objects it does not name (`ALTER TABLE` rewrites other
/// tables' references; a `PRAGMA` may touch the schema), or is not recognised.
pub(super) fn created_or_dropped<'a>(
    statements: impl Iterator<Item = &'a Executed>,
) -> Option<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for statement in statements {
        for part in statement.sql.split(';') {
            let words = leading_words(part, 4);
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            match words.as_slice() {
                [] => {}
                ["CREATE", rest @ ..] => {
                    let rest: Vec<&str> = rest
                        .iter()
                        .copied()
                        .filter(|w| !matches!(*w, "TEMP" | "TEMPORARY" | "UNIQUE" | "VIRTUAL"))
                        .collect();
                    if !matches!(
                        rest.first(),
                        Some(&("TABLE" | "INDEX" | "VIEW" | "TRIGGER"))
                    ) {
                        return None;
                    }
                    names.extend(identifiers(part));
                }
                ["DROP", "TABLE" | "INDEX" | "VIEW" | "TRIGGER", ..] => {
                    names.extend(identifiers(part));
                }
                [
                    "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "SELECT" | "WITH" | "VALUES"
                    | "BEGIN" | "COMMIT" | "END" | "SAVEPOINT" | "RELEASE" | "ROLLBACK",
                    ..,
                ] => {}
                _ => return None,
            }
        }
    }
    Some(names)
}

/// The first `n` words of `sql`, upper-cased, comments skipped.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut words = Vec::new();
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or_default();
        for word in line.split(|c: char| c.is_whitespace() || c == '(') {
            if words.len() == n {
                return words;
            }
            if !word.is_empty() {
                words.push(word.to_ascii_uppercase());
            }
        }
    }
    words
}

/// Every identifier in `sql`, bare or quoted (`"a""b"`, `` `a` ``, `[a]`), lower-cased.
/// Keywords are included: naming too many tables only reads more.
fn identifiers(sql: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => Some('"'),
            '`' => Some('`'),
            '[' => Some(']'),
            '\'' => {
                // A string literal: skipped ('' is an escaped quote).
                while let Some(d) = chars.next() {
                    if d == '\'' && chars.peek() != Some(&'\'') {
                        break;
                    }
                    if d == '\'' {
                        chars.next();
                    }
                }
                continue;
            }
            _ => None,
        };
        let mut word = String::new();
        match close {
            Some(close) => {
                while let Some(d) = chars.next() {
                    if d == close {
                        if close != ']' && chars.peek() == Some(&close) {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    word.push(d);
                }
            }
            None if c.is_alphanumeric() || c == '_' || c == '$' => {
                word.push(c);
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' {
                        word.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            None => continue,
        }
        found.insert(word.to_ascii_lowercase());
    }
    found
}
