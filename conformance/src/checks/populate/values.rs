//! One column's generated values: a shape read from the column's declared type, and
//! the value of row `i` in that shape under the column's CHECK rules. Pure: the same
//! column, row and seed give the same value on every run and machine.

use super::rules::{JsonKind, Rule};
use crate::backends::Backend;
use crate::catalog::Column;

/// A value as it is bound (SQLite) or written into the row's JSON (PostgreSQL).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    /// A decimal as text, so that no float rounding reaches `numeric`.
    Decimal(String),
    Bool(bool),
    Text(String),
    /// A JSON document (a json / jsonb column's value).
    Json(serde_json::Value),
    Blob(Vec<u8>),
    /// The elements of an array column.
    Array(Vec<Cell>),
}

/// What kind of value a declared type takes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape {
    Int {
        min: f64,
        max: f64,
    },
    Real,
    Decimal,
    Bool,
    Text {
        max_len: Option<usize>,
    },
    Json,
    Uuid,
    Date,
    Time,
    Timestamp {
        zone: bool,
    },
    Blob,
    /// MySQL's binary strings and blobs, at most `max_len` bytes.
    Bytes {
        max_len: Option<usize>,
    },
    Interval,
    Inet,
    MacAddr,
    Bits,
    Enum(Vec<String>),
    Array(Box<Shape>),
    /// A type the generator does not know (a domain, a range, a geometric type…).
    Unknown,
}

/// The shape of `sql_type` (as the catalog prints it); `enums` are the PostgreSQL enum
/// types by name. MySQL's types: see [`super::mysql::shape`].
pub(super) fn shape(
    sql_type: &str,
    backend: Backend,
    enums: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Shape {
    if backend == Backend::MySql {
        return super::mysql::shape(sql_type);
    }
    let ty = sql_type.trim();
    if let Some(element) = ty.strip_suffix("[]") {
        return Shape::Array(Box::new(shape(element, backend, enums)));
    }
    if let Some(values) = enums(ty) {
        return Shape::Enum(values);
    }
    // `extensions.citext`: the type's own name decides.
    let lower = ty.to_ascii_lowercase();
    let lower = match lower.rsplit_once('.') {
        Some((_, base)) if !base.contains(['(', ' ']) => base.to_owned(),
        _ => lower,
    };
    let has = |part: &str| lower.contains(part);
    let starts = |part: &str| lower.starts_with(part);
    let max_len = || {
        let open = lower.find('(')?;
        lower[open + 1..]
            .trim_end_matches(')')
            .trim()
            .parse::<usize>()
            .ok()
    };
    if has("uuid") && backend == Backend::Postgres || starts("uuid") {
        Shape::Uuid
    } else if has("json") {
        Shape::Json
    } else if has("timestamp") || has("datetime") {
        Shape::Timestamp {
            zone: has("with time zone") || lower == "timestamptz",
        }
    } else if starts("date") {
        Shape::Date
    } else if starts("time") {
        Shape::Time
    } else if starts("interval") {
        Shape::Interval
    } else if starts("inet") || starts("cidr") {
        Shape::Inet
    } else if starts("macaddr") {
        Shape::MacAddr
    } else if starts("bit") {
        Shape::Bits
    } else if has("bool") {
        Shape::Bool
    } else if starts("smallint") || starts("int2") || starts("smallserial") || starts("tinyint") {
        Shape::Int {
            min: -32768.0,
            max: 32767.0,
        }
    } else if starts("bigint") || starts("int8") || starts("bigserial") {
        Shape::Int {
            min: i64::MIN as f64,
            max: i64::MAX as f64,
        }
    } else if has("int") {
        let wide = backend == Backend::Sqlite;
        Shape::Int {
            min: if wide { i64::MIN as f64 } else { -2147483648.0 },
            max: if wide { i64::MAX as f64 } else { 2147483647.0 },
        }
    } else if has("char")
        || has("text")
        || has("clob")
        || has("string")
        || starts("citext")
        || lower == "name"
    {
        Shape::Text { max_len: max_len() }
    } else if has("bytea") || has("blob") || has("binary") {
        Shape::Blob
    } else if has("real") || has("floa") || has("doub") {
        Shape::Real
    } else if has("numeric") || has("decimal") || has("money") {
        Shape::Decimal
    } else if backend == Backend::Sqlite && lower.is_empty() {
        // No declared type: SQLite takes anything.
        Shape::Text { max_len: None }
    } else {
        Shape::Unknown
    }
}

/// The value of row `row` (from 0) of `column`, or `None` when the generator can make
/// none for its type. `seed` shifts every value.
pub(super) fn value(
    column: &Column,
    shape: &Shape,
    rule: &Rule,
    row: usize,
    seed: u64,
) -> Option<Cell> {
    let n = row as u64 + seed % 1_000_000;
    if let Some(allowed) = &rule.allowed {
        let pick = &allowed[(n as usize) % allowed.len()];
        return Some(match shape {
            Shape::Int { .. } => pick.parse().map_or(Cell::Text(pick.clone()), Cell::Int),
            Shape::Real => pick.parse().map_or(Cell::Text(pick.clone()), Cell::Real),
            Shape::Decimal => Cell::Decimal(pick.clone()),
            Shape::Bool => Cell::Bool(matches!(pick.as_str(), "1" | "true" | "t")),
            _ => Cell::Text(pick.clone()),
        });
    }
    if let Some(kind) = rule.json {
        let document = match kind {
            JsonKind::Array => serde_json::json!([format!("{}-{}", column.name, n + 1)]),
            JsonKind::Object | JsonKind::Any => serde_json::json!({ "n": n + 1 }),
        };
        return Some(match shape {
            Shape::Json => Cell::Json(document),
            _ => Cell::Text(document.to_string()),
        });
    }
    Some(match shape {
        Shape::Int { min, max } => Cell::Int(in_range(
            n,
            rule.min.unwrap_or(1.0).max(*min),
            rule.max.unwrap_or(*max).min(*max),
        )? as i64),
        Shape::Real => Cell::Real(
            in_range(n, rule.min.unwrap_or(1.0), rule.max.unwrap_or(f64::MAX))?
                + 0.5_f64.min(rule.max.map_or(0.5, |_| 0.0)),
        ),
        Shape::Decimal => Cell::Decimal(format!(
            "{}",
            in_range(n, rule.min.unwrap_or(1.0), rule.max.unwrap_or(999.0))? as i64
        )),
        Shape::Bool => Cell::Bool(n.is_multiple_of(2)),
        Shape::Text { max_len } => Cell::Text(text(&column.name, n, *max_len, rule)?),
        Shape::Json => Cell::Json(serde_json::json!({ "n": n + 1 })),
        Shape::Uuid => Cell::Text(format!("00000000-0000-4000-8000-{:012x}", n + 1)),
        Shape::Date => Cell::Text(date(n)),
        Shape::Time => Cell::Text(format!("12:{:02}:{:02}", (n / 60) % 60, n % 60)),
        Shape::Timestamp { zone } => Cell::Text(format!(
            "{} {:02}:00:00{}",
            date(n),
            n % 24,
            if *zone { "+00" } else { "" }
        )),
        Shape::Blob => Cell::Blob(vec![(n % 256) as u8; 4]),
        Shape::Bytes { max_len } => Cell::Blob(bytes(n, *max_len, rule.max_len)?),
        Shape::Interval => Cell::Text(format!("{} days", n + 1)),
        Shape::Inet => Cell::Text(format!("192.0.2.{}", (n % 254) + 1)),
        Shape::MacAddr => Cell::Text(format!("08:00:2b:01:02:{:02x}", n % 256)),
        Shape::Bits => Cell::Text(if n.is_multiple_of(2) { "1" } else { "0" }.to_owned()),
        Shape::Enum(values) => Cell::Text(values.get((n as usize) % values.len().max(1))?.clone()),
        Shape::Array(element) => {
            Cell::Array(vec![value(column, element, &Rule::default(), row, seed)?])
        }
        Shape::Unknown => return None,
    })
}

/// The `n`-th whole number from `min` up, wrapping within `max`.
fn in_range(n: u64, min: f64, max: f64) -> Option<f64> {
    // NaN bounds or an empty range: nothing fits.
    if min.partial_cmp(&max).is_none_or(|o| o.is_gt()) {
        return None;
    }
    let span = (max - min).floor() + 1.0;
    let step = if span.is_finite() && span < 1e15 {
        (n as f64) % span
    } else {
        n as f64
    };
    Some(min + step)
}

/// `n + 1` in up to 8 bytes, its lowest byte first (so that values differ within any
/// prefix a unique index keys), cut to the column's length and the CHECK rules'; where
/// a ninth byte fits (a `binary(16)` UUID), `0xff`: bytes that are no UTF-8 text, as
/// real binary keys are.
fn bytes(n: u64, max_len: Option<usize>, rule_max: Option<usize>) -> Option<Vec<u8>> {
    let room = [max_len, rule_max].into_iter().flatten().min();
    let len = room.unwrap_or(8).min(8);
    let mut out = (n + 1).to_le_bytes()[..len].to_vec();
    if room.is_some_and(|room| room > 8) {
        out.push(0xff);
    }
    (len > 0).then_some(out)
}

/// A day of January 2025 onwards: `n` days after the first.
fn date(n: u64) -> String {
    let day = n % 28 + 1;
    let month = (n / 28) % 12 + 1;
    format!("2025-{month:02}-{day:02}")
}

/// `column-N` fitted to the length rules (the number kept, so values stay distinct),
/// or the `LIKE` pattern with its first `%` filled.
fn text(column: &str, n: u64, max_len: Option<usize>, rule: &Rule) -> Option<String> {
    let number = (n + 1).to_string();
    let mut value = match &rule.like {
        Some(pattern) => {
            let filled = pattern.replacen('%', &format!("{column}{number}"), 1);
            filled.replace('%', "").replace('_', "x")
        }
        None => format!("{}-{number}", column.to_ascii_lowercase()),
    };
    let max = match (max_len, rule.max_len) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(max) = max {
        if max < number.len() {
            return (max > 0).then(|| number[number.len() - max..].to_owned());
        }
        if value.chars().count() > max {
            let keep = max - number.len();
            value = value.chars().take(keep).collect::<String>() + &number;
        }
    }
    if let Some(min) = rule.min_len {
        while value.chars().count() < min {
            value.push('x');
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_enums(_: &str) -> Option<Vec<String>> {
        None
    }

    #[test]
    fn shapes_of_both_backends_type_names() {
        let pg = |t: &str| shape(t, Backend::Postgres, &no_enums);
        assert_eq!(
            pg("character varying(20)"),
            Shape::Text { max_len: Some(20) }
        );
        assert_eq!(
            pg("text[]"),
            Shape::Array(Box::new(Shape::Text { max_len: None }))
        );
        assert_eq!(
            pg("timestamp with time zone"),
            Shape::Timestamp { zone: true }
        );
        assert_eq!(pg("public.citext"), Shape::Text { max_len: None });
        assert_eq!(pg("citext"), Shape::Text { max_len: None });
        assert!(matches!(pg("integer"), Shape::Int { .. }));
        assert_eq!(pg("numeric(10,2)"), Shape::Decimal);
        let lite = |t: &str| shape(t, Backend::Sqlite, &no_enums);
        assert_eq!(lite("json_text"), Shape::Json);
        assert_eq!(lite("timestamp_text"), Shape::Timestamp { zone: false });
        assert_eq!(lite("uuid_text"), Shape::Uuid);
        assert_eq!(lite("blob"), Shape::Blob);
        let enums = |t: &str| (t == "mood").then(|| vec!["ok".to_owned()]);
        assert_eq!(
            shape("mood", Backend::Postgres, &enums),
            Shape::Enum(vec!["ok".to_owned()])
        );
    }

    #[test]
    fn text_keeps_its_number_within_any_length() {
        let rule = Rule::default();
        assert_eq!(text("Name", 0, None, &rule).as_deref(), Some("name-1"));
        assert_eq!(text("name", 11, Some(4), &rule).as_deref(), Some("na12"));
        assert_eq!(text("name", 11, Some(1), &rule).as_deref(), Some("2"));
        let like = Rule {
            like: Some("%@%.test".to_owned()),
            ..Rule::default()
        };
        assert_eq!(
            text("email", 0, None, &like).as_deref(),
            Some("email1@.test")
        );
    }

    #[test]
    fn bytes_differ_first_and_are_no_text_where_they_fit() {
        assert_eq!(
            bytes(0, Some(16), None),
            Some(vec![1, 0, 0, 0, 0, 0, 0, 0, 0xff])
        );
        assert_eq!(bytes(257, None, None), Some(vec![2, 1, 0, 0, 0, 0, 0, 0]));
        assert_eq!(bytes(1, Some(16), Some(2)), Some(vec![2, 0]));
        assert_eq!(bytes(1, Some(0), None), None);
    }

    #[test]
    fn ranges_are_kept_and_wrap() {
        assert_eq!(in_range(0, 1.0, 5.0), Some(1.0));
        assert_eq!(in_range(6, 1.0, 5.0), Some(2.0));
        assert_eq!(in_range(0, 3.0, 2.0), None);
    }
}
