//! Column and index builders shared by the migrations.
//!
//! They exist so that every migration spells the spec's conventions the same way:
//! string primary keys, explicit NULL / NOT NULL, the backend-specific case-insensitive
//! string, and the `idx_<table>_<cols>` index names.

use sea_orm_migration::prelude::*;

/// The backends these migrations support (the toolkit's: anything else is refused).
pub use migration_runner::Backend;

/// A text primary key filled by the application (a ULID, or a natural key).
pub fn text_pk<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().primary_key().take()
}

/// The case-insensitive collation of [`ci_string`] on MySQL / MariaDB.
pub const MYSQL_CI_COLLATION: &str = "utf8mb4_unicode_ci";

/// The length of [`ci_string`] on MySQL / MariaDB: 255 characters, so that a unique
/// index over it and another `varchar(255)` stays within InnoDB's 3072-byte key limit.
pub const MYSQL_CI_LEN: u32 = 255;

/// A NOT NULL case-insensitive string: `citext` on PostgreSQL (the extension comes from
/// migration 0), `text COLLATE NOCASE` on SQLite, so that uniqueness and equality ignore
/// case on both.
pub fn ci_string<T: IntoIden>(col: T, backend: Backend) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    match backend {
        Backend::Sqlite => def.text().extra("COLLATE NOCASE"),
        // MySQL / MariaDB: a bounded string (an index needs one) in a case-insensitive
        // collation that both MySQL 8 and MariaDB 10.11 have.
        Backend::MySql => def
            .string_len(MYSQL_CI_LEN)
            .extra(format!("COLLATE {MYSQL_CI_COLLATION}")),
        // PostgreSQL; a backend added later fails on `citext`, loudly, until it has its own.
        _ => def.custom("citext"),
    };
    def.not_null().take()
}

/// A plain (non-unique) index named by the spec's `idx_<table>_<cols>` convention.
pub fn index<T, C>(table: T, name: &str, cols: impl IntoIterator<Item = C>) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    stmt
}

/// A unique index; with the same name on both backends, unlike an inline constraint.
pub fn unique_index<T, C>(
    table: T,
    name: &str,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
{
    let mut stmt = index(table, name, cols);
    stmt.unique();
    stmt
}

/// `DROP INDEX name` (the table is given for backends that need it).
pub fn drop_index<T: IntoIden>(table: T, name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(table).to_owned()
}

/// `DROP TABLE name`, deliberately without `IF EXISTS`: a missing table is a bug to surface.
pub fn drop_table<T: IntoIden>(table: T) -> TableDropStatement {
    Table::drop().table(table).take()
}

/// A CASCADE-on-delete-and-update foreign key, the only kind the schema uses.
pub fn cascade_fk<T, C, RT, RC>(
    name: &str,
    table: T,
    col: C,
    ref_table: RT,
    ref_col: RC,
) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    RT: IntoIden,
    RC: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(ref_table, ref_col)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

/// A `bigint` column on both backends. sea-query writes `integer` for SQLite (the same
/// 64-bit storage), but the spec, the entity generator and reviewers want `bigint`.
pub fn bigint<T: IntoIden>(col: T, backend: Backend) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    match backend {
        Backend::Sqlite => def.custom("bigint"),
        // PostgreSQL, and sea-query's portable spelling for any other.
        _ => def.big_integer(),
    };
    def
}
