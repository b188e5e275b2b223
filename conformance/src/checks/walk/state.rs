//! The walk's view of its database from one call to the next: what each call changed
//! (schema objects and tables' data), read incrementally, and how two states compare.

use std::collections::{BTreeMap, BTreeSet};

mod touched;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::super::data::{self, DataSnapshot, Scope, TableData};
use super::super::lint::UpEffects;
use super::super::rows::{BOOKKEEPING_ROWS, Counters, RowChanges};
use crate::capture::Executed;
use crate::catalog::{Change, Hint, LiveCatalog, ObjectKey, ObjectKind, Order, SchemaDump};
use crate::diff::{column_type, compare, describe};
use crate::error::HarnessError;

/// What one migration call changed: schema objects, and tables' data.
#[derive(Debug, Default)]
pub(super) struct Delta {
    schema: Vec<Change>,
    data: Vec<DataChange>,
}

/// One table's data before and after a call (`None`: the table is absent).
#[derive(Debug)]
struct DataChange {
    table: String,
    before: Option<TableData>,
    after: Option<TableData>,
}

/// Follows the walk's database from one call to the next. The first state is read
/// whole; after each call only what it changed is read again: the catalog objects it
/// touched (see [`LiveCatalog`]) and the data of the tables it may have changed (see
/// [`data::Scope`]). So a step costs about the same at migration 1000 as at
/// migration 10, and two states are compared by what changed in between.
pub(super) struct Reader {
    table: String,
    pub(super) catalog: LiveCatalog,
    data: DataSnapshot,
    counters: Counters,
    rows: RowChanges,
    /// Whether each incremental catalog read is checked against a whole one.
    check_catalog_reads: bool,
}

impl Reader {
    /// Everything read afresh; with `check_catalog_reads`, each later incremental read
    /// of the catalog is checked against a whole one.
    pub(super) async fn open(
        conn: &DatabaseConnection,
        table: &str,
        check_catalog_reads: bool,
    ) -> Result<Self, HarnessError> {
        let mut reader = Self {
            check_catalog_reads,
            table: table.to_owned(),
            catalog: LiveCatalog::open(conn).await?,
            data: data::snapshot(conn, table).await?,
            counters: Counters::detect(conn).await?,
            rows: RowChanges::Unknown,
        };
        reader.rows = reader.row_changes(conn).await?;
        Ok(reader)
    }

    /// The tables that hold no rows now (the migrations table aside).
    pub(super) fn empty_tables(&self) -> BTreeSet<String> {
        self.data
            .tables
            .iter()
            .filter(|(name, data)| data.rows == 0 && **name != self.table)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Reads again the data of `tables`, changed outside any migration (the walk
    /// seeded them): the next call is compared with them as they are now.
    pub(super) async fn reread(
        &mut self,
        conn: &DatabaseConnection,
        tables: &BTreeSet<String>,
    ) -> Result<(), HarnessError> {
        if tables.is_empty() {
            return Ok(());
        }
        self.refresh_data(conn, &Scope::Tables(tables.clone()), &[])
            .await?;
        self.recount(conn).await
    }

    /// The tables there are now (the migrations table aside).
    pub(super) fn tables(&self) -> BTreeSet<String> {
        self.data
            .tables
            .keys()
            .filter(|name| **name != self.table)
            .cloned()
            .collect()
    }

    /// Reads the row counters again: statements outside any migration moved them (the
    /// seeding, or statements rolled back), and the next call is compared with them.
    pub(super) async fn recount(&mut self, conn: &DatabaseConnection) -> Result<(), HarnessError> {
        self.rows = match self.rows {
            // The catalog's copy of SQLite's counter predates the seeding.
            RowChanges::Total(_) => {
                let sql = "SELECT total_changes() AS n";
                let row = conn
                    .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                    .await?;
                match row {
                    Some(row) => RowChanges::Total(row.try_get("", "n")?),
                    None => RowChanges::Unknown,
                }
            }
            _ => self.row_changes(conn).await?,
        };
        Ok(())
    }

    /// The row counters now: on SQLite read with the catalog, in the same query.
    async fn row_changes(&self, conn: &DatabaseConnection) -> Result<RowChanges, HarnessError> {
        match self.catalog.row_counter() {
            Some(total) => Ok(RowChanges::Total(total)),
            None => self.counters.read(conn, &self.table).await,
        }
    }

    /// What the call that ran `executed` (and `bookkeeping`, its statements on the
    /// migrations table) changed, read from what it may have touched.
    pub(super) async fn after(
        &mut self,
        conn: &DatabaseConnection,
        executed: &[Executed],
        bookkeeping: &[Executed],
    ) -> Result<Delta, HarnessError> {
        let hint = Hint {
            statements: executed,
            bookkeeping,
            bookkeeping_rows: BOOKKEEPING_ROWS,
        };
        let schema = self.catalog.refresh(conn, &hint).await?;
        if self.check_catalog_reads {
            crate::diff::check_live_catalog(&self.catalog, conn).await?;
        }
        let rows = self.row_changes(conn).await?;
        let scope = scope(&schema, &self.rows, &rows, executed);
        self.rows = rows;
        let data = self.refresh_data(conn, &scope, &schema).await?;
        Ok(Delta { schema, data })
    }

    /// Reads again the data of the tables in `scope`, and forgets dropped tables'.
    async fn refresh_data(
        &mut self,
        conn: &DatabaseConnection,
        scope: &Scope,
        schema: &[Change],
    ) -> Result<Vec<DataChange>, HarnessError> {
        let mut changes = Vec::new();
        let fresh = match scope {
            Scope::All => data::snapshot(conn, &self.table).await?,
            Scope::Tables(tables) => {
                for change in schema {
                    if change.key.kind == ObjectKind::Table
                        && change.after.is_none()
                        && let Some(before) = self.data.tables.remove(&change.key.name)
                    {
                        changes.push(DataChange {
                            table: change.key.name.clone(),
                            before: Some(before),
                            after: None,
                        });
                    }
                }
                let stale: BTreeSet<String> = tables
                    .iter()
                    .filter(|t| **t != self.table && self.catalog.has_table(t))
                    .cloned()
                    .collect();
                if stale.is_empty() {
                    return Ok(changes);
                }
                let mut fresh = data::read_tables(conn, &self.table, &stale).await?;
                // A table read again that has no data (a partition: its rows are its
                // parent's) keeps none.
                for table in stale {
                    if !fresh.tables.contains_key(&table)
                        && let Some(before) = self.data.tables.remove(&table)
                    {
                        changes.push(DataChange {
                            table,
                            before: Some(before),
                            after: None,
                        });
                    }
                }
                for (table, after) in std::mem::take(&mut fresh.tables) {
                    let before = self.data.tables.insert(table.clone(), after.clone());
                    if before.as_ref() != Some(&after) {
                        changes.push(DataChange {
                            table,
                            before,
                            after: Some(after),
                        });
                    }
                }
                return Ok(changes);
            }
        };
        let previous = std::mem::replace(&mut self.data, fresh);
        for (table, before) in &previous.tables {
            let after = self.data.tables.get(table);
            if after != Some(before) {
                changes.push(DataChange {
                    table: table.clone(),
                    before: Some(before.clone()),
                    after: after.cloned(),
                });
            }
        }
        for (table, after) in &self.data.tables {
            if !previous.tables.contains_key(table) {
                changes.push(DataChange {
                    table: table.clone(),
                    before: None,
                    after: Some(after.clone()),
                });
            }
        }
        Ok(changes)
    }
}

/// The tables one call may have changed the rows of.
fn scope(schema: &[Change], before: &RowChanges, now: &RowChanges, executed: &[Executed]) -> Scope {
    let tables = || {
        schema
            .iter()
            .filter(|change| change.key.kind == ObjectKind::Table)
    };
    // Rows of a dropped partition leave its parent's data without a statement to show.
    if tables().any(|change| {
        change.after.is_none()
            && change
                .before
                .as_deref()
                .is_some_and(|ddl| ddl.contains("PARTITION OF"))
    }) {
        return Scope::All;
    }
    // A table whose schema changed (or that is new) may have changed rows.
    let mut changed: BTreeSet<String> = tables()
        .filter(|change| change.after.is_some())
        .map(|change| change.key.name.clone())
        .collect();
    match (before, now) {
        // SQLite: the connection's counter of rows inserted, updated and deleted moves
        // by exactly one, the migrations table's row, when nothing else changed.
        (RowChanges::Total(a), RowChanges::Total(b)) => {
            if b - a != BOOKKEEPING_ROWS {
                return Scope::All;
            }
        }
        // PostgreSQL: per-table counters, and the statements that change rows without
        // counting them (`ALTER TABLE … USING`, `ALTER TYPE`).
        (RowChanges::PerTable(a), RowChanges::PerTable(b)) => {
            for (table, count) in b {
                if a.get(table) != Some(count) {
                    if count.partition {
                        return Scope::All;
                    }
                    changed.insert(table.clone());
                }
            }
            if executed.iter().any(|s| data::may_change_rows(&s.sql)) {
                return Scope::All;
            }
        }
        _ => {
            if executed.iter().any(|s| data::may_change_rows(&s.sql)) {
                return Scope::All;
            }
        }
    }
    Scope::Tables(changed)
}

/// What the catalog saw one `up` do (`delta`; `catalog` as it left it), for the lint.
pub(super) struct UpSeen<'a> {
    pub(super) delta: &'a Delta,
    pub(super) catalog: &'a LiveCatalog,
}

impl UpSeen<'_> {
    /// The change `up` made to `table` (unqualified), if any.
    fn table_change(&self, table: &str) -> Option<&Change> {
        self.delta
            .schema
            .iter()
            .find(|c| c.key.kind == ObjectKind::Table && bare_name(&c.key.name) == table)
    }
}

impl UpEffects for UpSeen<'_> {
    /// Tables `up` did not change are as they are now.
    fn existed_before(&self, table: &str) -> bool {
        match self.table_change(table) {
            Some(change) => change.before.is_some(),
            None => self.catalog.has_table_named(table),
        }
    }

    fn type_changed(&self, table: &str, column: &str) -> Option<bool> {
        let Some(change) = self.table_change(table) else {
            // The table's text did not change, so neither did its columns' types.
            return Some(false);
        };
        let before = column_type(change.before.as_deref()?, column)?;
        let after = column_type(change.after.as_deref()?, column)?;
        Some(before != after)
    }

    fn column_types(&self, table: &str, column: &str) -> Option<(String, String)> {
        let change = self.table_change(table)?;
        let before = column_type(change.before.as_deref()?, column)?;
        let after = column_type(change.after.as_deref()?, column)?;
        Some((before, after))
    }

    fn schema_changed(&self) -> bool {
        !self.delta.schema.is_empty()
    }

    fn rows_changed(&self) -> Vec<String> {
        self.delta
            .data
            .iter()
            .filter(|d| d.before.is_some() && d.after.is_some())
            .map(|d| d.table.clone())
            .collect()
    }
}

/// The name of a table without its schema.
fn bare_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The schema and data differences between the state before `first` and the state
/// after `second`, two calls in a row, when there are any: only what either changed
/// can differ.
pub(super) fn differs(
    first: &Delta,
    second: &Delta,
    schema_headline: &str,
    data_headline: &str,
    explained: &[Loss],
    volatile_ok: bool,
) -> Option<String> {
    let mut parts = Vec::new();
    // Each object either call changed: (dump order, before `first`, after `second`).
    let mut objects: BTreeMap<&ObjectKey, (&Order, Option<&str>, Option<&str>)> = BTreeMap::new();
    for change in first.schema.iter().chain(&second.schema) {
        objects
            .entry(&change.key)
            .and_modify(|(_, _, end)| *end = change.after.as_deref())
            .or_insert((
                &change.order,
                change.before.as_deref(),
                change.after.as_deref(),
            ));
    }
    let mut ends: Vec<(&Order, &ObjectKey, Option<&str>, Option<&str>)> = objects
        .into_iter()
        .filter(|(_, (_, start, end))| start != end)
        .map(|(key, (order, start, end))| (order, key, start, end))
        .collect();
    ends.sort();
    // The objects as they were before `first` (`at_start`), or after `second`.
    let dump_of = |at_start: bool| SchemaDump {
        objects: ends
            .iter()
            .filter_map(|(_, key, start, end)| {
                let ddl = if at_start { *start } else { *end };
                ddl.map(|ddl| ((*key).clone(), ddl.to_owned()))
            })
            .collect(),
    };
    parts.extend(schema_differs(
        &dump_of(true),
        &dump_of(false),
        schema_headline,
    ));

    let mut tables: BTreeMap<&str, (Option<&TableData>, Option<&TableData>)> = BTreeMap::new();
    for change in first.data.iter().chain(&second.data) {
        tables
            .entry(&change.table)
            .and_modify(|(_, end)| *end = change.after.as_ref())
            .or_insert((change.before.as_ref(), change.after.as_ref()));
    }
    let snapshot_of = |at_start: bool| DataSnapshot {
        tables: tables
            .iter()
            .filter(|(_, (start, end))| start != end)
            .filter(|(table, _)| !explained.iter().any(|loss| loss.table == **table))
            .filter_map(|(table, (start, end))| {
                let data = if at_start { *start } else { *end };
                data.map(|d| ((*table).to_owned(), d.clone()))
            })
            .collect(),
    };
    let rows = data::compare_rows(&snapshot_of(true), &snapshot_of(false), volatile_ok);
    if !rows.is_empty() {
        parts.push(format!("{data_headline}:\n{}", rows.join("\n")));
    }
    (!parts.is_empty()).then(|| parts.join("\n"))
}

/// Data an `up` destroys by nature, which its `down` cannot bring back: the rows of a
/// table it drops, the values of a column it drops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Loss {
    pub(super) table: String,
    /// `None`: the whole table.
    pub(super) column: Option<String>,
    /// Rows or values lost.
    pub(super) lost: usize,
    /// What a finding says.
    pub(super) message: String,
}

/// The losses behind the data differences between the state before `up` (`up`'s
/// start) and after `down` (`down`'s end) that `up` explains by dropping a table or a
/// column. A table whose difference is not wholly explained so is left to
/// [`differs`].
pub(super) fn losses(up: &Delta, down: &Delta) -> Vec<Loss> {
    let mut out = Vec::new();
    for change in &up.data {
        let Some(start) = &change.before else {
            continue;
        };
        let end = down
            .data
            .iter()
            .rev()
            .find(|d| d.table == change.table)
            .map_or(change.after.as_ref(), |d| d.after.as_ref());
        let Some(end) = end else { continue };
        if start == end || start.rows == 0 {
            continue;
        }
        let table = &change.table;
        let dropped_table = up
            .schema
            .iter()
            .any(|c| c.key.kind == ObjectKind::Table && c.key.name == *table && c.after.is_none());
        if dropped_table && end.rows < start.rows {
            let lost = (start.rows - end.rows) as usize;
            out.push(Loss {
                table: table.clone(),
                column: None,
                lost,
                message: format!(
                    "irreversible: up drops table {table} and down re-creates it without its rows: {lost} row(s) lost"
                ),
            });
            continue;
        }
        let Some(after_up) = &change.after else {
            continue;
        };
        out.extend(column_losses(up, table, start, after_up, end));
    }
    out
}

/// The values of `table`'s columns that `up` drops or retypes and `down` cannot bring
/// back, when they explain every difference between `start` (before `up`) and `end`
/// (after `down`); `after_up` is the table after `up`.
fn column_losses(
    up: &Delta,
    table: &str,
    start: &TableData,
    after_up: &TableData,
    end: &TableData,
) -> Vec<Loss> {
    let dropped: Vec<&String> = start
        .columns
        .iter()
        .filter(|c| !after_up.columns.contains(c))
        .collect();
    // Columns whose type `up` changed: (column, type before, type after).
    let retyped = retyped_columns(up, table, &start.columns);
    let (Some(before_rows), Some(end_rows)) = (&start.sample, &end.sample) else {
        return Vec::new();
    };
    if (dropped.is_empty() && retyped.is_empty()) || start.rows != end.rows {
        return Vec::new();
    }
    let b: BTreeSet<&str> = before_rows.iter().map(String::as_str).collect();
    let a: BTreeSet<&str> = end_rows.iter().map(String::as_str).collect();
    let lost: Vec<&str> = b.difference(&a).copied().collect();
    let left: Vec<&str> = a.difference(&b).copied().collect();
    let changes =
        super::super::row_diff::changed_columns(&start.columns, &lost, &end.columns, &left);
    let explained =
        |column: &String| dropped.contains(&column) || retyped.iter().any(|(c, _, _)| c == column);
    if changes.is_empty() || !changes.iter().all(|c| explained(&c.column)) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for change in changes {
        let (was, now) = &change.example;
        let column = &change.column;
        let what = match retyped.iter().find(|(c, _, _)| c == column) {
            Some((_, from, to)) => format!(
                "up changes the type of {table}.{column} ({from} to {to}) and down cannot bring its values back"
            ),
            None => format!(
                "up drops column {table}.{column} and down re-creates it without its values"
            ),
        };
        out.push(Loss {
            table: table.to_owned(),
            column: Some(column.clone()),
            lost: change.rows,
            message: format!(
                "irreversible: {what}: {} value(s) lost (e.g. {was} became {now})",
                change.rows
            ),
        });
    }
    out
}

/// The columns of `table` (among `columns`) whose declared type `up` changed.
fn retyped_columns(up: &Delta, table: &str, columns: &[String]) -> Vec<(String, String, String)> {
    let Some(change) = up
        .schema
        .iter()
        .find(|c| c.key.kind == ObjectKind::Table && c.key.name == table)
    else {
        return Vec::new();
    };
    let (Some(before), Some(after)) = (change.before.as_deref(), change.after.as_deref()) else {
        return Vec::new();
    };
    columns
        .iter()
        .filter_map(|column| {
            let from = column_type(before, column)?;
            let to = column_type(after, column)?;
            (from != to).then(|| (column.clone(), from, to))
        })
        .collect()
}

/// `headline` and the object-by-object changes, when `actual` differs from `expected`.
pub(super) fn schema_differs(
    expected: &SchemaDump,
    actual: &SchemaDump,
    headline: &str,
) -> Option<String> {
    if expected == actual {
        return None;
    }
    let changes = compare(expected, actual);
    (!changes.is_empty()).then(|| format!("{headline}:\n{}", describe(&changes)))
}
