//! How each column of a seeded table gets its value ([`plan`]: generated in its
//! shape under its CHECK rules, or a parent's key), which columns must stay distinct
//! ([`unique_columns`]), and one row's values ([`build_row`]).

use std::collections::BTreeSet;

use super::mysql::{decimal_max, generated_sources, key_column, unique_prefixes};
use super::rules::{Rule, rules};
use super::values::{Cell, Shape, shape, value};
use crate::backends::Backend;
use crate::catalog::{LogicalSchema, Table, mysql_ansi_names};

/// How one column of a seeded table gets its value.
pub(super) enum Plan {
    /// Generated in `shape` under `rule`.
    Generate { shape: Shape, rule: Rule },
    /// Part of a foreign key: element `position` of the parent's key tuples.
    Parent { key: usize, position: usize },
}

/// Every column the database does not fill itself, with how it gets its value.
pub(super) fn plan(
    table: &Table,
    schema: &LogicalSchema,
    backend: Backend,
) -> Result<Vec<(String, Plan)>, String> {
    let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let mut rules = match backend {
        // Read as standard SQL writes names: in double quotes, not backquotes.
        Backend::MySql => {
            let checks: Vec<String> = table.checks.values().map(|c| mysql_ansi_names(c)).collect();
            rules(checks.iter(), &names)
        }
        _ => rules(table.checks.values(), &names),
    };
    let prefixes = unique_prefixes(table);
    let enums = |ty: &str| {
        let bare = ty.trim_matches('"');
        schema
            .enum_types
            .get(bare)
            .or_else(|| schema.enum_types.get(&format!("public.{bare}")))
            .cloned()
    };
    let rowid = table.primary_key.len() == 1
        && backend == Backend::Sqlite
        && table
            .columns
            .iter()
            .any(|c| c.name == table.primary_key[0] && c.sql_type.eq_ignore_ascii_case("integer"));
    let mut plans = Vec::new();
    for column in &table.columns {
        let automatic = column.generated.is_some()
            || column.identity
            || column
                .default_sql
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("))
            || (rowid && column.name == table.primary_key[0]);
        if automatic {
            continue;
        }
        let parent = table.foreign_keys.iter().enumerate().find_map(|(key, fk)| {
            let position = fk.columns.iter().position(|c| *c == column.name)?;
            Some(Plan::Parent { key, position })
        });
        if let Some(parent) = parent {
            plans.push((column.name.clone(), parent));
            continue;
        }
        let shape = shape(&column.sql_type, backend, &enums);
        if shape == Shape::Unknown && !column.nullable && column.default_sql.is_none() {
            return Err(format!(
                "column {} has a type the generator cannot fill ({}); give the table's rows with Populate::table_sql",
                column.name, column.sql_type
            ));
        }
        if shape == Shape::Unknown {
            // Left to its default, or NULL.
            continue;
        }
        let mut rule = rules.remove(&column.name).unwrap_or_default();
        narrow(
            &mut rule,
            &shape,
            &column.sql_type,
            prefixes.get(&column.name),
        );
        plans.push((column.name.clone(), Plan::Generate { shape, rule }));
    }
    Ok(plans)
}

/// `rule` narrowed by what the column's type and indexes ask beyond its CHECKs: no
/// longer than the `prefix` a unique index keys it on, a decimal within its precision.
fn narrow(rule: &mut Rule, shape: &Shape, sql_type: &str, prefix: Option<&usize>) {
    if let Some(&prefix) = prefix {
        rule.max_len = Some(rule.max_len.map_or(prefix, |m| m.min(prefix)));
    }
    if let (Shape::Decimal, Some(max)) = (shape, decimal_max(sql_type)) {
        rule.max = Some(rule.max.map_or(max, |m| m.min(max)));
        // `decimal(2,2)`: no whole number above 0 fits; 0 does.
        if max < 1.0 && rule.min.is_none() {
            rule.min = Some(0.0);
        }
    }
}

/// Columns of the primary key and of unique constraints and indexes: never NULL by
/// choice, so that the rows stay distinct.
pub(super) fn unique_columns(table: &Table) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = table.primary_key.iter().cloned().collect();
    for columns in &table.unique_constraints {
        out.extend(columns.iter().cloned());
    }
    for index in table
        .indexes
        .values()
        .chain(table.constraint_indexes.values())
    {
        if index.unique {
            out.extend(
                index
                    .columns
                    .iter()
                    .map(|key| key_column(table, key).map_or_else(|| key.clone(), |(c, _)| c)),
            );
        }
    }
    // A generated column kept unique (MySQL's stand-in for a partial unique index,
    // `nullif(prefix, '')`) is as distinct as the columns it is computed from.
    let sources: Vec<String> = table
        .columns
        .iter()
        .filter(|c| out.contains(&c.name))
        .filter_map(|c| c.generated.as_deref())
        .flat_map(|expression| generated_sources(table, expression))
        .collect();
    out.extend(sources);
    out
}

/// One row's values by column. Every third row leaves its nullable, non-unique
/// columns NULL, and non-unique columns repeat their values in pairs, as real tables
/// do.
pub(super) fn build_row(
    table: &Table,
    plans: &[(String, Plan)],
    parents: &[Option<Vec<Vec<Cell>>>],
    unique: &BTreeSet<String>,
    row: usize,
    seed: u64,
) -> Result<Vec<(String, Cell)>, String> {
    let mut cells = Vec::new();
    for (name, plan) in plans {
        let column = table.columns.iter().find(|c| c.name == *name);
        let nullable = column.is_some_and(|c| c.nullable);
        let cell = match plan {
            _ if nullable && row % 3 == 2 && !unique.contains(name) => Cell::Null,
            Plan::Parent { key, position } => match &parents[*key] {
                Some(keys) => keys[row % keys.len()][*position].clone(),
                None if nullable => Cell::Null,
                None => {
                    let fk = table
                        .foreign_keys
                        .iter()
                        .nth(*key)
                        .map_or("", |f| f.ref_table.as_str());
                    return Err(format!(
                        "column {name} must reference a row of {fk}, which has none"
                    ));
                }
            },
            // Values repeat in pairs where nothing asks them to be distinct, as real
            // data does: a unique index added over such a column meets duplicates.
            Plan::Generate { shape, rule } => {
                let nth = if unique.contains(name) { row } else { row / 2 };
                match column.and_then(|c| value(c, shape, rule, nth, seed)) {
                    Some(cell) => cell,
                    None if nullable => Cell::Null,
                    None => {
                        return Err(format!(
                            "no value of column {name} fits its type and CHECK constraints"
                        ));
                    }
                }
            }
        };
        cells.push((name.clone(), cell));
    }
    Ok(cells)
}
