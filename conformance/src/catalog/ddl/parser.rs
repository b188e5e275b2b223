//! The one reader of DDL text into the model of [`super`]: a cursor over the tokens of
//! `crate::sqltokens` (whitespace and comments left out), names read with
//! [`read_name`], everything else sliced from the text as written between two tokens.

use super::cursor::{Cursor, split_items};
use super::{
    Check, ColumnDef, Constraint, ConstraintKind, Generated, Identity, IndexDef, Reference,
    TableDef, read_name,
};
use crate::catalog::FkAction;
use crate::sqltokens::{Spanned, TokenKind};

/// Words that end a column's type or a default's expression: where the next column
/// constraint starts.
const COLUMN_KEYWORDS: [&str; 13] = [
    "CONSTRAINT",
    "NOT",
    "NULL",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
    "AUTOINCREMENT",
    "ON",
];

/// Words that start a table constraint in a column list.
const CONSTRAINT_KEYWORDS: [&str; 6] = [
    "CONSTRAINT",
    "PRIMARY",
    "FOREIGN",
    "CHECK",
    "UNIQUE",
    "EXCLUDE",
];

/// Words between `CREATE` and `TABLE` that say what kind of table it is.
const TABLE_KINDS: [&str; 5] = ["UNLOGGED", "TEMP", "TEMPORARY", "GLOBAL", "LOCAL"];

/// `CREATE [kind] TABLE [IF NOT EXISTS] name ( items ) options`.
pub(super) fn table(ddl: &str) -> Option<TableDef> {
    let mut cursor = Cursor::new(ddl);
    if !cursor.eat_word("CREATE") {
        return None;
    }
    let mut kind = vec!["CREATE".to_owned()];
    while let Some(word) = TABLE_KINDS.iter().find(|w| cursor.peek_word(w)) {
        kind.push((*word).to_owned());
        cursor.at += 1;
    }
    if !cursor.eat_word("TABLE") {
        return None;
    }
    kind.push("TABLE".to_owned());
    cursor.eat_words(&["IF", "NOT", "EXISTS"]);
    let name = cursor.name()?;
    let head = ddl[..cursor.offset()].trim().to_owned();
    let body = cursor.group()?;
    let options = ddl[cursor.consumed_end()..].trim();
    let options = options.strip_suffix(';').unwrap_or(options).trim_end();
    let mut table = TableDef {
        name,
        head,
        kind,
        options: options.to_owned(),
        ..TableDef::default()
    };
    for item in split_items(body) {
        if let Some(index) = mysql_index(item) {
            table.constraints.push(index);
        } else if starts_constraint(item) {
            table.constraints.extend(constraint(item));
        } else {
            table.columns.push(column(item));
        }
    }
    Some(table)
}

/// Words that start an index item of MySQL's `SHOW CREATE TABLE`: `KEY`, `UNIQUE KEY`,
/// `FULLTEXT KEY`, `SPATIAL KEY`, each followed by the index's backquoted name.
const MYSQL_INDEX_WORDS: [&str; 5] = ["KEY", "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL"];

/// MySQL's index item (``KEY `idx_t_a` (`a`)``) as a named constraint: a unique one
/// with its columns when they are plain names, a plain index with its columns, else as
/// written. Only a backquoted name after the words makes one, so that a column named
/// `key` elsewhere stays a column.
pub(super) fn mysql_index(item: &str) -> Option<Constraint> {
    let mut cursor = Cursor::new(item);
    let mut unique = false;
    let mut words = 0;
    while let Some(word) = MYSQL_INDEX_WORDS.iter().find(|w| cursor.peek_word(w)) {
        unique |= *word == "UNIQUE";
        cursor.at += 1;
        words += 1;
    }
    let quoted = cursor.peek().is_some_and(|t| t.text.starts_with('`'));
    if words == 0 || !quoted {
        return None;
    }
    let name = cursor.name()?;
    let plain = |columns: &[String]| columns.iter().all(|c| !c.contains('('));
    let kind = match name_list(&mut cursor) {
        Some(columns) if unique && plain(&columns) => ConstraintKind::Unique { columns },
        Some(columns) if !unique => ConstraintKind::Index { columns },
        _ => ConstraintKind::Other,
    };
    Some(Constraint {
        name: Some(name),
        kind,
        text: item.trim().to_owned(),
    })
}

/// Whether an item of a column list starts with a table constraint's word.
pub(super) fn starts_constraint(item: &str) -> bool {
    Cursor::new(item)
        .peek()
        .is_some_and(|t| CONSTRAINT_KEYWORDS.iter().any(|w| t.is_word(w)))
}

/// One column: its name, its type, then its column constraints in any order.
fn column(item: &str) -> ColumnDef {
    let (name, rest) = read_name(item);
    let offset = item.len() - rest.len();
    let mut cursor = Cursor::new(item);
    cursor.skip_to(offset);
    let type_start = cursor.offset();
    cursor.skip_until(&COLUMN_KEYWORDS);
    let mut def = ColumnDef {
        name,
        text: item.to_owned(),
        definition: item[offset..].trim().to_owned(),
        sql_type: item[type_start..cursor.offset().max(type_start)]
            .trim()
            .to_owned(),
        ..ColumnDef::default()
    };
    let mut pending_name = None;
    while cursor.peek().is_some() {
        if cursor.eat_word("CONSTRAINT") {
            pending_name = cursor.name();
            continue;
        }
        column_constraint(&mut cursor, &mut def, &mut pending_name);
    }
    def
}

/// Reads one column constraint (or skips one unit it does not know).
fn column_constraint(cursor: &mut Cursor<'_>, def: &mut ColumnDef, name: &mut Option<String>) {
    let start = cursor.offset();
    if cursor.eat_words(&["NOT", "NULL"]) {
        def.not_null = true;
    } else if cursor.eat_word("NULL") {
        def.bare_null.push(start..cursor.consumed_end());
    } else if cursor.eat_words(&["PRIMARY", "KEY"]) {
        def.primary_key = true;
    } else if cursor.eat_word("UNIQUE") {
        def.unique = true;
    } else if cursor.eat_word("AUTOINCREMENT") || cursor.eat_word("AUTO_INCREMENT") {
        def.autoincrement = true;
    } else if cursor.peek_word("CHECK") {
        cursor.at += 1;
        if let Some(expression) = cursor.group() {
            def.checks.push(Check {
                name: name.take(),
                expression: expression.trim().to_owned(),
            });
        }
    } else if cursor.eat_word("DEFAULT") {
        let start = cursor.offset();
        // The first unit always belongs to the expression (`DEFAULT NULL`).
        cursor.skip_unit();
        cursor.skip_until(&COLUMN_KEYWORDS);
        let end = cursor.consumed_end().max(start);
        def.default = Some(cursor.text[start..end].trim().to_owned());
    } else if cursor.eat_word("COLLATE") {
        def.collation = match cursor.peek().copied() {
            Some(t) if matches!(t.kind, TokenKind::Literal { .. }) => {
                cursor.at += 1;
                Some(t.text.to_owned())
            }
            _ => cursor.name_as_written().map(str::to_owned),
        };
    } else if cursor.peek_word("REFERENCES") {
        def.references = reference(cursor);
    } else if cursor.peek_word("GENERATED") || cursor.peek_word("AS") {
        generated(cursor, def);
    } else {
        cursor.skip_unit();
    }
}

/// `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(options)]`, `[GENERATED ALWAYS] AS
/// (expr) [STORED | VIRTUAL]`.
fn generated(cursor: &mut Cursor<'_>, def: &mut ColumnDef) {
    let identity = if cursor.eat_words(&["GENERATED", "ALWAYS"]) {
        Identity::Always
    } else if cursor.eat_words(&["GENERATED", "BY", "DEFAULT"]) {
        Identity::ByDefault
    } else {
        Identity::Always
    };
    if !cursor.eat_word("AS") {
        cursor.skip_unit();
        return;
    }
    if cursor.eat_word("IDENTITY") {
        def.identity = Some(identity);
        if cursor.peek().is_some_and(Spanned::opens) {
            cursor.skip_unit();
        }
        return;
    }
    if let Some(expression) = cursor.group() {
        let stored = cursor.eat_word("STORED");
        if !stored {
            cursor.eat_word("VIRTUAL");
        }
        def.generated = Some(Generated {
            expression: expression.trim().to_owned(),
            stored,
        });
    }
}

/// The names in a parenthesised list (`("a", b DESC)` → `a`, `b`).
fn name_list(cursor: &mut Cursor<'_>) -> Option<Vec<String>> {
    let inner = cursor.group()?;
    Some(split_items(inner).iter().map(|i| read_name(i).0).collect())
}

/// `REFERENCES t [(c, ...)] [MATCH x] [ON DELETE a] [ON UPDATE a] [[NOT] DEFERRABLE]
/// [INITIALLY {DEFERRED | IMMEDIATE}]`, the cursor at `REFERENCES`.
fn reference(cursor: &mut Cursor<'_>) -> Option<Reference> {
    let start = cursor.offset();
    if !cursor.eat_word("REFERENCES") {
        return None;
    }
    let table = cursor.name()?;
    let columns = if cursor
        .peek()
        .is_some_and(|t| t.kind == TokenKind::OpenParen)
    {
        name_list(cursor)?
    } else {
        Vec::new()
    };
    let mut found = Reference {
        table,
        columns,
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
        text: String::new(),
    };
    loop {
        if cursor.peek_words(&["ON", "DELETE"]) || cursor.peek_words(&["ON", "UPDATE"]) {
            let delete = cursor.peek_words(&["ON", "DELETE"]);
            cursor.at += 2;
            let Some(action) = action(cursor) else { break };
            if delete {
                found.on_delete = action;
            } else {
                found.on_update = action;
            }
        } else if cursor.eat_word("MATCH") {
            cursor.skip_unit();
        } else if cursor.eat_word("DEFERRABLE") {
            found.deferrable = true;
        } else if cursor.eat_words(&["NOT", "DEFERRABLE"]) {
            found.deferrable = false;
        } else if cursor.eat_word("INITIALLY") {
            found.initially_deferred = cursor.eat_word("DEFERRED");
            cursor.eat_word("IMMEDIATE");
        } else {
            break;
        }
    }
    found.text = cursor.text[start..cursor.consumed_end()].trim().to_owned();
    Some(found)
}

/// `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL [(c)]`, `SET DEFAULT [(c)]`.
fn action(cursor: &mut Cursor<'_>) -> Option<FkAction> {
    let found = [
        (&["NO", "ACTION"][..], FkAction::NoAction),
        (&["RESTRICT"][..], FkAction::Restrict),
        (&["CASCADE"][..], FkAction::Cascade),
        (&["SET", "NULL"][..], FkAction::SetNull),
        (&["SET", "DEFAULT"][..], FkAction::SetDefault),
    ]
    .into_iter()
    .find(|(words, _)| cursor.eat_words(words))
    .map(|(_, action)| action)?;
    // PostgreSQL 15's `SET NULL (a)`: the columns to set.
    if matches!(found, FkAction::SetNull | FkAction::SetDefault)
        && cursor
            .peek()
            .is_some_and(|t| t.kind == TokenKind::OpenParen)
    {
        cursor.skip_unit();
    }
    Some(found)
}

/// A `REFERENCES ...` clause on its own.
pub(super) fn reference_clause(text: &str) -> Option<Reference> {
    reference(&mut Cursor::new(text))
}

/// A table constraint item.
pub(super) fn constraint(item: &str) -> Option<Constraint> {
    let mut cursor = Cursor::new(item);
    let name = if cursor.eat_word("CONSTRAINT") {
        Some(cursor.name()?)
    } else {
        None
    };
    let kind = constraint_kind(&mut cursor).unwrap_or(ConstraintKind::Other);
    Some(Constraint {
        name,
        kind,
        text: item.trim().to_owned(),
    })
}

fn constraint_kind(cursor: &mut Cursor<'_>) -> Option<ConstraintKind> {
    if cursor.eat_words(&["PRIMARY", "KEY"]) {
        return Some(ConstraintKind::PrimaryKey {
            columns: name_list(cursor)?,
        });
    }
    if cursor.eat_word("UNIQUE") {
        cursor.eat_words(&["NULLS", "NOT", "DISTINCT"]);
        cursor.eat_words(&["NULLS", "DISTINCT"]);
        return Some(ConstraintKind::Unique {
            columns: name_list(cursor)?,
        });
    }
    if cursor.eat_word("CHECK") {
        return Some(ConstraintKind::Check {
            expression: cursor.group()?.trim().to_owned(),
        });
    }
    if cursor.eat_words(&["FOREIGN", "KEY"]) {
        let columns = name_list(cursor)?;
        return Some(ConstraintKind::ForeignKey {
            columns,
            reference: reference(cursor)?,
        });
    }
    if cursor.eat_word("EXCLUDE") {
        let method = if cursor.eat_word("USING") {
            cursor.name()
        } else {
            None
        };
        let elements = split_items(cursor.group()?)
            .into_iter()
            .map(str::to_owned)
            .collect();
        return Some(ConstraintKind::Exclude { method, elements });
    }
    None
}

/// `ALTER TABLE [ONLY] t ADD [CONSTRAINT c] ...;`.
pub(super) fn added_constraint(ddl: &str) -> Option<(String, Constraint)> {
    let mut cursor = Cursor::new(ddl);
    if !cursor.eat_words(&["ALTER", "TABLE"]) {
        return None;
    }
    cursor.eat_word("ONLY");
    let table = cursor.name()?;
    if !cursor.eat_word("ADD") {
        return None;
    }
    let rest = ddl[cursor.offset()..].trim();
    let rest = rest.strip_suffix(';').unwrap_or(rest);
    Some((table, constraint(rest)?))
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] t [USING m]
/// (keys) ... [WHERE predicate]`.
pub(super) fn index(ddl: &str) -> Option<IndexDef> {
    let mut cursor = Cursor::new(ddl);
    if !cursor.eat_word("CREATE") {
        return None;
    }
    let unique = cursor.eat_word("UNIQUE");
    if !cursor.eat_word("INDEX") {
        return None;
    }
    cursor.eat_word("CONCURRENTLY");
    cursor.eat_words(&["IF", "NOT", "EXISTS"]);
    let name = if cursor.peek_word("ON") {
        String::new()
    } else {
        cursor.name()?
    };
    if !cursor.eat_word("ON") {
        return None;
    }
    cursor.eat_word("ONLY");
    let table = cursor.name()?;
    let method = if cursor.eat_word("USING") {
        cursor.name()
    } else {
        None
    };
    let keys = split_items(cursor.group()?)
        .into_iter()
        .map(str::to_owned)
        .collect();
    cursor.skip_until(&["WHERE"]);
    let predicate = cursor.eat_word("WHERE").then(|| {
        let rest = ddl[cursor.offset()..].trim();
        rest.strip_suffix(';').unwrap_or(rest).trim_end().to_owned()
    });
    Some(IndexDef {
        unique,
        name,
        table,
        method,
        keys,
        predicate,
    })
}
