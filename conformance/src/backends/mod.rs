//! The PostgreSQL server the harness's databases live on.
//!
//! Like `#[sqlx::test]`, every caller gets a throwaway database of its own
//! ([`crate::TestDatabase`], [`crate::fresh_database`]): a fresh SQLite file, or a fresh
//! database on a PostgreSQL server shared by the process, from `CONFORMANCE_PG_URL`,
//! testcontainers, or local binaries ([`crate::PostgresSettings`]). What is public here
//! is for tests and benchmarks that want to know about that server:
//!
//! ```no_run
//! match conformance::backends::postgres_server() {
//!     Ok(server) => println!("{}", server.describe()),
//!     Err(e) if !conformance::backends::postgres_required() => println!("skipped: {e}"),
//!     Err(e) => panic!("{e}"),
//! }
//! ```

pub(crate) mod database;
mod mysql;
mod mysql_local;
mod postgres;
mod sqlite;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

pub(crate) use database::TestDatabase;
pub(crate) use mysql::mysql_server_with;
pub use mysql::{MySqlServer, mysql_required, mysql_server, mysql_walked};
pub(crate) use postgres::postgres_server_with;
pub use postgres::{PgServer, PgSource, postgres_required, postgres_server};

use crate::error::HarnessError;

/// A database engine the harness can run migrations on: the runner's
/// [`migration_runner::Backend`], one vocabulary for the whole toolkit.
pub(crate) use migration_runner::Backend;

/// Opens a connection to a throwaway database the way applications do (SQLite with
/// foreign keys on), except that commits do not wait for the disk (a test database
/// needs no durability) and PostgreSQL does not JIT-compile the harness's catalog
/// queries (compiling costs more than running them): what a migration does is the same
/// either way. One
/// connection, so that everything a migration runs shares it (and its counters).
pub(crate) async fn connect(url: &str) -> Result<DatabaseConnection, HarnessError> {
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
