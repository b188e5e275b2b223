//! Static rules on what migrations execute and how they are run.

use sea_orm_migration::MigratorTrait;

use super::{Check, Finding};
use crate::backends::Backend;

/// Rules on the SQL one migration executed: messages for each violation.
pub(super) fn lint_sql(up_sql: &[String], down_sql: &[String]) -> Vec<String> {
    let mut messages = Vec::new();
    for (direction, statements) in [("up", up_sql), ("down", down_sql)] {
        for statement in statements {
            if let Some(rule) = masks_ordering_bugs(statement) {
                messages.push(format!(
                    "{direction} uses {rule} (it masks ordering bugs): {statement}"
                ));
            }
        }
    }
    if !up_sql.is_empty() && down_sql.is_empty() {
        messages
            .push("down is a no-op: up changed the schema but down executed nothing".to_owned());
    }
    messages
}

/// `IF NOT EXISTS` / `IF EXISTS` on a table or an index (extensions may use them).
fn masks_ordering_bugs(statement: &str) -> Option<&'static str> {
    let upper = statement.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let object = match words.as_slice() {
        ["CREATE", "TABLE", ..] | ["DROP", "TABLE", ..] => "TABLE",
        ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] | ["DROP", "INDEX", ..] => {
            "INDEX"
        }
        _ => return None,
    };
    if upper.contains("IF NOT EXISTS") {
        Some(if object == "TABLE" {
            "IF NOT EXISTS on a table"
        } else {
            "IF NOT EXISTS on an index"
        })
    } else if upper.contains("IF EXISTS") {
        Some(if object == "TABLE" {
            "IF EXISTS on a table"
        } else {
            "IF EXISTS on an index"
        })
    } else {
        None
    }
}

/// Migrations that do not run in a transaction on `backend`: sea-orm-migration wraps
/// them on PostgreSQL by default but not on SQLite, so a migration that fails part-way
/// there leaves half its changes behind.
pub fn lint_transactions<M: MigratorTrait>(backend: Backend) -> Vec<Finding> {
    M::migrations()
        .iter()
        .filter_map(|migration| {
            let in_transaction = match migration.use_transaction() {
                Some(explicit) => explicit,
                None => backend == Backend::Postgres,
            };
            (!in_transaction).then(|| {
                Finding::new(
                    Check::Lint,
                    Some(backend),
                    Some(migration.name()),
                    "does not run in a transaction here, so a failure part-way leaves half of it applied; \
                     return Some(true) from use_transaction()",
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn flags_if_not_exists_on_tables_and_indexes_only() {
        let up = s(&[
            "CREATE TABLE IF NOT EXISTS \"t\" ( \"a\" int )",
            "CREATE UNIQUE INDEX IF NOT EXISTS \"i\" ON \"t\" (\"a\")",
            "CREATE EXTENSION IF NOT EXISTS citext",
        ]);
        let down = s(&["DROP TABLE IF EXISTS \"t\""]);
        let messages = lint_sql(&up, &down);
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0].contains("IF NOT EXISTS on a table"));
        assert!(messages[1].contains("IF NOT EXISTS on an index"));
        assert!(messages[2].starts_with("down uses IF EXISTS on a table"));
    }

    #[test]
    fn flags_a_down_that_does_nothing() {
        let messages = lint_sql(&s(&["CREATE TABLE \"t\" ( \"a\" int )"]), &[]);
        assert_eq!(
            messages,
            ["down is a no-op: up changed the schema but down executed nothing"]
        );
        assert!(
            lint_sql(&[], &[]).is_empty(),
            "a migration that does nothing here needs no down"
        );
    }
}
