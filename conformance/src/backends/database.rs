//! [`TestDatabase`]: a throwaway database with an open connection.

use super::mysql::{MySqlServer, mysql_server_with};
use super::{Backend, connect, postgres::PgServer, postgres_server_with, sqlite};
use sea_orm::DatabaseConnection;

use crate::error::HarnessError;
use crate::settings::PostgresSettings;

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
    MySql {
        server: &'static MySqlServer,
        name: String,
    },
}

impl TestDatabase {
    /// A new, empty database on `backend`; on PostgreSQL and MySQL, on the server of
    /// the environment's settings ([`PostgresSettings::from_env`],
    /// [`crate::MySqlSettings::from_env`]). MySQL databases are for tests of the runner
    /// and the migrations: the harness's checks refuse MySQL ([`TestDatabase::fresh_with`]).
    pub async fn fresh(backend: Backend) -> Result<Self, HarnessError> {
        if backend == Backend::MySql {
            // Boxed: keeps the futures of the harness's callers shallow.
            return Box::pin(Self::fresh_mysql()).await;
        }
        Self::fresh_with(backend, &crate::settings::environment().postgres).await
    }

    async fn fresh_mysql() -> Result<Self, HarnessError> {
        let server = mysql_server_with(&crate::settings::environment().mysql)?;
        let name = server.create_database().await?;
        let url = server.database_url(&name);
        let conn = connect(&url).await?;
        Ok(Self {
            backend: Backend::MySql,
            url,
            conn,
            cleanup: Cleanup::MySql { server, name },
        })
    }

    /// A new, empty database on `backend` for the harness's checks; on PostgreSQL, on
    /// the server of `postgres`. MySQL is refused (`UnsupportedBackend`): the harness
    /// does not read its catalog yet.
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
            Cleanup::MySql { server, name } => server.drop_database(&name).await,
        }
    }
}
