//! The live database `drift` and `baseline` operate on: opened with the runner's own
//! target parsing (its URL rules, its read-only SQLite connection), read in one read-only
//! snapshot.

use std::time::Duration;

use migration_runner::{Access, PgSchema, Target};
use sea_orm::sea_query::{Alias, Order, Query};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, IsolationLevel, Statement,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use super::runner_error;
use crate::backends::Backend;
use crate::catalog::{self, SchemaDump};
use crate::error::HarnessError;

/// How long to wait for the live database to answer a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An open live database.
pub(crate) struct Live {
    pub backend: Backend,
    pub conn: DatabaseConnection,
    /// PostgreSQL: the schema operated on (`public` unless given).
    pub schema: Option<PgSchema>,
    /// The database for messages: a SQLite path, a PostgreSQL URL with no password.
    pub described: String,
}

/// What one read-only snapshot of the live database holds.
pub(crate) struct Snapshot {
    /// The recorded versions; `None` when there is no migrations table.
    pub recorded: Option<Vec<String>>,
    /// The catalog.
    pub dump: SchemaDump,
}

impl Live {
    /// Opens `url` (its passwords registered for redaction first). `Access::ReadOnly`
    /// opens a SQLite file `mode=ro`; either way the SQLite file must exist.
    pub async fn open(
        url: &str,
        schema: Option<&str>,
        access: Access,
    ) -> Result<Self, HarnessError> {
        secret_redact::register_secrets_of(url);
        // Parsed as read-only whatever the access: a missing SQLite file is an error,
        // never created.
        let target = Target::parse(url, Access::ReadOnly).map_err(runner_error)?;
        let (backend, schema) = match &target {
            Target::Sqlite { path: None } => {
                return Err(HarnessError::BadTarget(
                    "an in-memory SQLite database holds no schema to compare; give a file"
                        .to_owned(),
                ));
            }
            Target::Sqlite { .. } if schema.is_some() => {
                return Err(HarnessError::BadTarget(
                    "-s/--schema names a PostgreSQL schema; a SQLite database has none".to_owned(),
                ));
            }
            Target::Sqlite { .. } => (Backend::Sqlite, None),
            Target::Postgres { .. } => {
                let schema = PgSchema::parse(schema.unwrap_or("public")).map_err(runner_error)?;
                (Backend::Postgres, Some(schema))
            }
            _ => {
                return Err(HarnessError::BadTarget(format!(
                    "{} is not a backend the harness reads",
                    target.describe()
                )));
            }
        };
        if matches!(&target, Target::Sqlite { .. }) && access == Access::ReadWrite {
            refuse_read_only_sqlite_url(url)?;
        }
        let conn = target
            .connect(access, CONNECT_TIMEOUT)
            .await
            .map_err(runner_error)?;
        Ok(Self {
            backend,
            conn,
            schema,
            described: target.describe(),
        })
    }

    /// PostgreSQL: the `search_path` both sides are read (and the migrations applied)
    /// with: the schema, then `public`.
    pub fn search_path(&self) -> Option<String> {
        self.schema.as_ref().map(search_path)
    }

    /// The recorded versions and the catalog, in one read-only snapshot (PostgreSQL:
    /// one `READ ONLY`, `REPEATABLE READ` transaction).
    pub async fn read<M: MigratorTrait>(&self) -> Result<Snapshot, HarnessError> {
        let txn = match self.backend {
            Backend::Postgres => {
                self.conn
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await?
            }
            // SQLite: the connection itself is read-only (`mode=ro`).
            _ => self.conn.begin().await?,
        };
        let read = async {
            if let Some(path) = self.search_path() {
                set_search_path(&txn, &path, true).await?;
            }
            let recorded = self.recorded::<M, _>(&txn).await?;
            let dump = catalog::dump(&txn).await?;
            Ok(Snapshot { recorded, dump })
        }
        .await;
        // Nothing was written; ending it either way changes nothing.
        let _ = txn.rollback().await;
        read
    }

    /// The versions in `M`'s migrations table, oldest first; `None` without the table.
    async fn recorded<M: MigratorTrait, C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> Result<Option<Vec<String>>, HarnessError> {
        let table = M::migration_table_name().to_string();
        let (sql, values) = match &self.schema {
            Some(schema) => (
                "SELECT count(*)::int8 AS found FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
                vec![schema.name().into(), table.clone().into()],
            ),
            None => (
                "SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
                vec![table.clone().into()],
            ),
        };
        let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
        let found = conn
            .query_one_raw(statement)
            .await?
            .map(|row| row.try_get::<i64>("", "found"))
            .transpose()?
            .unwrap_or(0);
        if found == 0 {
            return Ok(None);
        }
        let mut select = Query::select();
        select.column(Alias::new("version"));
        match &self.schema {
            Some(schema) => select.from((Alias::new(schema.name()), Alias::new(table))),
            None => select.from(Alias::new(table)),
        };
        select.order_by(Alias::new("version"), Order::Asc);
        let rows = conn.query_all(&select).await?;
        let versions = rows
            .iter()
            .map(|row| row.try_get::<String>("", "version"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(versions))
    }

    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// `"schema", public` (or `public`): `search_path`'s value, the schema quoted.
pub(crate) fn search_path(schema: &PgSchema) -> String {
    if schema.name() == "public" {
        "public".to_owned()
    } else {
        format!("{}, public", schema.quoted())
    }
}

/// Sets `search_path` to `path` (a bound value), for the transaction when `local`.
pub(crate) async fn set_search_path<C: ConnectionTrait>(
    conn: &C,
    path: &str,
    local: bool,
) -> Result<(), HarnessError> {
    conn.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT set_config('search_path', $1, $2)",
        [path.into(), local.into()],
    ))
    .await?;
    Ok(())
}

/// `baseline` writes: a `mode=ro` SQLite URL cannot be written.
fn refuse_read_only_sqlite_url(url: &str) -> Result<(), HarnessError> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    if query.split('&').any(|pair| pair == "mode=ro") {
        return Err(HarnessError::BadTarget(
            "mode=ro opens the database read-only, and baseline records versions in it".to_owned(),
        ));
    }
    Ok(())
}
