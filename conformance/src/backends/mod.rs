//! Real databases for the checks: a fresh SQLite file, or a fresh database on a shared
//! PostgreSQL server (from `CONFORMANCE_PG_URL`, testcontainers, or local binaries).
//!
//! Like `#[sqlx::test]`, every caller gets a throwaway database of its own; servers are
//! started once per process and shared.

mod postgres;
mod sqlite;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

pub use postgres::{PgServer, PgSource, postgres_required, postgres_server, postgres_server_with};

use crate::error::HarnessError;
use crate::settings::PostgresSettings;

/// A database engine the harness can run migrations on: the runner's
/// [`migration_runner::Backend`], one vocabulary for the whole toolkit.
pub use migration_runner::Backend;

/// A throwaway database with an open connection. Dropping it removes a SQLite file;
/// call [`TestDatabase::close`] to drop a PostgreSQL database as well.
pub struct TestDatabase {
    /// The backend this connection talks to.
    pub backend: Backend,
    /// URL that opens this database (for a second connection or a subprocess).
    pub url: String,
    /// The open database connection.
    pub conn: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server: &'static PgServer,
        name: String,
    },
}

impl TestDatabase {
    /// A new, empty database on `backend`; on PostgreSQL, on the server of the
    /// environment's settings ([`PostgresSettings::from_env`]).
    pub async fn fresh(backend: Backend) -> Result<Self, HarnessError> {
        Self::fresh_with(backend, &crate::settings::environment().postgres).await
    }

    /// A new, empty database on `backend`; on PostgreSQL, on the server of `postgres`.
    pub async fn fresh_with(
        backend: Backend,
        postgres: &PostgresSettings,
    ) -> Result<Self, HarnessError> {
        match backend {
            Backend::Sqlite => {
                let (dir, url) = sqlite::fresh_file()?;
                let conn = connect(&url).await?;
                Ok(Self {
                    backend,
                    url,
                    conn,
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
            Backend::Postgres => {
                let server = postgres_server_with(postgres)?;
                let name = server.create_database().await?;
                let url = server.database_url(&name);
                let conn = connect(&url).await?;
                Ok(Self {
                    backend,
                    url,
                    conn,
                    cleanup: Cleanup::Postgres { server, name },
                })
            }
            other => Err(HarnessError::UnsupportedBackend {
                backend: other.db(),
                by: "the harness",
            }),
        }
    }

    /// Closes the connection and removes the database.
    pub async fn close(self) -> Result<(), HarnessError> {
        // Closing may fail when the connection is already broken; dropping still works.
        let _ = self.conn.close().await;
        match self.cleanup {
            Cleanup::Sqlite(_dir) => Ok(()),
            Cleanup::Postgres { server, name } => server.drop_database(&name).await,
        }
    }
}

/// Opens a connection to a throwaway database the way applications do (SQLite with
/// foreign keys on), except that commits do not wait for the disk (a test database
/// needs no durability) and PostgreSQL does not JIT-compile the harness's catalog
/// queries (compiling costs more than running them): what a migration does is the same
/// either way. One
/// connection, so that everything a migration runs shares it (and its counters).
pub async fn connect(url: &str) -> Result<DatabaseConnection, HarnessError> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(0)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .create_if_missing(true)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Off)
        })
        .map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off"), ("jit", "off")]));
    Database::connect(options)
        .await
        .map_err(|e| HarnessError::Connect {
            url: secret_redact::redact(url),
            reason: secret_redact::redact(&e.to_string()),
        })
}
