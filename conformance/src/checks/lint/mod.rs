//! Static rules on what migrations execute and how they are run.
//!
//! Each finding names its rule ([`Finding::rule`]) and the statements behind it. One
//! cause in many migrations is one finding listing them ([`settle`]), and a migration
//! may be opted out of one rule with a reason in the allow-list ([`LintOptOut`]).

mod lock_hazards;
mod mysql_hazards;
mod opt_out;
mod rule;

use std::collections::BTreeSet;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

use super::data::may_change_rows;
use super::{Check, Finding};
use crate::backends::Backend;
use migration_runner::Direction;

pub(crate) use mysql_hazards::type_change_copies;
pub use mysql_hazards::{MYSQL_NOT_ATOMIC, MYSQL_TABLE_COPY};
pub use opt_out::LintOptOut;
pub use rule::{LintRule, SquawkRule};

/// The name of [`LintRule::IfExists`]: `IF [NOT] EXISTS` on a table or an index.
pub const IF_EXISTS: &str = "if-exists";
/// The name of [`LintRule::NoOpDown`]: a `down` that executes nothing after an `up`
/// that did something.
pub const NO_OP_DOWN: &str = "no-op-down";
/// The name of [`LintRule::NoTransaction`]: a migration not wrapped in a transaction.
pub const NO_TRANSACTION: &str = "no-transaction";

/// What the catalog saw one migration's `up` do: where the catalog knows, the lint
/// decides from it rather than from the statements' text.
pub trait UpEffects {
    /// Whether `table` (unqualified, as PostgreSQL folds it) existed before `up`: lock
    /// hazards are only looked for on such tables.
    fn existed_before(&self, table: &str) -> bool;
    /// Whether `up` changed the type of `table`'s `column` as the catalog holds it;
    /// `None` when the catalog cannot say. A statement that restates a column's type
    /// (sea-query does, to change only its nullability) changes nothing.
    fn type_changed(&self, table: &str, column: &str) -> Option<bool>;
    /// The type of `table`'s `column` before and after `up`, where the catalog knows
    /// both (a `VARCHAR` made longer is no copy on MySQL).
    fn column_types(&self, _table: &str, _column: &str) -> Option<(String, String)> {
        None
    }
    /// Whether `up` changed the schema.
    fn schema_changed(&self) -> bool;
    /// The tables whose rows `up` changed, among those that existed before and after it.
    fn rows_changed(&self) -> Vec<String>;
}

/// The lint of one migration's `up` and `down` statements on `backend`, one finding per
/// rule and cause, judged with what the catalog saw `up` do (`effects`).
pub fn lint_step(
    backend: Backend,
    migration: &dyn MigrationTrait,
    up_sql: &[String],
    down_sql: &[String],
    effects: &dyn UpEffects,
) -> Vec<Finding> {
    let mut found = Found::default();
    for (direction, statements) in [(Direction::Up, up_sql), (Direction::Down, down_sql)] {
        for statement in statements {
            if let Some(what) = masks_ordering_bugs(statement) {
                found.add(
                    LintRule::IfExists,
                    format!("{direction} uses {what} (it masks ordering bugs)"),
                    Some(statement),
                );
            }
        }
    }
    if down_sql.is_empty()
        && let Some((cause, statements)) = no_op_down(up_sql, effects)
    {
        found.add(LintRule::NoOpDown, cause.clone(), None);
        for statement in statements {
            found.add(LintRule::NoOpDown, cause.clone(), Some(statement));
        }
    }
    if backend == Backend::Postgres {
        let in_transaction = backend.runs_in_transaction(migration);
        for hazard in lock_hazards::lock_hazards(up_sql, effects, in_transaction) {
            found.add(hazard.rule.into(), hazard.advice, Some(&hazard.statement));
        }
    }
    if backend == Backend::MySql {
        mysql_hazards::lint(&mut found, up_sql, down_sql, effects);
    }
    found.into_findings(backend, migration.name())
}

/// The cause of a `no-op-down` finding, speaking only of what `up` changed, and the
/// statements of `up` that write data; `None` when `up` changed nothing a `down`
/// would have to undo.
fn no_op_down<'a>(up_sql: &'a [String], effects: &dyn UpEffects) -> Option<(String, Vec<&'a str>)> {
    let writes: Vec<&str> = up_sql
        .iter()
        .map(String::as_str)
        .filter(|sql| may_change_rows(sql))
        .collect();
    let rows = effects.rows_changed();
    let what = match (effects.schema_changed(), rows.is_empty()) {
        (true, true) => "up changed the schema".to_owned(),
        (true, false) => format!("up changed the schema and rows of {}", rows.join(", ")),
        (false, false) => format!("up changed data (rows of {})", rows.join(", ")),
        // No row changed here (the tables were empty), but up writes data.
        (false, true) if !writes.is_empty() => {
            "up writes data (no row changed here: its tables were empty)".to_owned()
        }
        (false, true) => return None,
    };
    let statements = if rows.is_empty() && effects.schema_changed() {
        Vec::new()
    } else {
        writes
    };
    Some((
        format!("down is a no-op: {what} but down executed nothing"),
        statements,
    ))
}

/// One migration's violations, by rule and cause, each with its statements.
#[derive(Default)]
struct Found {
    causes: Vec<(LintRule, String, Vec<String>)>,
}

impl Found {
    fn add(&mut self, rule: LintRule, cause: String, statement: Option<&str>) {
        let index = match self
            .causes
            .iter()
            .position(|(r, c, _)| *r == rule && *c == cause)
        {
            Some(index) => index,
            None => {
                self.causes.push((rule, cause, Vec::new()));
                self.causes.len() - 1
            }
        };
        // Each statement once per cause, however many times it breaks the rule.
        if let Some(statement) = statement.map(str::trim)
            && !self.causes[index].2.iter().any(|s| s == statement)
        {
            self.causes[index].2.push(statement.to_owned());
        }
    }

    fn into_findings(self, backend: Backend, migration: &str) -> Vec<Finding> {
        self.causes
            .into_iter()
            .map(|(rule, cause, statements)| {
                Finding::new(
                    Check::Lint,
                    Some(backend),
                    Some(migration),
                    message(&cause, statements.iter().map(String::as_str)),
                )
                .with_rule(rule)
            })
            .collect()
    }
}

/// `cause`, then each detail indented by two spaces, the further lines of a detail (a
/// statement of several lines) by four.
fn message<'a>(cause: &str, details: impl Iterator<Item = &'a str>) -> String {
    let mut text = cause.to_owned();
    let mut first = true;
    for detail in details {
        if first && !cause.ends_with('.') {
            text.push(':');
        }
        first = false;
        text.push_str("\n  ");
        text.push_str(&detail.replace('\n', "\n    "));
    }
    text
}

/// The cause (first line, without the colon introducing details) and the details, as
/// given to [`message`].
fn split_message(message: &str) -> (&str, Vec<String>) {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    let mut details: Vec<String> = Vec::new();
    for line in lines {
        match (line.strip_prefix("    "), details.last_mut()) {
            (Some(more), Some(last)) => {
                last.push('\n');
                last.push_str(more);
            }
            _ => details.push(line.trim().to_owned()),
        }
    }
    let cause = if details.is_empty() {
        first
    } else {
        first.strip_suffix(':').unwrap_or(first)
    };
    (cause, details)
}

/// `findings` with the lint opt-outs applied (the indexes of those that silenced a
/// finding go into `used`) and one finding per rule, backend and cause, listing the
/// migrations, where there were several. Other findings are left as they are.
pub fn settle(
    findings: Vec<Finding>,
    opt_outs: &[LintOptOut],
    used: &mut BTreeSet<usize>,
) -> Vec<Finding> {
    let mut settled: Vec<Finding> = Vec::new();
    // (index in `settled`, members) of each group.
    let mut groups: Vec<(usize, Vec<Finding>)> = Vec::new();
    for finding in opt_out::apply(findings, opt_outs, used) {
        let groupable = finding.check == Check::Lint && finding.rule.is_some();
        let same_cause = |other: &Finding| {
            other.backend == finding.backend
                && other.rule == finding.rule
                && split_message(&other.message).0 == split_message(&finding.message).0
        };
        match groups
            .iter_mut()
            .find(|(_, members)| groupable && same_cause(&members[0]))
        {
            Some((_, members)) => members.push(finding),
            None if groupable => {
                groups.push((settled.len(), vec![finding.clone()]));
                settled.push(finding);
            }
            None => settled.push(finding),
        }
    }
    for (index, members) in groups {
        if members.len() > 1 {
            settled[index] = grouped(&members);
        }
    }
    settled
}

/// One finding for the same cause in several migrations.
fn grouped(members: &[Finding]) -> Finding {
    let first = &members[0];
    let (cause, _) = split_message(&first.message);
    let migrations: BTreeSet<&str> = members
        .iter()
        .filter_map(|m| m.migration.as_deref())
        .collect();
    let mut lines = Vec::new();
    for member in members {
        let name = member.migration.as_deref().unwrap_or("?");
        let (_, details) = split_message(&member.message);
        if details.is_empty() {
            lines.push(name.to_owned());
        }
        lines.extend(details.iter().map(|detail| format!("{name}: {detail}")));
    }
    let headline = format!("{cause} (in {} migrations)", migrations.len());
    let mut finding = Finding::new(
        Check::Lint,
        first.backend,
        None,
        message(&headline, lines.iter().map(String::as_str)),
    );
    finding.rule.clone_from(&first.rule);
    finding
}

/// A finding for each opt-out that silenced nothing, among those `ran` can judge: an
/// opt-out of one backend's rule when that backend ran, any other when every backend of
/// [`Backend::ALL`] did.
pub fn stale_opt_outs(
    opt_outs: &[LintOptOut],
    used: &BTreeSet<usize>,
    ran: &[Backend],
) -> Vec<Finding> {
    opt_out::stale(opt_outs, used, ran)
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

/// Migrations that do not run in a transaction on `backend`, so a migration that fails
/// part-way there leaves half its changes behind. None on MySQL: its DDL commits
/// implicitly, no migration can run in a transaction there, and the runner marks a
/// half-applied one dirty instead.
pub fn lint_transactions<M: MigratorTrait>(backend: Backend) -> Vec<Finding> {
    if backend == Backend::MySql {
        return Vec::new();
    }
    M::migrations()
        .iter()
        .filter(|migration| !backend.runs_in_transaction(migration.as_ref()))
        .map(|migration| {
            Finding::new(
                Check::Lint,
                Some(backend),
                Some(migration.name()),
                "does not run in a transaction here, so a failure part-way leaves half of it applied; \
                 return Some(true) from use_transaction()",
            )
            .with_rule(LintRule::NoTransaction)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::{DbErr, MigrationName, SchemaManager, async_trait};

    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    struct Named(&'static str, Option<bool>);

    impl MigrationName for Named {
        fn name(&self) -> &str {
            self.0
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Named {
        async fn up(&self, _: &SchemaManager) -> Result<(), DbErr> {
            Ok(())
        }

        fn use_transaction(&self) -> Option<bool> {
            self.1
        }
    }

    /// What a test says the catalog saw.
    #[derive(Default)]
    struct Seen {
        before: Vec<&'static str>,
        schema: bool,
        rows: Vec<String>,
    }

    impl UpEffects for Seen {
        fn existed_before(&self, table: &str) -> bool {
            self.before.contains(&table)
        }

        fn type_changed(&self, _table: &str, _column: &str) -> Option<bool> {
            None
        }

        fn schema_changed(&self) -> bool {
            self.schema
        }

        fn rows_changed(&self) -> Vec<String> {
            self.rows.clone()
        }
    }

    /// The lint of a migration whose up changed the schema when it ran anything.
    fn lint(
        backend: Backend,
        up: &[String],
        down: &[String],
        before: &[&'static str],
    ) -> Vec<Finding> {
        let seen = Seen {
            before: before.to_vec(),
            schema: !up.is_empty(),
            ..Seen::default()
        };
        lint_step(backend, &Named("m1", None), up, down, &seen)
    }

    #[test]
    fn a_no_op_down_after_a_data_only_up_speaks_of_data() {
        let update = s(&["UPDATE items SET label = upper(label)"]);
        let no_op =
            |seen: &Seen| lint_step(Backend::Sqlite, &Named("m1", None), &update, &[], seen);
        let seen = Seen {
            rows: vec!["items".to_owned()],
            ..Seen::default()
        };
        let found = no_op(&seen);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].rule.as_deref(), Some(NO_OP_DOWN));
        assert_eq!(
            found[0].message,
            "down is a no-op: up changed data (rows of items) but down executed nothing:\n  \
             UPDATE items SET label = upper(label)"
        );
        // Empty tables: nothing changed, but the statement writes data.
        let found = no_op(&Seen::default());
        assert!(
            found[0].message.starts_with(
                "down is a no-op: up writes data (no row changed here: its tables were empty)"
            ),
            "{found:#?}"
        );
        // Up changed nothing and writes nothing: nothing for down to undo.
        let select = s(&["ANALYZE items"]);
        let seen = Seen::default();
        assert!(lint_step(Backend::Sqlite, &Named("m1", None), &select, &[], &seen).is_empty());
    }

    #[test]
    fn flags_if_not_exists_on_tables_and_indexes_only() {
        let up = s(&[
            "CREATE TABLE IF NOT EXISTS \"t\" ( \"a\" int )",
            "CREATE UNIQUE INDEX IF NOT EXISTS \"i\" ON \"t\" (\"a\")",
            "CREATE EXTENSION IF NOT EXISTS citext",
        ]);
        let down = s(&["DROP TABLE IF EXISTS \"t\""]);
        let found = lint(Backend::Sqlite, &up, &down, &[]);
        let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "up uses IF NOT EXISTS on a table (it masks ordering bugs):\n  CREATE TABLE IF NOT EXISTS \"t\" ( \"a\" int )",
                "up uses IF NOT EXISTS on an index (it masks ordering bugs):\n  CREATE UNIQUE INDEX IF NOT EXISTS \"i\" ON \"t\" (\"a\")",
                "down uses IF EXISTS on a table (it masks ordering bugs):\n  DROP TABLE IF EXISTS \"t\"",
            ]
        );
        assert!(found.iter().all(|f| f.rule.as_deref() == Some(IF_EXISTS)));
        assert_eq!(
            found[0].to_string(),
            "[lint:if-exists] sqlite m1: up uses IF NOT EXISTS on a table (it masks ordering bugs):\n  CREATE TABLE IF NOT EXISTS \"t\" ( \"a\" int )"
        );
    }

    #[test]
    fn flags_a_down_that_does_nothing() {
        let found = lint(
            Backend::Sqlite,
            &s(&["CREATE TABLE \"t\" ( \"a\" int )"]),
            &[],
            &[],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule.as_deref(), Some(NO_OP_DOWN));
        assert_eq!(
            found[0].message,
            "down is a no-op: up changed the schema but down executed nothing"
        );
        assert!(
            lint(Backend::Sqlite, &[], &[], &[]).is_empty(),
            "a migration that does nothing here needs no down"
        );
    }

    #[test]
    fn lock_hazards_only_on_postgresql_and_existing_tables() {
        let up = s(&["CREATE INDEX idx_t_a ON t (a)"]);
        let down = s(&["DROP INDEX idx_t_a"]);
        let found = lint(Backend::Postgres, &up, &down, &["t"]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].rule.as_deref(),
            Some("require-concurrent-index-creation")
        );
        assert!(
            found[0]
                .message
                .ends_with(".\n  CREATE INDEX idx_t_a ON t (a)")
        );
        assert!(lint(Backend::Sqlite, &up, &down, &["t"]).is_empty());
        assert!(lint(Backend::Postgres, &up, &down, &[]).is_empty());
    }

    #[test]
    fn one_cause_in_many_migrations_is_one_finding() {
        let finding = |migration: &str, message: &str| {
            Finding::new(Check::Lint, Some(Backend::Sqlite), Some(migration), message)
                .with_rule(LintRule::IfExists)
        };
        let other = Finding::new(Check::Parity, None, None, "kind differs");
        let findings = vec![
            finding("m1", "up uses X:\n  CREATE A"),
            other.clone(),
            finding("m2", "up uses X:\n  CREATE B\n  CREATE C"),
            finding("m3", "down uses Y:\n  DROP A"),
        ];
        let settled = settle(findings, &[], &mut BTreeSet::new());
        assert_eq!(settled.len(), 3, "{settled:#?}");
        assert_eq!(settled[0].migration, None);
        assert_eq!(settled[0].rule.as_deref(), Some(IF_EXISTS));
        assert_eq!(
            settled[0].message,
            "up uses X (in 2 migrations):\n  m1: CREATE A\n  m2: CREATE B\n  m2: CREATE C"
        );
        assert_eq!(settled[1], other);
        assert_eq!(settled[2].migration.as_deref(), Some("m3"));
    }

    #[test]
    fn a_statement_of_several_lines_is_quoted_once_and_indented() {
        let block = "DO $$\nBEGIN\n  DROP INDEX IF EXISTS i;\nEND\n$$";
        let mut found = Found::default();
        found.add(LintRule::IfExists, "up uses X".to_owned(), Some(block));
        found.add(LintRule::IfExists, "up uses X".to_owned(), Some(block));
        let findings = found.into_findings(Backend::Postgres, "m1");
        assert_eq!(
            findings[0].message,
            "up uses X:\n  DO $$\n    BEGIN\n      DROP INDEX IF EXISTS i;\n    END\n    $$"
        );
        let other = Finding::new(
            Check::Lint,
            Some(Backend::Postgres),
            Some("m2"),
            "up uses X:\n  DROP INDEX IF EXISTS j",
        )
        .with_rule(LintRule::IfExists);
        let settled = settle(vec![findings[0].clone(), other], &[], &mut BTreeSet::new());
        assert_eq!(
            settled[0].message,
            "up uses X (in 2 migrations):\n  m1: DO $$\n    BEGIN\n      DROP INDEX IF EXISTS i;\n    \
             END\n    $$\n  m2: DROP INDEX IF EXISTS j"
        );
    }

    #[test]
    fn groups_causes_without_statements_by_migration_name() {
        struct Three;
        impl MigratorTrait for Three {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![
                    Box::new(Named("m1", None)),
                    Box::new(Named("m2", Some(true))),
                    Box::new(Named("m3", None)),
                ]
            }
        }
        let sqlite = lint_transactions::<Three>(Backend::Sqlite);
        assert_eq!(sqlite.len(), 2);
        let settled = settle(sqlite, &[], &mut BTreeSet::new());
        assert_eq!(settled.len(), 1);
        assert!(
            settled[0]
                .to_string()
                .starts_with("[lint:no-transaction] sqlite: does not run in a transaction here"),
            "{}",
            settled[0]
        );
        assert!(
            settled[0]
                .message
                .ends_with("(in 2 migrations):\n  m1\n  m3")
        );
        assert!(lint_transactions::<Three>(Backend::Postgres).is_empty());
    }
}
