//! A Mermaid ER diagram of the tables a change touches and their neighbours.
//!
//! Mermaid's `erDiagram` has no styling, so what changed is written where it shows:
//! in each attribute's comment (`"added"`, `"dropped"`, `"changed: type"`) and in the
//! relationship labels (`(added)`). Names are reduced to the characters Mermaid accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::BackendReview;
use super::changes::Change;
use super::markdown::inline_noun;
use super::model::{Reference, SchemaText};
use crate::catalog::FkAction;

/// The `erDiagram` text, or `None` when no table changed.
pub(super) fn touched(review: &BackendReview) -> Option<String> {
    let marks = table_marks(review);
    if marks.is_empty() {
        return None;
    }
    let (base, current) = (&review.base, &review.current);
    let mut tables: BTreeSet<String> = marks.keys().cloned().collect();
    for table in marks.keys() {
        tables.extend(current.neighbours(table));
        tables.extend(base.neighbours(table));
        if let Some(from) = marks[table].renamed_from.as_ref() {
            tables.extend(base.neighbours(from));
        }
    }

    let mut out = String::from("erDiagram\n");
    for line in relationships(&tables, base, current) {
        let _ = writeln!(out, "    {line}");
    }
    for table in &tables {
        let attributes = match marks.get(table) {
            Some(marks) => touched_attributes(table, marks, base, current),
            None => neighbour_attributes(table, current, base),
        };
        if attributes.is_empty() {
            let _ = writeln!(out, "    {}", name(table));
            continue;
        }
        let _ = writeln!(out, "    {} {{", name(table));
        for attribute in attributes {
            let _ = writeln!(out, "        {attribute}");
        }
        let _ = writeln!(out, "    }}");
    }
    Some(out)
}

/// What changed in each table the review's changes touch (a renamed table's changes
/// under its new name).
fn table_marks(review: &BackendReview) -> BTreeMap<String, TableMarks> {
    // A renamed table's objects are drawn on it, under its new name.
    let renamed: BTreeMap<&str, &str> = review
        .items
        .iter()
        .filter_map(|item| match &item.change {
            Change::TableRenamed { from, to } => Some((from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    let mut marks: BTreeMap<String, TableMarks> = BTreeMap::new();
    for item in &review.items {
        let Some(table) = item.change.table() else {
            continue;
        };
        let table = renamed.get(table).copied().unwrap_or(table);
        let entry = marks.entry(table.to_owned()).or_default();
        match &item.change {
            Change::TableAdded { .. } => entry.table = Some("table added".to_owned()),
            Change::TableDropped { .. } => entry.table = Some("table dropped".to_owned()),
            Change::TableRenamed { from, .. } => {
                entry.table = Some(format!("table renamed from {from}"));
                entry.renamed_from = Some(from.clone());
            }
            Change::TableRedefined { .. } => entry.table = Some("table changed".to_owned()),
            Change::ColumnAdded { column, .. } => {
                entry
                    .columns
                    .insert(column.name.clone(), "added".to_owned());
            }
            Change::ColumnDropped { column, .. } => {
                entry.dropped.push(column.name.clone());
                entry
                    .columns
                    .insert(column.name.clone(), "dropped".to_owned());
            }
            Change::ColumnRenamed { from, to, .. } => {
                entry
                    .columns
                    .insert(to.clone(), format!("renamed from {from}"));
            }
            Change::ColumnChanged {
                column, aspects, ..
            } => {
                let names: Vec<&str> = aspects.iter().map(|a| a.name).collect();
                entry
                    .columns
                    .insert(column.clone(), format!("changed: {}", names.join(", ")));
            }
            other => entry.other.push(other_change(other)),
        }
    }
    marks
}

/// `index i dropped`, `constraint c changed`: a change that is not a column's.
fn other_change(change: &Change) -> String {
    match change {
        Change::ObjectAdded { object, .. } => format!("{object} added"),
        Change::ObjectDropped { object, .. } => format!("{object} dropped"),
        Change::ObjectChanged { object, .. } => format!("{object} changed"),
        Change::InlineConstraintAdded { text, .. } => format!("{} added", inline_noun(text)),
        Change::InlineConstraintDropped { text, .. } => format!("{} dropped", inline_noun(text)),
        Change::InlineConstraintChanged { before, .. } => {
            format!("{} changed", inline_noun(before))
        }
        _ => "constraint changed".to_owned(),
    }
}

/// What changed in one table, for its attributes' comments.
#[derive(Default)]
struct TableMarks {
    table: Option<String>,
    renamed_from: Option<String>,
    columns: BTreeMap<String, String>,
    dropped: Vec<String>,
    /// Index, constraint, trigger... changes, named on the table's first attribute.
    other: Vec<String>,
}

fn touched_attributes(
    table: &str,
    marks: &TableMarks,
    base: &SchemaText,
    current: &SchemaText,
) -> Vec<String> {
    // A dropped table is drawn from the base; any other from the current schema, plus
    // the columns it lost.
    let (schema, columns) = match current.tables.get(table) {
        Some(text) => (current, text.columns.clone()),
        None => (
            base,
            base.tables
                .get(table)
                .map(|t| t.columns.clone())
                .unwrap_or_default(),
        ),
    };
    let mut rows: Vec<(String, String, String)> = columns
        .iter()
        .map(|c| (c.sql_type.clone(), c.name.clone(), String::new()))
        .collect();
    if let Some(old) = base.tables.get(table) {
        for name in &marks.dropped {
            if let Some(column) = old.column(name) {
                rows.push((column.sql_type.clone(), column.name.clone(), String::new()));
            }
        }
    }
    let keys = KeyColumns::of(schema, table);
    let mut out = Vec::new();
    for (i, (sql_type, column, _)) in rows.iter().enumerate() {
        // The table's own change and its other objects' are said once, first.
        let mut notes: Vec<String> = Vec::new();
        if i == 0 {
            notes.extend(marks.table.clone());
            notes.extend(marks.other.iter().cloned());
        }
        notes.extend(marks.columns.get(column).cloned());
        let comment = notes.join("; ");
        out.push(attribute(sql_type, column, &keys.marks(column), &comment));
    }
    out
}

fn neighbour_attributes(table: &str, current: &SchemaText, base: &SchemaText) -> Vec<String> {
    let schema = if current.tables.contains_key(table) {
        current
    } else {
        base
    };
    let keys = KeyColumns::of(schema, table);
    let Some(text) = schema.tables.get(table) else {
        return Vec::new();
    };
    text.columns
        .iter()
        .filter_map(|c| {
            let marks = keys.marks(&c.name);
            (!marks.is_empty()).then(|| attribute(&c.sql_type, &c.name, &marks, ""))
        })
        .collect()
}

struct KeyColumns {
    primary: Vec<String>,
    foreign: Vec<String>,
    unique: Vec<String>,
}

impl KeyColumns {
    fn of(schema: &SchemaText, table: &str) -> Self {
        let (primary, unique) = schema.key_columns(table);
        let foreign = schema
            .references(table)
            .into_iter()
            .flat_map(|r| r.columns)
            .collect();
        Self {
            primary,
            foreign,
            unique,
        }
    }

    fn marks(&self, column: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (list, mark) in [
            (&self.primary, "PK"),
            (&self.foreign, "FK"),
            (&self.unique, "UK"),
        ] {
            if list.iter().any(|c| c == column) {
                out.push(mark);
            }
        }
        out
    }
}

fn attribute(sql_type: &str, column: &str, keys: &[&str], comment: &str) -> String {
    let mut line = format!("{} {}", name(sql_type), name(column));
    if !keys.is_empty() {
        line.push(' ');
        line.push_str(&keys.join(", "));
    }
    if !comment.is_empty() {
        let _ = write!(line, " \"{}\"", label(comment));
    }
    line
}

/// Every foreign key between two drawn tables, on either side, marked when it was
/// added, dropped or changed.
fn relationships(
    tables: &BTreeSet<String>,
    base: &SchemaText,
    current: &SchemaText,
) -> Vec<String> {
    let key = |table: &str, r: &Reference| (table.to_owned(), r.columns.clone(), r.target.clone());
    type Keyed = BTreeMap<(String, Vec<String>, String), (String, FkAction)>;
    let collect = |schema: &SchemaText| -> Keyed {
        tables
            .iter()
            .flat_map(|t| {
                schema
                    .references(t)
                    .into_iter()
                    .filter(|r| tables.contains(&r.target))
                    .map(move |r| (key(t, &r), (r.text, r.on_delete)))
            })
            .collect()
    };
    let (before, after) = (collect(base), collect(current));
    let mut out = Vec::new();
    let all: BTreeSet<&(String, Vec<String>, String)> = before.keys().chain(after.keys()).collect();
    for fk in all {
        let (child, columns, parent) = fk;
        let (text, mark) = match (before.get(fk), after.get(fk)) {
            (Some(old), Some(new)) if old != new => (new, " (changed)"),
            (Some(old), None) => (old, " (dropped)"),
            (None, Some(new)) => (new, " (added)"),
            (Some(same), Some(_)) => (same, ""),
            (None, None) => continue,
        };
        let (_, on_delete) = text;
        out.push(format!(
            "{} ||--o{{ {} : \"{}\"",
            name(parent),
            name(child),
            label(&format!(
                "{} ON DELETE {on_delete}{mark}",
                columns.join(", ")
            ))
        ));
    }
    out
}

/// A name Mermaid accepts as an entity, attribute or type: letters, digits and `_`.
fn name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        None => "unnamed".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("_{out}"),
        Some(_) => out,
    }
}

/// A quoted label's text: no double quotes, no line breaks, no backticks (which could close
/// the report's fence around the diagram).
fn label(text: &str) -> String {
    text.replace(['"', '`'], "'").replace(['\n', '\r'], " ")
}
