//! Every object other than a table (indexes, constraint objects, triggers, policies,
//! types, views…): added, dropped or changed, and what that risks.

use std::collections::BTreeSet;

use super::constraints::{added_constraint_flag, changed_constraint_flag, new_constraint_flag};
use super::{
    Change, DROPPED_INDEX, DROPPED_UNIQUE_INDEX, Flag, Item, UNIQUE_ON_EXISTING, destructive, risky,
};
use crate::catalog::ddl::{Constraint, split_items};
use crate::catalog::{ObjectKey, ObjectKind};
use crate::diff::{ObjectChange, compare};
use crate::review::model::SchemaText;

pub(super) fn object_changes(
    base: &SchemaText,
    current: &SchemaText,
    existing: &BTreeSet<String>,
    items: &mut Vec<Item>,
) {
    for change in compare(&base.dump, &current.dump) {
        if change.object().kind == ObjectKind::Table {
            continue;
        }
        let item = match change {
            ObjectChange::Missing { object, ddl } => {
                let table = base.owners.get(&object).cloned();
                // A dropped table takes its objects with it: its own flag says enough.
                let on_existing = table
                    .as_ref()
                    .is_none_or(|t| current.tables.contains_key(t));
                let flag = if on_existing {
                    dropped_object_flag(&object, &ddl)
                } else {
                    None
                };
                Item {
                    change: Change::ObjectDropped { object, table, ddl },
                    flag,
                }
            }
            ObjectChange::Extra { object, ddl } => {
                let table = current.owners.get(&object).cloned();
                let on_existing = table.as_ref().is_some_and(|t| existing.contains(t));
                let flag = if on_existing {
                    added_object_flag(&object, &ddl)
                } else {
                    None
                };
                Item {
                    change: Change::ObjectAdded { object, table, ddl },
                    flag,
                }
            }
            ObjectChange::Changed {
                object,
                expected,
                actual,
            } => {
                let table = current.owners.get(&object).cloned();
                let flag = changed_object_flag(&object, &expected, &actual);
                Item {
                    change: Change::ObjectChanged {
                        object,
                        table,
                        before: expected,
                        after: actual,
                    },
                    flag,
                }
            }
        };
        items.push(item);
    }
}

fn is_unique_index(ddl: &str) -> bool {
    ddl.trim_start()
        .to_ascii_uppercase()
        .starts_with("CREATE UNIQUE")
}

fn added_object_flag(object: &ObjectKey, ddl: &str) -> Option<Flag> {
    match object.kind {
        ObjectKind::Index if is_unique_index(ddl) => risky(UNIQUE_ON_EXISTING),
        ObjectKind::Constraint => added_constraint_flag(ddl),
        _ => None,
    }
}

fn dropped_object_flag(object: &ObjectKey, ddl: &str) -> Option<Flag> {
    match object.kind {
        ObjectKind::Index if is_unique_index(ddl) => destructive(DROPPED_UNIQUE_INDEX),
        ObjectKind::Index => destructive(DROPPED_INDEX),
        ObjectKind::Constraint => destructive("stops enforcing the constraint"),
        ObjectKind::Trigger => destructive("drops the trigger: what it did on every write stops"),
        ObjectKind::Policy => {
            destructive("drops a row-level security policy: who sees which rows changes")
        }
        ObjectKind::RowSecurity => risky("turns row-level security off"),
        ObjectKind::Comment
        | ObjectKind::Setting
        | ObjectKind::AutoincrementCounter
        | ObjectKind::Other => None,
        kind => destructive(format!(
            "drops the {kind}: code and objects that use it break"
        )),
    }
}

fn changed_object_flag(object: &ObjectKey, before: &str, after: &str) -> Option<Flag> {
    match object.kind {
        ObjectKind::Constraint => {
            match (
                Constraint::parse_added(before),
                Constraint::parse_added(after),
            ) {
                (Some((_, old)), Some((_, new))) => changed_constraint_flag(&old, &new),
                (_, new) => new.and_then(|(_, new)| new_constraint_flag(&new.kind)),
            }
        }
        ObjectKind::Index if is_unique_index(after) && !is_unique_index(before) => {
            risky(UNIQUE_ON_EXISTING)
        }
        ObjectKind::Index if is_unique_index(before) && !is_unique_index(after) => {
            destructive("the index no longer enforces uniqueness")
        }
        ObjectKind::Policy => risky("changes who sees or writes which rows"),
        ObjectKind::EnumType => {
            let removed: Vec<String> = enum_values(before)
                .into_iter()
                .filter(|v| !enum_values(after).contains(v))
                .collect();
            if removed.is_empty() {
                None
            } else {
                destructive(format!(
                    "removes the value{} {} from the enum: rows holding one block the change",
                    if removed.len() == 1 { "" } else { "s" },
                    removed.join(", ")
                ))
            }
        }
        ObjectKind::Domain => risky("existing values must still fit the changed type"),
        _ => None,
    }
}

/// `CREATE TYPE t AS ENUM ('a', 'b');` → `['a', 'b']` (as written, quotes kept).
fn enum_values(ddl: &str) -> Vec<String> {
    match (ddl.find('('), ddl.rfind(')')) {
        (Some(open), Some(close)) if open < close => split_items(&ddl[open + 1..close])
            .into_iter()
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}
