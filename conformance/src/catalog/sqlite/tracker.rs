//! One SQLite database's catalog followed from one migration call to the next (see
//! [`super::super::live`]): the schema cookie says whether anything changed, and the
//! rowids of `sqlite_master` which rows a call's `CREATE` / `DROP` statements touched.

use std::collections::{BTreeSet, HashMap};

use sea_orm::ConnectionTrait;

use super::super::get;
use super::super::live::{Hint, Reread, Row};
use super::super::{ObjectKey, rows};
use super::dump::{Entry, OBJECTS_SQL, counters, packed_objects, row_objects, state};
use super::statements::created_or_dropped;
use super::{COUNTERS_UNIT, SETTINGS_UNIT, order, table_unit};
use crate::error::HarnessError;

/// Follows one SQLite database's catalog (see [`super::live`]).
#[derive(Debug, Default)]
pub(in crate::catalog) struct Tracker {
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

impl Tracker {
    /// Every object, setting and counter, and where each row of `sqlite_master` is
    /// (for the next [`Tracker::refresh`]).
    pub(in crate::catalog) async fn read_all<C: ConnectionTrait>(
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
    pub(super) async fn read_whole<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<Vec<Row>, HarnessError> {
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
    pub(in crate::catalog) fn changes(&self) -> Option<i64> {
        self.changes
    }

    /// What changed since the last read: nothing of the objects when the cookie has not
    /// moved; the tables a call's `CREATE` / `DROP` statements name when it ran only
    /// such statements; the whole catalog otherwise.
    pub(in crate::catalog) async fn refresh<C: ConnectionTrait>(
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
