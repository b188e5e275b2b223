//! SQLite's catalog: `sqlite_master` for the DDL text, `pragma_*` table functions for facts.
//!
//! - [`dump`]: the queries of `sqlite_master` and the header a dump and a fingerprint
//!   are read with;
//! - [`tracker`]: the catalog followed from one migration call to the next;
//! - [`statements`]: which objects a call's statements may have created or dropped;
//! - [`logical`]: the backend-neutral facts ([`super::LogicalSchema`]).

mod dump;
mod logical;
mod statements;
mod tracker;

use sea_orm::ConnectionTrait;

use super::ObjectKind;
use super::live::{Order, Row};
use crate::error::HarnessError;

pub(super) use dump::fingerprint;
pub(super) use logical::logical;
pub(super) use tracker::Tracker;

/// Where an object goes in the dump: tables, then indexes, triggers and views, each by
/// table and name; then the header's settings, then the AUTOINCREMENT counters.
pub(super) fn order(kind: &str, table: &str, name: &str) -> (ObjectKind, Order) {
    let (kind, group) = match kind {
        "table" => (ObjectKind::Table, 0),
        "index" => (ObjectKind::Index, 1),
        "trigger" => (ObjectKind::Trigger, 2),
        "view" => (ObjectKind::View, 3),
        _ => (ObjectKind::Other, 3),
    };
    let order = Order {
        group,
        owner: table.to_owned(),
        sub: 0,
        name: name.to_owned(),
    };
    (kind, order)
}

/// The unit an object of `table` is read again with.
pub(super) fn table_unit(table: &str) -> String {
    format!("t:{}", table.to_ascii_lowercase())
}

pub(super) const SETTINGS_UNIT: &str = "settings";
pub(super) const COUNTERS_UNIT: &str = "counters";

/// Every schema object, setting and counter of the database behind `conn`.
pub(in crate::catalog) async fn read_rows<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<Row>, HarnessError> {
    Tracker::default().read_whole(conn).await
}
