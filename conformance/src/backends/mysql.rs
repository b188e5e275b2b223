//! MySQL / MariaDB for tests: one server per distinct settings (URL, image) in a
//! process, found in this order:
//!
//! 1. `CONFORMANCE_MYSQL_URL`: any existing server (`mysql://root@127.0.0.1:3306/`); its
//!    databases are created and dropped by us, named `conformance_<pid>_<n>`;
//! 2. Docker, through testcontainers, image `CONFORMANCE_MYSQL_IMAGE` (default: the
//!    official `mariadb:10.11`; CI builds `conformance-mariadb:10.11` locally with
//!    `.ci/mariadb-image.sh`);
//! 3. local binaries (`mariadbd` or `mysqld`, Debian's `mariadb-server`): a server of our
//!    own on a free port of 127.0.0.1, in a temporary folder ([`super::mysql_local`]).
//!
//! The harness walks MySQL when a suite asks for it (`verify` does when
//! [`mysql_walked`]); its databases are the runner's and the migrations' tests' too
//! ([`crate::fresh_database`]).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

use super::mysql_local::LocalBinaries;
use super::postgres::{Leftover, remove_at_exit};
use super::{Registry, started_once};
use crate::error::HarnessError;
use crate::settings::MySqlSettings;

/// A server we started may log its ready line before it accepts connections.
const STARTED_SERVER_GRACE: Duration = Duration::from_secs(60);
/// A server given by URL is already running: retry only briefly.
const GIVEN_SERVER_GRACE: Duration = Duration::from_secs(5);

/// A running MySQL / MariaDB server that hands out fresh databases.
#[derive(Debug)]
pub struct MySqlServer {
    /// URL of the server, with credentials, without a database.
    admin_url: url::Url,
    /// Where it comes from: `CONFORMANCE_MYSQL_URL` or an image.
    pub source: String,
    /// `SELECT VERSION()`.
    pub version: String,
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

impl MySqlServer {
    /// One line naming the server.
    pub fn describe(&self) -> String {
        format!(
            "MySQL {} at {}:{} ({})",
            self.version,
            self.admin_url.host_str().unwrap_or("?"),
            self.admin_url.port().unwrap_or(3306),
            self.source
        )
    }

    /// URL of database `name` on this server.
    pub(crate) fn database_url(&self, name: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(name);
        url.to_string()
    }

    /// Creates an empty database (utf8mb4) and returns its name.
    pub(crate) async fn create_database(&self) -> Result<String, HarnessError> {
        let n = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
        let name = format!("conformance_{}_{n}", std::process::id());
        self.admin(&format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .await?;
        Ok(name)
    }

    /// Drops database `name`.
    pub(crate) async fn drop_database(&self, name: &str) -> Result<(), HarnessError> {
        self.admin(&format!("DROP DATABASE IF EXISTS `{name}`"))
            .await
    }

    async fn admin(&self, sql: &str) -> Result<(), HarnessError> {
        let conn = connect_admin(self.admin_url.as_str())
            .await
            .map_err(HarnessError::Setup)?;
        let result = conn.execute_unprepared(sql).await;
        let _ = conn.close().await;
        result
            .map(|_| ())
            .map_err(|e| HarnessError::Setup(format!("{sql}: {e}")))
    }
}

/// Whether the environment asks for MySQL: `CONFORMANCE_MYSQL_URL` names a server, or
/// `CONFORMANCE_REQUIRE_MYSQL=1` (CI, with the image of `CONFORMANCE_MYSQL_IMAGE`).
/// `verify` then walks MySQL as a third backend; a suite in code asks with
/// `Suite::backends`.
pub fn mysql_walked() -> bool {
    crate::settings::environment().mysql_walked
}

/// Whether a missing MySQL fails the run (`CONFORMANCE_REQUIRE_MYSQL`).
pub fn mysql_required() -> bool {
    crate::settings::environment().mysql.required
}

static SERVERS: Registry<MySqlSettings, MySqlServer> = Mutex::new(Vec::new());

/// The server of the environment's settings, started on first use.
pub fn mysql_server() -> Result<&'static MySqlServer, HarnessError> {
    mysql_server_with(&crate::settings::environment().mysql)
}

pub(crate) fn mysql_server_with(
    settings: &MySqlSettings,
) -> Result<&'static MySqlServer, HarnessError> {
    let owned = settings.clone();
    started_once(
        &SERVERS,
        settings.clone(),
        "MYSQL",
        move || start_server(&owned),
        MySqlServer::describe,
    )
    .map_err(HarnessError::MySqlUnavailable)
}

fn start_server(settings: &MySqlSettings) -> Result<MySqlServer, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        if let Some(url) = &settings.url {
            return from_url(url, "CONFORMANCE_MYSQL_URL".to_owned(), GIVEN_SERVER_GRACE)
                .await
                .map_err(|e| format!("CONFORMANCE_MYSQL_URL: {e}"));
        }
        let docker = match from_container(&settings.image).await {
            Ok(server) => return Ok(server),
            Err(e) => e,
        };
        let local = match from_local_binaries().await {
            Ok(server) => return Ok(server),
            Err(e) => e,
        };
        Err(format!(
            "no MySQL could be started. Docker: {docker}. Local binaries: {local}. Start \
             Docker (the image: .ci/mariadb-image.sh), install MariaDB (apt-get install \
             mariadb-server), or set CONFORMANCE_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT/"
        ))
    })
}

async fn from_local_binaries() -> Result<MySqlServer, String> {
    let binaries = LocalBinaries::find()?;
    let url = binaries.start()?;
    from_url(&url, binaries.describe(), STARTED_SERVER_GRACE).await
}

async fn from_url(raw: &str, source: String, grace: Duration) -> Result<MySqlServer, String> {
    let mut url = url::Url::parse(raw)
        .map_err(|e| format!("'{}' is not a valid URL: {e}", secret_redact::redact(raw)))?;
    url.set_path("");
    let conn = connect_with_retries(url.as_str(), grace).await?;
    let version = server_version(&conn).await?;
    let _ = conn.close().await;
    Ok(MySqlServer {
        admin_url: url,
        source,
        version,
    })
}

async fn from_container(image: &str) -> Result<MySqlServer, String> {
    let image = image.to_owned();
    let (name, tag) = image.split_once(':').unwrap_or((image.as_str(), "latest"));
    let container = GenericImage::new(name, tag)
        .with_exposed_port(3306.tcp())
        .with_wait_for(WaitFor::message_on_stderr("ready for connections"))
        // The official images need one of these; the locally built one ignores them.
        .with_env_var("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1")
        .with_env_var("MYSQL_ALLOW_EMPTY_PASSWORD", "yes")
        .with_startup_timeout(Duration::from_secs(120))
        .start()
        .await
        .map_err(|e| format!("image {image}: {e}"))?;
    remove_at_exit(Leftover::Container(container.id().to_owned()));
    let host = container.get_host().await.map_err(|e| e.to_string())?;
    let port = container
        .get_host_port_ipv4(3306)
        .await
        .map_err(|e| e.to_string())?;
    std::mem::forget(container);
    // The official images log the ready line for a temporary server first: retry.
    from_url(
        &format!("mysql://root@{host}:{port}/"),
        format!("testcontainers, image {image}"),
        STARTED_SERVER_GRACE,
    )
    .await
}

async fn connect_admin(url: &str) -> Result<DatabaseConnection, String> {
    let mut options = sea_orm::ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .map_err(|e| secret_redact::redact(&e.to_string()))
}

async fn connect_with_retries(url: &str, grace: Duration) -> Result<DatabaseConnection, String> {
    let deadline = Instant::now() + grace;
    loop {
        match connect_admin(url).await {
            Ok(conn) => match conn.execute_unprepared("SELECT 1").await {
                Ok(_) => return Ok(conn),
                Err(e) if Instant::now() > deadline => {
                    return Err(secret_redact::redact(&e.to_string()));
                }
                Err(_) => {}
            },
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn server_version(conn: &DatabaseConnection) -> Result<String, String> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::MySql,
            "SELECT VERSION() AS version",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("SELECT VERSION() returned nothing")?;
    row.try_get::<String>("", "version")
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The fallback of a machine without a URL and without Docker (`make test` on a
    /// fresh machine installs `mariadb-server` for it): a server of our own, which
    /// hands out databases. CI has the binaries, so there it must run.
    #[tokio::test]
    async fn a_server_starts_from_local_binaries() {
        if let Err(why) = LocalBinaries::find() {
            assert!(
                !crate::settings::environment().ci,
                "CI must have MariaDB's binaries (apt-get install mariadb-server): {why}"
            );
            let _ = writeln!(
                std::io::stderr(),
                "conformance: SKIPPED the local MariaDB test, no binaries: {why}"
            );
            return;
        }
        let server = from_local_binaries().await.expect("a local server");
        assert!(
            server.source.starts_with("local binaries"),
            "{}",
            server.source
        );
        assert!(server.admin_url.host_str() == Some("127.0.0.1"));
        let name = server.create_database().await.expect("a database");
        let conn = connect_admin(&server.database_url(&name))
            .await
            .expect("its database");
        let version = server_version(&conn).await.expect("a version");
        assert_eq!(version, server.version);
        let _ = conn.close().await;
        server.drop_database(&name).await.expect("dropped");
    }
}
