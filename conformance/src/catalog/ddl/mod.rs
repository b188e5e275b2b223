//! The schema as DDL says it: a `CREATE TABLE` statement read into its columns (type,
//! collation, default, nullability, keys, checks, references, generated and identity
//! columns) and its table constraints (primary key, unique, check, foreign key,
//! exclude); a constraint added by `ALTER TABLE ... ADD CONSTRAINT`; a `CREATE INDEX`.
//!
//! One parser reads them all (see `parser`), on the tokens PostgreSQL's lexer rules cut
//! (`crate::sqltokens`): quotes, dollar quotes and nesting are the lexer's, so a
//! keyword inside a string, a `CHECK` expression or a default is never taken for a
//! clause. What each reader needs (the SQLite catalog reader, the dump diff, the
//! review) is read from this model, never from the text again.

mod cursor;
mod names;
mod parser;
#[cfg(test)]
mod tests;

use std::ops::Range;

pub(crate) use cursor::split_items;
pub(crate) use names::{after_words, read_name, table_after_on, unqualify_public};

use super::FkAction;

/// A `CREATE TABLE` statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableDef {
    /// The table's name as the catalog holds it (unquoted, qualified as written).
    pub(crate) name: String,
    /// What the statement says before the column list, as written (`CREATE TABLE "t"`).
    pub(crate) head: String,
    /// The words that say what kind of table it is, upper-case (`CREATE UNLOGGED
    /// TABLE`): not how its name is spelled, nor `IF NOT EXISTS`.
    pub(crate) kind: Vec<String>,
    /// What follows the column list, as written, without the final `;` (`WITHOUT
    /// ROWID`, `PARTITION BY RANGE (a)`, `WITH (fillfactor=70)`).
    pub(crate) options: String,
    /// The columns, in order.
    pub(crate) columns: Vec<ColumnDef>,
    /// The table constraints, in order.
    pub(crate) constraints: Vec<Constraint>,
}

impl TableDef {
    /// Reads a `CREATE TABLE` statement; `None` when `ddl` is not one with a column list.
    pub(crate) fn parse(ddl: &str) -> Option<Self> {
        parser::table(ddl)
    }

    /// The column of this name (as the catalog holds it).
    pub(crate) fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The statement with every column's bare `NULL` left out and runs of whitespace
    /// made one space: `"a" varchar NULL` and `"a" varchar` are the same column (SQLite
    /// keeps the text a migration wrote, and a table rebuilt by hand often leaves the
    /// `NULL` out).
    pub(crate) fn without_bare_null(&self) -> String {
        let items: Vec<String> = self
            .columns
            .iter()
            .map(ColumnDef::text_without_bare_null)
            .chain(self.constraints.iter().map(|c| collapse(&c.text)))
            .collect();
        format!("{} ({}) {}", self.head, items.join(", "), self.options)
    }
}

/// One column of a table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ColumnDef {
    /// The name as the catalog holds it (`Display Name`, never quoted).
    pub(crate) name: String,
    /// The whole item as written, name included.
    pub(crate) text: String,
    /// Everything after the name, as written.
    pub(crate) definition: String,
    /// The declared type as written (`character varying(20)`, `varchar`; empty when a
    /// SQLite column declares none).
    pub(crate) sql_type: String,
    /// `COLLATE x`: the collation as written (`"C"`, `NOCASE`).
    pub(crate) collation: Option<String>,
    /// `DEFAULT x`: the expression as written.
    pub(crate) default: Option<String>,
    /// `NOT NULL`.
    pub(crate) not_null: bool,
    /// `PRIMARY KEY`.
    pub(crate) primary_key: bool,
    /// `UNIQUE`.
    pub(crate) unique: bool,
    /// SQLite's `AUTOINCREMENT`.
    pub(crate) autoincrement: bool,
    /// `[CONSTRAINT c] CHECK (...)`, each.
    pub(crate) checks: Vec<Check>,
    /// `REFERENCES t (c) ...`.
    pub(crate) references: Option<Reference>,
    /// `GENERATED ALWAYS AS (expr) STORED`, SQLite's `AS (expr)`.
    pub(crate) generated: Option<Generated>,
    /// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY`.
    pub(crate) identity: Option<Identity>,
    /// Where in `text` a bare `NULL` (the constraint that says nothing) is.
    bare_null: Vec<Range<usize>>,
}

impl ColumnDef {
    /// The collation's name, unquoted (`"C"` → `C`).
    pub(crate) fn collation_name(&self) -> Option<String> {
        let written = self.collation.as_deref()?;
        let name = match written.strip_prefix('\'') {
            Some(literal) => literal.trim_end_matches('\'').replace("''", "'"),
            None => read_name(written).0,
        };
        Some(name)
    }

    /// Whether the database fills the column itself when an insert leaves it out (a
    /// default, a generated or identity column, an AUTOINCREMENT or primary key).
    pub(crate) fn filled_by_database(&self) -> bool {
        self.default.is_some()
            || self.generated.is_some()
            || self.identity.is_some()
            || self.autoincrement
            || self.primary_key
    }

    /// The item without its bare `NULL`, whitespace runs made one space.
    fn text_without_bare_null(&self) -> String {
        let mut kept = String::new();
        let mut at = 0;
        for span in &self.bare_null {
            kept.push_str(&self.text[at..span.start]);
            at = span.end;
        }
        kept.push_str(&self.text[at..]);
        collapse(&kept)
    }
}

/// A `CHECK` constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    /// `CONSTRAINT name`, if given.
    pub(crate) name: Option<String>,
    /// The expression inside the parentheses, as written.
    pub(crate) expression: String,
}

/// A generated column's expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Generated {
    /// The expression inside the parentheses, as written.
    pub(crate) expression: String,
    /// `STORED` (else virtual, or unsaid).
    pub(crate) stored: bool,
}

/// How an identity column takes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault,
}

impl Identity {
    /// As SQL writes it after `GENERATED`.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::Always => "ALWAYS",
            Self::ByDefault => "BY DEFAULT",
        }
    }
}

/// `REFERENCES t (c) ON DELETE ... ON UPDATE ... [NOT] DEFERRABLE ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The referenced table as written, unquoted (qualified if written so).
    pub(crate) table: String,
    /// The referenced columns (none: the referenced table's primary key).
    pub(crate) columns: Vec<String>,
    /// `ON DELETE`; `NO ACTION` when unsaid.
    pub(crate) on_delete: FkAction,
    /// `ON UPDATE`; `NO ACTION` when unsaid.
    pub(crate) on_update: FkAction,
    /// `DEFERRABLE`.
    pub(crate) deferrable: bool,
    /// `INITIALLY DEFERRED`.
    pub(crate) initially_deferred: bool,
    /// The clause as written, from `REFERENCES` to its last word.
    pub(crate) text: String,
}

impl Reference {
    /// Reads a `REFERENCES ...` clause (the text starts with it).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        parser::reference_clause(text)
    }
}

/// A table constraint: in the table's text, or added by `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Constraint {
    /// `CONSTRAINT name`, if given.
    pub(crate) name: Option<String>,
    /// What it constrains.
    pub(crate) kind: ConstraintKind,
    /// The constraint as written, `CONSTRAINT name` included.
    pub(crate) text: String,
}

impl Constraint {
    /// Reads `ALTER TABLE [ONLY] t ADD [CONSTRAINT c] ...;` into the table's name (as
    /// written, unquoted) and the constraint.
    pub(crate) fn parse_added(ddl: &str) -> Option<(String, Self)> {
        parser::added_constraint(ddl)
    }

    /// Whether this is one of MySQL's index items of a table's text (``KEY `i` (`a`)``,
    /// ``UNIQUE KEY `u` (`a`)``): an index, not a constraint written as such.
    pub(crate) fn is_mysql_index(&self) -> bool {
        is_mysql_index_item(&self.text)
    }
}

/// Whether an item of a table's column list is one of MySQL's index items (``KEY `i`
/// (`a`)``, ``UNIQUE KEY `u` (`a`)``, `FULLTEXT KEY`, `SPATIAL KEY`).
pub(crate) fn is_mysql_index_item(item: &str) -> bool {
    parser::mysql_index(item).is_some()
}

/// What a table constraint constrains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConstraintKind {
    /// `PRIMARY KEY (a, b)`.
    PrimaryKey {
        /// The key's columns.
        columns: Vec<String>,
    },
    /// `UNIQUE (a, b)`.
    Unique {
        /// The key's columns.
        columns: Vec<String>,
    },
    /// `CHECK (expr)`.
    Check {
        /// The expression inside the parentheses, as written.
        expression: String,
    },
    /// `FOREIGN KEY (a) REFERENCES t (b) ...`.
    ForeignKey {
        /// The referencing columns.
        columns: Vec<String>,
        /// What they reference.
        reference: Reference,
    },
    /// `EXCLUDE [USING method] (element WITH operator, ...) ...`.
    Exclude {
        /// The index method, if named.
        method: Option<String>,
        /// The elements as written (`room WITH =`).
        elements: Vec<String>,
    },
    /// MySQL's plain index item in a table's text (``KEY `i` (`a`)``, `FULLTEXT KEY`,
    /// `SPATIAL KEY`); a unique one is [`ConstraintKind::Unique`].
    Index {
        /// The key's columns (a prefix length left out: `` `a`(191) `` → `a`).
        columns: Vec<String>,
    },
    /// A kind this model does not know (`CONSTRAINT c NOT NULL a`).
    Other,
}

/// A `CREATE INDEX` statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexDef {
    /// `CREATE UNIQUE INDEX`.
    pub(crate) unique: bool,
    /// The index's name, unquoted (empty when the statement names none).
    pub(crate) name: String,
    /// The table after `ON [ONLY]`, unquoted.
    pub(crate) table: String,
    /// `USING method`, if said.
    pub(crate) method: Option<String>,
    /// The keys as written: columns (`"a"`, `b DESC`) or expressions (`lower(b)`).
    pub(crate) keys: Vec<String>,
    /// The `WHERE` predicate as written.
    pub(crate) predicate: Option<String>,
}

impl IndexDef {
    /// Reads a `CREATE [UNIQUE] INDEX` statement.
    pub(crate) fn parse(ddl: &str) -> Option<Self> {
        parser::index(ddl)
    }

    /// The names of the key columns (an expression's leading name, as written, for an
    /// expression key: `lower(b)` → `lower`).
    pub(crate) fn key_names(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|key| read_name(key).0)
            .filter(|name| !name.is_empty())
            .collect()
    }
}

/// `text` with every run of whitespace made one space, trimmed.
pub(crate) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
