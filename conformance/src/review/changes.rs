//! The schema change between two dumps of one backend as items a reviewer reads, each
//! flagged when it is destructive (loses data or stops enforcing something) or risky
//! (may fail on, lock or break what already exists), with the reason — the classes
//! Atlas's analyzers and squawk's rules use.

use std::collections::BTreeSet;

use super::model::{ColumnText, SchemaText, TableText, foreign_key};
use crate::catalog::ddl::{ColumnDef, Constraint, ConstraintKind, Reference};
use crate::catalog::{FkAction, ObjectKey, ObjectKind};
use crate::diff::{ObjectChange, compare};

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
    /// A constraint written inside the table's text (SQLite), added, dropped or changed.
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
const CHECK_ON_EXISTING: &str = "a new CHECK constraint validates every existing row (fails on one that breaks it) under a lock";

/// Every change from `base` to `current`, tables first (in name order), then the
/// objects that live on no table.
pub fn changes(base: &SchemaText, current: &SchemaText) -> Vec<Item> {
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

fn table_changes(table: &str, before: &TableText, after: &TableText, items: &mut Vec<Item>) {
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
    // A dropped and an added column with the same definition look like a rename.
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
        let filled = after
            .column_definition(&column.name)
            .is_some_and(ColumnDef::filled_by_database);
        let flag = if column.not_null && !filled {
            risky("NOT NULL without a default: adding it fails on a table that has rows")
        } else if column.references.is_some() {
            risky(FK_ON_EXISTING)
        } else if column.unique {
            risky(UNIQUE_ON_EXISTING)
        } else {
            None
        };
        push(
            Change::ColumnAdded {
                table: table.to_owned(),
                column: column.clone(),
            },
            flag,
        );
    }
    for old in &before.columns {
        let Some(new) = after.column(&old.name) else {
            continue;
        };
        if old.definition == new.definition {
            continue;
        }
        let (aspects, flag) = column_aspects(old, new);
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

/// What changed in a column, and the worst flag of those changes.
fn column_aspects(old: &ColumnText, new: &ColumnText) -> (Vec<Aspect>, Option<Flag>) {
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
    let mut flags = Vec::new();
    for aspect in &aspects {
        let flag = match aspect.name {
            "type" => match type_change(&aspect.before, &aspect.after) {
                TypeChange::Narrowing => destructive(format!(
                    "narrows the type from {} to {}: existing values that do not fit fail the migration or are cut",
                    aspect.before, aspect.after
                )),
                TypeChange::Widening => None,
                TypeChange::Other => risky(format!(
                    "changes the type from {} to {}: every existing value is converted, and the table may be rewritten under an exclusive lock",
                    aspect.before, aspect.after
                )),
            },
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
        };
        flags.extend(flag);
    }
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

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// Pairs inline constraints by what they constrain: a named one by name, a foreign key
/// by its columns, a primary key as such; anything else by its text.
fn constraint_key(constraint: &Constraint) -> String {
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

fn inline_constraint_changes(
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
                flag: destructive(format!("stops enforcing `{}`", old.text)),
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
fn new_constraint_flag(kind: &ConstraintKind) -> Option<Flag> {
    match kind {
        ConstraintKind::ForeignKey { .. } => risky(FK_ON_EXISTING),
        ConstraintKind::PrimaryKey { .. }
        | ConstraintKind::Unique { .. }
        | ConstraintKind::Exclude { .. } => risky(UNIQUE_ON_EXISTING),
        ConstraintKind::Check { .. } => risky(CHECK_ON_EXISTING),
        ConstraintKind::Other => None,
    }
}

/// The flag of a constraint object (`ALTER TABLE ... ADD CONSTRAINT ...`) added.
fn added_constraint_flag(ddl: &str) -> Option<Flag> {
    new_constraint_flag(&Constraint::parse_added(ddl)?.1.kind)
}

fn changed_constraint_flag(old: &Constraint, new: &Constraint) -> Option<Flag> {
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
fn changed_reference_flag(old: Option<&Reference>, new: Option<&Reference>) -> Option<Flag> {
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

fn object_changes(
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
        ObjectKind::Index if is_unique_index(ddl) => destructive(
            "drops a unique index: uniqueness is no longer enforced, and queries that used the index slow down",
        ),
        ObjectKind::Index => destructive("drops the index: queries that used it slow down"),
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
        (Some(open), Some(close)) if open < close => {
            crate::sqlfmt::split_top_level(&ddl[open + 1..close])
        }
        _ => Vec::new(),
    }
}

/// How a column's type changed, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    /// Some existing values may not fit (shorter strings, smaller integers, less precision).
    Narrowing,
    /// Every existing value fits.
    Widening,
    /// Another type altogether.
    Other,
}

/// `varchar(20)` → (`varchar`, [20]); synonyms spelled one way.
fn type_parts(sql_type: &str) -> (String, Vec<u32>) {
    let text = sql_type.trim().to_ascii_lowercase();
    let (base, args) = match text.find('(') {
        Some(open) => (
            text[..open].trim().to_owned(),
            text[open + 1..]
                .trim_end_matches(|c| c != ')')
                .trim_end_matches(')')
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect(),
        ),
        None => (text.clone(), Vec::new()),
    };
    let base = match base.as_str() {
        "character varying" | "varchar" | "nvarchar" => "varchar",
        "character" | "char" | "bpchar" | "nchar" => "char",
        "int" | "int4" | "integer" | "mediumint" => "integer",
        "int2" | "smallint" | "tinyint" => "smallint",
        "int8" | "bigint" => "bigint",
        "float8" | "double precision" | "double" => "float8",
        "float4" | "real" | "float" => "float4",
        "decimal" | "numeric" => "numeric",
        "text" | "clob" | "citext" => "text",
        other => other,
    };
    (base.to_owned(), args)
}

/// Classifies a column type change from one type to another.
pub fn type_change(before: &str, after: &str) -> TypeChange {
    let (old, old_args) = type_parts(before);
    let (new, new_args) = type_parts(after);
    let integer_rank = |t: &str| match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        _ => None,
    };
    let string_rank = |t: &str, args: &[u32]| match (t, args.first()) {
        ("text", _) | ("varchar" | "char", None) => Some(u32::MAX),
        ("varchar" | "char", Some(n)) => Some(*n),
        _ => None,
    };
    let compare = |old: u32, new: u32| match new.cmp(&old) {
        std::cmp::Ordering::Less => TypeChange::Narrowing,
        _ => TypeChange::Widening,
    };
    if let (Some(o), Some(n)) = (integer_rank(&old), integer_rank(&new)) {
        return compare(o, n);
    }
    if let (Some(o), Some(n)) = (string_rank(&old, &old_args), string_rank(&new, &new_args)) {
        return compare(o, n);
    }
    match (old.as_str(), new.as_str()) {
        ("float8", "float4") => TypeChange::Narrowing,
        ("float4", "float8") => TypeChange::Widening,
        ("numeric", "numeric") => {
            let precision = |args: &[u32]| args.first().copied().unwrap_or(u32::MAX);
            let scale = |args: &[u32]| args.get(1).copied().unwrap_or(0);
            if precision(&new_args) < precision(&old_args) || scale(&new_args) < scale(&old_args) {
                TypeChange::Narrowing
            } else {
                TypeChange::Widening
            }
        }
        _ if old == new && old_args == new_args => TypeChange::Widening,
        _ => TypeChange::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_told_from_widening() {
        use TypeChange::*;
        for (before, after, expected) in [
            ("character varying(100)", "character varying(20)", Narrowing),
            ("varchar", "varchar(20)", Narrowing),
            ("text", "character varying(10)", Narrowing),
            ("varchar(20)", "text", Widening),
            ("bigint", "integer", Narrowing),
            ("integer", "bigint", Widening),
            ("numeric(10,2)", "numeric(10,1)", Narrowing),
            ("double precision", "real", Narrowing),
            ("varchar", "integer", Other),
        ] {
            assert_eq!(type_change(before, after), expected, "{before} → {after}");
        }
    }
}
