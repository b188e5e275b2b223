//! Which objects of a dump `drift` and `baseline` compare: not the bookkeeping tables
//! (nor what hangs on them), not SQLite's AUTOINCREMENT counters (data, not schema), and
//! on PostgreSQL with a schema other than `public`, only that schema's objects and the
//! extensions.

use migration_runner::{CHECKSUM_HISTORY_TABLE, CHECKSUM_TABLE, PgSchema};
use sea_orm_migration::MigratorTrait;

use crate::catalog::{ObjectKey, ObjectKind, SchemaDump};

/// The objects compared.
pub(crate) struct Scope {
    /// The bookkeeping tables, named as the dump names them (`app.seaql_migrations`).
    bookkeeping: Vec<String>,
    /// A PostgreSQL schema other than `public`, whose objects alone are compared.
    schema: Option<String>,
}

impl Scope {
    /// The scope of `M`'s bookkeeping in `schema` (PostgreSQL) or the database (SQLite).
    pub fn of<M: MigratorTrait>(schema: Option<&PgSchema>) -> Self {
        let schema = schema
            .map(|s| s.name().to_owned())
            .filter(|name| name != "public");
        let prefix = schema.as_ref().map(|s| format!("{s}.")).unwrap_or_default();
        let bookkeeping = [
            M::migration_table_name().to_string(),
            CHECKSUM_TABLE.to_owned(),
            CHECKSUM_HISTORY_TABLE.to_owned(),
        ]
        .into_iter()
        .map(|table| format!("{prefix}{table}"))
        .collect();
        Self {
            bookkeeping,
            schema,
        }
    }

    /// `dump` without the objects left out of the comparison.
    pub fn apply(&self, dump: SchemaDump) -> SchemaDump {
        SchemaDump {
            objects: dump
                .objects
                .into_iter()
                .filter(|(key, _)| self.keeps(key))
                .collect(),
        }
    }

    fn keeps(&self, key: &ObjectKey) -> bool {
        if key.kind == ObjectKind::AutoincrementCounter {
            return false;
        }
        if self.bookkeeping.iter().any(|table| belongs_to(key, table)) {
            return false;
        }
        match &self.schema {
            None => true,
            Some(schema) => in_schema(key, schema),
        }
    }
}

/// Whether `key` is `table` or an object of it: its constraints, triggers, policies and
/// row security (`table.name`), comments on it or its columns.
fn belongs_to(key: &ObjectKey, table: &str) -> bool {
    if key.kind == ObjectKind::Comment {
        // `table items`, `column items.label`, `constraint items_pkey on items`.
        return mentions(&key.name, table, |rest| {
            rest.is_empty() || rest.starts_with('.')
        });
    }
    key.name == table
        || key
            .name
            .strip_prefix(table)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Whether `key` lives in `schema` (its name qualified by it), or is the schema or an
/// extension, which a schema's migrations may install anywhere.
fn in_schema(key: &ObjectKey, schema: &str) -> bool {
    let qualified = format!("{schema}.");
    match key.kind {
        ObjectKind::Extension => true,
        ObjectKind::Schema => key.name == schema,
        // The object's identity as PostgreSQL writes it: `column app.items.a`,
        // `constraint items_pkey on app.items`, `function app.f(integer)`, `schema app`.
        ObjectKind::Comment => {
            key.name == format!("schema {schema}") || mentions(&key.name, &qualified, |_| true)
        }
        _ => key.name.starts_with(&qualified),
    }
}

/// Whether `name` holds `word` where a name starts (after a space, `(` or `,`) and
/// `then` accepts what follows it.
fn mentions(name: &str, word: &str, then: impl Fn(&str) -> bool) -> bool {
    name.match_indices(word).any(|(at, _)| {
        let starts = name[..at].ends_with([' ', '(', ',']);
        starts && then(&name[at + word.len()..])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: ObjectKind, name: &str) -> ObjectKey {
        ObjectKey::new(kind, name)
    }

    #[test]
    fn bookkeeping_and_what_hangs_on_it_are_left_out() {
        let scope = Scope {
            bookkeeping: vec!["seaql_migrations".to_owned()],
            schema: None,
        };
        assert!(!scope.keeps(&key(ObjectKind::Table, "seaql_migrations")));
        assert!(!scope.keeps(&key(
            ObjectKind::Constraint,
            "seaql_migrations.seaql_migrations_pkey"
        )));
        assert!(!scope.keeps(&key(ObjectKind::Comment, "column seaql_migrations.version")));
        assert!(!scope.keeps(&key(
            ObjectKind::Comment,
            "constraint seaql_migrations_pkey on seaql_migrations"
        )));
        assert!(scope.keeps(&key(ObjectKind::Comment, "table seaql_migrations_archive")));
        assert!(scope.keeps(&key(ObjectKind::Table, "seaql_migrations_archive")));
        assert!(scope.keeps(&key(ObjectKind::Index, "idx_items")));
        assert!(!scope.keeps(&key(ObjectKind::AutoincrementCounter, "items")));
    }

    #[test]
    fn a_schema_keeps_its_own_objects_and_the_extensions() {
        let scope = Scope {
            bookkeeping: vec!["app.seaql_migrations".to_owned()],
            schema: Some("app".to_owned()),
        };
        assert!(scope.keeps(&key(ObjectKind::Table, "app.items")));
        assert!(scope.keeps(&key(ObjectKind::Schema, "app")));
        assert!(scope.keeps(&key(ObjectKind::Extension, "citext")));
        assert!(scope.keeps(&key(ObjectKind::Comment, "column app.items.a")));
        assert!(scope.keeps(&key(ObjectKind::Comment, "policy p on app.items")));
        assert!(scope.keeps(&key(ObjectKind::Comment, "materialized view app.totals")));
        assert!(scope.keeps(&key(ObjectKind::Comment, "schema app")));
        assert!(!scope.keeps(&key(ObjectKind::Comment, "column other.items.a")));
        assert!(!scope.keeps(&key(ObjectKind::Comment, "column myapp.items.a")));
        assert!(!scope.keeps(&key(ObjectKind::Table, "other.items")));
        assert!(!scope.keeps(&key(ObjectKind::Table, "items")));
        assert!(!scope.keeps(&key(ObjectKind::Schema, "other")));
        assert!(!scope.keeps(&key(ObjectKind::Table, "app.seaql_migrations")));
    }
}
