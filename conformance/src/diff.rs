//! Object-by-object differences between two schema dumps, for messages a reviewer can
//! act on: which object is missing, extra, or changed, and how.

use std::collections::BTreeMap;
use std::fmt;

use crate::catalog::SchemaDump;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectChange {
    /// In the expected schema, not in the actual one.
    Missing { object: String, ddl: String },
    /// In the actual schema, not in the expected one.
    Extra { object: String, ddl: String },
    Changed {
        object: String,
        expected: String,
        actual: String,
    },
}

impl ObjectChange {
    pub fn object(&self) -> &str {
        match self {
            Self::Missing { object, .. }
            | Self::Extra { object, .. }
            | Self::Changed { object, .. } => object,
        }
    }
}

/// What differs in `actual` compared with `expected`; empty when they are identical.
pub fn compare(expected: &SchemaDump, actual: &SchemaDump) -> Vec<ObjectChange> {
    let expected_map: BTreeMap<&str, &str> = expected
        .objects
        .iter()
        .map(|(o, d)| (o.as_str(), d.as_str()))
        .collect();
    let actual_map: BTreeMap<&str, &str> = actual
        .objects
        .iter()
        .map(|(o, d)| (o.as_str(), d.as_str()))
        .collect();
    let mut changes = Vec::new();
    for (object, ddl) in &expected_map {
        match actual_map.get(object) {
            None => changes.push(ObjectChange::Missing {
                object: (*object).to_owned(),
                ddl: (*ddl).to_owned(),
            }),
            Some(other) if other != ddl => changes.push(ObjectChange::Changed {
                object: (*object).to_owned(),
                expected: (*ddl).to_owned(),
                actual: (*other).to_owned(),
            }),
            Some(_) => {}
        }
    }
    for (object, ddl) in &actual_map {
        if !expected_map.contains_key(object) {
            changes.push(ObjectChange::Extra {
                object: (*object).to_owned(),
                ddl: (*ddl).to_owned(),
            });
        }
    }
    changes
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
                .map(|(o, d)| ((*o).to_owned(), (*d).to_owned()))
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
        let objects: Vec<&str> = changes.iter().map(ObjectChange::object).collect();
        assert_eq!(objects, ["index i", "table t", "index j"]);
        let text = describe(&changes);
        assert!(text.contains("missing index i"), "{text}");
        assert!(text.contains("left behind index j"), "{text}");
        assert!(text.contains("-     a int"), "{text}");
        assert!(text.contains("+     a bigint"), "{text}");
    }

    #[test]
    fn identical_dumps_have_no_changes() {
        let d = dump(&[("table t", "CREATE TABLE t ();")]);
        assert!(compare(&d, &d.clone()).is_empty());
    }
}
