//! What a dump's text says about tables: each table's columns (split into the aspects a
//! reviewer asks about) and its inline constraints, and which table every other object
//! belongs to. Read from the text both catalog readers write (one item per line).

use std::collections::BTreeMap;

use super::parse::{read_name, table_after_on, unqualify_public};
use crate::catalog::{ObjectKey, ObjectKind, SchemaDump};
use crate::sqlfmt::split_top_level;

/// One column as its table's text declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnText {
    /// The column's name.
    pub name: String,
    /// The whole definition after the name.
    pub definition: String,
    /// The declared type, lower-case (`character varying(20)`, `varchar`).
    pub sql_type: String,
    /// Whether the column is NOT NULL.
    pub not_null: bool,
    /// The column's default, if any.
    pub default: Option<String>,
    /// The column's collation, if any.
    pub collation: Option<String>,
    /// Whether the definition declares a primary key, unique key or reference inline.
    pub primary_key: bool,
    /// Whether the column is UNIQUE.
    pub unique: bool,
    /// `REFERENCES t (c)` declared on the column: the referenced table.
    pub references: Option<String>,
    /// The whole `REFERENCES t (c) ON DELETE ...` clause, as written.
    pub reference_clause: Option<String>,
}

/// A table: its columns in order and its table-level constraints (as written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableText {
    pub columns: Vec<ColumnText>,
    /// `PRIMARY KEY (...)`, `FOREIGN KEY ...`, `CONSTRAINT c CHECK (...)` as written.
    pub constraints: Vec<String>,
    /// What surrounds the column list (`CREATE UNLOGGED TABLE`, `WITH (...)`), for
    /// changes to the table itself.
    pub frame: String,
}

/// The facts of one backend's dump a review needs.
#[derive(Debug, Clone, Default)]
pub struct SchemaText {
    pub dump: SchemaDump,
    pub tables: BTreeMap<String, TableText>,
    /// Objects that live on a table, by object: the table's name.
    pub owners: BTreeMap<ObjectKey, String>,
}

impl SchemaText {
    pub fn new(dump: SchemaDump) -> Self {
        let mut tables = BTreeMap::new();
        let mut owners = BTreeMap::new();
        for (key, ddl) in &dump.objects {
            if key.kind == ObjectKind::Table {
                tables.insert(key.name.clone(), TableText::parse(ddl));
            } else if let Some(table) = owner_of(key, ddl) {
                owners.insert(key.clone(), table);
            }
        }
        Self {
            dump,
            tables,
            owners,
        }
    }

    /// The tables `table` references and the tables referencing it.
    pub fn neighbours(&self, table: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .references(table)
            .into_iter()
            .map(|fk| fk.target)
            .collect();
        for other in self.tables.keys() {
            if self.references(other).iter().any(|fk| fk.target == table) {
                out.push(other.clone());
            }
        }
        out.sort();
        out.dedup();
        out.retain(|t| t != table);
        out
    }

    /// Every foreign key of `table`: inline ones and table constraints (SQLite),
    /// constraint objects (PostgreSQL).
    pub fn references(&self, table: &str) -> Vec<Reference> {
        let mut out = Vec::new();
        if let Some(text) = self.tables.get(table) {
            for column in &text.columns {
                if let Some(target) = &column.references {
                    out.push(Reference {
                        columns: vec![column.name.clone()],
                        target: target.clone(),
                        text: column.definition.clone(),
                    });
                }
            }
            for constraint in &text.constraints {
                out.extend(Reference::parse(constraint));
            }
        }
        for (key, ddl) in &self.dump.objects {
            if key.kind == ObjectKind::Constraint
                && self.owners.get(key).map(String::as_str) == Some(table)
            {
                out.extend(Reference::parse(ddl));
            }
        }
        out
    }

    /// The columns of `table`'s primary key and of its unique keys (inline, table
    /// constraints, constraint objects, unique indexes).
    pub fn key_columns(&self, table: &str) -> (Vec<String>, Vec<String>) {
        let (mut primary, mut unique) = (Vec::new(), Vec::new());
        let mut texts: Vec<&str> = Vec::new();
        if let Some(text) = self.tables.get(table) {
            for column in &text.columns {
                if column.primary_key {
                    primary.push(column.name.clone());
                }
                if column.unique {
                    unique.push(column.name.clone());
                }
            }
            texts.extend(text.constraints.iter().map(String::as_str));
        }
        for (key, ddl) in &self.dump.objects {
            if matches!(key.kind, ObjectKind::Constraint | ObjectKind::Index)
                && self.owners.get(key).map(String::as_str) == Some(table)
            {
                texts.push(ddl);
            }
        }
        for text in texts {
            let upper = text.to_ascii_uppercase();
            let target = if upper.contains("PRIMARY KEY") {
                &mut primary
            } else if upper.contains("UNIQUE") {
                &mut unique
            } else {
                continue;
            };
            let word = if upper.contains("PRIMARY KEY") {
                "PRIMARY KEY"
            } else {
                "UNIQUE"
            };
            let Some(at) = upper.find(word) else { continue };
            let rest = &text[at + word.len()..];
            // `UNIQUE INDEX i ON t USING btree (a)`: the first parenthesis holds the keys.
            let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
                continue;
            };
            if close > open {
                target.extend(
                    split_top_level(&rest[open + 1..close])
                        .iter()
                        .map(|c| read_name(c).0),
                );
            }
        }
        (primary, unique)
    }
}

/// A foreign key: its columns, the table it references and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub columns: Vec<String>,
    pub target: String,
    pub text: String,
}

impl Reference {
    fn parse(text: &str) -> Option<Self> {
        let (columns, target) = foreign_key(text)?;
        Some(Self {
            columns,
            target,
            text: text.to_owned(),
        })
    }
}

/// `FOREIGN KEY (a, b) REFERENCES t(x, y) ...` anywhere in `text` → `([a, b], t)`.
pub fn foreign_key(text: &str) -> Option<(Vec<String>, String)> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find("FOREIGN KEY")?;
    let rest = &text[at + "FOREIGN KEY".len()..];
    let open = rest.find('(')?;
    let close = rest[open..].find(')')? + open;
    let columns = split_top_level(&rest[open + 1..close])
        .iter()
        .map(|c| read_name(c).0)
        .collect();
    let after = &rest[close + 1..];
    let references = after.to_ascii_uppercase().find("REFERENCES")?;
    let (target, _) = read_name(&after[references + "REFERENCES".len()..]);
    Some((columns, unqualify_public(&target)))
}

/// `ON DELETE CASCADE ON UPDATE ...` of a foreign key's text, as written (upper-case);
/// `NO ACTION` when the text names none.
pub fn fk_actions(text: &str) -> (String, String) {
    let upper = text.to_ascii_uppercase();
    let action = |event: &str| {
        let Some(at) = upper.find(&format!("ON {event} ")) else {
            return "NO ACTION".to_owned();
        };
        let rest = &upper[at + 4 + event.len()..];
        [
            "NO ACTION",
            "RESTRICT",
            "CASCADE",
            "SET NULL",
            "SET DEFAULT",
        ]
        .into_iter()
        .find(|a| rest.starts_with(a))
        .unwrap_or("NO ACTION")
        .to_owned()
    };
    (action("DELETE"), action("UPDATE"))
}

fn owner_of(key: &ObjectKey, ddl: &str) -> Option<String> {
    match key.kind {
        ObjectKind::Constraint | ObjectKind::RowSecurity => {
            let rest = ddl.trim_start().get("ALTER TABLE".len()..)?;
            Some(unqualify_public(&read_name(rest).0))
        }
        ObjectKind::Index | ObjectKind::Trigger | ObjectKind::Policy => table_after_on(ddl),
        ObjectKind::AutoincrementCounter => Some(key.name.clone()),
        ObjectKind::Comment => {
            let (kind, ident) = key.name.split_once(' ')?;
            match kind {
                "table" => Some(unqualify_public(&read_name(ident).0)),
                "column" => {
                    let name = read_name(ident).0;
                    let (table, _) = name.rsplit_once('.')?;
                    Some(unqualify_public(table))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

impl TableText {
    pub fn parse(ddl: &str) -> Self {
        let (Some(open), Some(close)) = (ddl.find('('), ddl.rfind(')')) else {
            return Self {
                frame: ddl.trim().to_owned(),
                ..Self::default()
            };
        };
        if close < open {
            return Self {
                frame: ddl.trim().to_owned(),
                ..Self::default()
            };
        }
        // The kind of table and its options, not how its name is spelled (SQLite keeps
        // `items`, `"items"` or `IF NOT EXISTS items` as the migration wrote it).
        let kind: Vec<String> = ddl[..open]
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .filter(|w| {
                [
                    "CREATE",
                    "TABLE",
                    "UNLOGGED",
                    "TEMP",
                    "TEMPORARY",
                    "GLOBAL",
                    "LOCAL",
                ]
                .contains(&w.as_str())
            })
            .collect();
        let frame = format!("{} (…){}", kind.join(" "), &ddl[close + 1..])
            .trim_end_matches(';')
            .trim()
            .to_owned();
        let mut table = Self {
            frame,
            ..Self::default()
        };
        for item in split_top_level(&ddl[open + 1..close]) {
            let item = item.split_whitespace().collect::<Vec<_>>().join(" ");
            let keyword = item
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            if [
                "CONSTRAINT",
                "PRIMARY",
                "FOREIGN",
                "CHECK",
                "UNIQUE",
                "EXCLUDE",
            ]
            .contains(&keyword.as_str())
            {
                table.constraints.push(item);
            } else if !item.is_empty() {
                table.columns.push(ColumnText::parse(&item));
            }
        }
        table
    }

    pub fn column(&self, name: &str) -> Option<&ColumnText> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Words that end a column's type.
const KEYWORDS: [&str; 13] = [
    "COLLATE",
    "DEFAULT",
    "NOT",
    "NULL",
    "GENERATED",
    "AS",
    "PRIMARY",
    "REFERENCES",
    "CHECK",
    "UNIQUE",
    "CONSTRAINT",
    "AUTOINCREMENT",
    "ON",
];

impl ColumnText {
    fn parse(item: &str) -> Self {
        let (name, rest) = read_name(item);
        let definition = rest.trim().to_owned();
        let words: Vec<&str> = definition.split_whitespace().collect();
        let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        let type_end = upper
            .iter()
            .position(|w| KEYWORDS.contains(&w.as_str()))
            .unwrap_or(words.len());
        // The words after `keyword`, up to the next keyword (quotes kept together).
        let after = |keyword: &str| -> Option<String> {
            let at = upper.iter().position(|w| w == keyword)?;
            let mut taken = Vec::new();
            let mut in_quote = false;
            for (word, up) in words[at + 1..].iter().zip(&upper[at + 1..]) {
                if !in_quote && KEYWORDS.contains(&up.as_str()) && !taken.is_empty() {
                    break;
                }
                if word.matches('\'').count() % 2 == 1 {
                    in_quote = !in_quote;
                }
                taken.push(*word);
            }
            Some(taken.join(" "))
        };
        let references = after("REFERENCES").map(|r| unqualify_public(&read_name(&r).0));
        let joined = upper.join(" ");
        let reference_clause = upper
            .iter()
            .position(|w| w == "REFERENCES")
            .map(|at| words[at..].join(" "));
        Self {
            reference_clause,
            name,
            sql_type: words[..type_end].join(" ").to_ascii_lowercase(),
            not_null: joined.contains("NOT NULL"),
            default: after("DEFAULT"),
            collation: after("COLLATE").map(|c| c.to_ascii_lowercase()),
            primary_key: joined.contains("PRIMARY KEY"),
            unique: upper.iter().any(|w| w == "UNIQUE"),
            references,
            definition,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_splits_into_columns_and_constraints() {
        let table = TableText::parse(
            "CREATE TABLE \"items\" (\n    \"id\" varchar NOT NULL PRIMARY KEY,\n    \"label\" varchar(20) NOT NULL DEFAULT 'a b' COLLATE NOCASE,\n    \"owner_id\" varchar NULL,\n    CONSTRAINT \"fk\" FOREIGN KEY (\"owner_id\") REFERENCES \"owners\" (\"id\") ON DELETE CASCADE\n);",
        );
        assert_eq!(table.columns.len(), 3);
        let label = table.column("label").expect("label");
        assert_eq!(label.sql_type, "varchar(20)");
        assert!(label.not_null);
        assert_eq!(label.default.as_deref(), Some("'a b'"));
        assert_eq!(label.collation.as_deref(), Some("nocase"));
        assert!(table.column("id").expect("id").primary_key);
        assert!(!table.column("owner_id").expect("owner").not_null);
        assert_eq!(
            foreign_key(&table.constraints[0]),
            Some((vec!["owner_id".to_owned()], "owners".to_owned()))
        );
        assert_eq!(
            fk_actions(&table.constraints[0]),
            ("CASCADE".to_owned(), "NO ACTION".to_owned())
        );
    }

    #[test]
    fn the_spelling_of_a_tables_name_is_no_change_its_kind_is() {
        let frame = |ddl: &str| TableText::parse(ddl).frame;
        assert_eq!(
            frame("CREATE TABLE \"items\" (a int)"),
            frame("CREATE TABLE IF NOT EXISTS items (a int);")
        );
        assert_ne!(
            frame("CREATE TABLE items (a int)"),
            frame("CREATE UNLOGGED TABLE items (a int)")
        );
        assert_ne!(
            frame("CREATE TABLE items (a int)"),
            frame("CREATE TABLE items (a int) WITHOUT ROWID")
        );
    }

    #[test]
    fn postgres_columns_read_the_same_way() {
        let table = TableText::parse(
            "\nCREATE TABLE items (\n    label character varying(20) COLLATE \"C\" DEFAULT 'x'::character varying NOT NULL\n);",
        );
        let label = table.column("label").expect("label");
        assert_eq!(label.sql_type, "character varying(20)");
        assert_eq!(label.collation.as_deref(), Some("\"c\""));
        assert_eq!(label.default.as_deref(), Some("'x'::character varying"));
        assert!(label.not_null);
    }
}
