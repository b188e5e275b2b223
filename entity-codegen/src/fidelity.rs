//! FIDELITY.md: what the PostgreSQL schema holds that the generated entities cannot
//! express, read from the catalog so that it cannot go stale.
//!
//! Every query is ordered, and nothing server-specific (OIDs, versions) is printed, so
//! the report is as deterministic as the entities and the drift check covers it.

use anyhow::Context;
use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement};

use crate::enums::ENUM_COLUMNS;

pub const FILE_NAME: &str = "FIDELITY.md";

/// Filter shared by the queries: application tables in `public`.
const APP_TABLES: &str = "n.nspname = 'public' AND t.relname <> 'seaql_migrations'";

#[derive(Debug, FromQueryResult)]
struct Extension {
    name: String,
}

#[derive(Debug, FromQueryResult)]
struct CitextColumn {
    table_name: String,
    column_name: String,
}

#[derive(Debug, FromQueryResult)]
struct IndexRow {
    table_name: String,
    index_name: String,
    is_unique: bool,
    column_count: i32,
    definition: String,
    predicate: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct DefaultRow {
    table_name: String,
    column_name: String,
    default_expr: String,
}

#[derive(Debug, FromQueryResult)]
struct ConstraintRow {
    table_name: String,
    name: String,
    definition: String,
}

/// The catalog facts the report is made of.
pub struct FidelityReport {
    extensions: Vec<Extension>,
    citext_columns: Vec<CitextColumn>,
    indexes: Vec<IndexRow>,
    defaults: Vec<DefaultRow>,
    checks: Vec<ConstraintRow>,
    foreign_keys: Vec<ConstraintRow>,
}

async fn query<T: FromQueryResult>(
    conn: &DatabaseConnection,
    what: &str,
    sql: String,
) -> anyhow::Result<Vec<T>> {
    T::find_by_statement(Statement::from_string(DbBackend::Postgres, sql))
        .all(conn)
        .await
        .with_context(|| format!("cannot read the {what} from the PostgreSQL catalog"))
}

impl FidelityReport {
    pub async fn read(conn: &DatabaseConnection) -> anyhow::Result<Self> {
        let extensions = query(
            conn,
            "extensions",
            // plpgsql is in every database and irrelevant to the schema.
            "SELECT extname::text AS name FROM pg_extension \
             WHERE extname <> 'plpgsql' ORDER BY extname"
                .to_owned(),
        )
        .await?;
        let citext_columns = query(
            conn,
            "citext columns",
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND udt_name = 'citext' \
             ORDER BY table_name, ordinal_position"
                .to_owned(),
        )
        .await?;
        let indexes = query(
            conn,
            "indexes",
            format!(
                "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
                        x.indisunique AS is_unique, x.indnatts::int4 AS column_count, \
                        pg_get_indexdef(x.indexrelid) AS definition, \
                        pg_get_expr(x.indpred, x.indrelid) AS predicate \
                 FROM pg_index x \
                 JOIN pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_class t ON t.oid = x.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE {APP_TABLES} AND NOT x.indisprimary \
                 ORDER BY t.relname, i.relname"
            ),
        )
        .await?;
        let defaults = query(
            conn,
            "column defaults",
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                    column_default::text AS default_expr \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> 'seaql_migrations' \
               AND column_default IS NOT NULL \
             ORDER BY table_name, ordinal_position"
                .to_owned(),
        )
        .await?;
        let constraints = |kind: &str| {
            format!(
                "SELECT t.relname::text AS table_name, c.conname::text AS name, \
                        pg_get_constraintdef(c.oid) AS definition \
                 FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 WHERE {APP_TABLES} AND c.contype = '{kind}' \
                 ORDER BY t.relname, c.conname"
            )
        };
        let checks = query(conn, "CHECK constraints", constraints("c")).await?;
        let foreign_keys = query(conn, "foreign keys", constraints("f")).await?;
        Ok(Self {
            extensions,
            citext_columns,
            indexes,
            defaults,
            checks,
            foreign_keys,
        })
    }

    pub fn to_markdown(&self) -> String {
        self.to_string()
    }
}

impl std::fmt::Display for FidelityReport {
    fn fmt(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            md,
            "<!-- @generated by `entity-codegen` from the migrated PostgreSQL catalog. Do not edit: run `make entities`. -->"
        )?;
        writeln!(md, "# What the entities cannot express")?;
        writeln!(md)?;
        writeln!(
            md,
            "The entities in this folder are generated from the migrated PostgreSQL schema. \
             SeaORM entities describe columns, primary keys and relations; the schema holds \
             more. Everything below is enforced by the database (created by the `migration` \
             crate) and is **not** visible in, or enforced by, the entity code."
        )?;
        self.write_case_insensitive(md)?;
        self.write_indexes(md)?;
        self.write_defaults(md)?;
        self.write_checks(md)?;
        self.write_foreign_keys(md)?;
        write_enum_columns(md)
    }
}

impl FidelityReport {
    fn write_case_insensitive(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(md)?;
        writeln!(md, "## Extensions and case-insensitive columns")?;
        writeln!(md)?;
        let names: Vec<String> = self
            .extensions
            .iter()
            .map(|e| format!("`{}`", e.name))
            .collect();
        writeln!(
            md,
            "Extensions (PostgreSQL only; SQLite needs none): {}.",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        )?;
        writeln!(md)?;
        writeln!(
            md,
            "These columns are `citext` on PostgreSQL and `text COLLATE NOCASE` on SQLite. \
             The entities map them to `String` with `save_as = \"citext\"` (every bound value \
             is cast to citext, so `Column::X.eq(..)` ignores case on PostgreSQL; on SQLite \
             the cast has text affinity and the column collation ignores case); \
             they are read back as plain text. Not expressed: the collation itself. A raw `Expr` \
             comparison that bypasses `ColumnTrait` (e.g. `Expr::col(..).eq(..)`) binds a \
             `text` value and is case-**sensitive** on PostgreSQL. `LIKE` on citext ignores \
             case on PostgreSQL; on SQLite `LIKE` ignores ASCII case for every column."
        )?;
        writeln!(md)?;
        writeln!(md, "| table | column |")?;
        writeln!(md, "|---|---|")?;
        for c in &self.citext_columns {
            writeln!(md, "| {} | {} |", c.table_name, c.column_name)?;
        }
        Ok(())
    }

    fn write_indexes(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(md)?;
        writeln!(md, "## Indexes")?;
        writeln!(md)?;
        writeln!(
            md,
            "Entities carry no index names and no plain indexes. A one-column unique index \
             shows only as `#[sea_orm(unique)]` and a multi-column one as `unique_key = \"..\"` \
             on its fields (both used only when SeaORM creates a table from the entity, \
             which this project never does). Partial indexes cannot be expressed at all: \
             their uniqueness holds only where the predicate does, so the fields are not \
             marked unique."
        )?;
        writeln!(md)?;
        writeln!(
            md,
            "| table | index | kind | in the entity | predicate | definition |"
        )?;
        writeln!(md, "|---|---|---|---|---|---|")?;
        for index in &self.indexes {
            let (kind, in_entity) = index.classify();
            writeln!(
                md,
                "| {} | {} | {kind} | {in_entity} | {} | `{}` |",
                index.table_name,
                index.index_name,
                index
                    .predicate
                    .as_deref()
                    .map(|p| format!("`{p}`"))
                    .unwrap_or_default(),
                index.definition,
            )?;
        }
        Ok(())
    }

    fn write_defaults(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(md)?;
        writeln!(md, "## Database defaults")?;
        writeln!(md)?;
        writeln!(
            md,
            "`Model` fields have no defaults. The database default applies only when an \
             `ActiveModel` is inserted with the column `NotSet`; a `Model` converted with \
             `into_active_model()` sets every column and overrides them."
        )?;
        writeln!(md)?;
        writeln!(md, "| table | column | default |")?;
        writeln!(md, "|---|---|---|")?;
        for d in &self.defaults {
            writeln!(
                md,
                "| {} | {} | `{}` |",
                d.table_name, d.column_name, d.default_expr
            )?;
        }
        Ok(())
    }

    fn write_checks(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(md)?;
        writeln!(md, "## CHECK constraints")?;
        writeln!(md)?;
        if self.checks.is_empty() {
            writeln!(
                md,
                "None. Enum-like columns (status, api_format, ...) are plain strings: the \
                 allowed values are enforced by the entities only (see the last section)."
            )?;
        } else {
            writeln!(md, "| table | constraint | definition |")?;
            writeln!(md, "|---|---|---|")?;
            for c in &self.checks {
                writeln!(md, "| {} | {} | `{}` |", c.table_name, c.name, c.definition)?;
            }
        }
        Ok(())
    }

    fn write_foreign_keys(&self, md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(md)?;
        writeln!(md, "## Foreign keys")?;
        writeln!(md)?;
        writeln!(
            md,
            "Expressed as `Relation` variants (`belongs_to` with `on_delete`/`on_update`, and \
             `has_many` on the parent); not expressed: the constraint names. SQLite \
             connections must enable foreign keys for the cascades to run."
        )?;
        writeln!(md)?;
        writeln!(md, "| table | constraint | definition |")?;
        writeln!(md, "|---|---|---|")?;
        for fk in &self.foreign_keys {
            writeln!(
                md,
                "| {} | {} | `{}` |",
                fk.table_name, fk.name, fk.definition
            )?;
        }
        Ok(())
    }
}

/// The reverse of the rest of the report: enforced by the entities, not the database.
fn write_enum_columns(md: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    writeln!(md)?;
    writeln!(md, "## Enum-like columns: enforced by the application only")?;
    writeln!(md)?;
    writeln!(
        md,
        "The opposite case: these columns are plain strings in the database (no enum \
         type, no CHECK constraint), so any string can be stored by SQL that bypasses the \
         entities. The entities type them as the enums of `enums.rs` (`DeriveActiveEnum` \
         stored as a string), listed in `entity-codegen/src/enums.rs`: only these values \
         can be written, and reading a row that holds any other string fails with \
         `DbErr::Type(\"unexpected value for <Enum> enum: <value>\")`."
    )?;
    writeln!(md)?;
    writeln!(md, "| table | column | enum | values |")?;
    writeln!(md, "|---|---|---|---|")?;
    for c in ENUM_COLUMNS {
        let values: Vec<String> = c.values.iter().map(|v| format!("`{v}`")).collect();
        writeln!(
            md,
            "| {} | {} | `{}` | {} |",
            c.table,
            c.column,
            c.enum_name,
            values.join(", ")
        )?;
    }
    Ok(())
}

impl IndexRow {
    /// (kind, how the entity shows it), following what sea-orm-codegen emits.
    fn classify(&self) -> (&'static str, String) {
        match (self.is_unique, self.predicate.is_some(), self.column_count) {
            (true, true, _) => ("partial unique", "no".to_owned()),
            (false, true, _) => ("partial", "no".to_owned()),
            (true, false, 1) => ("unique", "`unique` (name lost)".to_owned()),
            (true, false, _) => (
                "unique, multi-column",
                format!("`unique_key = \"{}\"`", self.index_name),
            ),
            (false, false, _) => ("plain", "no".to_owned()),
        }
    }
}
