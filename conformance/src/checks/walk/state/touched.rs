//! What one call touched, as check `compat` needs it: the tables whose statements its
//! schema changes may break, the tables its definitions reference, the tables whose rows
//! it changed.

use std::collections::BTreeSet;

use super::Delta;
use crate::catalog::{ObjectKind, names};

impl Delta {
    /// The tables among `known` that a definition the call changed names after
    /// `REFERENCES`, before or after the change (a rough reading of the DDL).
    pub(in crate::checks::walk) fn referenced(&self, known: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for change in &self.schema {
            for ddl in [change.before.as_deref(), change.after.as_deref()]
                .into_iter()
                .flatten()
            {
                if let Some(at) = ddl.to_ascii_uppercase().find("REFERENCES") {
                    let rest = &ddl[at..];
                    out.extend(
                        known
                            .iter()
                            .filter(|t| names(rest, t.rsplit('.').next().unwrap_or(t)))
                            .cloned(),
                    );
                }
            }
        }
        out
    }

    /// The tables whose rows the call changed.
    pub(in crate::checks::walk) fn data_tables(&self) -> impl Iterator<Item = &String> {
        self.data.iter().map(|change| &change.table)
    }

    /// The tables among `known` whose statements the call's schema changes may break:
    /// those it created, altered or dropped, with their constraints, triggers, policies
    /// and row security; `None` when a change is not of one table (a function, a type,
    /// a unique index...), and any table may be.
    pub(in crate::checks::walk) fn touched_tables(
        &self,
        known: &BTreeSet<String>,
    ) -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for change in &self.schema {
            let name = &change.key.name;
            match change.key.kind {
                ObjectKind::Table | ObjectKind::RowSecurity => {
                    out.insert(name.clone());
                }
                ObjectKind::Constraint | ObjectKind::Trigger | ObjectKind::Policy => {
                    let table = known
                        .iter()
                        .filter(|t| name.starts_with(&format!("{t}.")))
                        .max_by_key(|t| t.len())?;
                    out.insert(table.clone());
                }
                ObjectKind::Index => {
                    let ddl = change.after.as_deref().or(change.before.as_deref());
                    if ddl.is_none_or(|d| d.to_ascii_uppercase().contains("UNIQUE")) {
                        return None;
                    }
                }
                ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::Comment
                | ObjectKind::Sequence
                | ObjectKind::AutoincrementCounter => {}
                _ => return None,
            }
        }
        Some(out)
    }
}
