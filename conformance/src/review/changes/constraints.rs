//! Constraints: those written inside a table's text (SQLite, MySQL), paired by what they
//! constrain, and the flag of any constraint added to or changed on an existing table.

use super::{
    CHECK_ON_EXISTING, Change, DROPPED_INDEX, DROPPED_UNIQUE_INDEX, FK_ON_EXISTING, Flag, Item,
    UNIQUE_ON_EXISTING, destructive, risky,
};
use crate::catalog::FkAction;
use crate::catalog::ddl::{Constraint, ConstraintKind, Reference};
use crate::review::model::foreign_key;

/// Pairs inline constraints by what they constrain: a named one by name (MySQL's
/// indexes apart from its constraints), a foreign key
/// by its columns, a primary key as such; anything else by its text.
fn constraint_key(constraint: &Constraint) -> String {
    // MySQL names the index of a foreign key after it: one name, two items.
    if let (Some(name), true) = (&constraint.name, constraint.is_mysql_index()) {
        return format!("index {name}");
    }
    if let Some(name) = &constraint.name {
        return format!("named {name}");
    }
    if matches!(constraint.kind, ConstraintKind::PrimaryKey { .. }) {
        return "primary key".to_owned();
    }
    if let Some((columns, _)) = foreign_key(constraint) {
        return format!("foreign key {}", columns.join(","));
    }
    constraint.text.clone()
}

pub(super) fn inline_constraint_changes(
    table: &str,
    before: &[Constraint],
    after: &[Constraint],
    items: &mut Vec<Item>,
) {
    for old in before {
        let key = constraint_key(old);
        match after.iter().find(|new| constraint_key(new) == key) {
            Some(new) if new.text == old.text => {}
            Some(new) => items.push(Item {
                flag: changed_constraint_flag(old, new),
                change: Change::InlineConstraintChanged {
                    table: table.to_owned(),
                    before: old.text.clone(),
                    after: new.text.clone(),
                },
            }),
            None => items.push(Item {
                flag: dropped_constraint_flag(old),
                change: Change::InlineConstraintDropped {
                    table: table.to_owned(),
                    text: old.text.clone(),
                },
            }),
        }
    }
    for new in after {
        let key = constraint_key(new);
        if before.iter().any(|old| constraint_key(old) == key) {
            continue;
        }
        items.push(Item {
            flag: new_constraint_flag(&new.kind),
            change: Change::InlineConstraintAdded {
                table: table.to_owned(),
                text: new.text.clone(),
            },
        });
    }
}

/// The flag of a constraint added to an existing table.
pub(super) fn new_constraint_flag(kind: &ConstraintKind) -> Option<Flag> {
    match kind {
        ConstraintKind::ForeignKey { .. } => risky(FK_ON_EXISTING),
        ConstraintKind::PrimaryKey { .. }
        | ConstraintKind::Unique { .. }
        | ConstraintKind::Exclude { .. } => risky(UNIQUE_ON_EXISTING),
        ConstraintKind::Check { .. } => risky(CHECK_ON_EXISTING),
        ConstraintKind::Index { .. } | ConstraintKind::Other => None,
    }
}

/// The flag of an inline constraint dropped from an existing table: MySQL's index items
/// are indexes (slower queries; a unique one also stops enforcing uniqueness).
fn dropped_constraint_flag(old: &Constraint) -> Option<Flag> {
    if !old.is_mysql_index() {
        return destructive(format!("stops enforcing `{}`", old.text));
    }
    match old.kind {
        ConstraintKind::Unique { .. } => destructive(DROPPED_UNIQUE_INDEX),
        _ => destructive(DROPPED_INDEX),
    }
}

/// The flag of a constraint object (`ALTER TABLE ... ADD CONSTRAINT ...`) added.
pub(super) fn added_constraint_flag(ddl: &str) -> Option<Flag> {
    new_constraint_flag(&Constraint::parse_added(ddl)?.1.kind)
}

pub(super) fn changed_constraint_flag(old: &Constraint, new: &Constraint) -> Option<Flag> {
    match (&old.kind, &new.kind) {
        (
            ConstraintKind::ForeignKey { reference: old, .. },
            ConstraintKind::ForeignKey { reference: new, .. },
        ) if actions(old) != actions(new) => changed_reference_flag(Some(old), Some(new)),
        _ => new_constraint_flag(&new.kind),
    }
}

fn actions(reference: &Reference) -> (FkAction, FkAction) {
    (reference.on_delete, reference.on_update)
}

/// The flag of a changed foreign key: what its actions now do, or, when they did not
/// change, what any new foreign key risks.
pub(super) fn changed_reference_flag(
    old: Option<&Reference>,
    new: Option<&Reference>,
) -> Option<Flag> {
    let (Some(old), Some(new)) = (old, new) else {
        return risky(FK_ON_EXISTING);
    };
    if actions(old) == actions(new) {
        return risky(FK_ON_EXISTING);
    }
    let mut what = Vec::new();
    if old.on_delete != new.on_delete {
        what.push(format!("ON DELETE {} → {}", old.on_delete, new.on_delete));
    }
    if old.on_update != new.on_update {
        what.push(format!("ON UPDATE {} → {}", old.on_update, new.on_update));
    }
    risky(format!(
        "changes what deleting or updating a referenced row does ({})",
        what.join(", ")
    ))
}
