//! Cross-backend parity: SQLite and PostgreSQL must hold the same logical schema
//! (tables, column order, kinds, nullability, defaults, keys, indexes, foreign keys),
//! except where the allow-list says otherwise.
//!
//! Foreign key *names* are not compared: SQLite's catalog does not keep them.

use std::collections::{BTreeMap, BTreeSet};

use super::{AllowList, Check, Finding};
use crate::catalog::{ForeignKey, LogicalSchema, Table};

/// One difference: where, which aspect, and what each backend has.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Difference {
    path: String,
    aspect: &'static str,
    sqlite: String,
    postgres: String,
}

/// Findings for every difference the allow-list does not accept, and for allow-list
/// entries that no longer match anything (so the list cannot rot).
pub fn parity(sqlite: &LogicalSchema, postgres: &LogicalSchema, allow: &AllowList) -> Vec<Finding> {
    let differences = differences(sqlite, postgres);
    let mut findings: Vec<Finding> = differences
        .iter()
        .filter(|d| !allow.allows(&d.path, d.aspect))
        .map(|d| {
            Finding::new(
                Check::Parity,
                None,
                None,
                format!(
                    "{} {}: sqlite has {}, postgres has {} (fix the migration, or allow-list `{} {}  # why`)",
                    d.path, d.aspect, d.sqlite, d.postgres, d.path, d.aspect
                ),
            )
        })
        .collect();
    let source = allow
        .source
        .as_ref()
        .map_or_else(|| "the allow-list".to_owned(), |p| p.display().to_string());
    for entry in &allow.entries {
        if !differences
            .iter()
            .any(|d| d.path == entry.path && d.aspect == entry.aspect)
        {
            findings.push(Finding::new(
                Check::Parity,
                None,
                None,
                format!(
                    "{source}:{}: `{} {}` matches no difference any more; remove it",
                    entry.line, entry.path, entry.aspect
                ),
            ));
        }
    }
    findings
}

fn differences(sqlite: &LogicalSchema, postgres: &LogicalSchema) -> Vec<Difference> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.tables.keys().chain(postgres.tables.keys()).collect();
    for name in names {
        match (sqlite.tables.get(name), postgres.tables.get(name)) {
            (Some(s), Some(p)) => table_differences(name, s, p, &mut out),
            (s, p) => out.push(Difference {
                path: name.clone(),
                aspect: "exists",
                sqlite: presence(s.is_some()),
                postgres: presence(p.is_some()),
            }),
        }
    }
    out
}

fn table_differences(table: &str, s: &Table, p: &Table, out: &mut Vec<Difference>) {
    let mut diff = |path: String, aspect: &'static str, sv: String, pv: String| {
        if sv != pv {
            out.push(Difference {
                path,
                aspect,
                sqlite: sv,
                postgres: pv,
            });
        }
    };

    let s_cols: BTreeMap<&str, _> = s.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let p_cols: BTreeMap<&str, _> = p.columns.iter().map(|c| (c.name.as_str(), c)).collect();
    let names: BTreeSet<&str> = s_cols.keys().chain(p_cols.keys()).copied().collect();
    for name in &names {
        let path = format!("{table}.{name}");
        match (s_cols.get(name), p_cols.get(name)) {
            (Some(sc), Some(pc)) => {
                diff(
                    path.clone(),
                    "kind",
                    sc.kind.to_string(),
                    pc.kind.to_string(),
                );
                diff(
                    path.clone(),
                    "nullable",
                    sc.nullable.to_string(),
                    pc.nullable.to_string(),
                );
                diff(path, "default", show(&sc.default), show(&pc.default));
            }
            (sc, pc) => diff(
                path,
                "exists",
                presence(sc.is_some()),
                presence(pc.is_some()),
            ),
        }
    }
    let order = |t: &Table| -> String {
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| s_cols.contains_key(n) && p_cols.contains_key(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    diff(table.to_owned(), "column-order", order(s), order(p));
    diff(
        table.to_owned(),
        "primary-key",
        s.primary_key.join(", "),
        p.primary_key.join(", "),
    );
    diff(
        table.to_owned(),
        "unique-constraints",
        format!("{:?}", s.unique_constraints),
        format!("{:?}", p.unique_constraints),
    );

    let indexes: BTreeSet<&String> = s.indexes.keys().chain(p.indexes.keys()).collect();
    for name in indexes {
        let path = format!("{table}.index:{name}");
        match (s.indexes.get(name), p.indexes.get(name)) {
            (Some(si), Some(pi)) => {
                diff(
                    path.clone(),
                    "columns",
                    si.columns.join(", "),
                    pi.columns.join(", "),
                );
                diff(
                    path.clone(),
                    "unique",
                    si.unique.to_string(),
                    pi.unique.to_string(),
                );
                diff(
                    path,
                    "partial",
                    si.partial.to_string(),
                    pi.partial.to_string(),
                );
            }
            (si, pi) => diff(
                path,
                "exists",
                presence(si.is_some()),
                presence(pi.is_some()),
            ),
        }
    }

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
                diff(path.clone(), "target", target(sf), target(pf));
                diff(
                    path.clone(),
                    "on-delete",
                    sf.on_delete.clone(),
                    pf.on_delete.clone(),
                );
                diff(
                    path,
                    "on-update",
                    sf.on_update.clone(),
                    pf.on_update.clone(),
                );
            }
            (sf, pf) => diff(
                path,
                "exists",
                presence(sf.is_some()),
                presence(pf.is_some()),
            ),
        }
    }
}

fn presence(present: bool) -> String {
    if present { "it" } else { "nothing" }.to_owned()
}

fn show(default: &Option<String>) -> String {
    default.clone().unwrap_or_else(|| "no default".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Kind};

    fn schema(kind: Kind) -> LogicalSchema {
        let mut table = Table::default();
        table.columns.push(Column {
            name: "payload".to_owned(),
            kind,
            nullable: false,
            default: None,
        });
        LogicalSchema {
            tables: [("events".to_owned(), table)].into(),
        }
    }

    #[test]
    fn a_kind_difference_is_a_finding_unless_allow_listed() {
        let (s, p) = (schema(Kind::String), schema(Kind::Json));
        let findings = parity(&s, &p, &AllowList::default());
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .starts_with("events.payload kind: sqlite has string, postgres has json")
        );

        let allow = AllowList::parse("events.payload kind  # SQLite has no JSON type\n", "x")
            .expect("parse");
        assert!(parity(&s, &p, &allow).is_empty());
    }

    #[test]
    fn a_stale_allowance_is_a_finding() {
        let s = schema(Kind::Json);
        let allow =
            AllowList::parse("events.payload kind  # old reason\n", "list.txt").expect("parse");
        let findings = parity(&s, &s.clone(), &allow);
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .contains("matches no difference any more"),
            "{}",
            findings[0]
        );
    }
}
