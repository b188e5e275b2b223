//! Column builders shared by the migrations: each one spells a PostgreSQL type of the
//! upstream schema and its SQLite equivalent in one place, so both migrations agree.

use sea_orm_migration::prelude::extension::postgres::{
    Type, TypeCreateStatement, TypeDropStatement,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

/// The toolkit's backends; these migrations are written for SQLite and PostgreSQL.
pub use migration_runner::Backend;

/// The backend of `manager` for migration `migration`: SQLite or PostgreSQL, the two
/// these migrations are written for; any other (MySQL) is refused before anything runs.
pub fn backend(manager: &SchemaManager, migration: &str) -> Result<Backend, DbErr> {
    match Backend::of(manager, migration)? {
        backend @ (Backend::Sqlite | Backend::Postgres) => Ok(backend),
        other => Err(other.unsupported(migration)),
    }
}

/// A PostgreSQL enum type: its name and its values in their sort order.
pub struct PgEnum {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

impl PgEnum {
    /// `CREATE TYPE name AS ENUM (values...)`.
    pub fn create(&self) -> TypeCreateStatement {
        Type::create()
            .as_enum(Alias::new(self.name))
            .values(self.values.iter().map(|v| Alias::new(*v)))
            .to_owned()
    }

    /// `DROP TYPE IF EXISTS name`: upstream drops with `checkfirst`.
    pub fn drop(&self) -> TypeDropStatement {
        Type::drop()
            .if_exists()
            .name(Alias::new(self.name))
            .to_owned()
    }
}

/// A NOT NULL enum column: the native type on PostgreSQL; on SQLite, text with a CHECK
/// that admits the same values (SQLite has no enum types).
pub fn enumeration<C: IntoIden + Clone + 'static>(
    col: C,
    ty: &PgEnum,
    backend: Backend,
) -> ColumnDef {
    let mut def = ColumnDef::new(col.clone());
    match backend {
        Backend::Sqlite => {
            def.text()
                .check(Expr::col(col).is_in(ty.values.iter().copied()));
        }
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => {
            def.enumeration(
                Alias::new(ty.name),
                ty.values.iter().map(|v| Alias::new(*v)),
            );
        }
    }
    def.not_null().take()
}

/// A `uuid` column: native on PostgreSQL, the canonical hyphenated text on SQLite.
pub fn uuid<C: IntoIden>(col: C, backend: Backend) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    match backend {
        Backend::Sqlite => def.text(),
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => def.uuid(),
    };
    def
}

/// A `varchar(255)[]` column: a native array on PostgreSQL; on SQLite, text holding a JSON
/// array, checked to be one (element length is not checked there).
pub fn string_array<C: IntoIden + Clone + 'static>(col: C, backend: Backend) -> ColumnDef {
    let mut def = ColumnDef::new(col.clone());
    match backend {
        Backend::Sqlite => {
            let json = |f: &str| Func::cust(Alias::new(f)).arg(Expr::col(col.clone()));
            def.text().check(
                Expr::expr(json("json_valid")).and(Expr::expr(json("json_type")).eq("array")),
            );
        }
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => {
            def.array(ColumnType::String(StringLen::N(255)));
        }
    }
    def
}

/// The empty array, as a column default.
pub fn empty_array(backend: Backend) -> Expr {
    match backend {
        Backend::Sqlite => Expr::cust("'[]'"),
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => Expr::cust("'{}'"),
    }
}

/// `bytea` on PostgreSQL, `blob` on SQLite.
pub fn binary<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).blob().take()
}

/// A `timestamptz` defaulting to the transaction's time: `now()` as upstream writes it on
/// PostgreSQL; SQLite has no `now()`, its `CURRENT_TIMESTAMP` is the same instant in UTC.
pub fn timestamp_now<C: IntoIden>(col: C, backend: Backend) -> ColumnDef {
    let now = match backend {
        Backend::Sqlite => Expr::current_timestamp(),
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => Expr::cust("now()"),
    };
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .default(now)
        .take()
}

/// The columns every upstream `BaseModel` table ends with, in upstream's physical order:
/// `id` (no default: the application generates a uuid4), `created_at`, `updated_at`; and
/// the separate `PRIMARY KEY (id)`.
pub fn base_model<I, C, U>(
    table: &mut TableCreateStatement,
    backend: Backend,
    id: I,
    created_at: C,
    updated_at: U,
) -> &mut TableCreateStatement
where
    I: IntoIden + Clone + 'static,
    C: IntoIden,
    U: IntoIden,
{
    table
        .col(uuid(id.clone(), backend).not_null())
        .col(timestamp_now(created_at, backend))
        .col(timestamp_now(updated_at, backend))
        .primary_key(Index::create().col(id))
}

/// An unnamed foreign key (PostgreSQL names it `<table>_<column>_fkey`, as upstream's
/// catalog shows) with an ON DELETE action and the default ON UPDATE NO ACTION.
pub fn fk<T, C, RT, RC>(
    table: T,
    col: C,
    ref_table: RT,
    ref_col: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    RT: IntoIden,
    RC: IntoIden,
{
    ForeignKey::create()
        .from(table, col)
        .to(ref_table, ref_col)
        .on_delete(on_delete)
        .take()
}

/// A plain or unique index over columns.
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

/// `DROP INDEX name`, without `IF EXISTS`: a missing index is a bug to surface.
pub fn drop_index<T: IntoIden>(table: T, name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(table).to_owned()
}

/// `DROP TABLE name`, without `IF EXISTS`.
pub fn drop_table<T: IntoIden>(table: T) -> TableDropStatement {
    Table::drop().table(table).take()
}

/// Runs raw SQL, for what sea-query cannot say on this backend. As a statement rather
/// than `execute_unprepared`, so that it reaches sea-orm's metric hook and with it the
/// conformance harness's snapshots and lint.
pub async fn exec(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// `COMMENT ON COLUMN table.column IS 'text'` (PostgreSQL only; SQLite keeps no comments).
pub async fn comment_on_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    text: &str,
) -> Result<(), DbErr> {
    let text = text.replace('\'', "''");
    exec(
        manager,
        &format!(r#"COMMENT ON COLUMN "{table}"."{column}" IS '{text}'"#),
    )
    .await
}

/// One key part of a pending-request unique index.
#[derive(Debug, Clone, Copy)]
pub enum KeyPart {
    Column(&'static str),
    /// `COALESCE(port, 0)`: a NULL port ("any port") compares equal to another NULL.
    PortOrZero,
}

/// Which rows of a request table a pending-request index covers, besides `status = 'pending'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Every pending request (0001's indexes).
    Any,
    /// Requests made by a tool: `tool_id IS NOT NULL`.
    Tool,
    /// Requests an admin added: `tool_id IS NULL`.
    Admin,
}

/// A unique index over `parts` WHERE `status = 'pending'` (and the origin's condition).
/// sea-query writes it, except an expression key on SQLite, which its SQLite writer
/// cannot express: that one is the same SQL written out.
pub async fn create_pending_unique(
    manager: &SchemaManager<'_>,
    backend: Backend,
    name: &str,
    table: &'static str,
    parts: &[KeyPart],
    origin: Origin,
) -> Result<(), DbErr> {
    let has_expression = parts.iter().any(|p| matches!(p, KeyPart::PortOrZero));
    if backend == Backend::Sqlite && has_expression {
        let columns: Vec<String> = parts
            .iter()
            .map(|part| match part {
                KeyPart::Column(c) => format!("\"{c}\""),
                KeyPart::PortOrZero => "COALESCE(\"port\", 0)".to_owned(),
            })
            .collect();
        let origin = match origin {
            Origin::Any => "",
            Origin::Tool => " AND \"tool_id\" IS NOT NULL",
            Origin::Admin => " AND \"tool_id\" IS NULL",
        };
        return exec(
            manager,
            &format!(
                "CREATE UNIQUE INDEX \"{name}\" ON \"{table}\" ({}) WHERE \"status\" = 'pending'{origin}",
                columns.join(", ")
            ),
        )
        .await;
    }
    let mut stmt = Index::create();
    stmt.name(name).table(Alias::new(table)).unique();
    for part in parts {
        match part {
            KeyPart::Column(c) => stmt.col(Alias::new(*c)),
            KeyPart::PortOrZero => stmt.col(Expr::expr(Func::coalesce([
                Expr::col(Alias::new("port")),
                Expr::val(0),
            ]))),
        };
    }
    stmt.and_where(Expr::col(Alias::new("status")).eq("pending"));
    match origin {
        Origin::Any => {}
        Origin::Tool => {
            stmt.and_where(Expr::col(Alias::new("tool_id")).is_not_null());
        }
        Origin::Admin => {
            stmt.and_where(Expr::col(Alias::new("tool_id")).is_null());
        }
    }
    manager.create_index(stmt).await
}
