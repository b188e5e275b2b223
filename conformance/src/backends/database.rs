//! [`TestDatabase`]: a throwaway database with an open connection.

use super::mysql::{MySqlServer, mysql_server_with};
use super::{Backend, connect, postgres::PgServer, postgres_server_with, sqlite};
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::error::HarnessError;
use crate::settings::{MySqlSettings, PostgresSettings};

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
    /// [`crate::MySqlSettings::from_env`]).
    pub async fn fresh(backend: Backend) -> Result<Self, HarnessError> {
        // Boxed: keeps the futures of the harness's callers shallow.
        Box::pin(Self::fresh_with(
            backend,
            &crate::settings::environment().postgres,
        ))
        .await
    }

    /// A new, empty database on `backend`; on PostgreSQL, on the server of `postgres`
    /// (on MySQL, of the environment's settings).
    pub async fn fresh_with(
        backend: Backend,
        postgres: &PostgresSettings,
    ) -> Result<Self, HarnessError> {
        Self::fresh_on(backend, postgres, &crate::settings::environment().mysql).await
    }

    /// A new, empty database on `backend`, on the servers of a suite's settings.
    pub(crate) async fn for_config(
        backend: Backend,
        config: &Config,
    ) -> Result<Self, HarnessError> {
        Self::fresh_on(backend, &config.postgres, &config.mysql).await
    }

    async fn fresh_on(
        backend: Backend,
        postgres: &PostgresSettings,
        mysql: &MySqlSettings,
    ) -> Result<Self, HarnessError> {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let (dir, url) = sqlite::fresh_file()?;
                (url, Cleanup::Sqlite(dir))
            }
            Backend::Postgres => {
                let server = postgres_server_with(postgres)?;
                let name = server.create_database().await?;
                (
                    server.database_url(&name),
                    Cleanup::Postgres { server, name },
                )
            }
            Backend::MySql => {
                let server = mysql_server_with(mysql)?;
                let name = server.create_database().await?;
                (server.database_url(&name), Cleanup::MySql { server, name })
            }
            other => {
                return Err(HarnessError::UnsupportedBackend {
                    backend: other.db(),
                    by: "the harness",
                });
            }
        };
        let conn = connect(&url).await?;
        Ok(Self {
            backend,
            url,
            conn,
            cleanup,
        })
    }

    /// Closes the connection and removes the database.
    pub async fn close(self) -> Result<(), HarnessError> {
        // Closing may fail when the connection is already broken; dropping still works.
        let _ = self.conn.close().await;
        self.cleanup.remove().await
    }
}

impl Cleanup {
    async fn remove(self) -> Result<(), HarnessError> {
        match self {
            Cleanup::Sqlite(_dir) => Ok(()),
            Cleanup::Postgres { server, name } => server.drop_database(&name).await,
            Cleanup::MySql { server, name } => server.drop_database(&name).await,
        }
    }
}
