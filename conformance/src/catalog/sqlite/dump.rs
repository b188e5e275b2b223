//! The queries of `sqlite_master` and the file header: the objects (packed into one
//! value, or one row each), the header's settings with the schema cookie, the
//! AUTOINCREMENT counters, and the fingerprint of all of them.

use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;

use super::super::live::{Order, Row};
use super::super::{ObjectKey, ObjectKind, get, rows};
use super::{COUNTERS_UNIT, SETTINGS_UNIT};
use crate::error::HarnessError;

/// Every schema object with its text (the dump sorts them; see [`order`]). Indexes
/// SQLite makes for UNIQUE / PRIMARY KEY constraints have no text: they are implied by
/// their table's.
pub(super) const OBJECTS_SQL: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
     WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'";

/// The file header's settings, the schema cookie (it moves on every schema change), the
/// connection's count of rows changed, and whether `sqlite_sequence` exists (looked up
/// by name, not by a scan).
const STATE_SQL: &str = "SELECT 'state' AS part, \
     (SELECT schema_version FROM pragma_schema_version) AS cookie, \
     (SELECT user_version FROM pragma_user_version) AS user_version, \
     (SELECT application_id FROM pragma_application_id) AS application_id, \
     total_changes() AS changes, \
     (SELECT count(*) FROM pragma_table_info('sqlite_sequence')) > 0 AS has_sequence, \
     (SELECT count(*) FROM sqlite_master) AS entries, \
     NULL AS type, NULL AS name, NULL AS tbl_name, NULL AS sql, NULL AS rid";

/// The header settings and cookie, as read by [`STATE_SQL`].
pub(super) struct State {
    pub(super) cookie: i64,
    pub(super) settings: Vec<Row>,
    pub(super) changes: i64,
    pub(super) has_sequence: bool,
    /// The number of rows in `sqlite_master`.
    pub(super) entries: usize,
}

/// A row of `sqlite_master`: rowid, type, name, table, `CREATE` text.
pub(super) type Entry = (i64, String, String, String, Option<String>);

/// The state, and with `fetch` (the last rowid, and more rowids) the rows of
/// `sqlite_master` after the last rowid and at those rowids.
pub(super) async fn state<C: ConnectionTrait>(
    conn: &C,
    fetch: Option<&(i64, BTreeSet<i64>)>,
) -> Result<(State, Vec<Entry>), HarnessError> {
    const ENTRIES: &str = " UNION ALL SELECT 'entry', NULL, NULL, NULL, NULL, NULL, NULL, \
         type, name, tbl_name, sql, rowid FROM sqlite_master WHERE ";
    let (sql, values): (String, Vec<sea_orm::Value>) = match fetch {
        Some((last, known)) => {
            let mut sql = format!("{STATE_SQL}{ENTRIES}rowid > ?");
            if !known.is_empty() {
                let marks = vec!["?"; known.len()].join(", ");
                sql.push_str(&format!("{ENTRIES}rowid IN ({marks}) AND rowid <= ?"));
            }
            let mut values: Vec<sea_orm::Value> = vec![(*last).into()];
            if !known.is_empty() {
                values.extend(known.iter().map(|&rowid| rowid.into()));
                values.push((*last).into());
            }
            (sql, values)
        }
        None => (STATE_SQL.to_owned(), Vec::new()),
    };
    let found = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    let mut state = None;
    let mut objects = Vec::new();
    for row in &found {
        if get::<String>(row, "part")? == "entry" {
            objects.push((
                get(row, "rid")?,
                get(row, "type")?,
                get(row, "name")?,
                get(row, "tbl_name")?,
                get(row, "sql")?,
            ));
            continue;
        }
        let mut settings = Vec::new();
        for (sub, pragma) in ["user_version", "application_id"].into_iter().enumerate() {
            let value: i64 = get(row, pragma)?;
            if value != 0 {
                settings.push(Row {
                    key: ObjectKey::new(ObjectKind::Setting, pragma),
                    order: Order {
                        group: 4,
                        owner: String::new(),
                        sub: sub as i32,
                        name: pragma.to_owned(),
                    },
                    ddl: format!("PRAGMA {pragma} = {value};").into(),
                    unit: SETTINGS_UNIT.to_owned(),
                });
            }
        }
        state = Some(State {
            cookie: get(row, "cookie")?,
            settings,
            changes: get(row, "changes")?,
            has_sequence: get(row, "has_sequence")?,
            entries: usize::try_from(get::<i64>(row, "entries")?).unwrap_or(0),
        });
    }
    let state =
        state.ok_or_else(|| HarnessError::Setup("SQLite returned no header settings".into()))?;
    Ok((state, objects))
}

/// The AUTOINCREMENT counters (`sqlite_sequence`, which exists once a table uses
/// AUTOINCREMENT).
pub(super) async fn counters<C: ConnectionTrait>(conn: &C) -> Result<Vec<Row>, HarnessError> {
    let mut found = Vec::new();
    for row in rows(conn, "SELECT name, seq FROM sqlite_sequence").await? {
        let table: String = get(&row, "name")?;
        let seq: i64 = get(&row, "seq")?;
        found.push(Row {
            key: ObjectKey::new(ObjectKind::AutoincrementCounter, &table),
            order: Order {
                group: 5,
                owner: table.clone(),
                sub: 0,
                name: table.clone(),
            },
            ddl: format!("-- sqlite_sequence: {table} = {seq}").into(),
            unit: COUNTERS_UNIT.to_owned(),
        });
    }
    Ok(found)
}

/// The objects, one row each: `(type, name, tbl_name, sql)`.
pub(super) async fn row_objects<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<(String, String, String, String)>, HarnessError> {
    let found = conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    found
        .iter()
        .map(|row| {
            Ok((
                get(row, "type")?,
                get(row, "name")?,
                get(row, "tbl_name")?,
                get(row, "sql")?,
            ))
        })
        .collect()
}

/// The objects of [`OBJECTS_SQL`] as `(type, name, tbl_name, sql)`, read as one value:
/// each field as its length in bytes, `:`, and its text. One value instead of a row per
/// object is most of the read's speed on a schema of thousands of objects.
pub(super) async fn packed_objects<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, String, String, String)>, HarnessError> {
    const PACKED_SQL: &str = "SELECT coalesce(group_concat( \
         length(CAST(type AS BLOB)) || ':' || type || length(CAST(name AS BLOB)) || ':' || name \
         || length(CAST(tbl_name AS BLOB)) || ':' || tbl_name \
         || length(CAST(sql AS BLOB)) || ':' || sql, ''), '') AS packed \
         FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'";
    let found = rows(conn, PACKED_SQL).await?;
    let packed: String = match found.first() {
        Some(row) => get(row, "packed")?,
        None => String::new(),
    };
    unpack(&packed).ok_or_else(|| HarnessError::Setup("cannot read the packed catalog".into()))
}

/// Splits [`packed_objects`]' text; `None` if it is not well formed.
fn unpack(mut packed: &str) -> Option<Vec<(String, String, String, String)>> {
    let field = |packed: &mut &str| -> Option<String> {
        let (len, rest) = packed.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let value = rest.get(..len)?.to_owned();
        *packed = &rest[len..];
        Some(value)
    };
    let mut objects = Vec::new();
    while !packed.is_empty() {
        objects.push((
            field(&mut packed)?,
            field(&mut packed)?,
            field(&mut packed)?,
            field(&mut packed)?,
        ));
    }
    Some(objects)
}

pub(in crate::catalog) async fn fingerprint<C: ConnectionTrait>(
    conn: &C,
) -> Result<String, HarnessError> {
    const BASE: &str = "SELECT coalesce((SELECT group_concat(type || char(31) || name || char(31) || sql, char(30)) \
         FROM (SELECT type, name, sql FROM sqlite_master \
               WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name)), '') \
         || char(29) || (SELECT user_version FROM pragma_user_version) \
         || char(29) || (SELECT application_id FROM pragma_application_id)";
    // `sqlite_sequence` exists only once a table uses AUTOINCREMENT; naming it before
    // that is an error, so the query without it is the fallback.
    let with_counters = format!(
        "{BASE} || char(29) || coalesce((SELECT group_concat(name || char(31) || seq, char(30)) \
         FROM (SELECT name, seq FROM sqlite_sequence ORDER BY name)), '') AS text"
    );
    let text_rows = match rows(conn, &with_counters).await {
        Ok(rows) => rows,
        // The same text as with an empty `sqlite_sequence`, which is the same dump.
        Err(_) => rows(conn, &format!("{BASE} || char(29) AS text")).await?,
    };
    let text: String = match text_rows.first() {
        Some(row) => get(row, "text")?,
        None => String::new(),
    };
    Ok(super::super::fnv1a_hex(&text))
}

#[cfg(test)]
mod packed_tests {
    #[test]
    fn unpacks_fields_by_their_byte_length_whatever_they_contain() {
        let text = "5:table3:é:3:é:18:CREATE TABLE \"a:b\"5:index1:i1:t0:";
        assert_eq!(
            super::unpack(text),
            Some(vec![
                (
                    "table".into(),
                    "é:".into(),
                    "é:".into(),
                    "CREATE TABLE \"a:b\"".into()
                ),
                ("index".into(), "i".into(), "t".into(), String::new()),
            ])
        );
        assert_eq!(super::unpack("5:tab"), None);
        assert_eq!(super::unpack("x:table"), None);
    }
}
