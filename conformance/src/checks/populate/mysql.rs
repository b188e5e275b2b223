//! MySQL's and MariaDB's column types as the generator's shapes, and what else the
//! MySQL catalog asks of generated values: CHECK constraints with backquoted names,
//! unique indexes on a prefix of a column (`url(100)`), decimals within their
//! precision. The catalog gives the types as `COLUMN_TYPE` prints them, lower-cased,
//! integers without their display width (`int unsigned`, `tinyint(1)`, `decimal(10,2)`,
//! `varchar(64)`, `enum('a','b')`, MariaDB's JSON as `json`).

use std::collections::BTreeMap;

use super::values::Shape;
use crate::catalog::{Table, mysql_ansi_names, mysql_literal_values};
use crate::sqltokens::{Class, tokens};

/// The shape of a MySQL column type.
pub(super) fn shape(sql_type: &str) -> Shape {
    let ty = sql_type.trim().to_ascii_lowercase();
    let base = ty
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    let unsigned = ty.contains("unsigned") || ty.contains("zerofill");
    let length = || length(&ty);
    let int = |bits: u32| {
        let bits = bits.min(64);
        if unsigned {
            let max = if bits >= 64 {
                i64::MAX as f64
            } else {
                (2f64).powi(bits as i32) - 1.0
            };
            Shape::Int { min: 0.0, max }
        } else {
            let half = (2f64).powi(bits as i32 - 1);
            Shape::Int {
                min: -half,
                max: half - 1.0,
            }
        }
    };
    match base {
        "tinyint" if ty.starts_with("tinyint(1)") && !unsigned => Shape::Bool,
        "bool" | "boolean" => Shape::Bool,
        "tinyint" => int(8),
        "smallint" => int(16),
        "mediumint" => int(24),
        "int" | "integer" => int(32),
        "bigint" => int(64),
        "bit" => Shape::Int {
            min: 0.0,
            max: (2f64).powi(length().unwrap_or(1).min(62) as i32) - 1.0,
        },
        "year" => Shape::Int {
            min: 1901.0,
            max: 2155.0,
        },
        "decimal" | "numeric" | "dec" | "fixed" => Shape::Decimal,
        "float" | "double" | "real" => Shape::Real,
        "char" | "varchar" => Shape::Text { max_len: length() },
        "tinytext" => Shape::Text { max_len: Some(255) },
        "text" | "mediumtext" | "longtext" => Shape::Text { max_len: None },
        "binary" | "varbinary" => Shape::Bytes { max_len: length() },
        "tinyblob" => Shape::Bytes { max_len: Some(255) },
        "blob" | "mediumblob" | "longblob" => Shape::Bytes { max_len: None },
        "json" => Shape::Json,
        "date" => Shape::Date,
        "datetime" | "timestamp" => Shape::Timestamp { zone: false },
        "time" => Shape::Time,
        "enum" | "set" => {
            let members = mysql_literal_values(&ty[base.len()..]);
            if members.is_empty() {
                Shape::Unknown
            } else {
                Shape::Enum(members)
            }
        }
        // MariaDB's own types.
        "uuid" => Shape::Uuid,
        "inet4" | "inet6" => Shape::Inet,
        _ => Shape::Unknown,
    }
}

/// The length in `varchar(64)`, `binary(16)`, `bit(8)`.
fn length(ty: &str) -> Option<usize> {
    let open = ty.find('(')?;
    let close = ty[open..].find(')')? + open;
    ty[open + 1..close].trim().parse().ok()
}

/// The largest whole value of a `decimal(p,s)` / `numeric(p,s)` (any backend's
/// spelling), if the type says.
pub(super) fn decimal_max(sql_type: &str) -> Option<f64> {
    let ty = sql_type.to_ascii_lowercase();
    let open = ty.find('(')?;
    let close = ty[open..].find(')')? + open;
    let mut parts = ty[open + 1..close].split(',');
    let precision: i32 = parts.next()?.trim().parse().ok()?;
    let scale: i32 = parts.next().map_or(Some(0), |s| s.trim().parse().ok())?;
    Some((10f64).powi((precision - scale).max(0)) - 1.0)
}

/// A key of an index as the catalog lists it (`url`, `url(100)`, `url DESC`), as the
/// column it is on and the prefix length it keys, if it is a column of `table`.
pub(super) fn key_column(table: &Table, key: &str) -> Option<(String, Option<usize>)> {
    let key = key.strip_suffix(" DESC").unwrap_or(key);
    let is_column = |name: &str| table.columns.iter().any(|c| c.name == name);
    if is_column(key) {
        return Some((key.to_owned(), None));
    }
    let (name, rest) = key.rsplit_once('(')?;
    let prefix: usize = rest.strip_suffix(')')?.parse().ok()?;
    is_column(name).then(|| (name.to_owned(), Some(prefix)))
}

/// The columns of `table` a generated column's `expression` is computed from (names
/// bare, in double quotes or in MySQL's backquotes).
pub(super) fn generated_sources(table: &Table, expression: &str) -> Vec<String> {
    let tokens = tokens(&mysql_ansi_names(expression));
    table
        .columns
        .iter()
        .filter(|column| {
            tokens.iter().any(|t| match t.class {
                Class::Word => t.text.eq_ignore_ascii_case(&column.name),
                Class::QuotedIdent => t.text.trim_matches('"').replace("\"\"", "\"") == column.name,
                _ => false,
            })
        })
        .map(|column| column.name.clone())
        .collect()
}

/// The shortest prefix a unique index keys each column on: values of such a column
/// must differ within it, so they are made no longer.
pub(super) fn unique_prefixes(table: &Table) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for index in table
        .indexes
        .values()
        .chain(table.constraint_indexes.values())
        .filter(|index| index.unique)
    {
        for key in &index.columns {
            if let Some((column, Some(prefix))) = key_column(table, key) {
                let entry = out.entry(column).or_insert(prefix);
                *entry = (*entry).min(prefix);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Index, Kind};

    #[test]
    fn shapes_of_mysql_types() {
        assert_eq!(shape("tinyint(1)"), Shape::Bool);
        assert_eq!(
            shape("tinyint"),
            Shape::Int {
                min: -128.0,
                max: 127.0
            }
        );
        assert_eq!(
            shape("tinyint unsigned"),
            Shape::Int {
                min: 0.0,
                max: 255.0
            }
        );
        assert_eq!(
            shape("int unsigned"),
            Shape::Int {
                min: 0.0,
                max: 4294967295.0
            }
        );
        assert_eq!(
            shape("bigint unsigned"),
            Shape::Int {
                min: 0.0,
                max: i64::MAX as f64
            }
        );
        assert_eq!(
            shape("mediumint"),
            Shape::Int {
                min: -8388608.0,
                max: 8388607.0
            }
        );
        assert_eq!(shape("bit(3)"), Shape::Int { min: 0.0, max: 7.0 });
        assert_eq!(
            shape("year"),
            Shape::Int {
                min: 1901.0,
                max: 2155.0
            }
        );
        assert_eq!(shape("varchar(64)"), Shape::Text { max_len: Some(64) });
        assert_eq!(shape("char(36)"), Shape::Text { max_len: Some(36) });
        assert_eq!(shape("longtext"), Shape::Text { max_len: None });
        assert_eq!(shape("binary(16)"), Shape::Bytes { max_len: Some(16) });
        assert_eq!(shape("longblob"), Shape::Bytes { max_len: None });
        assert_eq!(shape("decimal(10,2)"), Shape::Decimal);
        assert_eq!(shape("double"), Shape::Real);
        assert_eq!(shape("json"), Shape::Json);
        assert_eq!(shape("datetime(6)"), Shape::Timestamp { zone: false });
        assert_eq!(shape("timestamp"), Shape::Timestamp { zone: false });
        assert_eq!(shape("date"), Shape::Date);
        assert_eq!(shape("time"), Shape::Time);
        assert_eq!(
            shape("enum('a','it''s')"),
            Shape::Enum(vec!["a".into(), "it's".into()])
        );
        assert_eq!(
            shape("set('x','y')"),
            Shape::Enum(vec!["x".into(), "y".into()])
        );
        assert_eq!(shape("geometry"), Shape::Unknown);
    }

    #[test]
    fn decimals_stay_within_their_precision() {
        assert_eq!(decimal_max("decimal(3,2)"), Some(9.0));
        assert_eq!(decimal_max("numeric(10,2)"), Some(99_999_999.0));
        assert_eq!(decimal_max("decimal(5)"), Some(99_999.0));
        assert_eq!(decimal_max("decimal"), None);
    }

    #[test]
    fn unique_prefix_indexes_limit_their_columns() {
        let column = |name: &str| Column {
            name: name.into(),
            kind: Kind::String,
            nullable: false,
            default: None,
            default_sql: None,
            sql_type: "text".into(),
            collation: None,
            generated: None,
            identity: false,
        };
        let index = |columns: &[&str], unique| Index {
            definition: None,
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            unique,
            partial: false,
            predicate: None,
        };
        let mut table = Table {
            columns: vec![column("url"), column("title"), column("body")],
            ..Table::default()
        };
        table
            .indexes
            .insert("u".into(), index(&["url(20)", "title DESC"], true));
        table.indexes.insert("t".into(), index(&["title(5)"], true));
        table.indexes.insert("b".into(), index(&["body(3)"], false));
        assert_eq!(
            key_column(&table, "title DESC"),
            Some(("title".into(), None))
        );
        assert_eq!(key_column(&table, "lower(url)"), None);
        let prefixes = unique_prefixes(&table);
        assert_eq!(prefixes.get("url"), Some(&20));
        assert_eq!(prefixes.get("title"), Some(&5));
        assert_eq!(prefixes.get("body"), None);
        assert_eq!(
            generated_sources(&table, "nullif(`url`,'') || \"title\" || body2"),
            ["url", "title"]
        );
    }
}
