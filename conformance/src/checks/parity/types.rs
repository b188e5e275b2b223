//! Which SQLite type and which PostgreSQL type are the same sea-query `ColumnType`,
//! derived from sea-query's own per-backend mapping rather than written down here: each
//! variant is rendered with both query builders, and PostgreSQL's spelling is brought
//! to the one its catalog (`format_type`) reports.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use sea_orm::sea_query::{
    Alias, ColumnDef, ColumnType, PostgresQueryBuilder, RcOrArc, SqliteQueryBuilder, StringLen,
    Table,
};

/// One sample of every `ColumnType` variant (with and without its optional
/// parameters), by a column name. `ColumnType` is `#[non_exhaustive]`, so the compiler
/// cannot check this list: it follows sea-query 1.0.2's `table/column.rs` one for one.
pub fn column_type_samples() -> Vec<(&'static str, ColumnType)> {
    vec![
        ("char_n", ColumnType::Char(Some(3))),
        ("char", ColumnType::Char(None)),
        ("string_n", ColumnType::String(StringLen::N(20))),
        ("string_max", ColumnType::String(StringLen::Max)),
        ("string", ColumnType::String(StringLen::None)),
        ("text", ColumnType::Text),
        ("blob", ColumnType::Blob),
        ("tiny_integer", ColumnType::TinyInteger),
        ("small_integer", ColumnType::SmallInteger),
        ("integer", ColumnType::Integer),
        ("big_integer", ColumnType::BigInteger),
        ("tiny_unsigned", ColumnType::TinyUnsigned),
        ("small_unsigned", ColumnType::SmallUnsigned),
        ("unsigned", ColumnType::Unsigned),
        ("big_unsigned", ColumnType::BigUnsigned),
        ("float", ColumnType::Float),
        ("double", ColumnType::Double),
        ("decimal_ps", ColumnType::Decimal(Some((10, 2)))),
        ("decimal", ColumnType::Decimal(None)),
        ("date_time", ColumnType::DateTime),
        ("timestamp", ColumnType::Timestamp),
        ("timestamp_tz", ColumnType::TimestampWithTimeZone),
        ("time", ColumnType::Time),
        ("date", ColumnType::Date),
        ("year", ColumnType::Year),
        ("interval", ColumnType::Interval(None, None)),
        ("binary", ColumnType::Binary(16)),
        ("var_binary_n", ColumnType::VarBinary(StringLen::N(16))),
        ("var_binary", ColumnType::VarBinary(StringLen::None)),
        ("bit", ColumnType::Bit(Some(4))),
        ("var_bit", ColumnType::VarBit(8)),
        ("boolean", ColumnType::Boolean),
        ("money_ps", ColumnType::Money(Some((10, 2)))),
        ("money", ColumnType::Money(None)),
        ("json", ColumnType::Json),
        ("json_binary", ColumnType::JsonBinary),
        ("uuid", ColumnType::Uuid),
        ("custom", ColumnType::Custom(Alias::new("text").into())),
        (
            "enumeration",
            ColumnType::Enum {
                name: Alias::new("mood").into(),
                variants: vec![Alias::new("happy").into(), Alias::new("sad").into()],
            },
        ),
        (
            "array",
            ColumnType::Array(RcOrArc::new(ColumnType::Integer)),
        ),
        ("vector", ColumnType::Vector(Some(3))),
        ("cidr", ColumnType::Cidr),
        ("inet", ColumnType::Inet),
        ("mac_addr", ColumnType::MacAddr),
        ("ltree", ColumnType::LTree),
    ]
}

/// Whether a column of type `ty` can be created on SQLite and PostgreSQL both. sea-query
/// panics (`unimplemented!`) rendering the others for one backend, and PostgreSQL
/// refuses `money(p, s)`, so no migration declares them on both backends.
pub fn portable(ty: &ColumnType) -> bool {
    !matches!(
        ty,
        ColumnType::Money(Some(_))
            | ColumnType::Year
            | ColumnType::Interval(..)
            | ColumnType::Bit(_)
            | ColumnType::VarBit(_)
            | ColumnType::Array(_)
            | ColumnType::Vector(_)
            | ColumnType::Cidr
            | ColumnType::Inet
            | ColumnType::MacAddr
            | ColumnType::LTree
    )
}

/// A type spelling reduced to its shape (lower case, no spaces or `public.`, numbers
/// as `#`) and its numbers: `character varying(20)` → (`charactervarying(#)`, `[20]`).
fn shape(spelling: &str) -> (String, Vec<u64>) {
    let lower = spelling.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("public.").unwrap_or(&lower);
    let mut pattern = String::new();
    let mut numbers = Vec::new();
    let mut digits = String::new();
    for c in lower.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if !digits.is_empty() {
            numbers.push(digits.parse().unwrap_or(u64::MAX));
            pattern.push('#');
            digits.clear();
        }
        if !c.is_whitespace() && c != '"' {
            pattern.push(c);
        }
    }
    (pattern, numbers)
}

/// sea-query's PostgreSQL spelling as `format_type` reports it.
fn catalog_spelling(sea_query: &str) -> String {
    let (head, params) = match sea_query.find('(') {
        Some(at) => (&sea_query[..at], &sea_query[at..]),
        None => (sea_query, ""),
    };
    let (array, head) = match head.strip_suffix("[]") {
        Some(head) => ("[]", head),
        None => ("", head),
    };
    let head = match head.trim() {
        "varchar" => "character varying",
        "char" if params.is_empty() => "character(1)",
        "char" => "character",
        "decimal" => "numeric",
        "timestamp" => "timestamp without time zone",
        "time" => "time without time zone",
        "bool" => "boolean",
        "varbit" => "bit varying",
        "bit" if params.is_empty() => "bit(1)",
        other => other,
    };
    format!("{head}{params}{array}")
}

/// The column's type text as the builder writes it in `CREATE TABLE "t" ( "c" TYPE )`.
fn rendered(ty: &ColumnType, postgres: bool) -> String {
    let mut column = ColumnDef::new_with_type(Alias::new("c"), ty.clone());
    let mut create = Table::create();
    create.table(Alias::new("t")).col(&mut column);
    let sql = if postgres {
        create.to_string(PostgresQueryBuilder)
    } else {
        create.to_string(SqliteQueryBuilder)
    };
    let start = sql.find("\"c\"").map_or(0, |at| at + 3);
    let end = sql.rfind(')').unwrap_or(sql.len()).max(start);
    sql[start..end].trim().to_owned()
}

/// `(sqlite shape, postgres shape)` for every portable variant.
fn pairs() -> &'static BTreeSet<(String, String)> {
    static PAIRS: OnceLock<BTreeSet<(String, String)>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        column_type_samples()
            .into_iter()
            .filter(|(_, ty)| portable(ty))
            .map(|(_, ty)| {
                let sqlite = rendered(&ty, false);
                let postgres = catalog_spelling(&rendered(&ty, true));
                let postgres = match ty {
                    // An enum is its own type on PostgreSQL, whatever its name.
                    ColumnType::Enum { .. } => "*".to_owned(),
                    _ => postgres,
                };
                (shape(&sqlite).0, shape(&postgres).0)
            })
            .collect()
    })
}

/// Whether a column typed `sqlite` there and `postgres` there may come from one
/// sea-query declaration: the same spelling, or a pair sea-query's builders produce,
/// with the same numbers where both sides have some (`varchar(20)` and
/// `character varying(20)`, not `(30)`).
pub fn same_type(sqlite: &str, postgres: &str, postgres_is_enum: bool) -> bool {
    let (s, s_numbers) = shape(sqlite);
    let (p, p_numbers) = shape(postgres);
    if s == p && s_numbers == p_numbers {
        return true;
    }
    let numbers_agree = s_numbers.is_empty() || p_numbers.is_empty() || s_numbers == p_numbers;
    let known = pairs();
    numbers_agree
        && (known.contains(&(s.clone(), p))
            || (postgres_is_enum && known.contains(&(s, "*".to_owned()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_types_pair_up_as_sea_query_renders_them() {
        assert!(same_type("integer", "bigint", false), "big_integer");
        assert!(same_type("double", "double precision", false));
        assert!(same_type("varchar", "character varying", false));
        assert!(same_type("varchar(20)", "character varying(20)", false));
        assert!(!same_type("varchar(20)", "character varying(30)", false));
        assert!(same_type("real(10, 2)", "numeric(10,2)", false));
        assert!(same_type("blob(16)", "bytea", false));
        assert!(same_type("enum_text", "mood", true));
        assert!(!same_type("enum_text", "mood", false));
        assert!(!same_type("text", "integer", false));
        assert!(!same_type("varchar", "jsonb", false));
        assert!(same_type("citext", "public.citext", false));
    }
}
