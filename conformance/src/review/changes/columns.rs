//! A table's own changes: what surrounds its column list, and each column added,
//! dropped, renamed or changed, with the flag each deserves.

use super::constraints::{changed_reference_flag, inline_constraint_changes};
use super::types::{TypeChange, type_change};
use super::{
    Aspect, Change, FK_ON_EXISTING, Flag, Item, RENAME, UNIQUE_ON_EXISTING, destructive, risky,
};
use crate::backends::Backend;
use crate::catalog::ddl::{ColumnDef, Reference};
use crate::checks::lint::type_change_copies;
use crate::review::model::{ColumnText, TableText};

pub(super) fn table_changes(
    backend: Backend,
    table: &str,
    before: &TableText,
    after: &TableText,
    items: &mut Vec<Item>,
) {
    let mut push = |change: Change, flag: Option<Flag>| items.push(Item { change, flag });
    if before.frame != after.frame {
        push(
            Change::TableRedefined {
                table: table.to_owned(),
                before: before.frame.clone(),
                after: after.frame.clone(),
            },
            risky("changing a table's definition may rewrite it under an exclusive lock"),
        );
    }
    let (renamed, dropped, added) = column_renames(before, after);
    for (from, to) in renamed {
        push(
            Change::ColumnRenamed {
                table: table.to_owned(),
                from,
                to,
            },
            risky(RENAME),
        );
    }
    for column in dropped {
        push(
            Change::ColumnDropped {
                table: table.to_owned(),
                column: column.clone(),
            },
            destructive("drops the column and its data; application code still reading it fails"),
        );
    }
    for column in added {
        push(
            Change::ColumnAdded {
                table: table.to_owned(),
                column: column.clone(),
            },
            added_column_flag(after, column),
        );
    }
    for old in &before.columns {
        let Some(new) = after.column(&old.name) else {
            continue;
        };
        if old.definition == new.definition {
            continue;
        }
        let (aspects, flag) = column_aspects(backend, old, new);
        push(
            Change::ColumnChanged {
                table: table.to_owned(),
                column: old.name.clone(),
                aspects,
            },
            flag,
        );
    }
    inline_constraint_changes(table, &before.constraints, &after.constraints, items);
}

/// The columns renamed (`(from, to)`), dropped and added: a dropped and an added
/// column with the same definition look like a rename.
#[allow(clippy::type_complexity)]
fn column_renames<'a>(
    before: &'a TableText,
    after: &'a TableText,
) -> (
    Vec<(String, String)>,
    Vec<&'a ColumnText>,
    Vec<&'a ColumnText>,
) {
    let mut dropped: Vec<&ColumnText> = before
        .columns
        .iter()
        .filter(|c| after.column(&c.name).is_none())
        .collect();
    let mut added: Vec<&ColumnText> = after
        .columns
        .iter()
        .filter(|c| before.column(&c.name).is_none())
        .collect();
    let mut renamed = Vec::new();
    dropped.retain(|old| {
        match added
            .iter()
            .position(|new| new.definition == old.definition)
        {
            Some(at) => {
                renamed.push((old.name.clone(), added.remove(at).name.clone()));
                false
            }
            None => true,
        }
    });
    (renamed, dropped, added)
}

/// The flag of a column added to an existing table.
fn added_column_flag(table: &TableText, column: &ColumnText) -> Option<Flag> {
    let filled = table
        .column_definition(&column.name)
        .is_some_and(ColumnDef::filled_by_database);
    if column.not_null && !filled {
        risky("NOT NULL without a default: adding it fails on a table that has rows")
    } else if column.references.is_some() {
        risky(FK_ON_EXISTING)
    } else if column.unique {
        risky(UNIQUE_ON_EXISTING)
    } else {
        None
    }
}

/// What changed in a column, and the worst flag of those changes.
fn column_aspects(
    backend: Backend,
    old: &ColumnText,
    new: &ColumnText,
) -> (Vec<Aspect>, Option<Flag>) {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    let null_text = |not_null: bool| if not_null { "NOT NULL" } else { "NULL" }.to_owned();
    let candidates = [
        ("type", old.sql_type.clone(), new.sql_type.clone()),
        (
            "nullability",
            null_text(old.not_null),
            null_text(new.not_null),
        ),
        ("default", optional(&old.default), optional(&new.default)),
        (
            "collation",
            optional(&old.collation),
            optional(&new.collation),
        ),
        (
            "foreign key",
            optional(&old.reference_clause),
            optional(&new.reference_clause),
        ),
        (
            "unique",
            yes_no(old.unique || old.primary_key),
            yes_no(new.unique || new.primary_key),
        ),
    ];
    let mut aspects: Vec<Aspect> = candidates
        .into_iter()
        .filter(|(_, before, after)| before != after)
        .map(|(name, before, after)| Aspect {
            name,
            before,
            after,
        })
        .collect();
    if aspects.is_empty() {
        aspects.push(Aspect {
            name: "definition",
            before: old.definition.clone(),
            after: new.definition.clone(),
        });
    }
    let flags: Vec<Flag> = aspects
        .iter()
        .filter_map(|aspect| aspect_flag(backend, aspect, new))
        .collect();
    // One flag for the column: the worst level, every reason.
    let worst = flags.iter().map(|f| f.level).min().map(|level| Flag {
        level,
        reason: flags
            .iter()
            .map(|f| f.reason.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    });
    (aspects, worst)
}

/// The flag of one changed aspect of a column (`new` as it is now).
fn aspect_flag(backend: Backend, aspect: &Aspect, new: &ColumnText) -> Option<Flag> {
    match aspect.name {
        "type" if backend == Backend::MySql => {
            mysql_type_flag(type_flag(aspect), &aspect.before, &aspect.after)
        }
        "type" => type_flag(aspect),
        "nullability" if new.not_null => risky(
            "NOT NULL on an existing column fails if any row holds NULL, and scans the table under an exclusive lock",
        ),
        "collation" => risky(
            "changes how values compare and sort; indexes on the column are rebuilt and unique keys may start to collide",
        ),
        "foreign key" if aspect.before.is_empty() => risky(FK_ON_EXISTING),
        "foreign key" if aspect.after.is_empty() => {
            destructive("stops enforcing the column's foreign key")
        }
        "foreign key" => changed_reference_flag(
            Reference::parse(&aspect.before).as_ref(),
            Reference::parse(&aspect.after).as_ref(),
        ),
        "unique" if aspect.after == "yes" => risky(UNIQUE_ON_EXISTING),
        "unique" => destructive("stops enforcing the column's uniqueness"),
        _ => None,
    }
}

/// The flag of a column's type change: narrowing loses values, another type converts
/// them.
fn type_flag(aspect: &Aspect) -> Option<Flag> {
    match type_change(&aspect.before, &aspect.after) {
        TypeChange::Narrowing => destructive(format!(
            "narrows the type from {} to {}: existing values that do not fit fail the migration or are cut",
            aspect.before, aspect.after
        )),
        TypeChange::Widening => None,
        TypeChange::Other => risky(format!(
            "changes the type from {} to {}: every existing value is converted, and the table may be rewritten under an exclusive lock",
            aspect.before, aspect.after
        )),
    }
}

/// On MySQL a type change also copies the table, blocking writes (the lint's
/// `mysql-table-copy` rule says when): that reason joins the type's own flag.
fn mysql_type_flag(flag: Option<Flag>, before: &str, after: &str) -> Option<Flag> {
    let Some(copy) = type_change_copies(before, after) else {
        return flag;
    };
    match flag {
        Some(flag) => Some(Flag {
            reason: format!("{}; {copy}", flag.reason),
            ..flag
        }),
        None => risky(copy),
    }
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}
