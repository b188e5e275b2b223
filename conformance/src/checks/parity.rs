//! Cross-backend parity: every pair of walked backends ([`Pair`]: SQLite–PostgreSQL,
//! and MySQL–PostgreSQL and MySQL–SQLite when MySQL is walked) must hold the same
//! logical schema (tables, column order, types, collations, generated columns, nullability, defaults,
//! keys, CHECK constraints, indexes and their expressions, foreign keys), except where
//! the allow-list says otherwise.
//!
//! Column types are the same when sea-query declares them alike (see [`types`]) or when
//! the allow-list declares them equivalent for that pair (`equivalent sqlite: ... =
//! postgres: ...`, `equivalent mysql: ... = postgres: ...`). Findings of a pair other
//! than SQLite–PostgreSQL start with its name (`mysql-postgres: `), and so do the
//! allow-list lines that accept them.
//! Foreign key *names* are not compared: SQLite's catalog does not keep them. CHECK
//! constraints are compared by number per table, not by text: each backend prints the
//! same expression its own way (`IN (...)` becomes `= ANY (ARRAY[...])`).

mod aspect;
pub(crate) mod pair;
#[cfg(test)]
mod portable_tests;
mod types;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

pub use aspect::Aspect;
pub use pair::Pair;
#[cfg(test)]
pub use types::{column_type_samples, portable as portable_column_type};

use super::allowlist::Equivalence;
use super::{AllowList, BackendRun, Check, Finding, NotRun};
use crate::catalog::{Column, ForeignKey, LogicalSchema, Table};
use types::Typed;

/// One difference: where, which aspect, and what each backend of the pair has.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Difference {
    path: String,
    aspect: Aspect,
    left: String,
    right: String,
}

/// Findings for every difference between SQLite and PostgreSQL the allow-list does not
/// accept, and for allow-list entries that no longer match anything (so the list
/// cannot rot).
#[cfg(test)]
pub fn parity(sqlite: &LogicalSchema, postgres: &LogicalSchema, allow: &AllowList) -> Vec<Finding> {
    parity_of(Pair::SqlitePostgres, sqlite, postgres, allow)
}

/// [`parity`] for any pair: `left` and `right` are the final schemas of
/// `pair.sides()`. Only the allow-list lines of this pair accept its differences, and
/// only they are stale when they match none.
pub fn parity_of(
    pair: Pair,
    left: &LogicalSchema,
    right: &LogicalSchema,
    allow: &AllowList,
) -> Vec<Finding> {
    let used = RefCell::new(BTreeSet::new());
    let context = Context {
        pair,
        equivalences: &allow.equivalences,
        used: &used,
        enums: (&left.enum_types, &right.enum_types),
    };
    let differences = differences(left, right, &context);
    let (left_backend, right_backend) = pair.sides();
    let prefix = pair.prefix();
    let finding = |message: String| Finding::new(Check::Parity, pair.reported_on(), None, message);
    let mut findings: Vec<Finding> = differences
        .iter()
        .filter(|d| !allow.allows_in(pair, &d.path, d.aspect.name()))
        .map(|d| {
            finding(format!(
                "{prefix}{} {}: {left_backend} has {}, {right_backend} has {} (fix the migration, or allow-list `{prefix}{} {}  # why`)",
                d.path, d.aspect, d.left, d.right, d.path, d.aspect
            ))
        })
        .collect();
    let source = allow
        .source
        .as_ref()
        .map_or_else(|| "the allow-list".to_owned(), |p| p.display().to_string());
    let used = used.into_inner();
    for equivalence in allow.equivalences.iter().filter(|e| e.pair == pair) {
        if !used.contains(&equivalence.line) {
            findings.push(finding(format!(
                "{source}:{}: `{}` matches no column any more; remove it",
                equivalence.line,
                equivalence.text()
            )));
        }
    }
    for entry in allow.entries.iter().filter(|e| e.pair == pair) {
        if !differences
            .iter()
            .any(|d| d.path == entry.path && d.aspect.name() == entry.aspect)
        {
            findings.push(finding(format!(
                "{source}:{}: `{prefix}{} {}` matches no difference any more; remove it",
                entry.line, entry.path, entry.aspect
            )));
        }
    }
    findings
}

/// Parity of every pair whose two backends ran: its findings, or why it could not
/// compare (a backend's walk stopped short of the final schema).
pub(crate) fn across(
    runs: &[BackendRun],
    allow: &AllowList,
    findings: &mut Vec<Finding>,
    not_run: &mut Vec<NotRun>,
) {
    let run_of = |b| runs.iter().find(|r: &&BackendRun| r.backend == b);
    for pair in Pair::ALL {
        let (left, right) = pair.sides();
        let (Some(left), Some(right)) = (run_of(left), run_of(right)) else {
            continue;
        };
        match left.incomplete.as_ref().or(right.incomplete.as_ref()) {
            None => findings.extend(parity_of(
                pair,
                &left.final_logical,
                &right.final_logical,
                allow,
            )),
            Some(why) => not_run.push(NotRun::new(
                Check::Parity,
                pair.reported_on(),
                None,
                format!(
                    "{}{why}, so there is no final schema to compare",
                    pair.prefix()
                ),
            )),
        }
    }
}

/// What column comparisons need besides the two columns.
struct Context<'a> {
    pair: Pair,
    equivalences: &'a [Equivalence],
    /// Lines of the equivalences that matched a column (the others are stale).
    used: &'a RefCell<BTreeSet<usize>>,
    /// The enum types of the left and the right backend (PostgreSQL's; none elsewhere).
    enums: (&'a Enums, &'a Enums),
}

/// A schema's enum types by name, with their values.
type Enums = BTreeMap<String, Vec<String>>;

fn differences(
    sqlite: &LogicalSchema,
    postgres: &LogicalSchema,
    context: &Context<'_>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.tables.keys().chain(postgres.tables.keys()).collect();
    for name in names {
        match (sqlite.tables.get(name), postgres.tables.get(name)) {
            (Some(s), Some(p)) => table_differences(name, s, p, context, &mut out),
            (s, p) => out.push(Difference {
                path: name.clone(),
                aspect: Aspect::Exists,
                left: presence(s.is_some()),
                right: presence(p.is_some()),
            }),
        }
    }
    out
}

/// Every difference between one table's two sides: its columns, its shape (column
/// order, keys, checks), its indexes and its foreign keys, in that order.
fn table_differences(
    table: &str,
    s: &Table,
    p: &Table,
    context: &Context<'_>,
    out: &mut Vec<Difference>,
) {
    column_differences(table, s, p, context, out);
    shape_differences(table, s, p, out);
    index_differences(table, s, p, out);
    foreign_key_differences(table, s, p, out);
}

/// A difference at `path` when the two sides' values differ.
fn push(out: &mut Vec<Difference>, path: String, aspect: Aspect, left: String, right: String) {
    if left != right {
        out.push(Difference {
            path,
            aspect,
            left,
            right,
        });
    }
}

/// Each column's presence, type, collation, generation, nullability and default.
fn column_differences(
    table: &str,
    s: &Table,
    p: &Table,
    context: &Context<'_>,
    out: &mut Vec<Difference>,
) {
    let mut diff =
        |path: String, aspect: Aspect, sv: String, pv: String| push(out, path, aspect, sv, pv);
    let s_cols: BTreeMap<&str, _> = s.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let p_cols: BTreeMap<&str, _> = p.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let names: BTreeSet<&str> = s_cols.keys().chain(p_cols.keys()).copied().collect();
    for name in &names {
        let path = format!("{table}.{name}");
        match (s_cols.get(name), p_cols.get(name)) {
            (Some(sc), Some(pc)) => {
                let (kind, collation) = type_differences(sc, pc, context);
                if let Some((sv, pv)) = kind {
                    diff(path.clone(), Aspect::Kind, sv, pv);
                }
                if let Some((sv, pv)) = collation {
                    diff(path.clone(), Aspect::Collation, sv, pv);
                }
                diff(
                    path.clone(),
                    Aspect::Generated,
                    presence_of(&sc.generated),
                    presence_of(&pc.generated),
                );
                diff(
                    path.clone(),
                    Aspect::Nullable,
                    sc.nullable.to_string(),
                    pc.nullable.to_string(),
                );
                let (left, right) = context.pair.sides();
                diff(
                    path,
                    Aspect::Default,
                    default_of(sc, left),
                    default_of(pc, right),
                );
            }
            (sc, pc) => diff(
                path,
                Aspect::Exists,
                presence(sc.is_some()),
                presence(pc.is_some()),
            ),
        }
    }
}

/// The order of the columns both sides have, the primary key, the unique constraints
/// and the number of CHECK constraints.
fn shape_differences(table: &str, s: &Table, p: &Table, out: &mut Vec<Difference>) {
    let mut diff =
        |path: String, aspect: Aspect, sv: String, pv: String| push(out, path, aspect, sv, pv);
    let s_cols: BTreeMap<&str, _> = s.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let p_cols: BTreeMap<&str, _> = p.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let order = |t: &Table| -> String {
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| s_cols.contains_key(n) && p_cols.contains_key(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    diff(table.to_owned(), Aspect::ColumnOrder, order(s), order(p));
    diff(
        table.to_owned(),
        Aspect::PrimaryKey,
        s.primary_key.join(", "),
        p.primary_key.join(", "),
    );
    diff(
        table.to_owned(),
        Aspect::UniqueConstraints,
        format!("{:?}", s.unique_constraints),
        format!("{:?}", p.unique_constraints),
    );
    if s.checks.len() != p.checks.len() {
        let show = |checks: &BTreeMap<String, String>| {
            if checks.is_empty() {
                "no CHECK".to_owned()
            } else {
                format!(
                    "{} CHECK ({})",
                    checks.len(),
                    checks.values().cloned().collect::<Vec<_>>().join("; ")
                )
            }
        };
        diff(
            table.to_owned(),
            Aspect::Checks,
            show(&s.checks),
            show(&p.checks),
        );
    }
}

/// Each index's presence, columns, uniqueness and partiality.
fn index_differences(table: &str, s: &Table, p: &Table, out: &mut Vec<Difference>) {
    let mut diff =
        |path: String, aspect: Aspect, sv: String, pv: String| push(out, path, aspect, sv, pv);
    let indexes: BTreeSet<&String> = s.indexes.keys().chain(p.indexes.keys()).collect();
    for name in indexes {
        let path = format!("{table}.index:{name}");
        match (s.indexes.get(name), p.indexes.get(name)) {
            (Some(si), Some(pi)) => {
                let keys = |columns: &[String]| {
                    columns
                        .iter()
                        .map(|c| expression_shape(c))
                        .collect::<Vec<_>>()
                };
                if keys(&si.columns) != keys(&pi.columns) {
                    diff(
                        path.clone(),
                        Aspect::Columns,
                        si.columns.join(", "),
                        pi.columns.join(", "),
                    );
                }
                diff(
                    path.clone(),
                    Aspect::Unique,
                    si.unique.to_string(),
                    pi.unique.to_string(),
                );
                diff(
                    path,
                    Aspect::Partial,
                    si.partial.to_string(),
                    pi.partial.to_string(),
                );
            }
            (si, pi) => diff(
                path,
                Aspect::Exists,
                presence(si.is_some()),
                presence(pi.is_some()),
            ),
        }
    }
}

/// Each foreign key's presence (by its columns), target and actions.
fn foreign_key_differences(table: &str, s: &Table, p: &Table, out: &mut Vec<Difference>) {
    let mut diff =
        |path: String, aspect: Aspect, sv: String, pv: String| push(out, path, aspect, sv, pv);
    let by_columns = |t: &Table| -> BTreeMap<String, ForeignKey> {
        t.foreign_keys
            .iter()
            .map(|fk| (fk.columns.join(","), fk.clone()))
            .collect()
    };
    let (s_fks, p_fks) = (by_columns(s), by_columns(p));
    let keys: BTreeSet<&String> = s_fks.keys().chain(p_fks.keys()).collect();
    for key in keys {
        let path = format!("{table}.fk:{key}");
        match (s_fks.get(key), p_fks.get(key)) {
            (Some(sf), Some(pf)) => {
                let target =
                    |fk: &ForeignKey| format!("{}({})", fk.ref_table, fk.ref_columns.join(", "));
                diff(path.clone(), Aspect::Target, target(sf), target(pf));
                diff(
                    path.clone(),
                    Aspect::OnDelete,
                    sf.on_delete.to_string(),
                    pf.on_delete.to_string(),
                );
                diff(
                    path,
                    Aspect::OnUpdate,
                    sf.on_update.to_string(),
                    pf.on_update.to_string(),
                );
            }
            (sf, pf) => diff(
                path,
                Aspect::Exists,
                presence(sf.is_some()),
                presence(pf.is_some()),
            ),
        }
    }
}

/// The `(left, right)` values of the type and of the collation where they differ.
/// A configured equivalence of the pair accepts both; otherwise types are compared as
/// sea-query maps them and collations as named (none for the default).
#[allow(clippy::type_complexity)]
fn type_differences(
    s: &Column,
    p: &Column,
    context: &Context<'_>,
) -> (Option<(String, String)>, Option<(String, String)>) {
    let s_signature = Equivalence::signature(&s.sql_type, s.collation.as_deref());
    let p_signature = Equivalence::signature(&p.sql_type, p.collation.as_deref());
    if let Some(equivalence) = context
        .equivalences
        .iter()
        .find(|e| e.matches(context.pair, &s_signature, &p_signature))
    {
        context.used.borrow_mut().insert(equivalence.line);
        return (None, None);
    }
    let (left, right) = context.pair.sides();
    let kind = (!types::same_type(
        typed(left, s, context.enums.0),
        typed(right, p, context.enums.1),
    ))
    .then(|| (s.sql_type.clone(), p.sql_type.clone()));
    let collation = |c: &Option<String>| {
        c.as_deref()
            .map(|c| c.trim_matches('"').to_ascii_lowercase())
            .unwrap_or_else(|| "the default collation".to_owned())
    };
    let (sc, pc) = (collation(&s.collation), collation(&p.collation));
    (kind, (sc != pc).then_some((sc, pc)))
}

/// A column's type on `backend`, an enum if `enums` (the backend's) names it.
fn typed<'a>(backend: crate::Backend, column: &'a Column, enums: &Enums) -> Typed<'a> {
    // The type as SQL (`"Mood"`), the enums by name (`Mood`).
    let (type_name, rest) = crate::catalog::ddl::read_name(&column.sql_type);
    Typed {
        backend,
        sql_type: &column.sql_type,
        is_enum: rest.trim().is_empty() && enums.contains_key(&type_name),
    }
}

/// An index key or expression as both backends would print it alike: without casts,
/// quotes, parentheses, spaces or case (`lower((email)::text)` → `loweremail`).
fn expression_shape(expression: &str) -> String {
    let mut out = String::new();
    let mut chars = expression.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            // A cast: skip the type name (letters, digits, spaces, `_`, `"`).
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '"'))
            {
                chars.next();
            }
            continue;
        }
        if !matches!(c, '(' | ')' | '"' | '`') && !c.is_whitespace() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn presence_of(generated: &Option<String>) -> String {
    match generated {
        Some(expression) => format!("GENERATED AS ({expression})"),
        None => "a plain column".to_owned(),
    }
}

fn presence(present: bool) -> String {
    if present { "it" } else { "nothing" }.to_owned()
}

/// A column's default as parity compares it. MySQL's boolean, `tinyint(1)` (what
/// sea-query declares `boolean` as there), stores `FALSE` and `TRUE` as `0` and `1`: read
/// back as `false` and `true`, the other backends' spelling of the same declaration.
fn default_of(column: &Column, backend: crate::Backend) -> String {
    if backend == crate::Backend::MySql && column.sql_type == "tinyint(1)" {
        match column.default.as_deref() {
            Some("0") => return "false".to_owned(),
            Some("1") => return "true".to_owned(),
            _ => {}
        }
    }
    show(&column.default)
}

fn show(default: &Option<String>) -> String {
    default.clone().unwrap_or_else(|| "no default".to_owned())
}

#[cfg(test)]
mod tests;
