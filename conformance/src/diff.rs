//! Object-by-object differences between two schema dumps, for messages a reviewer can
//! act on: which object is missing, extra, or changed, and how. A changed table also
//! names each changed column and what changed in it (`changed column collation t.c`).

use std::collections::BTreeMap;
use std::fmt;

use crate::catalog::ddl::{ColumnDef, TableDef, collapse};
use sea_orm::ConnectionTrait;

use crate::catalog::{LiveCatalog, ObjectKey, ObjectKind, SchemaDump};
use crate::error::HarnessError;
use crate::sqltokens;

#[derive(Debug, Clone, PartialEq, Eq)]
/// A difference in one object between two schemas.
pub enum ObjectChange {
    /// In the expected schema, not in the actual one.
    Missing {
        /// The object.
        object: ObjectKey,
        /// Its DDL.
        ddl: String,
    },
    /// In the actual schema, not in the expected one.
    Extra {
        /// The object.
        object: ObjectKey,
        /// Its DDL.
        ddl: String,
    },
    /// In both schemas, with different DDL.
    Changed {
        /// The object.
        object: ObjectKey,
        /// Its expected DDL.
        expected: String,
        /// Its actual DDL.
        actual: String,
    },
}

impl ObjectChange {
    /// The object that differs.
    pub fn object(&self) -> &ObjectKey {
        match self {
            Self::Missing { object, .. }
            | Self::Extra { object, .. }
            | Self::Changed { object, .. } => object,
        }
    }

    /// For a changed table, one line per column that changed, was added or removed:
    /// `changed column collation items.label`, `left behind column items.note`.
    pub fn column_changes(&self) -> Vec<String> {
        match self {
            Self::Changed {
                object,
                expected,
                actual,
            } if object.kind == ObjectKind::Table => column_changes(&object.name, expected, actual),
            _ => Vec::new(),
        }
    }
}

/// What differs in `actual` compared with `expected`; empty when they are identical.
pub fn compare(expected: &SchemaDump, actual: &SchemaDump) -> Vec<ObjectChange> {
    let expected_map: BTreeMap<&ObjectKey, &str> = expected
        .objects
        .iter()
        .map(|(o, d)| (o, d.as_str()))
        .collect();
    let actual_map: BTreeMap<&ObjectKey, &str> = actual
        .objects
        .iter()
        .map(|(o, d)| (o, d.as_str()))
        .collect();
    let mut changes = Vec::new();
    for (object, ddl) in &expected_map {
        match actual_map.get(object) {
            None => changes.push(ObjectChange::Missing {
                object: (*object).clone(),
                ddl: (*ddl).to_owned(),
            }),
            Some(other)
                if other != ddl
                    && !same_table_text(object, ddl, other)
                    && !same_definition(object, ddl, other) =>
            {
                changes.push(ObjectChange::Changed {
                    object: (*object).clone(),
                    expected: (*ddl).to_owned(),
                    actual: (*other).to_owned(),
                })
            }
            Some(_) => {}
        }
    }
    for (object, ddl) in &actual_map {
        if !expected_map.contains_key(object) {
            changes.push(ObjectChange::Extra {
                object: (*object).clone(),
                ddl: (*ddl).to_owned(),
            });
        }
    }
    changes
}

/// Whether two texts of one table differ only in a column's bare `NULL` constraint
/// (`"a" varchar NULL` and `"a" varchar` are the same column: SQLite keeps the text a
/// migration wrote, and a table rebuilt by hand often leaves the `NULL` out).
fn same_table_text(object: &ObjectKey, expected: &str, actual: &str) -> bool {
    if object.kind != ObjectKind::Table {
        return false;
    }
    match (TableDef::parse(expected), TableDef::parse(actual)) {
        (Some(expected), Some(actual)) => {
            expected.without_bare_null() == actual.without_bare_null()
        }
        _ => false,
    }
}

/// Whether `object` is compared as SQL: the kinds whose definition holds code a
/// migration writes (a function's body, a view's query, a SQLite trigger's text), whose
/// layout the catalog keeps as written.
fn compared_as_sql(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Function
            | ObjectKind::Procedure
            | ObjectKind::Trigger
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Policy
    )
}

/// Whether two definitions of one such object are the same SQL, token by token.
fn same_definition(object: &ObjectKey, expected: &str, actual: &str) -> bool {
    compared_as_sql(object.kind) && sqltokens::same_sql(expected, actual)
}

/// The columns of a `CREATE TABLE` text, by name; table constraints are left out.
fn columns(ddl: &str) -> BTreeMap<String, ColumnFacts> {
    TableDef::parse(ddl)
        .map(|table| {
            table
                .columns
                .iter()
                .map(|column| (column.name.clone(), ColumnFacts::of(column)))
                .collect()
        })
        .unwrap_or_default()
}

/// The type of `column` in a table's `CREATE TABLE` text, as the catalog prints it.
pub(crate) fn column_type(ddl: &str, column: &str) -> Option<String> {
    columns(ddl).remove(column)?.aspects.remove("type")
}

/// What one column says, split into the aspects a finding names.
#[derive(Debug, Default, PartialEq, Eq)]
struct ColumnFacts {
    aspects: BTreeMap<&'static str, String>,
    text: String,
}

impl ColumnFacts {
    fn of(column: &ColumnDef) -> Self {
        let mut aspects = BTreeMap::new();
        aspects.insert("type", collapse(&column.sql_type).to_ascii_lowercase());
        let collation = column.collation.as_deref().unwrap_or_default();
        aspects.insert("collation", collation.to_ascii_lowercase());
        let default = column.default.as_deref().map(collapse).unwrap_or_default();
        aspects.insert("default", default);
        aspects.insert("nullability", column.not_null.to_string());
        let identity = column.identity.map(|i| i.sql()).unwrap_or_default();
        aspects.insert("identity", identity.to_owned());
        let generated = column.generated.as_ref().map(|g| {
            let stored = if g.stored { " STORED" } else { "" };
            format!("AS ({}){stored}", g.expression)
        });
        aspects.insert("generated expression", generated.unwrap_or_default());
        Self {
            aspects,
            text: column.definition.clone(),
        }
    }
}

fn column_changes(table: &str, expected: &str, actual: &str) -> Vec<String> {
    let (before, after) = (columns(expected), columns(actual));
    let mut lines = Vec::new();
    for (name, facts) in &before {
        match after.get(name) {
            None => lines.push(format!("missing column {table}.{name}")),
            Some(other) if other != facts => {
                let mut aspects: Vec<&str> = facts
                    .aspects
                    .iter()
                    .filter(|(aspect, value)| other.aspects.get(*aspect) != Some(*value))
                    .map(|(aspect, _)| *aspect)
                    .collect();
                if aspects.is_empty() {
                    aspects.push("definition");
                }
                lines.push(format!(
                    "changed column {} {table}.{name}",
                    aspects.join(", ")
                ));
            }
            Some(_) => {}
        }
    }
    for name in after.keys() {
        if !before.contains_key(name) {
            lines.push(format!("left behind column {table}.{name}"));
        }
    }
    lines
}

impl fmt::Display for ObjectChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing { object, ddl } => {
                writeln!(f, "  missing {object}:")?;
                for line in ddl.trim().lines() {
                    writeln!(f, "    - {line}")?;
                }
            }
            Self::Extra { object, ddl } => {
                writeln!(f, "  left behind {object}:")?;
                for line in ddl.trim().lines() {
                    writeln!(f, "    + {line}")?;
                }
            }
            Self::Changed {
                object,
                expected,
                actual,
            } => {
                writeln!(f, "  changed {object}:")?;
                if compared_as_sql(object.kind) {
                    return write_definitions(f, expected, actual);
                }
                for line in self.column_changes() {
                    writeln!(f, "    {line}")?;
                }
                let diff = similar::TextDiff::from_lines(expected.trim(), actual.trim());
                for change in diff.iter_all_changes() {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => "-",
                        similar::ChangeTag::Insert => "+",
                        similar::ChangeTag::Equal => " ",
                    };
                    write!(f, "    {sign} {}", change.value())?;
                    if change.missing_newline() {
                        writeln!(f)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What differs token by token (layout and comments ignored), then both definitions
/// in full: a one-character change in a literal is not lost among re-indented lines.
fn write_definitions(f: &mut fmt::Formatter<'_>, expected: &str, actual: &str) -> fmt::Result {
    for line in sqltokens::differences(expected, actual) {
        writeln!(f, "    {line}")?;
    }
    for (label, ddl) in [("expected", expected), ("found", actual)] {
        writeln!(f, "    {label}:")?;
        for line in ddl.trim().lines() {
            writeln!(f, "      {line}")?;
        }
    }
    Ok(())
}

/// `Err` naming the difference when `catalog` as last read is not what a whole read of
/// `conn` gives now: the tests' proof that the incremental reads miss nothing.
pub(crate) async fn check_live_catalog<C: ConnectionTrait>(
    catalog: &LiveCatalog,
    conn: &C,
) -> Result<(), HarnessError> {
    let full = crate::catalog::dump(conn).await?;
    let live = catalog.dump();
    if full == live {
        return Ok(());
    }
    Err(HarnessError::Setup(format!(
        "the incremental catalog read differs from a whole one (expected: whole):\n{}",
        describe(&compare(&full, &live))
    )))
}

/// All changes as one block of text.
pub fn describe(changes: &[ObjectChange]) -> String {
    changes.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(objects: &[(&str, &str)]) -> SchemaDump {
        SchemaDump {
            objects: objects
                .iter()
                .map(|(o, d)| {
                    let (kind, name) = o.split_once(' ').expect("kind name");
                    let kind = match kind {
                        "table" => ObjectKind::Table,
                        "index" => ObjectKind::Index,
                        _ => ObjectKind::Policy,
                    };
                    (ObjectKey::new(kind, name), (*d).to_owned())
                })
                .collect(),
        }
    }

    #[test]
    fn reports_missing_extra_and_changed_objects() {
        let expected = dump(&[
            ("table t", "CREATE TABLE t (\n    a int\n);"),
            ("index i", "CREATE INDEX i;"),
        ]);
        let actual = dump(&[
            ("table t", "CREATE TABLE t (\n    a bigint\n);"),
            ("index j", "CREATE INDEX j;"),
        ]);
        let changes = compare(&expected, &actual);
        let objects: Vec<String> = changes.iter().map(|c| c.object().to_string()).collect();
        assert_eq!(objects, ["table t", "index i", "index j"]);
        let text = describe(&changes);
        assert!(text.contains("missing index i"), "{text}");
        assert!(text.contains("left behind index j"), "{text}");
        assert!(text.contains("-     a int"), "{text}");
        assert!(text.contains("+     a bigint"), "{text}");
        assert!(text.contains("changed column type t.a"), "{text}");
    }

    #[test]
    fn a_changed_table_names_each_column_and_aspect() {
        let expected = dump(&[(
            "table items",
            "CREATE TABLE items (\n    id integer NOT NULL,\n    label text DEFAULT 'x'::text NOT NULL\n);",
        )]);
        let actual = dump(&[(
            "table items",
            "CREATE TABLE items (\n    id integer GENERATED ALWAYS AS IDENTITY NOT NULL,\n    label text COLLATE \"C\" DEFAULT 'x'::text NOT NULL,\n    note text\n);",
        )]);
        let text = describe(&compare(&expected, &actual));
        assert!(text.contains("changed column identity items.id"), "{text}");
        assert!(
            text.contains("changed column collation items.label"),
            "{text}"
        );
        assert!(text.contains("left behind column items.note"), "{text}");
        let sqlite = dump(&[(
            "table t",
            "CREATE TABLE \"t\" (\n    \"a\" text NOT NULL COLLATE NOCASE,\n    CHECK (a <> '')\n);",
        )]);
        let sqlite_after = dump(&[(
            "table t",
            "CREATE TABLE \"t\" (\n    \"a\" text NOT NULL,\n    CHECK (a <> '')\n);",
        )]);
        let text = describe(&compare(&sqlite, &sqlite_after));
        assert!(text.contains("changed column collation t.a"), "{text}");
    }

    #[test]
    fn a_column_is_named_by_its_name_however_quoted() {
        let expected = dump(&[(
            "table user",
            "CREATE TABLE \"user\" (\n    \"Display Name\" text,\n    \"group\" integer\n);",
        )]);
        let actual = dump(&[(
            "table user",
            "CREATE TABLE \"user\" (\n    \"Display Name\" varchar,\n    \"group\" integer\n);",
        )]);
        let text = describe(&compare(&expected, &actual));
        assert!(
            text.contains("changed column type user.Display Name\n"),
            "{text}"
        );
    }

    #[test]
    fn a_bare_null_is_no_change_but_not_null_and_default_null_are() {
        let table = |column: &str| {
            dump(&[(
                "table t",
                &format!("CREATE TABLE \"t\" (\n    {column},\n    \"b\" int\n);"),
            )])
        };
        let with_null = table("\"a\" varchar NULL");
        assert!(compare(&with_null, &table("\"a\" varchar")).is_empty());
        assert_eq!(
            compare(&with_null, &table("\"a\" varchar NOT NULL")).len(),
            1
        );
        assert_eq!(
            compare(
                &table("\"a\" varchar DEFAULT NULL"),
                &table("\"a\" varchar")
            )
            .len(),
            1
        );
    }

    #[test]
    fn constraints_and_keywords_inside_expressions_are_no_columns() {
        let before = dump(&[(
            "table t",
            "CREATE TABLE t (\n    a integer CONSTRAINT positive CHECK (a IS NOT NULL),\n    during tstzrange\n);",
        )]);
        let after = dump(&[(
            "table t",
            "CREATE TABLE t (\n    a integer CONSTRAINT positive CHECK (a IS NOT NULL) NOT NULL,\n    during tstzrange,\n    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)\n);",
        )]);
        let text = describe(&compare(&before, &after));
        // The type stops at CONSTRAINT; the NOT NULL inside the CHECK is no nullability.
        assert!(text.contains("changed column nullability t.a\n"), "{text}");
        assert!(!text.contains("column t.EXCLUDE"), "{text}");
        assert_eq!(
            column_type(&after.objects[0].1, "a").as_deref(),
            Some("integer")
        );
    }

    #[test]
    fn identical_dumps_have_no_changes() {
        let d = dump(&[("table t", "CREATE TABLE t ();")]);
        assert!(compare(&d, &d.clone()).is_empty());
    }
}
