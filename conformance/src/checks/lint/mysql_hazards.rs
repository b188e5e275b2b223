//! MySQL's own hazards: a migration that is not atomic there, and `ALTER TABLE`s that
//! copy or lock a table that existed before the migration.
//!
//! Sources, kept to what they say:
//! - MySQL 8.0 Reference Manual, 15.3.3 "Statements That Cause an Implicit Commit"
//!   (<https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>): every `CREATE`,
//!   `ALTER`, `DROP`, `RENAME` and `TRUNCATE` of a table, index, view or routine ends
//!   the transaction before it runs and commits after it. MariaDB's "SQL statements
//!   that cause an implicit commit" lists the same.
//! - MySQL 8.0 Reference Manual, 15.12.1 "Online DDL Operations"
//!   (<https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html>), its
//!   tables' "In Place" = No (so `ALGORITHM=COPY`) and "Permits Concurrent DML" = No rows.
//! - MariaDB, "InnoDB Online DDL Operations with the INPLACE Alter Algorithm"
//!   (<https://mariadb.com/kb/en/innodb-online-ddl-operations-with-the-inplace-alter-algorithm/>):
//!   the same operations need `ALGORITHM=COPY` there (a column's type, except a
//!   `VARCHAR` made longer; a primary key dropped alone; a character set converted; a
//!   foreign key added with `foreign_key_checks` on).

use super::{Found, LintRule, UpEffects};
use crate::catalog::ddl::{read_name, split_items};
use crate::sqltokens::{Spanned, TokenKind, spanned};
use migration_runner::Direction;

/// The name of [`super::LintRule::MySqlNotAtomic`].
pub const MYSQL_NOT_ATOMIC: &str = "mysql-not-atomic";
/// The name of [`super::LintRule::MySqlTableCopy`].
pub const MYSQL_TABLE_COPY: &str = "mysql-table-copy";

/// The first words of the statements MySQL commits implicitly, as DDL (the source above).
const DDL_WORDS: [&str; 5] = ["CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE"];

/// The longest a statement is quoted in a `mysql-not-atomic` finding, in characters.
const SHORT: usize = 80;

/// MySQL's own rules on one migration: each direction not atomic there, and the table
/// copies of `up` (judged on `up` alone, as squawk's rules are on PostgreSQL).
pub(super) fn lint(
    found: &mut Found,
    up_sql: &[String],
    down_sql: &[String],
    effects: &dyn UpEffects,
) {
    for (direction, statements) in [(Direction::Up, up_sql), (Direction::Down, down_sql)] {
        if let Some((cause, statements)) = not_atomic(direction, statements) {
            for statement in &statements {
                found.add(LintRule::MySqlNotAtomic, cause.clone(), Some(statement));
            }
        }
    }
    for (advice, statement) in table_copies(up_sql, effects) {
        found.add(LintRule::MySqlTableCopy, advice, Some(&statement));
    }
}

/// The first words of the statements that write rows (`SELECT`s, even of functions
/// that might write, and `SET`s are left out: the catalog reads sea-query issues are
/// `SELECT`s).
const DML_WORDS: [&str; 4] = ["INSERT", "UPDATE", "DELETE", "REPLACE"];

/// Whether `statement` starts with one of `words`.
fn starts_with_any(statement: &str, words: &[&str]) -> bool {
    spanned(statement)
        .first()
        .is_some_and(|first| words.iter().any(|w| first.is_word(w)))
}

/// Whether `statement` is DDL, which MySQL commits on its own.
fn is_ddl(statement: &str) -> bool {
    starts_with_any(statement, &DDL_WORDS)
}

/// Why one direction of a migration is not atomic on MySQL, and its statements
/// (shortened), or `None`: at least one DDL statement among two or more statements that
/// change the database. MySQL commits each DDL statement on its own, so nothing that
/// runs before or after one can be undone with it; a data change alone (`INSERT`,
/// `UPDATE`, `DELETE`) commits nothing implicitly, but with no transaction around the
/// migration (none can hold DDL there) it too stays applied when a later statement
/// fails. Two data changes and no DDL are left alone: the migration could run them in
/// a transaction of its own.
fn not_atomic(direction: Direction, statements: &[String]) -> Option<(String, Vec<String>)> {
    let changes: Vec<&String> = statements
        .iter()
        .filter(|s| is_ddl(s) || starts_with_any(s, &DML_WORDS))
        .collect();
    if changes.len() < 2 || !changes.iter().any(|s| is_ddl(s)) {
        return None;
    }
    let cause = format!(
        "{direction} is not atomic on MySQL: each DDL statement commits on its own (an \
         implicit commit; no transaction can hold it), so a failure part-way leaves the \
         statements before it applied, and the runner marks the migration dirty and refuses \
         to go on until `resolve-dirty`. Split it into one DDL statement per migration, or \
         accept it in the allow-list with the reason"
    );
    Some((cause, changes.iter().map(|s| shortened(s)).collect()))
}

/// `statement` on one line, cut to [`SHORT`] characters with `…`.
fn shortened(statement: &str) -> String {
    let one_line = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= SHORT {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(SHORT - 1).collect();
    cut.push('…');
    cut
}

/// What an `ALTER TABLE` clause does to a live table, as the sources above list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copying {
    /// `ALGORITHM=COPY` written out.
    ExplicitCopy,
    /// `LOCK=SHARED` or `LOCK=EXCLUSIVE` written out.
    ExplicitLock,
    /// A column's data type changed (`MODIFY` / `CHANGE`): COPY, no concurrent DML.
    TypeChange,
    /// A `STORED` generated column added or modified: COPY.
    StoredColumn,
    /// `DROP PRIMARY KEY` without `ADD PRIMARY KEY` in the same statement: COPY.
    DropPrimaryKey,
    /// `CONVERT TO CHARACTER SET`, or the table's character set changed: COPY.
    CharacterSet,
    /// `ADD FOREIGN KEY` with `foreign_key_checks` on (the default): COPY.
    ForeignKey,
    /// An `AUTO_INCREMENT` column added: in place, but no concurrent DML.
    AutoIncrementColumn,
    /// A `FULLTEXT` or `SPATIAL` index added: in place, but no concurrent DML.
    FulltextOrSpatialIndex,
}

impl Copying {
    /// What it does, why that hurts on a live table, and what to do instead.
    fn advice(self) -> String {
        let copy = "MySQL copies the whole table (ALGORITHM=COPY), blocking every write to it \
                    until the copy is done, which on a large live table is an outage";
        let (what, fix) = match self {
            Copying::ExplicitCopy => (
                copy,
                "drop ALGORITHM=COPY and ask for ALGORITHM=INPLACE, LOCK=NONE (or INSTANT), \
                 which fail at once rather than copy when the operation cannot",
            ),
            Copying::ExplicitLock => (
                "LOCK=SHARED or LOCK=EXCLUSIVE blocks writes (or reads and writes) to the table \
                 for the whole statement",
                "ask for LOCK=NONE, which fails at once when the operation cannot allow writes",
            ),
            Copying::TypeChange => (
                "changing a column's data type: MySQL copies the whole table (ALGORITHM=COPY), \
                 blocking every write to it until the copy is done",
                "add a new column, backfill it in batches, switch the application, then drop \
                 the old one; or use an online schema-change tool (gh-ost, pt-online-schema-change)",
            ),
            Copying::StoredColumn => (
                "adding or modifying a STORED generated column: MySQL copies the whole table \
                 (ALGORITHM=COPY), blocking every write to it",
                "use a VIRTUAL generated column (added INSTANT or INPLACE), or an online \
                 schema-change tool",
            ),
            Copying::DropPrimaryKey => (
                "dropping the primary key without adding another in the same statement: MySQL \
                 copies the whole table (ALGORITHM=COPY), blocking every write to it",
                "drop and add the primary key in one ALTER TABLE (done INPLACE), or use an \
                 online schema-change tool",
            ),
            Copying::CharacterSet => (
                "converting or changing the table's character set: MySQL copies the whole \
                 table (ALGORITHM=COPY), blocking every write to it",
                "use an online schema-change tool (gh-ost, pt-online-schema-change)",
            ),
            Copying::ForeignKey => (
                "adding a foreign key with foreign_key_checks on: MySQL copies the whole table \
                 (ALGORITHM=COPY), blocking every write to it",
                "run it with SET foreign_key_checks = 0 (then INPLACE, no copy) after checking \
                 the rows match, or declare the key when the table is created",
            ),
            Copying::AutoIncrementColumn => (
                "adding an AUTO_INCREMENT column rebuilds the table and permits no concurrent \
                 writes while it does",
                "add it to a new table and move the rows in batches, or use an online \
                 schema-change tool",
            ),
            Copying::FulltextOrSpatialIndex => (
                "adding a FULLTEXT or SPATIAL index permits no concurrent writes to the table \
                 while it is built",
                "build it at a quiet time, or with an online schema-change tool",
            ),
        };
        format!("{what}. Instead: {fix}")
    }
}

/// The table-copying or locking clauses of one migration's `up`, each with its advice
/// and statement, on tables that existed before it (`effects`): a table the migration
/// creates is empty and nobody else uses it yet.
fn table_copies(up_sql: &[String], effects: &dyn UpEffects) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for statement in up_sql {
        for copying in copying(statement, effects) {
            out.push((copying.advice(), statement.clone()));
        }
    }
    out
}

/// The copying clauses of `statement`, if it alters (or indexes) a table that existed
/// before the migration.
fn copying(statement: &str, effects: &dyn UpEffects) -> Vec<Copying> {
    let tokens = spanned(statement);
    let words: Vec<String> = tokens
        .iter()
        .take(4)
        .map(|t| t.text.to_ascii_uppercase())
        .collect();
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["CREATE", "FULLTEXT" | "SPATIAL", "INDEX", ..] => {
            let on = tokens.iter().position(|t| t.is_word("ON"));
            let table = on
                .and_then(|i| tokens.get(i + 1))
                .map(|t| bare(&read_name(&statement[t.start..]).0).to_owned());
            match table {
                Some(table) if effects.existed_before(&table) => {
                    vec![Copying::FulltextOrSpatialIndex]
                }
                _ => Vec::new(),
            }
        }
        ["ALTER", ..] => alter_table(statement, &tokens, effects),
        _ => Vec::new(),
    }
}

/// The copying clauses of an `ALTER [ONLINE] [IGNORE] TABLE t …` on an existing table.
fn alter_table(statement: &str, tokens: &[Spanned<'_>], effects: &dyn UpEffects) -> Vec<Copying> {
    let Some(at) = tokens.iter().take(4).position(|t| t.is_word("TABLE")) else {
        return Vec::new();
    };
    let Some(name_token) = tokens.get(at + 1) else {
        return Vec::new();
    };
    let (name, rest) = read_name(&statement[name_token.start..]);
    let table = bare(&name);
    if !effects.existed_before(table) {
        return Vec::new();
    }
    let items = split_items(rest);
    let adds_primary_key = items
        .iter()
        .any(|item| words_of(item).iter().take(2).eq(["ADD", "PRIMARY"].iter()));
    let mut found = Vec::new();
    for item in items {
        if let Some(copying) = clause(table, item, adds_primary_key, effects)
            && !found.contains(&copying)
        {
            found.push(copying);
        }
    }
    found
}

/// The unquoted words of `text`, upper-cased (`CONSTRAINT name` keeps `NAME` if bare).
fn words_of(text: &str) -> Vec<String> {
    spanned(text)
        .iter()
        .filter(|t| t.kind == TokenKind::Ident)
        .map(|t| t.text.to_ascii_uppercase())
        .collect()
}

/// What one clause of an `ALTER TABLE` on `table` copies or locks, if anything.
fn clause(
    table: &str,
    item: &str,
    adds_primary_key: bool,
    effects: &dyn UpEffects,
) -> Option<Copying> {
    let words = words_of(item);
    let has = |w: &str| words.iter().any(|x| x == w);
    let first: Vec<&str> = words.iter().take(3).map(String::as_str).collect();
    match first.as_slice() {
        ["ALGORITHM", "COPY", ..] => Some(Copying::ExplicitCopy),
        ["LOCK", "SHARED" | "EXCLUSIVE", ..] => Some(Copying::ExplicitLock),
        ["DROP", "PRIMARY", ..] if !adds_primary_key => Some(Copying::DropPrimaryKey),
        ["CONVERT", "TO", ..] => Some(Copying::CharacterSet),
        ["CHARACTER" | "CHARSET", ..] | ["DEFAULT", "CHARACTER" | "CHARSET", ..] => {
            Some(Copying::CharacterSet)
        }
        ["ADD", "FULLTEXT" | "SPATIAL", ..] => Some(Copying::FulltextOrSpatialIndex),
        ["ADD", ..] if has("FOREIGN") && has("REFERENCES") => Some(Copying::ForeignKey),
        ["ADD", ..] if has("STORED") && has("AS") => Some(Copying::StoredColumn),
        ["ADD", ..] if has("AUTO_INCREMENT") => Some(Copying::AutoIncrementColumn),
        ["MODIFY" | "CHANGE", ..] if has("STORED") && has("AS") => Some(Copying::StoredColumn),
        ["MODIFY" | "CHANGE", ..] => type_change(table, item, first[0] == "CHANGE", effects),
        _ => None,
    }
}

/// A `MODIFY [COLUMN] c …` or `CHANGE [COLUMN] old new …` that changes the column's
/// type as the catalog saw it: restating the type (to change nullability or a default)
/// or making a `VARCHAR` longer within its length-byte class is done in place.
fn type_change(table: &str, item: &str, change: bool, effects: &dyn UpEffects) -> Option<Copying> {
    let tokens = spanned(item);
    let mut at = 1;
    if tokens.get(at).is_some_and(|t| t.is_word("COLUMN")) {
        at += 1;
    }
    if change {
        // The new name follows the old one.
        let old = tokens.get(at)?;
        let (_, after_old) = read_name(&item[old.start..]);
        let (column, _) = read_name(after_old);
        return judged(
            effects.column_types(table, &column),
            effects.type_changed(table, &column),
        );
    }
    let (column, _) = read_name(&item[tokens.get(at)?.start..]);
    judged(
        effects.column_types(table, &column),
        effects.type_changed(table, &column),
    )
}

/// A type change copies unless the catalog says the type stayed, or the change is a
/// `VARCHAR` made longer within its length-byte class.
fn judged(types: Option<(String, String)>, changed: Option<bool>) -> Option<Copying> {
    if changed == Some(false) {
        return None;
    }
    if let Some((before, after)) = types
        && varchar_extended_in_place(&before, &after)
    {
        return None;
    }
    Some(Copying::TypeChange)
}

/// Why changing a column's type from `before` to `after` blocks writes on MySQL (it
/// copies the table), with what to do instead; `None` when MySQL does it in place (a
/// `VARCHAR` made longer within its length-byte class). For the schema review, which
/// sees the column's type on both sides.
pub(crate) fn type_change_copies(before: &str, after: &str) -> Option<String> {
    judged(Some((before.to_owned(), after.to_owned())), None).map(Copying::advice)
}

/// Bytes per character of the harness's databases (`utf8mb4`), for the length-byte rule.
const UTF8MB4_BYTES: u64 = 4;

/// Whether `VARCHAR(a)` → `VARCHAR(b)` is done in place: `b >= a` and both sizes on the
/// same side of 256 bytes (one length byte below, two from there), as both sources say.
fn varchar_extended_in_place(before: &str, after: &str) -> bool {
    let length = |t: &str| -> Option<u64> {
        let lower = t.trim().to_ascii_lowercase();
        let inner = lower.strip_prefix("varchar(")?.split(')').next()?;
        inner.trim().parse().ok()
    };
    match (length(before), length(after)) {
        (Some(a), Some(b)) => b >= a && (a * UTF8MB4_BYTES < 256) == (b * UTF8MB4_BYTES < 256),
        _ => false,
    }
}

/// A table name without its database.
fn bare(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table existed before; the catalog cannot say whether a type changed.
    struct Existing;

    impl UpEffects for Existing {
        fn existed_before(&self, _table: &str) -> bool {
            true
        }

        fn type_changed(&self, _table: &str, _column: &str) -> Option<bool> {
            None
        }

        fn schema_changed(&self) -> bool {
            true
        }

        fn rows_changed(&self) -> Vec<String> {
            Vec::new()
        }
    }

    fn copies(sql: &str) -> Vec<Copying> {
        copying(sql, &Existing)
    }

    #[test]
    fn the_documented_copies_and_locks_are_found() {
        let cases = [
            (
                "ALTER TABLE `t` MODIFY COLUMN `a` bigint NOT NULL",
                Copying::TypeChange,
            ),
            ("ALTER TABLE t CHANGE a b bigint", Copying::TypeChange),
            ("ALTER TABLE t DROP PRIMARY KEY", Copying::DropPrimaryKey),
            (
                "ALTER TABLE t CONVERT TO CHARACTER SET latin1",
                Copying::CharacterSet,
            ),
            (
                "ALTER TABLE t DEFAULT CHARACTER SET = latin1",
                Copying::CharacterSet,
            ),
            (
                "ALTER TABLE t ADD COLUMN g int AS (a + 1) STORED",
                Copying::StoredColumn,
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
                Copying::ForeignKey,
            ),
            (
                "ALTER TABLE t ADD COLUMN n int NOT NULL AUTO_INCREMENT UNIQUE",
                Copying::AutoIncrementColumn,
            ),
            (
                "ALTER TABLE t ADD FULLTEXT INDEX f (b)",
                Copying::FulltextOrSpatialIndex,
            ),
            (
                "CREATE FULLTEXT INDEX f ON t (b)",
                Copying::FulltextOrSpatialIndex,
            ),
            (
                "ALTER TABLE t ADD COLUMN c int, ALGORITHM=COPY",
                Copying::ExplicitCopy,
            ),
            (
                "ALTER TABLE t ADD INDEX i (a), LOCK = EXCLUSIVE",
                Copying::ExplicitLock,
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(copies(sql), [expected], "{sql}");
        }
    }

    #[test]
    fn instant_and_in_place_changes_are_not_copies() {
        for sql in [
            "ALTER TABLE t ADD COLUMN c varchar(20) NULL",
            "ALTER TABLE t ADD COLUMN g int AS (a + 1) VIRTUAL",
            "ALTER TABLE t DROP COLUMN c",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
            "ALTER TABLE t ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE",
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)",
            "CREATE INDEX i ON t (a)",
            "DROP TABLE t",
        ] {
            assert_eq!(copies(sql), [], "{sql}");
        }
    }

    #[test]
    fn a_varchar_made_longer_within_its_length_byte_is_in_place() {
        let types = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        // utf8mb4: 63 characters are 252 bytes (one length byte), 64 are 256 (two).
        assert_eq!(
            judged(types("varchar(16)", "varchar(63)"), Some(true)),
            None
        );
        assert_eq!(
            judged(types("varchar(64)", "varchar(255)"), Some(true)),
            None
        );
        let copy = Some(Copying::TypeChange);
        assert_eq!(
            judged(types("varchar(63)", "varchar(64)"), Some(true)),
            copy
        );
        assert_eq!(
            judged(types("varchar(32)", "varchar(16)"), Some(true)),
            copy
        );
        assert_eq!(judged(types("int", "bigint"), Some(true)), copy);
        assert_eq!(judged(None, Some(false)), None, "the type restated");
        assert_eq!(judged(None, None), copy, "the catalog cannot say");
    }

    #[test]
    fn not_atomic_needs_ddl_among_two_changes_and_shortens_them() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(not_atomic(Direction::Up, &s(&["CREATE TABLE t (a int)"])).is_none());
        let two_dml = s(&["INSERT INTO t VALUES (1)", "DELETE FROM t"]);
        assert!(not_atomic(Direction::Up, &two_dml).is_none());
        let with_select = s(&["SELECT 1", "CREATE TABLE t (a int)"]);
        assert!(not_atomic(Direction::Up, &with_select).is_none());
        let long = format!("CREATE TABLE t ({})", "a int, ".repeat(20));
        let (cause, statements) =
            not_atomic(Direction::Down, &s(&["INSERT INTO t VALUES (1)", &long])).expect("flagged");
        assert!(cause.starts_with("down is not atomic on MySQL"), "{cause}");
        assert_eq!(statements[0], "INSERT INTO t VALUES (1)");
        assert_eq!(statements[1].chars().count(), SHORT);
        assert!(statements[1].ends_with('…'));
    }
}
