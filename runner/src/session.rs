//! The connection a run works on, and what its lock is keyed by.
//!
//! PostgreSQL: the lock is a session advisory lock, so everything the run does must
//! happen on the one session that holds it. An application's connection is usually a
//! pool, whose sessions come and go; so the runner opens one dedicated session of its own
//! from the pool's connect options (the same server, user and password, without
//! re-parsing any URL), with `search_path` set to the schema being migrated, and closes
//! it when the run ends. The lock key is the canonical database and schema names, as
//! PostgreSQL itself reports them, not their spelling.
//!
//! SQLite: the lock is a file lock, held by this process whatever connection it uses; so
//! the run uses the application's connection as given. The lock is keyed by the database
//! file's canonical path (symlinks resolved), read from the connection itself
//! (`PRAGMA database_list`).

use std::path::PathBuf;
use std::time::Duration;

use sea_orm_migration::sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, SqlxPostgresConnector,
    Statement,
};

use crate::error::Error;
use crate::pg_schema::PgSchema;
use crate::target::application_name;

/// What the run's lock is keyed by.
#[derive(Debug, Clone)]
pub(crate) enum LockScope {
    /// One schema of one PostgreSQL database.
    Postgres { database: String, schema: PgSchema },
    /// A SQLite file, by its canonical path.
    SqliteFile { database: PathBuf },
    /// A SQLite database in memory: no other process can see it.
    Nothing,
}

/// The connection a run works on.
#[derive(Debug)]
pub(crate) struct Session {
    pub conn: DatabaseConnection,
    pub scope: LockScope,
    /// Whether `conn` is the runner's own (closed at the end) or the caller's.
    owned: bool,
}

impl Session {
    /// Prepares a run on the application's connection `db`.
    pub async fn open(
        db: &DatabaseConnection,
        schema: Option<&str>,
        connect_timeout: Duration,
    ) -> Result<Self, Error> {
        match db.get_database_backend() {
            // Only a real pool has connect options to open the run's own session from;
            // `get_postgres_connection_pool` would panic on a mock or proxy connection.
            DbBackend::Postgres
                if matches!(
                    db.inner,
                    DatabaseConnectionType::SqlxPostgresPoolConnection(_)
                ) =>
            {
                Self::postgres(db, schema, connect_timeout).await
            }
            DbBackend::Sqlite => Ok(Self {
                conn: db.clone(),
                scope: sqlite_scope(db).await?,
                owned: false,
            }),
            DbBackend::Postgres => Err(Error::UnsupportedConnection {
                backend: "a PostgreSQL connection that is not a sqlx pool (a mock or proxy)"
                    .to_owned(),
            }),
            other => Err(Error::UnsupportedConnection {
                backend: other.as_str().to_owned(),
            }),
        }
    }

    async fn postgres(
        db: &DatabaseConnection,
        schema: Option<&str>,
        connect_timeout: Duration,
    ) -> Result<Self, Error> {
        let database = query_string(db, "SELECT current_database()::text AS name", vec![])
            .await?
            .unwrap_or_default();
        let schema = match schema {
            Some(given) => {
                let parsed = PgSchema::parse(given)?;
                let found = query_string(
                    db,
                    "SELECT nspname::text AS name FROM pg_namespace WHERE nspname = $1",
                    vec![parsed.name().into()],
                )
                .await?;
                found
                    .map(PgSchema::from_catalog)
                    .ok_or(Error::SchemaNotFound {
                        schema: parsed.name().to_owned(),
                        database: database.clone(),
                    })?
            }
            None => query_string(db, "SELECT current_schema()::text AS name", vec![])
                .await?
                .map(PgSchema::from_catalog)
                .ok_or(Error::NoCurrentSchema)?,
        };
        // The migrated schema first, where unqualified names are created; then `public`,
        // where shared extensions usually live (as in PostgreSQL's default search_path),
        // so that their types resolve in every schema. A startup parameter, not SQL.
        let search_path = if schema.name() == "public" {
            schema.quoted()
        } else {
            format!("{}, public", schema.quoted())
        };
        let options = (*db.get_postgres_connection_pool().connect_options())
            .clone()
            .application_name(&application_name())
            .options([("search_path", search_path.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(connect_timeout)
            .connect_with(options)
            .await
            .map_err(|e| Error::Connect {
                target: format!("PostgreSQL database {database} (a session for the migration run)"),
                reason: crate::redact(&e.to_string()),
            })?;
        Ok(Self {
            conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
            scope: LockScope::Postgres { database, schema },
            owned: true,
        })
    }

    /// Closes the runner's own session (the caller's connection is left open).
    pub async fn close(self) {
        if self.owned {
            // Best effort: the server ends the session (and its lock) either way.
            let _ = self.conn.close().await;
        }
    }

    /// The database, for messages.
    pub fn describe(&self) -> String {
        match &self.scope {
            LockScope::Postgres { database, schema } => {
                format!("PostgreSQL database {database}, schema {schema}")
            }
            LockScope::SqliteFile { database } => format!("SQLite file {}", database.display()),
            LockScope::Nothing => "SQLite in memory".to_owned(),
        }
    }
}

/// The main database file of a SQLite connection, canonical; `Nothing` in memory.
async fn sqlite_scope(db: &DatabaseConnection) -> Result<LockScope, Error> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await
        .map_err(|e| Error::failed("finding the SQLite database file", e))?;
    let file = rows
        .first()
        .map(|row| row.try_get::<String>("", "file"))
        .transpose()
        .map_err(|e| Error::failed("finding the SQLite database file", e))?
        .unwrap_or_default();
    if file.is_empty() {
        return Ok(LockScope::Nothing);
    }
    let database = std::fs::canonicalize(&file).map_err(|e| Error::LockFile {
        path: PathBuf::from(&file),
        reason: format!("cannot resolve the database file's real path: {e}"),
    })?;
    Ok(LockScope::SqliteFile { database })
}

async fn query_string(
    db: &DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm_migration::sea_orm::Value>,
) -> Result<Option<String>, Error> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .map_err(|e| Error::failed("reading the database and schema names", e))?;
    row.map(|r| r.try_get::<Option<String>>("", "name"))
        .transpose()
        .map(Option::flatten)
        .map_err(|e| Error::failed("reading the database and schema names", e))
}
