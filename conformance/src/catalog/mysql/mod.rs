//! MySQL's and MariaDB's catalog, of the connection's current database
//! (`DATABASE()`) only.
//!
//! - [`read_rows`] (the dump): per object (table, trigger, view, function, procedure, MariaDB
//!   sequence) the server's own `SHOW CREATE …` text, listed from `information_schema`
//!   and normalised so that nothing varies between runs: no `AUTO_INCREMENT=n` table
//!   option, no `DEFINER=…`, no qualifier naming the run's database;
//! - [`logical`]: the backend-neutral facts ([`super::LogicalSchema`]) from
//!   `information_schema` (`COLUMNS`, `STATISTICS`, `REFERENTIAL_CONSTRAINTS` with
//!   `KEY_COLUMN_USAGE`, `CHECK_CONSTRAINTS` with `TABLE_CONSTRAINTS`), the two
//!   families' spellings read as one ([`normalize`]);
//! - [`text`]: SQL text cut into code, literals, names and comments, for the rewrites.
//!
//! Every query is filtered by `DATABASE()` and takes no value spliced in; the names
//! `SHOW CREATE` needs come from the catalog and go in backquoted
//! ([`text::backquote`]).
//!
//! Tested on MariaDB 10.11; MySQL 8's spellings are handled as documented (and unit
//! tested from its documented output), not yet against a server.
//!
//! The step walk follows the catalog by reading it whole after each migration call
//! (`LiveCatalog`'s MySQL tracker): no event triggers, no schema cookie here.

mod dump;
mod logical;
pub(crate) mod normalize;
mod text;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable};

use super::get;
use crate::error::HarnessError;
pub(crate) use dump::{fingerprint, read_rows};
pub(crate) use logical::logical;
use normalize::Family;
pub(crate) use text::{ansi_names, backquote, literal_values};

/// What every read needs first: the server's family and the current database's name.
pub(super) struct Server {
    pub(super) family: Family,
    pub(super) database: String,
}

impl Server {
    pub(super) async fn of<C: ConnectionTrait>(conn: &C) -> Result<Self, HarnessError> {
        let found = query(conn, "SELECT VERSION() AS version, DATABASE() AS db").await?;
        let row = found
            .first()
            .ok_or_else(|| HarnessError::Setup("MySQL returned no version".into()))?;
        let version = text(row, "version")?.unwrap_or_default();
        let database = text(row, "db")?.ok_or_else(|| {
            HarnessError::Setup(
                "the MySQL connection has no current database (DATABASE() is NULL): \
                 its URL must name one"
                    .into(),
            )
        })?;
        Ok(Self {
            family: Family::of_version(&version),
            database,
        })
    }
}

/// The rows of `sql` (no values: every filter is `DATABASE()`), on MySQL.
pub(super) async fn query<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
) -> Result<Vec<QueryResult>, HarnessError> {
    if conn.get_database_backend() != DbBackend::MySql {
        return Err(HarnessError::UnsupportedBackend {
            backend: conn.get_database_backend(),
            by: "the MySQL catalog reader",
        });
    }
    Ok(conn
        .query_all_raw(Statement::from_string(DbBackend::MySql, sql))
        .await?)
}

/// A text column, whether the server sends it as text or as bytes (MySQL 8 sends some
/// `information_schema` and `SHOW CREATE` columns with a binary collation).
pub(super) fn text(row: &QueryResult, col: &str) -> Result<Option<String>, HarnessError> {
    match row.try_get::<Option<String>>("", col) {
        Ok(value) => Ok(value),
        Err(_) => Ok(get::<Option<Vec<u8>>>(row, col)?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())),
    }
}

/// A text column that is never NULL.
pub(super) fn text_of(row: &QueryResult, col: &str) -> Result<String, HarnessError> {
    text(row, col)?.ok_or_else(|| HarnessError::Setup(format!("MySQL's catalog: `{col}` is NULL")))
}

/// An integer column, whatever width and signedness the server gives it.
pub(super) fn number(row: &QueryResult, col: &str) -> Result<Option<i64>, HarnessError> {
    fn try_as<T: TryGetable + TryInto<i64>>(row: &QueryResult, col: &str) -> Option<Option<i64>> {
        row.try_get::<Option<T>>("", col)
            .ok()
            .map(|v| v.and_then(|v| v.try_into().ok()))
    }
    if let Some(value) = try_as::<i64>(row, col)
        .or_else(|| try_as::<u64>(row, col))
        .or_else(|| try_as::<i32>(row, col))
        .or_else(|| try_as::<u32>(row, col))
    {
        return Ok(value);
    }
    // Some servers send numbers of `information_schema` as text.
    Ok(text(row, col)?.and_then(|t| t.trim().parse().ok()))
}
