//! SQLite's catalog: `sqlite_master` for the DDL text, `pragma_*` table functions for facts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::ConnectionTrait;

use super::ddl::{ColumnDef, ConstraintKind, IndexDef, TableDef};
use super::live::{Hint, Order, Reread, Row};
use super::{
    Column, FkAction, ForeignKey, Index, Kind, LogicalSchema, ObjectKey, ObjectKind, Table, get,
    normalize_default, quote_literal, rows,
};
use crate::capture::Executed;
use crate::error::HarnessError;

/// Every schema object with its text (the dump sorts them; see [`order`]). Indexes
/// SQLite makes for UNIQUE / PRIMARY KEY constraints have no text: they are implied by
/// their table's.
const OBJECTS_SQL: &str = "SELECT type, name, tbl_name, sql FROM sqlite_master \
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

/// Where an object goes in the dump: tables, then indexes, triggers and views, each by
/// table and name; then the header's settings, then the AUTOINCREMENT counters.
fn order(kind: &str, table: &str, name: &str) -> (ObjectKind, Order) {
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
fn table_unit(table: &str) -> String {
    format!("t:{}", table.to_ascii_lowercase())
}

const SETTINGS_UNIT: &str = "settings";
const COUNTERS_UNIT: &str = "counters";

/// Follows one SQLite database's catalog (see [`super::live`]).
#[derive(Debug, Default)]
pub(super) struct Tracker {
    /// The schema cookie at the last read.
    cookie: Option<i64>,
    /// Each object's last `CREATE` text and that text laid out: laying out is most of
    /// a read's cost, and most objects do not change between two reads.
    layouts: HashMap<String, (String, String)>,
    /// Each object's table, by lower-cased name.
    tables: HashMap<String, String>,
    /// `total_changes()` at the last read.
    changes: Option<i64>,
    /// Every row of `sqlite_master` at the last read, by rowid: its name and table,
    /// lower-cased. A `CREATE` adds rows after the last rowid (or, after a `DROP` in
    /// the same call, at a rowid it freed); a `DROP` removes its table's rows: so the
    /// rows a call may have touched are found by rowid, without a scan.
    entries: HashMap<i64, (String, String)>,
    /// The rowids of each table's rows (lower-cased table name).
    table_entries: HashMap<String, BTreeSet<i64>>,
}

/// The header settings and cookie, as read by [`STATE_SQL`].
struct State {
    cookie: i64,
    settings: Vec<Row>,
    changes: i64,
    has_sequence: bool,
    /// The number of rows in `sqlite_master`.
    entries: usize,
}

/// A row of `sqlite_master`: rowid, type, name, table, `CREATE` text.
type Entry = (i64, String, String, String, Option<String>);

impl Tracker {
    /// Every object, setting and counter, and where each row of `sqlite_master` is
    /// (for the next [`Tracker::refresh`]).
    pub(super) async fn read_all<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Vec<Row>, HarnessError> {
        self.entries.clear();
        self.table_entries.clear();
        for row in rows(
            conn,
            "SELECT rowid AS rid, name, tbl_name FROM sqlite_master",
        )
        .await?
        {
            let entry: i64 = get(&row, "rid")?;
            let name: String = get(&row, "name")?;
            let table: String = get(&row, "tbl_name")?;
            self.remember(entry, &name, &table);
        }
        self.read_whole(conn).await
    }

    /// Every object, setting and counter.
    async fn read_whole<C: ConnectionTrait>(&mut self, conn: &C) -> Result<Vec<Row>, HarnessError> {
        let (state, _) = state(conn, None).await?;
        let objects = match packed_objects(conn).await {
            Ok(objects) => objects,
            // An SQLite without group_concat's byte lengths: one row per object.
            Err(_) => row_objects(conn, OBJECTS_SQL, Vec::new()).await?,
        };
        self.tables.clear();
        let mut rows = self.rows(objects);
        rows.extend(state.settings);
        if state.has_sequence {
            rows.extend(counters(conn).await?);
        }
        self.cookie = Some(state.cookie);
        self.changes = Some(state.changes);
        Ok(rows)
    }

    /// `total_changes()` as of the last read.
    pub(super) fn changes(&self) -> Option<i64> {
        self.changes
    }

    /// What changed since the last read: nothing of the objects when the cookie has not
    /// moved; the tables a call's `CREATE` / `DROP` statements name when it ran only
    /// such statements; the whole catalog otherwise.
    pub(super) async fn refresh<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        hint: &Hint<'_>,
    ) -> Result<Reread, HarnessError> {
        // The objects of the tables the call's statements name are read with the state,
        // in one query, and used only if the schema cookie moved. `None`: a statement
        // may change objects it does not name.
        let named =
            created_or_dropped(hint.statements.iter().chain(hint.bookkeeping)).map(|named| {
                // An object a statement names by itself (`DROP INDEX i`) belongs to its
                // table's unit.
                named
                    .iter()
                    .flat_map(|name| {
                        let table = self.tables.get(name).cloned();
                        std::iter::once(name.clone()).chain(table)
                    })
                    .collect::<BTreeSet<String>>()
            });
        // The rows those tables had, and every row after the last one.
        let fetch = named
            .as_ref()
            .filter(|named| !named.is_empty())
            .map(|named| {
                let known: BTreeSet<i64> = named
                    .iter()
                    .filter_map(|table| self.table_entries.get(table))
                    .flatten()
                    .copied()
                    .collect();
                let last = self.entries.keys().copied().max().unwrap_or(0);
                (last, known)
            });
        let (state, fetched) = state(conn, fetch.as_ref()).await?;
        let mut units: BTreeSet<String> = BTreeSet::from([SETTINGS_UNIT.to_owned()]);
        let mut rows = state.settings;
        let schema_changed = self.cookie != Some(state.cookie);
        if schema_changed {
            // A schema change no statement seen explains (or one that may reach
            // objects it does not name, or rows found elsewhere than expected):
            // everything is read again.
            let (Some(tables), Some((_, known))) = (named.filter(|n| !n.is_empty()), fetch) else {
                return Ok(Reread::All(self.read_all(conn).await?));
            };
            let Some(objects) = self.reconcile(&tables, &known, fetched, state.entries) else {
                return Ok(Reread::All(self.read_all(conn).await?));
            };
            rows.extend(self.rows(objects));
            units.extend(tables.iter().map(|t| table_unit(t)));
        }
        let rows_changed = self
            .changes
            .is_none_or(|before| state.changes - before != hint.bookkeeping_rows);
        if schema_changed || rows_changed {
            units.insert(COUNTERS_UNIT.to_owned());
            if state.has_sequence {
                rows.extend(counters(conn).await?);
            }
        }
        self.cookie = Some(state.cookie);
        self.changes = Some(state.changes);
        Ok(Reread::Units { units, rows })
    }

    /// Records a row of `sqlite_master`.
    fn remember(&mut self, entry: i64, name: &str, table: &str) {
        let (name, table) = (name.to_ascii_lowercase(), table.to_ascii_lowercase());
        self.table_entries
            .entry(table.clone())
            .or_default()
            .insert(entry);
        self.entries.insert(entry, (name, table));
    }

    /// Forgets a row of `sqlite_master`.
    fn forget(&mut self, entry: i64) {
        if let Some((_, table)) = self.entries.remove(&entry)
            && let Some(entries) = self.table_entries.get_mut(&table)
        {
            entries.remove(&entry);
        }
    }

    /// Updates the rows known from those `fetched` (the `known` rowids of `tables`, and
    /// every row after the last one) and returns the objects of `tables`; `None` when
    /// the rows do not add up to `entries` (a row was added where none was looked for)
    /// or a new row belongs to a table not named.
    fn reconcile(
        &mut self,
        tables: &BTreeSet<String>,
        known: &BTreeSet<i64>,
        fetched: Vec<Entry>,
        entries: usize,
    ) -> Option<Vec<(String, String, String, String)>> {
        let same = |this: &Self, entry: &Entry| {
            this.entries
                .get(&entry.0)
                .is_some_and(|(name, _)| *name == entry.2.to_ascii_lowercase())
        };
        let still: BTreeSet<i64> = fetched
            .iter()
            .filter(|entry| same(self, entry))
            .map(|entry| entry.0)
            .collect();
        let added: Vec<&Entry> = fetched.iter().filter(|entry| !same(self, entry)).collect();
        let removed: Vec<i64> = known.difference(&still).copied().collect();
        if self.entries.len() - removed.len() + added.len() != entries
            || added
                .iter()
                .any(|entry| !tables.contains(&entry.3.to_ascii_lowercase()))
        {
            return None;
        }
        for entry in removed {
            self.forget(entry);
        }
        for entry in &fetched {
            self.forget(entry.0);
            self.remember(entry.0, &entry.2, &entry.3);
        }
        Some(
            fetched
                .into_iter()
                .filter(|entry| tables.contains(&entry.3.to_ascii_lowercase()))
                .filter_map(|(_, kind, name, table, sql)| {
                    let internal =
                        name.len() > 6 && name.as_bytes()[..6].eq_ignore_ascii_case(b"sqlite");
                    Some((kind, name, table, sql.filter(|_| !internal)?))
                })
                .collect(),
        )
    }

    /// The objects as dump rows, laid out (from the cache when unchanged).
    fn rows(&mut self, objects: Vec<(String, String, String, String)>) -> Vec<Row> {
        let mut rows = Vec::with_capacity(objects.len());
        for (kind, name, table, sql) in objects {
            let (kind, order) = order(&kind, &table, &name);
            let ddl = match self.layouts.get(&name) {
                Some((text, ddl)) if *text == sql => ddl.clone(),
                _ => {
                    let ddl = format!("{};", crate::sqlfmt::layout(&sql));
                    self.layouts.insert(name.clone(), (sql, ddl.clone()));
                    ddl
                }
            };
            self.tables
                .insert(name.to_ascii_lowercase(), table.to_ascii_lowercase());
            rows.push(Row {
                key: ObjectKey::new(kind, name),
                order,
                ddl: ddl.into(),
                unit: table_unit(&table),
            });
        }
        rows
    }
}

/// Every schema object, setting and counter of the database behind `conn`.
pub(super) async fn read_rows<C: ConnectionTrait>(conn: &C) -> Result<Vec<Row>, HarnessError> {
    Tracker::default().read_whole(conn).await
}

/// The state, and with `fetch` (the last rowid, and more rowids) the rows of
/// `sqlite_master` after the last rowid and at those rowids.
async fn state<C: ConnectionTrait>(
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
async fn counters<C: ConnectionTrait>(conn: &C) -> Result<Vec<Row>, HarnessError> {
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

/// The lower-cased identifiers named by `statements` when every one of them creates
/// or drops a table, index, view or trigger, or is not a schema statement at all;
/// `None` when any may change objects it does not name (`ALTER TABLE` rewrites other
/// tables' references; a `PRAGMA` may touch the schema), or is not recognised.
fn created_or_dropped<'a>(
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

/// The objects, one row each: `(type, name, tbl_name, sql)`.
async fn row_objects<C: ConnectionTrait>(
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
async fn packed_objects<C: ConnectionTrait>(
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

pub(super) async fn fingerprint<C: ConnectionTrait>(conn: &C) -> Result<String, HarnessError> {
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
    Ok(super::fnv1a_hex(&text))
}

pub(super) async fn logical<C: ConnectionTrait>(conn: &C) -> Result<LogicalSchema, HarnessError> {
    let mut tables = BTreeMap::new();
    for row in rows(
        conn,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .await?
    {
        let name: String = get(&row, "name")?;
        let sql: String = get(&row, "sql")?;
        tables.insert(name.clone(), table(conn, &name, &sql).await?);
    }
    Ok(LogicalSchema {
        tables,
        extensions: BTreeMap::new(),
        enum_types: BTreeMap::new(),
    })
}

async fn table<C: ConnectionTrait>(conn: &C, name: &str, sql: &str) -> Result<Table, HarnessError> {
    let t = quote_literal(name);
    let mut table = Table::default();
    let parsed = TableDef::parse(sql);
    let mut pk: Vec<(i64, String)> = Vec::new();
    for row in rows(
        conn,
        &format!("SELECT * FROM pragma_table_xinfo({t}) ORDER BY cid"),
    )
    .await?
    {
        let column: String = get(&row, "name")?;
        let declared: String = get(&row, "type")?;
        let notnull: i64 = get(&row, "notnull")?;
        let default: Option<String> = get(&row, "dflt_value")?;
        let pk_pos: i64 = get(&row, "pk")?;
        let hidden: i64 = get(&row, "hidden")?;
        if pk_pos > 0 {
            pk.push((pk_pos, column.clone()));
        }
        let definition = parsed.as_ref().and_then(|t| t.column(&column));
        let collation = definition.and_then(collation_of);
        // 2: a virtual generated column, 3: a stored one.
        let generated = if hidden >= 2 {
            definition
                .and_then(|c| c.generated.as_ref())
                .map(|g| g.expression.clone())
        } else {
            None
        };
        let sql_type = declared.to_ascii_lowercase();
        table.columns.push(Column {
            kind: kind(&sql_type, collation.as_deref() == Some("nocase")),
            name: column,
            // A PRIMARY KEY column of a rowid table may hold NULL unless declared NOT NULL.
            nullable: notnull == 0,
            default: default.as_deref().map(normalize_default),
            default_sql: default,
            sql_type,
            collation,
            generated,
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    table.checks = parsed.as_ref().map(checks).unwrap_or_default();

    for row in rows(conn, &format!("SELECT * FROM pragma_index_list({t})")).await? {
        let index: String = get(&row, "name")?;
        let unique: i64 = get(&row, "unique")?;
        let origin: String = get(&row, "origin")?;
        let (columns, predicate, definition) = index_columns(conn, &index).await?;
        let facts = Index {
            columns: columns.clone(),
            unique: unique != 0,
            partial: predicate.is_some(),
            predicate,
            definition,
        };
        match origin.as_str() {
            "pk" => {}
            "u" => {
                table.unique_constraints.insert(columns);
                table.constraint_indexes.insert(index, facts);
            }
            _ => {
                table.indexes.insert(index, facts);
            }
        }
    }

    let mut fks: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    for row in rows(
        conn,
        &format!("SELECT * FROM pragma_foreign_key_list({t}) ORDER BY id, seq"),
    )
    .await?
    {
        let id: i64 = get(&row, "id")?;
        let from: String = get(&row, "from")?;
        let to: String = get(&row, "to")?;
        let fk = match fks.entry(id) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => entry.insert(ForeignKey {
                name: None,
                columns: Vec::new(),
                ref_table: get(&row, "table")?,
                ref_columns: Vec::new(),
                on_delete: fk_action(&get::<String>(&row, "on_delete")?)?,
                on_update: fk_action(&get::<String>(&row, "on_update")?)?,
            }),
        };
        fk.columns.push(from);
        fk.ref_columns.push(to);
    }
    table.foreign_keys = fks.into_values().collect();
    Ok(table)
}

fn fk_action(text: &str) -> Result<FkAction, HarnessError> {
    text.parse()
        .map_err(|e| HarnessError::Setup(format!("SQLite's catalog: {e}")))
}

/// Key columns of an index (an expression's text where it has no column), its `WHERE`
/// predicate and its `CREATE INDEX` text (none for automatic indexes).
async fn index_columns<C: ConnectionTrait>(
    conn: &C,
    index: &str,
) -> Result<(Vec<String>, Option<String>, Option<String>), HarnessError> {
    let name = quote_literal(index);
    let sql: Option<String> = match rows(
        conn,
        &format!("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {name}"),
    )
    .await?
    .first()
    {
        Some(row) => get(row, "sql")?,
        None => None,
    };
    let (keys, predicate) = sql.as_deref().map(index_parts).unwrap_or_default();
    let columns = rows(
        conn,
        &format!("SELECT name FROM pragma_index_info({name}) ORDER BY seqno"),
    )
    .await?
    .iter()
    .enumerate()
    .map(|(position, row)| {
        get::<Option<String>>(row, "name").map(|n| {
            n.or_else(|| keys.get(position).cloned())
                .unwrap_or_else(|| "<expression>".to_owned())
        })
    })
    .collect::<Result<_, _>>()?;
    Ok((columns, predicate, sql))
}

/// `CREATE INDEX i ON t (a, lower(b)) WHERE c` → (`["a", "lower(b)"]`, `Some("c")`).
fn index_parts(sql: &str) -> (Vec<String>, Option<String>) {
    IndexDef::parse(sql)
        .map(|index| (index.keys, index.predicate))
        .unwrap_or_default()
}

/// SQLite keeps a column's collation only in the table's `CREATE` text; `binary` is
/// the default and reported as none.
fn collation_of(column: &ColumnDef) -> Option<String> {
    let name = column.collation_name()?.to_ascii_lowercase();
    (name != "binary").then_some(name)
}

/// Every CHECK of a table, its columns' and its own: by name, the expression when
/// unnamed.
fn checks(table: &TableDef) -> BTreeMap<String, String> {
    let column_checks = table.columns.iter().flat_map(|c| &c.checks).map(|check| {
        let expression = check.expression.clone();
        (check.name.clone(), expression)
    });
    let table_checks = table.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::Check { expression } => Some((c.name.clone(), expression.clone())),
        _ => None,
    });
    column_checks
        .chain(table_checks)
        .map(|(name, expression)| (name.unwrap_or_else(|| expression.clone()), expression))
        .collect()
}

fn kind(declared: &str, nocase: bool) -> Kind {
    match declared {
        "text" if nocase => Kind::CiString,
        t if t == "text" || t == "varchar" || t.starts_with("varchar(") => Kind::String,
        "bigint" => Kind::BigInteger,
        "integer" => Kind::Integer,
        "boolean" => Kind::Boolean,
        "json_text" | "jsonb_text" | "json" | "jsonb" => Kind::Json,
        "timestamp_with_timezone_text" => Kind::Timestamp,
        other => Kind::Other(other.to_owned()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_generation_and_checks_are_read_per_item() {
        let sql = r#"CREATE TABLE "t" ( "a" text NOT NULL COLLATE NOCASE, "b" varchar(10) NOT NULL CHECK (length(b) > 0), c text COLLATE rtrim, d int GENERATED ALWAYS AS (length(c) + 1) STORED, e text COLLATE BINARY, CHECK (a <> 'x'), CONSTRAINT "positive" CHECK (n > 0) )"#;
        let table = TableDef::parse(sql).expect("a table");
        let def = |c| table.column(c).expect(c);
        assert_eq!(collation_of(def("a")).as_deref(), Some("nocase"));
        assert_eq!(collation_of(def("b")), None);
        assert_eq!(collation_of(def("c")).as_deref(), Some("rtrim"));
        assert_eq!(collation_of(def("e")), None);
        assert!(table.column("missing").is_none());
        assert_eq!(
            def("d").generated.as_ref().map(|g| g.expression.as_str()),
            Some("length(c) + 1")
        );
        let checks = checks(&table);
        let expressions: Vec<&str> = checks.values().map(String::as_str).collect();
        assert_eq!(expressions, ["a <> 'x'", "length(b) > 0", "n > 0"]);
        assert_eq!(checks.get("positive").map(String::as_str), Some("n > 0"));
    }

    #[test]
    fn index_keys_and_predicate_come_from_the_text() {
        let (keys, predicate) =
            index_parts(r#"CREATE UNIQUE INDEX "i" ON "t" ("a", lower(b)) WHERE a IS NOT NULL"#);
        assert_eq!(keys, ["\"a\"", "lower(b)"]);
        assert_eq!(predicate.as_deref(), Some("a IS NOT NULL"));
        assert_eq!(
            index_parts("CREATE INDEX i ON t (a)"),
            (vec!["a".to_owned()], None)
        );
    }
}
