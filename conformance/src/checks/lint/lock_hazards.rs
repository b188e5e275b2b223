//! PostgreSQL lock hazards, found by squawk's linter (the library squawk's CLI is built
//! on): statements that block reads or writes of a table, or rewrite or scan it, while
//! they run. Only tables that existed before the migration are at risk: a table the
//! migration creates is empty and nobody else uses it yet.

use std::collections::BTreeSet;

use squawk_linter::{Linter, Rule, Violation};
use squawk_syntax::SourceFile;
use squawk_syntax::ast::{self, AstNode};

use super::{SquawkRule, UpEffects};

/// The squawk rules about locks, scans and rewrites of a live table. Squawk's other
/// default rules are about style (`prefer-text-field`), compatibility with older
/// application versions (`renaming-column`, `ban-drop-column`) or contradict ours
/// (`prefer-robust-stmts` asks for `IF NOT EXISTS`).
pub const RULES: [Rule; 13] = [
    Rule::AddingRequiredField,
    Rule::AddingNotNullableField,
    Rule::AddingFieldWithDefault,
    Rule::AddingForeignKeyConstraint,
    Rule::ConstraintMissingNotValid,
    Rule::ChangingColumnType,
    Rule::AddingSerialPrimaryKeyField,
    Rule::DisallowedUniqueConstraint,
    Rule::RequireConcurrentIndexCreation,
    Rule::RequireConcurrentIndexDeletion,
    Rule::RequireConcurrentReindex,
    Rule::RequireConcurrentPartitionDetach,
    Rule::BanConcurrentIndexCreationInTransaction,
];

/// One statement that holds a hazardous lock on a table that existed before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    /// Squawk's rule, e.g. `require-concurrent-index-creation`.
    pub rule: SquawkRule,
    /// What happens, and what to do instead.
    pub advice: String,
    pub statement: String,
}

/// The hazards in `statements`, one migration's `up` on PostgreSQL, in order.
///
/// The statements are linted as one file, so squawk sees them in context (a constraint
/// added `NOT VALID` and validated later, a table created before it is altered).
/// Only tables that existed before the migration (`effects`) are at risk: a statement
/// on any other table, or on one the migration created (again) before it, is exempt.
/// A column type "changed" to the type the catalog shows it had before is no rewrite
/// (sea-query restates the type to change only the nullability): exempt too.
pub fn lock_hazards(
    statements: &[String],
    effects: &dyn UpEffects,
    in_transaction: bool,
) -> Vec<Hazard> {
    let (text, spans) = as_one_file(statements);
    let parse = SourceFile::parse(&text);
    let mut linter = Linter::from(RULES);
    linter.settings.assume_in_transaction = in_transaction;
    let violations = linter.lint(&parse, &text);

    let exempt = exempt_ranges(&parse.tree(), effects);
    let restated = restated_types(&parse.tree(), effects);
    let within = |ranges: &[(usize, usize)], at: usize| {
        ranges
            .iter()
            .any(|(start, end)| (*start..*end).contains(&at))
    };
    violations
        .into_iter()
        .filter_map(|violation| {
            let at = usize::from(violation.text_range.start());
            if within(&exempt, at)
                || (violation.code == Rule::ChangingColumnType && within(&restated, at))
            {
                return None;
            }
            let index = spans
                .iter()
                .position(|(start, end)| (*start..*end).contains(&at))?;
            Some(Hazard {
                rule: SquawkRule::enabled(violation.code)?,
                advice: advice(&violation, in_transaction),
                statement: statements[index].trim().to_owned(),
            })
        })
        .collect()
}

/// The statements joined by `;`, and where each one lies in the text.
fn as_one_file(statements: &[String]) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(statements.len());
    for statement in statements {
        let start = text.len();
        text.push_str(statement.trim().trim_end_matches(';'));
        text.push(';');
        spans.push((start, text.len()));
        text.push('\n');
    }
    (text, spans)
}

/// The byte ranges of statements on a table that is new to this migration.
fn exempt_ranges(file: &ast::SourceFile, effects: &dyn UpEffects) -> Vec<(usize, usize)> {
    let mut created = BTreeSet::new();
    let mut exempt = Vec::new();
    for statement in file.stmts() {
        if let ast::Stmt::CreateTable(create) = &statement {
            if let Some(name) = create
                .table_name()
                .and_then(|table| table.path())
                .and_then(|path| path.segment())
            {
                created.insert(name.text());
            }
            continue;
        }
        let Some(table) = target_table(&statement) else {
            continue;
        };
        if created.contains(&table) || !effects.existed_before(&table) {
            let range = statement.syntax().text_range();
            exempt.push((usize::from(range.start()), usize::from(range.end())));
        }
    }
    exempt
}

/// The byte ranges of `ALTER COLUMN … TYPE` clauses whose column has, after the
/// migration, the type the catalog shows it had before.
fn restated_types(file: &ast::SourceFile, effects: &dyn UpEffects) -> Vec<(usize, usize)> {
    let mut restated = Vec::new();
    for statement in file.stmts() {
        let ast::Stmt::AlterTable(alter) = &statement else {
            continue;
        };
        let Some(table) = target_table(&statement) else {
            continue;
        };
        for action in alter.actions() {
            let ast::AlterTableAction::AlterColumn(column) = action else {
                continue;
            };
            let (Some(name), Some(ast::AlterColumnOption::SetType(set_type))) =
                (column.column_name_ref(), column.option())
            else {
                continue;
            };
            let name = ast::normalize_name_node(name.syntax());
            if effects.type_changed(&table, &name) == Some(false) {
                let range = set_type.syntax().text_range();
                restated.push((usize::from(range.start()), usize::from(range.end())));
            }
        }
    }
    restated
}

/// The table a statement alters or indexes, unqualified, as PostgreSQL folds it.
fn target_table(statement: &ast::Stmt) -> Option<String> {
    let relation = match statement {
        ast::Stmt::AlterTable(alter) => alter.table_relation_name(),
        ast::Stmt::CreateIndex(create) => create.table_relation_name(),
        _ => None,
    }?;
    Some(relation.table_name_ref()?.path_ref()?.segment()?.text())
}

/// Squawk's message and help, except where the help cannot be followed as it stands.
fn advice(violation: &Violation, in_transaction: bool) -> String {
    let concurrently = matches!(
        violation.code,
        Rule::RequireConcurrentIndexCreation | Rule::RequireConcurrentIndexDeletion
    );
    let help = if concurrently && in_transaction {
        // PostgreSQL refuses CONCURRENTLY inside a transaction block, and sea-orm-migration
        // wraps this migration in one.
        "Use `CONCURRENTLY` in a migration of its own whose `use_transaction()` returns \
         `Some(false)` (PostgreSQL refuses `CONCURRENTLY` inside a transaction), and opt \
         that migration out of `no-transaction` in the allow-list with the reason."
            .to_owned()
    } else {
        violation.help.clone().unwrap_or_default()
    };
    format!("{} {help}", violation.message).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables that existed before; whether the catalog saw column types unchanged.
    struct Tables<'a> {
        before: &'a [&'a str],
        same_types: bool,
    }

    impl UpEffects for Tables<'_> {
        fn existed_before(&self, table: &str) -> bool {
            self.before.contains(&table)
        }

        fn type_changed(&self, _table: &str, _column: &str) -> Option<bool> {
            self.same_types.then_some(false)
        }

        fn schema_changed(&self) -> bool {
            true
        }

        fn rows_changed(&self) -> Vec<String> {
            Vec::new()
        }
    }

    fn before<'a>(tables: &'a [&'a str]) -> Tables<'a> {
        Tables {
            before: tables,
            same_types: false,
        }
    }

    fn hazards(statements: &[&str], tables: &[&str]) -> Vec<(String, String)> {
        let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
        lock_hazards(&statements, &before(tables), true)
            .into_iter()
            .map(|h| (h.rule.name().to_owned(), h.statement))
            .collect()
    }

    fn one(rule: &str, statement: &str) -> Vec<(String, String)> {
        vec![(rule.to_owned(), statement.to_owned())]
    }

    #[test]
    fn a_not_null_column_without_default_on_an_existing_table() {
        let sql = "ALTER TABLE items ADD COLUMN weight integer NOT NULL";
        assert_eq!(
            hazards(&[sql], &["items"]),
            one("adding-required-field", sql)
        );
        assert!(
            hazards(
                &["ALTER TABLE items ADD COLUMN weight integer NOT NULL DEFAULT 0"],
                &["items"]
            )
            .is_empty()
        );
    }

    #[test]
    fn an_index_without_concurrently_on_an_existing_table() {
        let sql = r#"CREATE INDEX "idx_items_label" ON "items" ("label")"#;
        assert_eq!(
            hazards(&[sql], &["items"]),
            one("require-concurrent-index-creation", sql)
        );
    }

    #[test]
    fn the_concurrently_advice_says_how_inside_a_transaction() {
        let sql = ["CREATE INDEX idx ON items (label)".to_owned()];
        let in_transaction = &lock_hazards(&sql, &before(&["items"]), true)[0].advice;
        assert!(
            in_transaction.contains("use_transaction()"),
            "{in_transaction}"
        );
        let outside = &lock_hazards(&sql, &before(&["items"]), false)[0].advice;
        assert!(!outside.contains("use_transaction()"), "{outside}");
        assert!(outside.contains("concurrently"), "{outside}");
    }

    #[test]
    fn a_column_type_change() {
        let sql = "ALTER TABLE items ALTER COLUMN label TYPE text";
        assert_eq!(
            hazards(&[sql], &["items"]),
            one("changing-column-type", sql)
        );
    }

    #[test]
    fn a_type_restated_unchanged_is_no_rewrite_but_not_null_is_its_own_rule() {
        // What sea-query writes to make a text[] column NOT NULL.
        let sql = r#"ALTER TABLE "items" ALTER COLUMN "tags" TYPE text[], ALTER COLUMN "tags" SET NOT NULL"#;
        let rules = |same_types| -> Vec<String> {
            let seen = Tables {
                before: &["items"],
                same_types,
            };
            lock_hazards(&[sql.to_owned()], &seen, true)
                .into_iter()
                .map(|h| h.rule.name().to_owned())
                .collect()
        };
        assert_eq!(rules(true), ["adding-not-nullable-field"]);
        assert_eq!(
            rules(false),
            ["changing-column-type", "adding-not-nullable-field"]
        );
    }

    #[test]
    fn a_foreign_key_or_check_without_not_valid() {
        let fk = "ALTER TABLE items ADD CONSTRAINT fk_owner FOREIGN KEY (owner_id) REFERENCES owners (id)";
        let rules: Vec<String> = hazards(&[fk], &["items", "owners"])
            .into_iter()
            .map(|(rule, _)| rule)
            .collect();
        assert!(
            rules.contains(&"adding-foreign-key-constraint".to_owned()),
            "{rules:?}"
        );
        let check = "ALTER TABLE items ADD CONSTRAINT positive CHECK (weight > 0)";
        assert_eq!(
            hazards(&[check], &["items"]),
            one("constraint-missing-not-valid", check)
        );
        assert!(
            hazards(&[&format!("{check} NOT VALID")], &["items"]).is_empty(),
            "NOT VALID is the safe way"
        );
    }

    #[test]
    fn tables_created_in_the_same_migration_are_exempt() {
        let statements = [
            "CREATE TABLE fresh (id integer PRIMARY KEY, label text)",
            "CREATE INDEX idx_fresh_label ON fresh (label)",
            "ALTER TABLE fresh ADD COLUMN weight integer NOT NULL",
        ];
        assert!(hazards(&statements, &[]).is_empty());
        // Dropped and created again: empty again, whatever it held before.
        let rebuilt = [
            "DROP TABLE items",
            "CREATE TABLE items (id integer PRIMARY KEY, label text)",
            "CREATE INDEX idx_items_label ON items (label)",
        ];
        assert!(hazards(&rebuilt, &["items"]).is_empty());
        // Not in a transaction either: nobody uses the new table yet.
        let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
        assert!(lock_hazards(&statements, &before(&[]), false).is_empty());
    }

    #[test]
    fn names_are_compared_as_postgresql_folds_them() {
        let sql = r#"CREATE INDEX idx ON public."Items" (label)"#;
        assert_eq!(hazards(&[sql], &["items"]), vec![]);
        assert_eq!(
            hazards(&[sql], &["Items"]),
            one("require-concurrent-index-creation", sql)
        );
        let unquoted = "CREATE INDEX idx ON ITEMS (label)";
        assert_eq!(
            hazards(&[unquoted], &["items"]),
            one("require-concurrent-index-creation", unquoted)
        );
    }

    #[test]
    fn style_and_compatibility_rules_stay_off() {
        // prefer-robust-stmts, prefer-text-field, ban-drop-column, renaming-column.
        let statements = [
            "ALTER TABLE items ADD COLUMN note varchar(20)",
            "ALTER TABLE items DROP COLUMN label",
            "ALTER TABLE items RENAME COLUMN id TO item_id",
        ];
        assert!(hazards(&statements, &["items"]).is_empty());
    }
}
