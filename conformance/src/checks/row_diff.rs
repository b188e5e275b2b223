//! Which columns a change of a table's rows touched: rows as the data snapshot keeps
//! them (PostgreSQL's row text `(1,abc,"a b",)`, SQLite's `quote()` values joined by
//! commas) read back into fields, the rows lost paired with the rows that replaced them
//! by their first field (the key, in practice), and the fields compared by column name.

use std::collections::BTreeMap;

/// One column whose values changed, with one example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnChange {
    /// The column.
    pub(crate) column: String,
    /// How many paired rows differ in it.
    pub(crate) rows: usize,
    /// Its value before and after in the first such row (`NULL` for none).
    pub(crate) example: (String, String),
    /// Every value on both sides looks generated at run time (a timestamp or a UUID):
    /// a row inserted again gets new ones.
    pub(crate) volatile: bool,
}

/// Whether `value` (as a row's text shows it) is a timestamp or a UUID.
fn volatile(value: &str) -> bool {
    let v = value.trim_matches('\'');
    let b = v.as_bytes();
    let timestamp = b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && v.contains(':');
    let uuid = v.len() == 36
        && v.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    timestamp || uuid
}

/// The columns whose values differ between `lost` rows (with `before` columns) and the
/// `left` rows that replaced them (with `after` columns), by column, in `before` order.
pub(crate) fn changed_columns(
    before: &[String],
    lost: &[&str],
    after: &[String],
    left: &[&str],
) -> Vec<ColumnChange> {
    let read = |columns: &[String], row: &str| -> BTreeMap<String, String> {
        columns
            .iter()
            .cloned()
            .zip(fields(row).into_iter().map(shown))
            .collect()
    };
    let lost: Vec<BTreeMap<String, String>> = lost.iter().map(|r| read(before, r)).collect();
    // Paired greedily, most alike first: a key column need not come first.
    let mut left: Vec<BTreeMap<String, String>> = left.iter().map(|r| read(after, r)).collect();
    let mut changes: Vec<ColumnChange> = Vec::new();
    for old in &lost {
        // Its replacement: the row that agrees with it on the most columns.
        let same = |new: &BTreeMap<String, String>| {
            before.iter().filter(|c| old.get(*c) == new.get(*c)).count()
        };
        let at = (0..left.len()).max_by_key(|&i| (same(&left[i]), std::cmp::Reverse(i)));
        let Some(at) = at else { break };
        let new = left.remove(at);
        for column in before {
            let was = old
                .get(column)
                .cloned()
                .unwrap_or_else(|| "NULL".to_owned());
            let now = new
                .get(column)
                .cloned()
                .unwrap_or_else(|| "NULL".to_owned());
            if was == now {
                continue;
            }
            let fleeting = volatile(&was) && volatile(&now);
            match changes.iter_mut().find(|c| c.column == *column) {
                Some(change) => {
                    change.rows += 1;
                    change.volatile &= fleeting;
                }
                None => changes.push(ColumnChange {
                    column: column.clone(),
                    rows: 1,
                    example: (was, now),
                    volatile: fleeting,
                }),
            }
        }
    }
    let order = |c: &ColumnChange| before.iter().position(|b| *b == c.column);
    changes.sort_by_key(order);
    changes
}

/// A field as a finding shows it: `NULL`, or its text.
fn shown(field: Option<String>) -> String {
    field.unwrap_or_else(|| "NULL".to_owned())
}

/// The fields of one row's text; `None` is NULL.
pub(crate) fn fields(row: &str) -> Vec<Option<String>> {
    match row.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => postgres_fields(inner),
        None => sqlite_fields(row),
    }
}

/// PostgreSQL's record output: empty is NULL, `"…"` quoted with `""` and `\` escapes.
fn postgres_fields(inner: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        let mut field = String::new();
        let mut quoted = false;
        let mut any = false;
        while let Some(&c) = chars.peek() {
            if c == ',' && !quoted {
                break;
            }
            chars.next();
            any = true;
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = !quoted,
                '\\' if quoted => {
                    if let Some(next) = chars.next() {
                        field.push(next);
                    }
                }
                other => field.push(other),
            }
        }
        out.push(any.then_some(field));
        if chars.next().is_none() {
            return out;
        }
    }
}

/// SQLite's `quote()` values: `NULL`, numbers, `'text'` with `''`, `X'hex'`.
fn sqlite_fields(row: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                chars.next();
                field.push_str("''");
            }
            '\'' => {
                quoted = !quoted;
                field.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            other => field.push(other),
        }
    }
    out.push(field);
    out.into_iter()
        .map(|f| (f != "NULL").then_some(f))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_backends_row_texts() {
        assert_eq!(
            fields("(1,abc,\"a, \"\"b\"\"\",,\"\\\\x\")"),
            [
                Some("1".into()),
                Some("abc".into()),
                Some("a, \"b\"".into()),
                None,
                Some("\\x".into())
            ]
        );
        assert_eq!(
            fields("1,'it''s, here',NULL,X'AB'"),
            [
                Some("1".into()),
                Some("'it''s, here'".into()),
                None,
                Some("X'AB'".into())
            ]
        );
    }

    #[test]
    fn pairs_rows_by_key_and_names_the_changed_columns() {
        let columns = ["id".to_owned(), "label".to_owned(), "note".to_owned()];
        let changes = changed_columns(
            &columns,
            &["1,'a','x'", "2,'b','y'"],
            &columns,
            &["2,'B','y'", "1,'A','x'"],
        );
        assert_eq!(
            changes,
            [ColumnChange {
                column: "label".into(),
                rows: 2,
                example: ("'a'".into(), "'A'".into()),
                volatile: false,
            }]
        );
    }

    #[test]
    fn new_timestamps_and_uuids_are_volatile_other_values_are_not() {
        let columns = ["label".to_owned(), "id".to_owned(), "at".to_owned()];
        let changes = changed_columns(
            &columns,
            &["(x,51e1e63c-f901-408a-93f1-cac9763a4b23,\"2026-12-05 20:34:04.757071+00\")"],
            &columns,
            &["(x,dab0152d-6b02-4b85-b1b7-a34ad0e049a8,\"2026-12-05 20:34:04.831137+00\")"],
        );
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.volatile), "{changes:?}");
        let changes = changed_columns(&columns, &["(x,1,2)"], &columns, &["(y,1,2)"]);
        assert!(!changes[0].volatile);
    }

    #[test]
    fn a_column_missing_after_reads_as_null() {
        let before = ["id".to_owned(), "code".to_owned()];
        let after = ["id".to_owned()];
        let changes = changed_columns(&before, &["(1,c)"], &after, &["(1)"]);
        assert_eq!(changes[0].column, "code");
        assert_eq!(changes[0].example, ("c".into(), "NULL".into()));
    }
}
