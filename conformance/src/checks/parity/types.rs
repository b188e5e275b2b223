//! Which types of two backends are the same sea-query `ColumnType`, derived from
//! sea-query's own per-backend mapping rather than written down here: each variant is
//! rendered with the SQLite, PostgreSQL and MySQL query builders, and PostgreSQL's and
//! MySQL's spellings are brought to the ones their catalogs report (`format_type`,
//! `COLUMN_TYPE`). The result is one table: a row per `ColumnType` (its "declared
//! alike" class), a spelling per backend.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use sea_orm::sea_query::{
    Alias, ColumnDef, ColumnType, MysqlQueryBuilder, PostgresQueryBuilder, RcOrArc,
    SqliteQueryBuilder, StringLen, Table,
};

use crate::Backend;

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

/// sea-query's MySQL spelling as `COLUMN_TYPE` reports it, once the catalog has
/// dropped integer display widths (see `catalog::mysql::normalize::sql_type`).
fn mysql_catalog_spelling(sea_query: &str) -> String {
    let lower = sea_query.trim().to_ascii_lowercase();
    match lower.as_str() {
        "bool" => "tinyint(1)".to_owned(),
        "decimal" => "decimal(10,0)".to_owned(),
        "char" => "char(1)".to_owned(),
        _ => lower,
    }
}

/// The column's type text as `backend`'s builder writes it in `CREATE TABLE t ( c TYPE )`.
fn rendered(ty: &ColumnType, backend: Backend) -> String {
    let mut column = ColumnDef::new_with_type(Alias::new("c"), ty.clone());
    let mut create = Table::create();
    create.table(Alias::new("t")).col(&mut column);
    let (sql, quoted) = match backend {
        Backend::Postgres => (create.to_string(PostgresQueryBuilder), "\"c\""),
        Backend::MySql => (create.to_string(MysqlQueryBuilder), "`c`"),
        _ => (create.to_string(SqliteQueryBuilder), "\"c\""),
    };
    let start = sql.find(quoted).map_or(0, |at| at + quoted.len());
    let end = sql.rfind(')').unwrap_or(sql.len()).max(start);
    sql[start..end].trim().to_owned()
}

/// The shape a catalog reports for `ty` on `backend`; an enum is `*` on PostgreSQL
/// and MySQL (its own type there, whatever its name or values).
fn catalog_shape(ty: &ColumnType, backend: Backend) -> String {
    if matches!(ty, ColumnType::Enum { .. }) && backend != Backend::Sqlite {
        return ENUM.to_owned();
    }
    let text = rendered(ty, backend);
    let text = match backend {
        Backend::Postgres => catalog_spelling(&text),
        Backend::MySql => mysql_catalog_spelling(&text),
        _ => text,
    };
    shape(&text).0
}

/// The shape standing for any enum type.
const ENUM: &str = "*";

/// The table: for every portable `ColumnType`, its catalog shape on each backend.
fn classes() -> &'static Vec<BTreeMap<Backend, String>> {
    static CLASSES: OnceLock<Vec<BTreeMap<Backend, String>>> = OnceLock::new();
    CLASSES.get_or_init(|| {
        column_type_samples()
            .into_iter()
            .filter(|(_, ty)| portable(ty))
            .map(|(_, ty)| {
                Backend::EVERY
                    .into_iter()
                    .map(|backend| (backend, catalog_shape(&ty, backend)))
                    .collect()
            })
            .collect()
    })
}

/// A column's type on one backend, as its catalog reports it.
#[derive(Debug, Clone, Copy)]
pub struct Typed<'a> {
    /// The backend.
    pub backend: Backend,
    /// The type (`character varying(20)`, `varchar(255)`, `tinyint(1)`).
    pub sql_type: &'a str,
    /// Whether it is an enum type (PostgreSQL's are named, so only the catalog knows).
    pub is_enum: bool,
}

impl Typed<'_> {
    /// Its shape and numbers; an enum's shape is `*`.
    fn shape(&self) -> (String, Vec<u64>) {
        let mysql_enum = self.backend == Backend::MySql
            && self
                .sql_type
                .trim()
                .to_ascii_lowercase()
                .starts_with("enum(");
        if self.is_enum || mysql_enum {
            return (ENUM.to_owned(), Vec::new());
        }
        shape(self.sql_type)
    }
}

/// Whether two columns typed `a` and `b` may come from one sea-query declaration: the
/// same spelling on the same backend, or the spellings of one `ColumnType` on theirs,
/// with the same numbers where both sides have some (`varchar(20)` and
/// `character varying(20)`, not `(30)`).
pub fn same_type(a: Typed<'_>, b: Typed<'_>) -> bool {
    let ((a_shape, a_numbers), (b_shape, b_numbers)) = (shape(a.sql_type), shape(b.sql_type));
    if a_shape == b_shape && a_numbers == b_numbers {
        return true;
    }
    let ((a_shape, a_numbers), (b_shape, b_numbers)) = (a.shape(), b.shape());
    let numbers_agree = a_numbers.is_empty() || b_numbers.is_empty() || a_numbers == b_numbers;
    numbers_agree
        && classes().iter().any(|class| {
            class.get(&a.backend) == Some(&a_shape) && class.get(&b.backend) == Some(&b_shape)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(backend: Backend, sql_type: &str) -> Typed<'_> {
        Typed {
            backend,
            sql_type,
            is_enum: false,
        }
    }

    fn sqlite_postgres(sqlite: &str, postgres: &str, postgres_is_enum: bool) -> bool {
        let postgres = Typed {
            is_enum: postgres_is_enum,
            ..on(Backend::Postgres, postgres)
        };
        same_type(on(Backend::Sqlite, sqlite), postgres)
    }

    #[test]
    fn stock_types_pair_up_as_sea_query_renders_them() {
        let same = sqlite_postgres;
        assert!(same("integer", "bigint", false), "big_integer");
        assert!(same("double", "double precision", false));
        assert!(same("varchar", "character varying", false));
        assert!(same("varchar(20)", "character varying(20)", false));
        assert!(!same("varchar(20)", "character varying(30)", false));
        assert!(same("real(10, 2)", "numeric(10,2)", false));
        assert!(same("blob(16)", "bytea", false));
        assert!(same("enum_text", "mood", true));
        assert!(!same("enum_text", "mood", false));
        assert!(!same("text", "integer", false));
        assert!(!same("varchar", "jsonb", false));
        assert!(same("citext", "public.citext", false));
    }

    #[test]
    fn mysql_types_pair_up_as_sea_query_renders_them() {
        let (m, p, s) = (Backend::MySql, Backend::Postgres, Backend::Sqlite);
        let same = |a: (Backend, &str), b: (Backend, &str)| same_type(on(a.0, a.1), on(b.0, b.1));
        assert!(same((m, "varchar(255)"), (p, "character varying")));
        assert!(same((m, "varchar(20)"), (p, "character varying(20)")));
        assert!(!same((m, "varchar(20)"), (p, "character varying(30)")));
        assert!(same((m, "int"), (p, "integer")));
        assert!(same((m, "bigint"), (p, "bigint")));
        assert!(same((m, "tinyint(1)"), (p, "boolean")));
        assert!(!same((m, "tinyint"), (p, "boolean")));
        assert!(same((m, "datetime"), (p, "timestamp without time zone")));
        assert!(same((m, "json"), (p, "json")));
        assert!(same((m, "binary(16)"), (p, "uuid")));
        assert!(!same((m, "text"), (p, "character varying")));
        assert!(!same((m, "int"), (p, "text")));
        assert!(same((m, "int"), (s, "integer")));
        assert!(same((m, "varchar(255)"), (s, "varchar")));
        assert!(same((m, "tinyint(1)"), (s, "boolean")));
        assert!(!same((m, "text"), (s, "varchar")));
    }

    #[test]
    fn enums_are_alike_on_postgres_and_mysql() {
        let mysql = on(Backend::MySql, "enum('happy','sad')");
        let postgres = Typed {
            is_enum: true,
            ..on(Backend::Postgres, "mood")
        };
        assert!(same_type(mysql, postgres));
        assert!(same_type(mysql, on(Backend::Sqlite, "enum_text")));
        assert!(!same_type(on(Backend::MySql, "text"), postgres));
    }
}
