//! Upstream `0002_consolidate_approval_sources`: the request tables become the single
//! source of truth for allowed hosts and modules. Each gets a nullable `server_id`, a
//! nullable `tool_id` (an admin's request has no tool) and a pending-unique index per
//! origin; then every host in `servers.allowed_hosts` and every module in
//! `global_config.allowed_modules` that no approved request covers gets one.
//!
//! The backfills differ from upstream's SQL on purpose (see the example's README):
//! every missing module is inserted, not at most one; a `host:port` entry becomes a
//! request for that host and port; duplicates give one row; and a host counts as
//! covered only by an approved request for the same server, host and port.

use sea_orm_migration::prelude::*;

use super::m20260227_000001_initial_schema::{
    IX_MODULE_REQUESTS_PENDING_UNIQUE, IX_NETWORK_ACCESS_REQUESTS_PENDING_UNIQUE, REQUEST_STATUS,
};
use crate::columns::KeyPart::{Column, PortOrZero};
use crate::columns::{
    Backend, KeyPart, Origin, base_model, create_pending_unique, drop_index, drop_table,
    enumeration, exec, fk, uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK_NETWORK_ACCESS_REQUESTS_SERVER_ID: &str = "fk_network_access_requests_server_id";
const FK_MODULE_REQUESTS_SERVER_ID: &str = "fk_module_requests_server_id";
const IX_NAR_PENDING_TOOL_UNIQUE: &str = "ix_nar_pending_tool_unique";
const IX_NAR_PENDING_ADMIN_UNIQUE: &str = "ix_nar_pending_admin_unique";
const IX_MR_PENDING_TOOL_UNIQUE: &str = "ix_mr_pending_tool_unique";
const IX_MR_PENDING_ADMIN_UNIQUE: &str = "ix_mr_pending_admin_unique";

/// One of the two request tables, and what 0002 changes about it.
struct RequestTable {
    name: &'static str,
    /// The columns both shapes share, in 0001's order.
    columns: &'static [&'static str],
    /// 0001's pending index, which 0002 replaces.
    old_index: &'static str,
    old_key: &'static [KeyPart],
    /// The named foreign key of the new `server_id`.
    fk: &'static str,
    /// Its `CREATE TABLE` on SQLite, under a given name, in either shape.
    sqlite_table: fn(&str, Shape) -> TableCreateStatement,
}

const NAR: RequestTable = RequestTable {
    name: "network_access_requests",
    columns: NAR_COLUMNS,
    old_index: IX_NETWORK_ACCESS_REQUESTS_PENDING_UNIQUE,
    old_key: &[Column("tool_id"), Column("host"), PortOrZero],
    fk: FK_NETWORK_ACCESS_REQUESTS_SERVER_ID,
    sqlite_table: network_access_requests_sqlite,
};

const MR: RequestTable = RequestTable {
    name: "module_requests",
    columns: MR_COLUMNS,
    old_index: IX_MODULE_REQUESTS_PENDING_UNIQUE,
    old_key: &[Column("tool_id"), Column("module_name")],
    fk: FK_MODULE_REQUESTS_SERVER_ID,
    sqlite_table: module_requests_sqlite,
};

const NAR_COLUMNS: &[&str] = &[
    "tool_id",
    "host",
    "port",
    "justification",
    "requested_by",
    "status",
    "reviewed_at",
    "reviewed_by",
    "rejection_reason",
    "id",
    "created_at",
    "updated_at",
];
const MR_COLUMNS: &[&str] = &[
    "tool_id",
    "module_name",
    "justification",
    "requested_by",
    "status",
    "reviewed_at",
    "reviewed_by",
    "rejection_reason",
    "id",
    "created_at",
    "updated_at",
];

/// The shape of a request table: as 0001 made it, or as this migration leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    V0001,
    V0002,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::columns::backend(manager, self.name())?;

        // network_access_requests: N1-N5 (server_id, its FK and backfill, tool_id nullable,
        // the old index gone), then N6-N7 (one pending index per origin), then N8.
        detach_from_tools(manager, backend, &NAR).await?;
        let nar_key = |first| [Column(first), Column("host"), PortOrZero];
        create_pending_unique(
            manager,
            backend,
            IX_NAR_PENDING_TOOL_UNIQUE,
            NAR.name,
            &nar_key("tool_id"),
            Origin::Tool,
        )
        .await?;
        create_pending_unique(
            manager,
            backend,
            IX_NAR_PENDING_ADMIN_UNIQUE,
            NAR.name,
            &nar_key("server_id"),
            Origin::Admin,
        )
        .await?;
        exec(manager, &backfill_hosts(backend)).await?;

        // module_requests: the same steps M1-M8.
        detach_from_tools(manager, backend, &MR).await?;
        create_pending_unique(
            manager,
            backend,
            IX_MR_PENDING_TOOL_UNIQUE,
            MR.name,
            &[Column("tool_id"), Column("module_name")],
            Origin::Tool,
        )
        .await?;
        // Global, not per server: an admin's module request has no server either.
        create_pending_unique(
            manager,
            backend,
            IX_MR_PENDING_ADMIN_UNIQUE,
            MR.name,
            &[Column("module_name")],
            Origin::Admin,
        )
        .await?;
        exec(manager, &backfill_modules(backend)).await
    }

    /// Upstream's downgrade: module_requests first, then network_access_requests; each
    /// loses its admin-originated rows (tool_id NULL), backfilled or not, and gets its
    /// 0001 shape and index back. Tool-originated rows are kept.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::columns::backend(manager, self.name())?;
        restore_0001_shape(
            manager,
            backend,
            &MR,
            [IX_MR_PENDING_ADMIN_UNIQUE, IX_MR_PENDING_TOOL_UNIQUE],
        )
        .await?;
        restore_0001_shape(
            manager,
            backend,
            &NAR,
            [IX_NAR_PENDING_ADMIN_UNIQUE, IX_NAR_PENDING_TOOL_UNIQUE],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Steps 1-5 of a request table: `server_id` with its named foreign key, filled from each
/// request's tool; `tool_id` nullable; 0001's pending index gone.
async fn detach_from_tools(
    manager: &SchemaManager<'_>,
    backend: Backend,
    table: &RequestTable,
) -> Result<(), DbErr> {
    match backend {
        Backend::Sqlite => {
            // The rebuild drops the old table with its index: drop it first, explicitly.
            manager
                .drop_index(drop_index(Alias::new(table.name), table.old_index))
                .await?;
            rebuild_sqlite(manager, table, Shape::V0002).await
        }
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => {
            add_server_id(manager, table).await?;
            manager
                .drop_index(drop_index(Alias::new(table.name), table.old_index))
                .await
        }
    }
}

/// PostgreSQL, steps 1-4: `server_id` appended with its named foreign key, filled from
/// each request's tool, then `tool_id` made nullable.
async fn add_server_id(manager: &SchemaManager<'_>, table: &RequestTable) -> Result<(), DbErr> {
    let RequestTable {
        name: table,
        fk: fk_name,
        ..
    } = *table;
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .add_column(ColumnDef::new(Alias::new("server_id")).uuid().null())
                .take(),
        )
        .await?;
    manager
        .create_foreign_key(
            ForeignKey::create()
                .name(fk_name)
                .from(Alias::new(table), Alias::new("server_id"))
                .to(Alias::new("servers"), Alias::new("id"))
                .on_delete(ForeignKeyAction::Cascade)
                .take(),
        )
        .await?;
    exec(
        manager,
        &format!(
            r#"UPDATE "{table}" AS r SET "server_id" = t."server_id" FROM "tools" AS t WHERE r."tool_id" = t."id" AND r."server_id" IS NULL"#
        ),
    )
    .await?;
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .modify_column(ColumnDef::new(Alias::new("tool_id")).null())
                .take(),
        )
        .await
}

/// Steps of the downgrade for one request table.
async fn restore_0001_shape(
    manager: &SchemaManager<'_>,
    backend: Backend,
    request_table: &RequestTable,
    new_indexes: [&str; 2],
) -> Result<(), DbErr> {
    let RequestTable {
        name: table,
        old_index,
        old_key,
        fk: fk_name,
        ..
    } = *request_table;
    manager
        .exec_stmt(
            Query::delete()
                .from_table(Alias::new(table))
                .and_where(Expr::col(Alias::new("tool_id")).is_null())
                .take(),
        )
        .await?;
    for name in new_indexes {
        manager
            .drop_index(drop_index(Alias::new(table), name))
            .await?;
    }
    match backend {
        Backend::Sqlite => {
            // The index belongs to the rebuilt table: create it after the rebuild.
            rebuild_sqlite(manager, request_table, Shape::V0001).await?;
            create_pending_unique(manager, backend, old_index, table, old_key, Origin::Any).await
        }
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => {
            create_pending_unique(manager, backend, old_index, table, old_key, Origin::Any).await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .modify_column(ColumnDef::new(Alias::new("tool_id")).not_null())
                        .take(),
                )
                .await?;
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(fk_name)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("server_id"))
                        .take(),
                )
                .await
        }
    }
}

/// SQLite cannot change a column's nullability or add a foreign key to a table, so the
/// table is rebuilt into `shape` (SQLite's documented procedure: create the new table,
/// copy the rows, drop the old one, rename the new one). No foreign key points at the
/// request tables, so dropping the old one cascades nowhere. Going to 0002's shape, the
/// copy fills `server_id` from each request's tool (upstream's N3 / M3).
async fn rebuild_sqlite(
    manager: &SchemaManager<'_>,
    request_table: &RequestTable,
    shape: Shape,
) -> Result<(), DbErr> {
    let table = request_table.name;
    let staging = format!("{table}_rebuild");
    manager
        .create_table((request_table.sqlite_table)(&staging, shape))
        .await?;
    let columns = request_table
        .columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let copy = match shape {
        Shape::V0002 => format!(
            r#"INSERT INTO "{staging}" ({columns}, "server_id") SELECT {columns}, (SELECT t."server_id" FROM "tools" AS t WHERE t."id" = "{table}"."tool_id") FROM "{table}""#
        ),
        Shape::V0001 => {
            format!(r#"INSERT INTO "{staging}" ({columns}) SELECT {columns} FROM "{table}""#)
        }
    };
    exec(manager, &copy).await?;
    manager.drop_table(drop_table(Alias::new(table))).await?;
    manager
        .rename_table(
            Table::rename()
                .table(Alias::new(&staging), Alias::new(table))
                .take(),
        )
        .await
}

/// `tool_id` as the shape has it: NOT NULL in 0001, nullable after.
fn tool_id(shape: Shape) -> ColumnDef {
    let mut def = uuid(Alias::new("tool_id"), Backend::Sqlite);
    match shape {
        Shape::V0001 => def.not_null(),
        Shape::V0002 => def.null(),
    };
    def
}

/// The shape's tail: in 0002, `server_id` after the BaseModel columns (where
/// PostgreSQL's ALTER TABLE ADD COLUMN puts it) and its named foreign key.
fn finish_sqlite(table: &mut TableCreateStatement, name: &str, shape: Shape, fk_name: &str) {
    base_model(
        table,
        Backend::Sqlite,
        Alias::new("id"),
        Alias::new("created_at"),
        Alias::new("updated_at"),
    );
    if shape == Shape::V0002 {
        table.col(uuid(Alias::new("server_id"), Backend::Sqlite).null());
    }
    table.foreign_key(&mut fk(
        Alias::new(name),
        Alias::new("tool_id"),
        Alias::new("tools"),
        Alias::new("id"),
        ForeignKeyAction::Cascade,
    ));
    if shape == Shape::V0002 {
        table.foreign_key(
            &mut fk(
                Alias::new(name),
                Alias::new("server_id"),
                Alias::new("servers"),
                Alias::new("id"),
                ForeignKeyAction::Cascade,
            )
            .name(fk_name)
            .take(),
        );
    }
}

fn string255(col: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(col)).string_len(255).take()
}

fn text(col: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(col)).text().take()
}

fn timestamptz(col: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(col))
        .timestamp_with_time_zone()
        .take()
}

/// `network_access_requests` on SQLite, column for column as 0001 creates it.
fn network_access_requests_sqlite(name: &str, shape: Shape) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(Alias::new(name))
        .col(tool_id(shape))
        .col(string255("host").not_null())
        .col(ColumnDef::new(Alias::new("port")).integer().null())
        .col(text("justification").not_null())
        .col(string255("requested_by").null())
        .col(enumeration(
            Alias::new("status"),
            &REQUEST_STATUS,
            Backend::Sqlite,
        ))
        .col(timestamptz("reviewed_at").null())
        .col(string255("reviewed_by").null())
        .col(text("rejection_reason").null());
    finish_sqlite(
        &mut table,
        name,
        shape,
        FK_NETWORK_ACCESS_REQUESTS_SERVER_ID,
    );
    table
}

/// `module_requests` on SQLite, column for column as 0001 creates it.
fn module_requests_sqlite(name: &str, shape: Shape) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(Alias::new(name))
        .col(tool_id(shape))
        .col(string255("module_name").not_null())
        .col(text("justification").not_null())
        .col(string255("requested_by").null())
        .col(enumeration(
            Alias::new("status"),
            &REQUEST_STATUS,
            Backend::Sqlite,
        ))
        .col(timestamptz("reviewed_at").null())
        .col(string255("reviewed_by").null())
        .col(text("rejection_reason").null());
    finish_sqlite(&mut table, name, shape, FK_MODULE_REQUESTS_SERVER_ID);
    table
}

/// Backend-specific pieces of the backfills.
struct Dialect {
    /// A fresh uuid per row.
    new_id: &'static str,
    now: &'static str,
    approved: &'static str,
    /// `FROM` items giving one row per element of an array column, as `e.value`.
    elements: fn(&str) -> String,
    /// What else an element must be to count (SQLite: a JSON string).
    element_filter: &'static str,
    /// Null-safe equality.
    same: &'static str,
    /// `e.value` before and after its first colon.
    head: &'static str,
    tail: &'static str,
    /// Whether `entry` is `host:port`: one colon, a host before it, 1-5 digits after it.
    /// Anything else is a host with any port (NULL).
    is_host_port: &'static str,
}

const POSTGRES: Dialect = Dialect {
    new_id: "gen_random_uuid()",
    now: "now()",
    approved: "'approved'::request_status",
    elements: |array| format!("CROSS JOIN LATERAL unnest({array}) AS e(value)"),
    element_filter: "",
    same: "IS NOT DISTINCT FROM",
    head: "split_part(e.value, ':', 1)",
    tail: "split_part(e.value, ':', 2)",
    is_host_port: "entry ~ '^[^:]+:[0-9]{1,5}$'",
};

/// SQLite: arrays are JSON text (`json_each`); a version-4 uuid from `randomblob`.
const SQLITE: Dialect = Dialect {
    new_id: "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
             substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || \
             substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))",
    now: "CURRENT_TIMESTAMP",
    approved: "'approved'",
    elements: |array| format!("CROSS JOIN json_each({array}) AS e"),
    element_filter: " AND e.type = 'text'",
    same: "IS",
    head: "substr(e.value, 1, instr(e.value, ':') - 1)",
    tail: "substr(e.value, instr(e.value, ':') + 1)",
    is_host_port: "head <> '' AND length(tail) BETWEEN 1 AND 5 AND tail NOT GLOB '*[^0-9]*'",
};

fn dialect(backend: Backend) -> &'static Dialect {
    match backend {
        Backend::Sqlite => &SQLITE,
        // PostgreSQL, and a backend added later until it has its own arm.
        _ => &POSTGRES,
    }
}

/// N8: one approved admin request per distinct (server, host, port) of
/// `servers.allowed_hosts` that no approved request of that server covers.
fn backfill_hosts(backend: Backend) -> String {
    let Dialect {
        new_id,
        now,
        approved,
        elements,
        element_filter,
        same,
        head,
        tail,
        is_host_port,
    } = dialect(backend);
    let elements = elements("s.allowed_hosts");
    [
        "INSERT INTO network_access_requests (id, server_id, tool_id, host, port, justification,"
            .to_owned(),
        "    requested_by, status, reviewed_at, reviewed_by, created_at, updated_at)".to_owned(),
        format!("SELECT {new_id},"),
        "    h.server_id, NULL, h.host, h.port, 'Pre-existing host (migrated)', 'admin',"
            .to_owned(),
        format!("    {approved}, {now}, 'system-migration', {now}, {now}"),
        "FROM (".to_owned(),
        "    SELECT DISTINCT server_id,".to_owned(),
        format!("        CASE WHEN {is_host_port} THEN head ELSE entry END AS host,"),
        format!("        CASE WHEN {is_host_port} THEN CAST(tail AS integer) END AS port"),
        "    FROM (".to_owned(),
        format!(
            "        SELECT s.id AS server_id, e.value AS entry, {head} AS head, {tail} AS tail"
        ),
        format!("        FROM servers AS s {elements}"),
        format!("        WHERE e.value IS NOT NULL AND e.value <> ''{element_filter}"),
        "    ) AS split".to_owned(),
        ") AS h".to_owned(),
        "WHERE NOT EXISTS (".to_owned(),
        "    SELECT 1 FROM network_access_requests AS r".to_owned(),
        format!("    WHERE r.server_id = h.server_id AND r.host = h.host AND r.port {same} h.port"),
        "        AND r.status = 'approved'".to_owned(),
        ")".to_owned(),
    ]
    .join("\n")
}

/// M8: one approved global request (no tool, no server) per distinct module of
/// `global_config.allowed_modules` that no approved request names.
fn backfill_modules(backend: Backend) -> String {
    let Dialect {
        new_id,
        now,
        approved,
        elements,
        element_filter,
        ..
    } = dialect(backend);
    let elements = elements("g.allowed_modules");
    [
        "INSERT INTO module_requests (id, server_id, tool_id, module_name, justification,"
            .to_owned(),
        "    requested_by, status, reviewed_at, reviewed_by, created_at, updated_at)".to_owned(),
        format!("SELECT {new_id},"),
        "    NULL, NULL, m.module_name, 'Pre-existing module (migrated)', 'admin',".to_owned(),
        format!("    {approved}, {now}, 'system-migration', {now}, {now}"),
        "FROM (".to_owned(),
        format!("    SELECT DISTINCT e.value AS module_name FROM global_config AS g {elements}"),
        format!("    WHERE e.value IS NOT NULL AND e.value <> ''{element_filter}"),
        ") AS m".to_owned(),
        "WHERE NOT EXISTS (".to_owned(),
        "    SELECT 1 FROM module_requests AS r".to_owned(),
        "    WHERE r.module_name = m.module_name AND r.status = 'approved'".to_owned(),
        ")".to_owned(),
    ]
    .join("\n")
}
