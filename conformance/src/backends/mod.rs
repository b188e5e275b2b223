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

/// Servers started by the harness, one per distinct key (settings) in a process.
pub(super) type Registry<K, S> = std::sync::Mutex<
    Vec<(
        K,
        std::sync::Arc<std::sync::OnceLock<Result<&'static S, String>>>,
    )>,
>;

/// The server of `key` in `registry`, started by `start` on first use and shared by
/// every later caller with the same key. `start` runs on a thread of its own (callers run
/// on many short-lived runtimes, and the server must outlive all of them); which server
/// was used, or why none, is written to stderr past the test harness's capture, so every
/// run shows it. The server is kept for the rest of the process.
pub(super) fn started_once<K, S>(
    registry: &'static Registry<K, S>,
    key: K,
    kind: &str,
    start: impl FnOnce() -> Result<S, String> + Send + 'static,
    describe: fn(&S) -> String,
) -> Result<&'static S, String>
where
    K: PartialEq,
    S: Send + Sync + 'static,
{
    use std::io::Write;
    use std::sync::{Arc, OnceLock, PoisonError};
    let cell = {
        let mut servers = registry.lock().unwrap_or_else(PoisonError::into_inner);
        match servers.iter().find(|(k, _)| *k == key) {
            Some((_, cell)) => Arc::clone(cell),
            None => {
                let cell = Arc::new(OnceLock::new());
                servers.push((key, Arc::clone(&cell)));
                cell
            }
        }
    };
    cell.get_or_init(|| {
        let started = std::thread::spawn(start)
            .join()
            .unwrap_or_else(|_| Err("the start-up thread panicked".to_owned()));
        let mut err = std::io::stderr();
        let _ = match &started {
            Ok(server) => writeln!(err, "conformance: using {}", describe(server)),
            Err(reason) => writeln!(err, "conformance: NO {kind}: {reason}"),
        };
        started.map(|server| &*Box::leak(Box::new(server)))
    })
    .clone()
}
