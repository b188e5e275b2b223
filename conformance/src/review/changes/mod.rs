//! The schema change between two dumps of one backend as items a reviewer reads, each
//! flagged when it is destructive (loses data or stops enforcing something) or risky
//! (may fail on, lock or break what already exists), with the reason — the classes
//! Atlas's analyzers and squawk's rules use.

//!
//! - [`columns`]: a table's own changes (its frame, its columns);
//! - [`constraints`]: the constraints inside a table's text, and the flags of any
//!   constraint added or changed;
//! - [`objects`]: every other object (indexes, constraint objects, triggers, types…);
//! - [`types`]: whether a column's type change narrows it.

mod columns;
mod constraints;
mod objects;
mod types;

use std::collections::BTreeSet;

use super::model::{ColumnText, SchemaText};
use crate::backends::Backend;
use crate::catalog::ObjectKey;
use columns::table_changes;
use objects::object_changes;
pub use types::TypeChange;

/// How bad a change can be for what is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Loses data, or stops enforcing or providing something.
    Destructive,
    /// May fail on existing rows, hold a lock, or break code still deployed.
    Risky,
}

impl Level {
    /// The level's name as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Destructive => "destructive",
            Self::Risky => "risky",
        }
    }
}

/// Why a change is flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// How serious the flag is.
    pub level: Level,
    /// Why the change is flagged.
    pub reason: String,
}

/// One aspect of a column that changed, with its value before and after (empty: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aspect {
    /// The aspect's name.
    pub name: &'static str,
    /// The value before.
    pub before: String,
    /// The value after.
    pub after: String,
}

/// One change of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A table was added.
    TableAdded {
        /// The table's name.
        table: String,
    },
    /// A table was dropped.
    TableDropped {
        /// The table's name.
        table: String,
    },
    /// A dropped table and an added one with the same columns.
    TableRenamed {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// What surrounds the column list changed (`UNLOGGED`, storage options, partitioning).
    TableRedefined {
        /// The table's name.
        table: String,
        /// The text before.
        before: String,
        /// The text after.
        after: String,
    },
    /// A column was added.
    ColumnAdded {
        /// The table's name.
        table: String,
        /// The added column.
        column: ColumnText,
    },
    /// A column was dropped.
    ColumnDropped {
        /// The table's name.
        table: String,
        /// The dropped column.
        column: ColumnText,
    },
    /// A dropped column and an added one with the same definition.
    ColumnRenamed {
        /// The table's name.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A column changed.
    ColumnChanged {
        /// The table's name.
        table: String,
        /// The column's name.
        column: String,
        /// What changed.
        aspects: Vec<Aspect>,
    },
    /// A constraint written inside the table's text (SQLite; MySQL, whose indexes are
    /// written there too), added, dropped or changed.
    InlineConstraintAdded {
        /// The table's name.
        table: String,
        /// The constraint's text.
        text: String,
    },
    /// An inline constraint was dropped.
    InlineConstraintDropped {
        /// The table's name.
        table: String,
        /// The constraint's text.
        text: String,
    },
    /// An inline constraint changed.
    InlineConstraintChanged {
        /// The table's name.
        table: String,
        /// The text before.
        before: String,
        /// The text after.
        after: String,
    },
    /// Any other object (index, constraint, trigger, policy, type, view, ...).
    ObjectAdded {
        /// The object.
        object: ObjectKey,
        /// The table it belongs to, if any.
        table: Option<String>,
        /// Its DDL.
        ddl: String,
    },
    /// An object was dropped.
    ObjectDropped {
        /// The object.
        object: ObjectKey,
        /// The table it belongs to, if any.
        table: Option<String>,
        /// Its DDL.
        ddl: String,
    },
    /// An object changed.
    ObjectChanged {
        /// The object.
        object: ObjectKey,
        /// The table it belongs to, if any.
        table: Option<String>,
        /// Its DDL before.
        before: String,
        /// Its DDL after.
        after: String,
    },
}

impl Change {
    /// The table the change is on (the new name of a renamed one), if any.
    pub fn table(&self) -> Option<&str> {
        match self {
            Self::TableAdded { table }
            | Self::TableDropped { table }
            | Self::TableRedefined { table, .. }
            | Self::ColumnAdded { table, .. }
            | Self::ColumnDropped { table, .. }
            | Self::ColumnRenamed { table, .. }
            | Self::ColumnChanged { table, .. }
            | Self::InlineConstraintAdded { table, .. }
            | Self::InlineConstraintDropped { table, .. }
            | Self::InlineConstraintChanged { table, .. } => Some(table),
            Self::TableRenamed { to, .. } => Some(to),
            Self::ObjectAdded { table, .. }
            | Self::ObjectDropped { table, .. }
            | Self::ObjectChanged { table, .. } => table.as_deref(),
        }
    }
}

/// A change and, when it deserves a reviewer's attention, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The change.
    pub change: Change,
    /// Its flag, if the change is risky.
    pub flag: Option<Flag>,
}

fn destructive(reason: impl Into<String>) -> Option<Flag> {
    Some(Flag {
        level: Level::Destructive,
        reason: reason.into(),
    })
}

fn risky(reason: impl Into<String>) -> Option<Flag> {
    Some(Flag {
        level: Level::Risky,
        reason: reason.into(),
    })
}

const RENAME: &str = "a rename breaks application code still using the old name (deploy code that reads both names first)";
const UNIQUE_ON_EXISTING: &str =
    "a new unique key on an existing table fails if existing rows hold duplicates";
const FK_ON_EXISTING: &str = "a new foreign key checks every existing row (fails on orphans) and locks both tables while it does";
const DROPPED_INDEX: &str = "drops the index: queries that used it slow down";
const DROPPED_UNIQUE_INDEX: &str = "drops a unique index: uniqueness is no longer enforced, and queries that used the index slow down";
const CHECK_ON_EXISTING: &str = "a new CHECK constraint validates every existing row (fails on one that breaks it) under a lock";

/// Every change from `base` to `current` on `backend`, tables first (in name order), then the
/// objects that live on no table.
pub fn changes(base: &SchemaText, current: &SchemaText, backend: Backend) -> Vec<Item> {
    let mut items = Vec::new();
    let dropped: BTreeSet<&String> = base
        .tables
        .keys()
        .filter(|t| !current.tables.contains_key(*t))
        .collect();
    let mut added: BTreeSet<&String> = current
        .tables
        .keys()
        .filter(|t| !base.tables.contains_key(*t))
        .collect();
    // Tables that exist on both sides: only their changes can hurt existing rows.
    let existing: BTreeSet<String> = base
        .tables
        .keys()
        .filter(|t| current.tables.contains_key(*t))
        .cloned()
        .collect();
    for table in &dropped {
        let columns = &base.tables[*table].columns;
        let twin = added
            .iter()
            .find(|a| !columns.is_empty() && current.tables[**a].columns == *columns)
            .copied();
        match twin {
            Some(to) => {
                added.remove(to);
                items.push(Item {
                    change: Change::TableRenamed {
                        from: (*table).clone(),
                        to: to.clone(),
                    },
                    flag: risky(RENAME),
                });
            }
            None => items.push(Item {
                change: Change::TableDropped {
                    table: (*table).clone(),
                },
                flag: destructive("drops the table and every row in it"),
            }),
        }
    }
    for table in &added {
        items.push(Item {
            change: Change::TableAdded {
                table: (*table).clone(),
            },
            flag: None,
        });
    }
    for table in &existing {
        table_changes(
            backend,
            table,
            &base.tables[table],
            &current.tables[table],
            &mut items,
        );
    }
    object_changes(base, current, &existing, &mut items);
    // Table by table (a table's own change first), then the rest in catalog order.
    items.sort_by_key(|item| {
        (
            item.change.table().is_none(),
            item.change.table().map(str::to_owned),
            rank(&item.change),
        )
    });
    items
}

fn rank(change: &Change) -> u8 {
    match change {
        Change::TableAdded { .. } | Change::TableDropped { .. } | Change::TableRenamed { .. } => 0,
        Change::TableRedefined { .. } => 1,
        Change::ColumnAdded { .. }
        | Change::ColumnDropped { .. }
        | Change::ColumnRenamed { .. }
        | Change::ColumnChanged { .. } => 2,
        _ => 3,
    }
}
