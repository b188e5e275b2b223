//! Which tables had rows inserted, updated or deleted by a migration call, from the
//! database's own counters: they see every statement, including those the capture
//! cannot (a trigger firing, a statement on the connection's raw pool).
//!
//! - SQLite: `total_changes()`, the connection's count of rows inserted, updated and
//!   deleted, foreign-key actions and triggers included. It is read with the catalog,
//!   in the same query (see `LiveCatalog::row_counter`), so no counter here.
//! - PostgreSQL 15 and later, with `track_counts` on: each table's cumulative counters
//!   (`pg_stat_get_tuples_*`), flushed first with `pg_stat_force_next_flush()` so that
//!   the call just made is counted. Older servers report nothing here, and the walk
//!   falls back to the statements the call ran.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::catalog::{get, rows};
use crate::error::HarnessError;

/// The rows sea-orm-migration itself changes per `up` or `down` of one migration: its
/// version row in the migrations table.
pub(crate) const BOOKKEEPING_ROWS: i64 = 1;

/// What the counters said at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RowChanges {
    /// SQLite's connection-wide counter.
    Total(i64),
    /// PostgreSQL's counters of the tables with any, by the catalog dump's table name.
    PerTable(BTreeMap<String, TableCount>),
    /// No counter available.
    Unknown,
}

/// One PostgreSQL table's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableCount {
    /// Rows inserted, updated and deleted so far, and rows live now.
    pub(crate) counts: (i64, i64),
    /// A partition: its rows are its parent's data.
    pub(crate) partition: bool,
}

/// How to read the counters on one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counters {
    Postgres,
    None,
}

impl Counters {
    pub(crate) async fn detect(conn: &DatabaseConnection) -> Result<Self, HarnessError> {
        Ok(match conn.get_database_backend() {
            DbBackend::Postgres => {
                let found = rows(
                    conn,
                    "SELECT current_setting('server_version_num')::int >= 150000 \
                       AND current_setting('track_counts')::bool AS usable",
                )
                .await?;
                let usable = match found.first() {
                    Some(row) => get::<bool>(row, "usable")?,
                    None => false,
                };
                // A role the server does not let flush its statistics gets none.
                if usable
                    && rows(conn, "SELECT pg_stat_force_next_flush()")
                        .await
                        .is_ok()
                {
                    Counters::Postgres
                } else {
                    Counters::None
                }
            }
            _ => Counters::None,
        })
    }

    /// The counters now; `exclude` is the migrations table.
    pub(crate) async fn read(
        self,
        conn: &DatabaseConnection,
        exclude: &str,
    ) -> Result<RowChanges, HarnessError> {
        match self {
            Counters::Postgres => {
                // Counted at commit, published at the next flush: force it, then read.
                rows(conn, "SELECT pg_stat_force_next_flush()").await?;
                const COUNTS: &str = "SELECT \
                    CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END \
                      || c.relname AS name, \
                    pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid) \
                      + pg_stat_get_tuples_deleted(c.oid) AS changed, \
                    pg_stat_get_live_tuples(c.oid) AS live, c.relispartition AS partition \
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                    WHERE c.relkind IN ('r', 'p') AND c.relname <> $1 \
                      AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                      AND n.nspname NOT LIKE 'pg\\_%' \
                      AND (pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid) \
                           + pg_stat_get_tuples_deleted(c.oid) + pg_stat_get_live_tuples(c.oid)) > 0";
                let found = conn
                    .query_all_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        COUNTS,
                        [exclude.into()],
                    ))
                    .await?;
                let mut tables = BTreeMap::new();
                for row in found {
                    tables.insert(
                        get::<String>(&row, "name")?,
                        TableCount {
                            counts: (get(&row, "changed")?, get(&row, "live")?),
                            partition: get(&row, "partition")?,
                        },
                    );
                }
                Ok(RowChanges::PerTable(tables))
            }
            Counters::None => Ok(RowChanges::Unknown),
        }
    }
}
