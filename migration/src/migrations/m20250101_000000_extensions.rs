//! PostgreSQL's `citext` extension, which the case-insensitive columns need.
//! SQLite needs nothing: its case-insensitive columns use `COLLATE NOCASE`.

use sea_orm_migration::prelude::extension::postgres::Extension;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::schema::Backend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CITEXT: &str = "citext";

/// The comment `up` gives the extension it created.
const OURS: &str = "citext, created by migration m20250101_000000_extensions";

/// The key of the transaction-level advisory lock that every schema's migration 0 takes
/// before it looks at or changes `citext`, which is one per database: the runner's own
/// lock is per schema, so two schemas migrated at once would otherwise both create it.
const DATABASE_OBJECTS_LOCK: i64 = 0x6d69_6772_6174_6530;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if Backend::of(manager, self.name())? == Backend::Postgres
            && lock_database_objects(manager).await?
            && !citext_installed(manager).await?
        {
            // The one `IF NOT EXISTS` of the schema: the extension may be installed
            // database-wide by an administrator before the application ever runs.
            // In `public`, so that every schema migrated in this database sees its type.
            let sql = Extension::create()
                .name(CITEXT)
                .schema("public")
                .if_not_exists()
                .to_string(PostgresQueryBuilder);
            run_postgres(manager, sql).await?;
            // Marks it as ours, so that `down` drops only what `up` created.
            run_postgres(
                manager,
                format!("COMMENT ON EXTENSION {CITEXT} IS '{OURS}'"),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Not one installed before `up`, nor one another schema's tables still use, nor
        // one another schema that applied this migration may still need.
        if Backend::of(manager, self.name())? == Backend::Postgres
            && lock_database_objects(manager).await?
            && citext_is_ours_and_unused(manager).await?
            && !applied_in_another_schema(manager, self.name()).await?
        {
            let sql = Extension::drop()
                .name(CITEXT)
                .if_exists()
                .to_string(PostgresQueryBuilder);
            run_postgres(manager, sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Executes as a `Statement` rather than `execute_unprepared`: the harness captures both,
/// but the runner's `-v` (sea-orm's metric callback) only sees statements.
async fn run_postgres(manager: &SchemaManager<'_>, sql: String) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map(|_| ())
}

/// Waits for the database-wide lock, held until this migration's transaction ends.
/// Always `true`, so that it reads as the first condition of `up` and `down`.
async fn lock_database_objects(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    manager
        .get_connection()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [DATABASE_OBJECTS_LOCK.into()],
        ))
        .await?;
    Ok(true)
}

/// Whether another schema of the database records `version` as applied: its later
/// migrations may need `citext` although no column uses it yet. A migrations table this
/// role may not read counts as needing it.
async fn applied_in_another_schema(
    manager: &SchemaManager<'_>,
    version: &str,
) -> Result<bool, DbErr> {
    let conn = manager.get_connection();
    let schemas = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT n.nspname::text AS schema, has_table_privilege(c.oid, 'SELECT') AS readable \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relname = 'seaql_migrations' AND c.relkind IN ('r', 'p') \
             AND n.nspname <> current_schema() ORDER BY 1",
        ))
        .await?;
    for row in schemas {
        if !row.try_get::<bool>("", "readable")? {
            return Ok(true);
        }
        let schema: String = row.try_get("", "schema")?;
        // The name comes from the catalog; quoted as an identifier, the version bound.
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM \"{}\".seaql_migrations WHERE version = $1) AS yes",
            schema.replace('"', "\"\"")
        );
        let found = conn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [version.into()],
            ))
            .await?;
        if found
            .map(|r| r.try_get::<bool>("", "yes"))
            .transpose()?
            .unwrap_or(false)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn citext_installed(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    ask_postgres(
        manager,
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citext') AS yes",
    )
    .await
}

/// Whether `up` created the extension (its comment says so) and no object outside the
/// extension uses any of its members: a column, domain or function of another schema
/// (the operator classes within the extension do not count).
async fn citext_is_ours_and_unused(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname = 'citext' \
           AND obj_description(e.oid, 'pg_extension') = '{OURS}') \
         AND NOT EXISTS (SELECT 1 FROM pg_depend member \
           JOIN pg_depend user_of ON user_of.refclassid = member.classid AND user_of.refobjid = member.objid \
           WHERE member.refclassid = 'pg_extension'::regclass AND member.deptype = 'e' \
             AND member.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'citext') \
             AND user_of.deptype = 'n' \
             AND user_of.classid IN ('pg_class'::regclass, 'pg_type'::regclass, 'pg_proc'::regclass) \
             AND NOT EXISTS (SELECT 1 FROM pg_depend own WHERE own.classid = user_of.classid \
               AND own.objid = user_of.objid AND own.deptype = 'e')) AS yes"
    );
    ask_postgres(manager, &sql).await
}

/// A yes/no question; the dry run of checksums answers no rows, read as no.
async fn ask_postgres(manager: &SchemaManager<'_>, sql: &str) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "yes"))
        .transpose()?
        .unwrap_or(false))
}
