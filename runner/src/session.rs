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
//! SQLite: the lock is a `flock` on the database file itself (see [`crate::file_lock`]),
//! found from the connection (`PRAGMA database_list`). A file database gets one dedicated
//! connection of its own too, opened from the pool's connect options, so that the run's
//! connection settings stay its own; a database in memory uses the caller's connection.

use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

use sea_orm_migration::sea_orm::sqlx::pool::PoolOptions;
use sea_orm_migration::sea_orm::sqlx::{Connection, Database};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr,
    SqlxPostgresConnector, SqlxSqliteConnector, Statement,
};

use crate::backend::Backend;
use crate::error::{Error, sqlx_sqlstate};
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
    /// One MySQL / MariaDB database, by its name as the server reports it.
    MySql { database: String },
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
            DbBackend::Sqlite => Self::sqlite(db, connect_timeout).await,
            DbBackend::MySql => crate::mysql::open_session(db, connect_timeout).await,
            DbBackend::Postgres => Err(Error::UnsupportedConnection {
                backend: "a PostgreSQL connection that is not a sqlx pool (a mock or proxy)"
                    .to_owned(),
            }),
            other => Err(Error::UnsupportedConnection {
                backend: other.as_str().to_owned(),
            }),
        }
    }

    /// SQLite: a file database gets one dedicated connection of its own, opened from the
    /// pool's connect options, so that a run's per-connection settings (`fresh` turns
    /// foreign keys off around its one transaction) never reach the application's pool.
    /// A database in memory exists on the caller's connection only, so that one is used.
    async fn sqlite(db: &DatabaseConnection, connect_timeout: Duration) -> Result<Self, Error> {
        let scope = sqlite_scope(db).await?;
        let pooled = matches!(
            db.inner,
            DatabaseConnectionType::SqlxSqlitePoolConnection(_)
        );
        let (LockScope::SqliteFile { database }, true) = (&scope, pooled) else {
            return Ok(Self {
                conn: db.clone(),
                scope,
                owned: false,
            });
        };
        let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
        let pool = one_session(connect_timeout)
            .connect_with(options)
            .await
            .map_err(|e| Error::Connect {
                target: format!(
                    "SQLite file {} (a connection for the migration run)",
                    database.display()
                ),
                backend: Backend::Sqlite,
                reason: crate::redact(&e.to_string()).replace('\n', " "),
                sqlstate: sqlx_sqlstate(&e),
            })?;
        Ok(Self {
            conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
            scope,
            owned: true,
        })
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
        let usable = query_string(
            db,
            "SELECT has_schema_privilege(oid, 'USAGE')::text AS name FROM pg_namespace WHERE nspname = $1",
            vec![schema.name().into()],
        )
        .await?;
        if usable.as_deref() != Some("true") {
            return Err(Error::SchemaNotUsable {
                schema: schema.name().to_owned(),
                database,
            });
        }
        // The migrated schema first, where unqualified names are created; then `public`,
        // where shared extensions usually live (as in PostgreSQL's default search_path),
        // then every other schema holding an extension (`extensions`, say), so that their
        // types resolve wherever they were installed. A startup parameter, not SQL.
        let mut path = vec![schema.clone()];
        let others = query_strings(
            db,
            "SELECT DISTINCT n.nspname::text AS name FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'public') ORDER BY 1",
        )
        .await?;
        for name in std::iter::once("public".to_owned()).chain(others) {
            let next = PgSchema::from_catalog(name);
            if !path.contains(&next) {
                path.push(next);
            }
        }
        let search_path = path
            .iter()
            .map(PgSchema::quoted)
            .collect::<Vec<_>>()
            .join(", ");
        let options = (*db.get_postgres_connection_pool().connect_options())
            .clone()
            .application_name(&application_name())
            .options([("search_path", search_path.as_str())])
            .statement_cache_capacity(STATEMENT_CACHE);
        let pool = one_session(connect_timeout)
            .connect_with(options)
            .await
            .map_err(|e| Error::Connect {
                target: format!("PostgreSQL database {database} (a session for the migration run)"),
                backend: Backend::Postgres,
                reason: crate::redact(&e.to_string()).replace('\n', " "),
                sqlstate: sqlx_sqlstate(&e),
            })?;
        Ok(Self {
            conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
            scope: LockScope::Postgres { database, schema },
            owned: true,
        })
    }

    /// A session the runner opened itself (closed at the end).
    pub(crate) fn owned(conn: DatabaseConnection, scope: LockScope) -> Self {
        Self {
            conn,
            scope,
            owned: true,
        }
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
            LockScope::MySql { database } => format!("MySQL database {database}"),
        }
    }
}

/// The main database file of a SQLite connection, canonical; `Nothing` in memory.
async fn sqlite_scope(db: &DatabaseConnection) -> Result<LockScope, Error> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            // As bytes: a file name need not be UTF-8.
            "SELECT CAST(file AS BLOB) AS file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await
        .map_err(|e| Error::failed("finding the SQLite database file", e))?;
    let file = rows
        .first()
        .map(|row| row.try_get::<Option<Vec<u8>>>("", "file"))
        .transpose()
        .map_err(|e| Error::failed("finding the SQLite database file", e))?
        .flatten()
        .unwrap_or_default();
    if file.is_empty() {
        return Ok(LockScope::Nothing);
    }
    let file = PathBuf::from(std::ffi::OsString::from_vec(file));
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

async fn query_strings(db: &DatabaseConnection, sql: &str) -> Result<Vec<String>, Error> {
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|e| Error::failed("reading the schemas of installed extensions", e))?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "name"))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::failed("reading the schemas of installed extensions", e))
}

/// The prepared statements the run's PostgreSQL session keeps. sqlx prepares every
/// statement sea-orm sends, a migration's DDL too, and keeps it; once the cache is full,
/// each new statement first closes the oldest, one more round trip per statement. So
/// the cache has room for a few hundred statements, and [`trim_statement_cache`] empties
/// it every [`TRIM_EVERY`] migrations when it is a quarter full (the run's own
/// statements are then prepared again, once).
const STATEMENT_CACHE: usize = 1024;

/// How many migrations apart [`trim_statement_cache`] looks at the cache: looking
/// costs a round trip of its own.
pub(crate) const TRIM_EVERY: usize = 64;

/// Empties the run session's statement cache when it is a quarter full (PostgreSQL;
/// see [`STATEMENT_CACHE`]): a round trip or two every [`TRIM_EVERY`] migrations,
/// instead of one per statement once full. Called after migration `index` (from 0),
/// outside any transaction.
pub(crate) async fn trim_statement_cache(
    conn: &DatabaseConnection,
    index: usize,
) -> Result<(), Error> {
    let due = (index + 1).is_multiple_of(TRIM_EVERY);
    if !due
        || !matches!(
            conn.inner,
            DatabaseConnectionType::SqlxPostgresPoolConnection(_)
        )
    {
        return Ok(());
    }
    let failed = |e: sea_orm_migration::sea_orm::sqlx::Error| {
        Error::failed(
            "closing the run's prepared statements",
            DbErr::Custom(crate::redact(&e.to_string())),
        )
    };
    let mut session = conn
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(failed)?;
    if session.cached_statements_size() < STATEMENT_CACHE / 4 {
        return Ok(());
    }
    session.clear_cached_statements().await.map_err(failed)
}

/// A pool of exactly one session, never retired for age or idleness while a run uses it
/// (the run's lock and settings live on that session). Not pinged before each use (sqlx's
/// default, a round trip per transaction and per statement outside one): a session that
/// died fails the next statement instead, and a replacement session fails the lock check
/// in the next migration's transaction, as before.
pub(crate) fn one_session<DB: Database>(acquire_timeout: Duration) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .test_before_acquire(false)
        .acquire_timeout(acquire_timeout)
}
