//! What a dump's text says about tables, as a reviewer reads it: each table's columns
//! (split into the aspects a reviewer asks about) and its inline constraints, and which
//! table every other object belongs to. The statements are read by the catalog's one
//! DDL parser (`crate::catalog::ddl`); this module only shapes what it read.

use std::collections::BTreeMap;

use crate::catalog::FkAction;
use crate::catalog::ddl::{
    ColumnDef, Constraint, ConstraintKind, IndexDef, TableDef, collapse, read_name, table_after_on,
    unqualify_public,
};
use crate::catalog::{ObjectKey, ObjectKind, SchemaDump};

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

impl ColumnText {
    /// The review's view of a parsed column: texts with whitespace runs made one
    /// space, the type and collation lower-case.
    fn of(column: &ColumnDef) -> Self {
        Self {
            name: column.name.clone(),
            definition: collapse(&column.definition),
            sql_type: collapse(&column.sql_type).to_ascii_lowercase(),
            not_null: column.not_null,
            default: column.default.as_deref().map(collapse),
            collation: column
                .collation
                .as_deref()
                .map(|c| collapse(c).to_ascii_lowercase()),
            primary_key: column.primary_key,
            unique: column.unique,
            references: column
                .references
                .as_ref()
                .map(|r| unqualify_public(&r.table)),
            reference_clause: column.references.as_ref().map(|r| collapse(&r.text)),
        }
    }
}

/// A table: its columns in order and its table-level constraints (as written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableText {
    pub columns: Vec<ColumnText>,
    /// `PRIMARY KEY (...)`, `FOREIGN KEY ...`, `CONSTRAINT c CHECK (...)`, their texts
    /// with whitespace runs made one space.
    pub constraints: Vec<Constraint>,
    /// What surrounds the column list (`CREATE UNLOGGED TABLE`, `WITH (...)`), for
    /// changes to the table itself.
    pub frame: String,
    /// The table as parsed.
    pub definition: TableDef,
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

    /// The objects of `kinds` that live on `table`, in dump order.
    fn objects_on<'a>(
        &'a self,
        table: &'a str,
        kinds: &'a [ObjectKind],
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a str)> {
        self.dump.objects.iter().filter_map(move |(key, ddl)| {
            (kinds.contains(&key.kind) && self.owners.get(key).map(String::as_str) == Some(table))
                .then_some((key, ddl.as_str()))
        })
    }

    /// Every foreign key of `table`: inline ones and table constraints (SQLite, MySQL),
    /// constraint objects (PostgreSQL).
    pub fn references(&self, table: &str) -> Vec<Reference> {
        let mut out = Vec::new();
        if let Some(text) = self.tables.get(table) {
            for (column, def) in text.columns.iter().zip(&text.definition.columns) {
                if let (Some(target), Some(reference)) = (&column.references, &def.references) {
                    out.push(Reference {
                        columns: vec![column.name.clone()],
                        target: target.clone(),
                        text: column.definition.clone(),
                        on_delete: reference.on_delete,
                    });
                }
            }
            for constraint in &text.constraints {
                out.extend(Reference::of(constraint, &constraint.text));
            }
        }
        for (_, ddl) in self.objects_on(table, &[ObjectKind::Constraint]) {
            if let Some((_, constraint)) = Constraint::parse_added(ddl) {
                out.extend(Reference::of(&constraint, ddl));
            }
        }
        out
    }

    /// The columns of `table`'s primary key and of its unique keys (inline, table
    /// constraints, constraint objects, unique indexes).
    pub fn key_columns(&self, table: &str) -> (Vec<String>, Vec<String>) {
        let (mut primary, mut unique) = (Vec::new(), Vec::new());
        let mut keys: Vec<ConstraintKind> = Vec::new();
        if let Some(text) = self.tables.get(table) {
            for column in &text.columns {
                if column.primary_key {
                    primary.push(column.name.clone());
                }
                if column.unique {
                    unique.push(column.name.clone());
                }
            }
            keys.extend(text.constraints.iter().map(|c| c.kind.clone()));
        }
        for (key, ddl) in self.objects_on(table, &[ObjectKind::Constraint, ObjectKind::Index]) {
            if key.kind == ObjectKind::Constraint {
                keys.extend(Constraint::parse_added(ddl).map(|(_, c)| c.kind));
            } else if let Some(index) = IndexDef::parse(ddl).filter(|i| i.unique) {
                keys.push(ConstraintKind::Unique {
                    columns: index.key_names(),
                });
            }
        }
        for key in keys {
            match key {
                ConstraintKind::PrimaryKey { columns } => primary.extend(columns),
                ConstraintKind::Unique { columns } => unique.extend(columns),
                _ => {}
            }
        }
        (primary, unique)
    }
}

/// A foreign key: its columns, the table it references, its text and what deleting a
/// referenced row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub columns: Vec<String>,
    pub target: String,
    pub text: String,
    pub on_delete: FkAction,
}

impl Reference {
    fn of(constraint: &Constraint, text: &str) -> Option<Self> {
        let (columns, target) = foreign_key(constraint)?;
        let ConstraintKind::ForeignKey { reference, .. } = &constraint.kind else {
            return None;
        };
        Some(Self {
            columns,
            target,
            text: text.to_owned(),
            on_delete: reference.on_delete,
        })
    }
}

/// A foreign key constraint's columns and referenced table (without `public.`).
pub fn foreign_key(constraint: &Constraint) -> Option<(Vec<String>, String)> {
    match &constraint.kind {
        ConstraintKind::ForeignKey { columns, reference } => {
            Some((columns.clone(), unqualify_public(&reference.table)))
        }
        _ => None,
    }
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
        let Some(definition) = TableDef::parse(ddl) else {
            return Self {
                frame: ddl.trim().to_owned(),
                ..Self::default()
            };
        };
        // The kind of table and its options, not how its name is spelled (SQLite keeps
        // `items`, `"items"` or `IF NOT EXISTS items` as the migration wrote it).
        let kind = definition.kind.join(" ");
        let frame = if definition.options.is_empty() {
            format!("{kind} (…)")
        } else {
            format!("{kind} (…) {}", definition.options)
        };
        Self {
            columns: definition.columns.iter().map(ColumnText::of).collect(),
            constraints: definition
                .constraints
                .iter()
                .map(|c| Constraint {
                    text: collapse(&c.text),
                    ..c.clone()
                })
                .collect(),
            frame,
            definition,
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnText> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The parsed column of this name.
    pub fn column_definition(&self, name: &str) -> Option<&ColumnDef> {
        self.definition.column(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A foreign key constraint's `ON DELETE` and `ON UPDATE` actions as SQL writes them
    /// (`NO ACTION` when the text names none); `NO ACTION` for any other constraint.
    fn fk_actions(constraint: &Constraint) -> (String, String) {
        match &constraint.kind {
            ConstraintKind::ForeignKey { reference, .. } => (
                reference.on_delete.sql().to_owned(),
                reference.on_update.sql().to_owned(),
            ),
            _ => (
                FkAction::NoAction.sql().to_owned(),
                FkAction::NoAction.sql().to_owned(),
            ),
        }
    }

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
    fn options_after_the_column_list_are_the_frame_and_keys_are_typed() {
        let table = TableText::parse(
            "\nCREATE TABLE items (\n    id integer NOT NULL,\n    note text,\n    CONSTRAINT c CHECK (note <> 'UNIQUE (id)')\n) WITH (fillfactor=70);",
        );
        assert_eq!(table.frame, "CREATE TABLE (…) WITH (fillfactor=70)");
        assert_eq!(table.columns.len(), 2);
        assert_eq!(table.column("note").expect("note").sql_type, "text");
        let schema = SchemaText::new(SchemaDump {
            objects: vec![
                (
                    ObjectKey::new(ObjectKind::Table, "items"),
                    "CREATE TABLE items (\n    id integer,\n    CHECK (id <> 'PRIMARY KEY (x)')\n);"
                        .to_owned(),
                ),
                (
                    ObjectKey::new(ObjectKind::Index, "i"),
                    "CREATE UNIQUE INDEX i ON public.items USING btree (id);".to_owned(),
                ),
                (
                    ObjectKey::new(ObjectKind::Index, "j"),
                    "CREATE INDEX j ON items USING btree (id) WHERE (note = 'UNIQUE (x)');"
                        .to_owned(),
                ),
            ],
        });
        assert_eq!(
            schema.key_columns("items"),
            (Vec::new(), vec!["id".to_owned()])
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
