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

use super::UpEffects;
use crate::catalog::ddl::{read_name, split_items};
use crate::checks::data::may_change_rows;
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

/// Whether `statement` is DDL, which MySQL commits on its own.
fn is_ddl(statement: &str) -> bool {
    spanned(statement)
        .first()
        .is_some_and(|first| DDL_WORDS.iter().any(|w| first.is_word(w)))
}

/// Why one direction of a migration is not atomic on MySQL, and its statements
/// (shortened), or `None`: at least one DDL statement among two or more statements that
/// change the database. MySQL commits each DDL statement on its own, so nothing that
/// runs before or after one can be undone with it; a data change alone (`INSERT`,
/// `UPDATE`, `DELETE`) commits nothing implicitly, but with no transaction around the
/// migration (none can hold DDL there) it too stays applied when a later statement
/// fails. Two data changes and no DDL are left alone: the migration could run them in
/// a transaction of its own.
pub(super) fn not_atomic(
    direction: Direction,
    statements: &[String],
) -> Option<(String, Vec<String>)> {
    let changes: Vec<&String> = statements
        .iter()
        .filter(|s| is_ddl(s) || may_change_rows(s))
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
pub(super) fn table_copies(up_sql: &[String], effects: &dyn UpEffects) -> Vec<(String, String)> {
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
