//! Whether a migration is safe for a rolling deploy: the previous application version,
//! still running while it is applied, keeps working (check `compat`), and if not, why.

use std::collections::BTreeMap;

use super::md::{code, text};
use crate::checks::{Check, CompatBreak};
use crate::report::{Status, SuiteReport};

/// `✅ safe`, `❌ not safe: …` (the statements that fail, per table), or `not checked`.
pub(super) fn verdict(verify: &SuiteReport, migration: &str) -> String {
    let ran = verify.statuses.iter().any(|((check, _), status)| {
        *check == Check::Compat && matches!(status, Status::Pass | Status::Fail(_))
    });
    if !ran {
        return "not checked".to_owned();
    }
    // Per table: the statements that fail (their verbs) and the first error.
    let mut tables: BTreeMap<&str, (Vec<String>, &CompatBreak)> = BTreeMap::new();
    for broken in verify.compat.iter().filter(|b| b.migration == migration) {
        let verb = match &broken.statement {
            Some(statement) => statement.split_whitespace().next().unwrap_or("").to_owned(),
            None => "DROP".to_owned(),
        };
        let entry = tables.entry(&broken.table).or_insert((Vec::new(), broken));
        if !entry.0.contains(&verb) {
            entry.0.push(verb);
        }
    }
    if tables.is_empty() {
        return "✅ safe".to_owned();
    }
    let parts: Vec<String> = tables
        .iter()
        .map(|(table, (verbs, first))| match first.statement {
            None => format!("drops {}", code(table)),
            Some(_) => format!(
                "{} on {} {} ({})",
                verbs.join(", "),
                code(table),
                if verbs.len() == 1 { "fails" } else { "fail" },
                text(short(&first.error))
            ),
        })
        .collect();
    let accepted = !verify
        .findings
        .iter()
        .any(|f| f.check == Check::Compat && f.migration.as_deref() == Some(migration));
    let accepted = if accepted {
        " (accepted in the allow-list)"
    } else {
        ""
    };
    format!("❌ not safe: {}{accepted}", parts.join("; "))
}

/// A database error without its code and position.
fn short(error: &str) -> &str {
    let first = error.lines().next().unwrap_or("");
    [" (SQLSTATE", " (SQLite result code"]
        .iter()
        .filter_map(|marker| first.find(marker))
        .min()
        .map_or(first, |at| &first[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_lose_their_codes() {
        assert_eq!(
            short("no such column: note (SQLite result code 1)\nmore"),
            "no such column: note"
        );
        assert_eq!(short("x (SQLSTATE 42703, at 3)"), "x");
    }
}
