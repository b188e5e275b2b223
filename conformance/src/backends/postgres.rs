//! PostgreSQL: one server per distinct settings (URL, image) in a process, found in
//! this order:
//!
//! 1. `CONFORMANCE_PG_URL`: any existing server (its databases are created and dropped
//!    by us, named `conformance_<pid>_<n>`);
//! 2. Docker, through testcontainers, image `CONFORMANCE_PG_IMAGE` (default: the official
//!    `postgres:15`);
//! 3. a throwaway cluster from the local `initdb` / `postgres` binaries.
//!
//! The server is removed when the process exits.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};

use super::{Registry, started_once};
use crate::error::HarnessError;
use crate::settings::PostgresSettings;

const READY_LINE: &str = "database system is ready to accept connections";
/// The password of the official image's `postgres` user in our containers: a word no
/// message holds otherwise, since every output masks it (redaction registers it).
const CONTAINER_PASSWORD: &str = "harness-pw-5432";
/// How long a server we started may take to accept connections after its ready line.
const STARTED_SERVER_GRACE: Duration = Duration::from_secs(30);
/// A server given by URL is already running: retry only briefly.
const GIVEN_SERVER_GRACE: Duration = Duration::from_secs(5);

/// Where the shared server came from.
#[derive(Debug, Clone)]
pub enum PgSource {
    /// A server given by URL.
    Url,
    /// A server started in a container.
    Container {
        /// The container image to run.
        image: String,
    },
    /// A server started from locally installed binaries.
    LocalBinaries {
        /// The folder holding the PostgreSQL binaries.
        bin_dir: PathBuf,
    },
}

/// A running PostgreSQL server that hands out fresh databases.
#[derive(Debug)]
pub struct PgServer {
    /// URL of the server's `postgres` database, with credentials.
    admin_url: url::Url,
    /// Where the server comes from.
    pub source: PgSource,
    /// The server's version string.
    pub version: String,
}

/// The number of the next database created, on any server: two settings may name one
/// server (two URLs of it), so names are unique in the process, not per server.
static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

impl PgServer {
    /// One line naming the server, printed once per process.
    pub fn describe(&self) -> String {
        let address = format!(
            "{}:{}",
            self.admin_url.host_str().unwrap_or("?"),
            self.admin_url.port().unwrap_or(5432)
        );
        let source = match &self.source {
            PgSource::Url => "CONFORMANCE_PG_URL".to_owned(),
            PgSource::Container { image } => format!("testcontainers, image {image}"),
            PgSource::LocalBinaries { bin_dir } => {
                format!("local binaries in {}", bin_dir.display())
            }
        };
        format!("PostgreSQL {} at {address} ({source})", self.version)
    }

    /// URL of database `name` on this server.
    pub(crate) fn database_url(&self, name: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(name);
        url.to_string()
    }

    /// Creates an empty database and returns its name.
    pub(crate) async fn create_database(&self) -> Result<String, HarnessError> {
        let n = NEXT_DATABASE.fetch_add(1, Ordering::Relaxed);
        let name = format!("conformance_{}_{n}", std::process::id());
        self.admin(&format!("CREATE DATABASE \"{name}\"")).await?;
        Ok(name)
    }

    /// Drops database `name`, closing any session still on it.
    pub(crate) async fn drop_database(&self, name: &str) -> Result<(), HarnessError> {
        self.admin(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
    }

    async fn admin(&self, sql: &str) -> Result<(), HarnessError> {
        let conn = connect_admin(self.admin_url.as_str()).await?;
        let result = conn.execute_unprepared(sql).await;
        let _ = conn.close().await;
        result
            .map(|_| ())
            .map_err(|e| HarnessError::Setup(format!("{sql}: {e}")))
    }
}

/// Whether a missing PostgreSQL fails the run, per the environment
/// ([`PostgresSettings::from_env`]).
pub fn postgres_required() -> bool {
    crate::settings::environment().postgres.required
}

/// What tells servers apart: settings that start (or find) the same server share it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ServerKey {
    url: Option<String>,
    image: String,
}

/// The servers of the process, one per [`ServerKey`], each started on first use.
static SERVERS: Registry<ServerKey, PgServer> = Mutex::new(Vec::new());

/// The server of the environment's settings, started on first use.
pub fn postgres_server() -> Result<&'static PgServer, HarnessError> {
    postgres_server_with(&crate::settings::environment().postgres)
}

/// The server of `settings`, started on first use and shared by every later caller with
/// the same URL and image: a suite's own settings always get their own server, whatever
/// another suite of the process asked for before.
pub(crate) fn postgres_server_with(
    settings: &PostgresSettings,
) -> Result<&'static PgServer, HarnessError> {
    let key = ServerKey {
        url: settings.url.clone(),
        image: settings.image.clone(),
    };
    let owned = settings.clone();
    started_once(
        &SERVERS,
        key,
        "POSTGRESQL",
        move || start_server(&owned),
        PgServer::describe,
    )
    .map_err(HarnessError::PostgresUnavailable)
}

fn start_server(settings: &PostgresSettings) -> Result<PgServer, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        if let Some(url) = &settings.url {
            return from_url(url, PgSource::Url)
                .await
                .map_err(|e| format!("CONFORMANCE_PG_URL: {e}"));
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
            "no PostgreSQL could be started. Docker: {docker}. Local binaries: {local}. \
             Start Docker, install PostgreSQL, or set CONFORMANCE_PG_URL=postgres://..."
        ))
    })
}

async fn from_url(raw: &str, source: PgSource) -> Result<PgServer, String> {
    let url = url::Url::parse(raw)
        .map_err(|e| format!("'{}' is not a valid URL: {e}", secret_redact::redact(raw)))?;
    let grace = match source {
        PgSource::Url => GIVEN_SERVER_GRACE,
        _ => STARTED_SERVER_GRACE,
    };
    let conn = connect_with_retries(url.as_str(), grace).await?;
    let version = server_version(&conn).await?;
    let _ = conn.close().await;
    Ok(PgServer {
        admin_url: url,
        source,
        version,
    })
}

async fn from_container(image: &str) -> Result<PgServer, String> {
    let image = image.to_owned();
    let (name, tag) = image.split_once(':').unwrap_or((image.as_str(), "latest"));
    let container = GenericImage::new(name, tag)
        .with_exposed_port(5432.tcp())
        .with_wait_for(WaitFor::message_on_stderr(READY_LINE))
        // The official image needs one of these; a locally built one ignores them.
        .with_env_var("POSTGRES_HOST_AUTH_METHOD", "trust")
        .with_env_var("POSTGRES_PASSWORD", CONTAINER_PASSWORD)
        .with_startup_timeout(Duration::from_secs(120))
        .start()
        .await
        .map_err(|e| format!("image {image}: {e}"))?;
    remove_at_exit(Leftover::Container(container.id().to_owned()));
    let host = container.get_host().await.map_err(|e| e.to_string())?;
    let port = container
        .get_host_port_ipv4(5432)
        .await
        .map_err(|e| e.to_string())?;
    // The container lives until the process exits (see `remove_at_exit`).
    std::mem::forget(container);
    // The official image logs the ready line once for a temporary server first, so the
    // real one may still be starting: `from_url` retries.
    from_url(
        &format!("postgres://postgres:{CONTAINER_PASSWORD}@{host}:{port}/postgres"),
        PgSource::Container { image },
    )
    .await
}

async fn from_local_binaries() -> Result<PgServer, String> {
    let bin_dir = find_bin_dir()
        .ok_or("initdb and postgres were not found on PATH or under /usr/lib/postgresql")?;
    let data = tempfile::Builder::new()
        .prefix("conformance-pg-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?
        .keep();
    remove_at_exit(Leftover::Folder(data.clone()));
    // PostgreSQL refuses to run as root; as root, run it as an unprivileged user.
    let run_as = unprivileged_user(&["postgres", "nobody"]);
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&data, Some(uid), Some(gid))
            .map_err(|e| format!("cannot hand {} to uid {uid}: {e}", data.display()))?;
    }
    let cluster = data.join("cluster");
    let status = command(&bin_dir.join("initdb"), run_as)
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&cluster)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run initdb: {e}"))?;
    if !status.success() {
        return Err(format!("initdb failed ({status})"));
    }
    let port = free_port()?;
    let child = command(&bin_dir.join("postgres"), run_as)
        .arg("-D")
        .arg(&cluster)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
        .arg("-k")
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    remove_at_exit(Leftover::Process(child));
    from_url(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        PgSource::LocalBinaries { bin_dir },
    )
    .await
}

fn find_bin_dir() -> Option<PathBuf> {
    let on_path = crate::settings::environment()
        .path
        .iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>());
    let packaged = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"));
    on_path
        .chain(packaged)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
        .map(|dir| {
            std::fs::canonicalize(dir.join("initdb"))
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
                .unwrap_or(dir)
        })
}

/// As root, the uid and gid of the first of `users` that exists (servers refuse to run
/// as root); `None` when not root.
pub(super) fn unprivileged_user(users: &[&str]) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY-free check: we are root when /proc/self is owned by uid 0.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    if !is_root {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    users.iter().find_map(|user| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(user) && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    })
}

pub(super) fn command(program: &Path, run_as: Option<(u32, u32)>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    if let Some((uid, gid)) = run_as {
        cmd.uid(uid).gid(gid).current_dir("/");
    }
    cmd
}

pub(super) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

async fn connect_admin(url: &str) -> Result<DatabaseConnection, HarnessError> {
    let mut options = sea_orm::ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .map_err(|e| HarnessError::Connect {
            url: secret_redact::redact(url),
            reason: secret_redact::redact(&e.to_string()),
        })
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
            Err(e) if Instant::now() > deadline => return Err(e.to_string()),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn server_version(conn: &DatabaseConnection) -> Result<String, String> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SHOW server_version",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("SHOW server_version returned nothing")?;
    row.try_get::<String>("", "server_version")
        .map_err(|e| e.to_string())
}

/// What a started server leaves behind, removed when the process exits.
pub(super) enum Leftover {
    Container(String),
    Process(Child),
    Folder(PathBuf),
}

static LEFTOVERS: Mutex<Vec<Leftover>> = Mutex::new(Vec::new());

pub(super) fn remove_at_exit(leftover: Leftover) {
    if let Ok(mut all) = LEFTOVERS.lock() {
        all.push(leftover);
    }
}

#[dtor::dtor(unsafe)]
fn remove_leftovers() {
    let Ok(mut all) = LEFTOVERS.lock() else {
        return;
    };
    // Newest first: the server process goes before its data folder.
    while let Some(leftover) = all.pop() {
        match leftover {
            Leftover::Container(id) => {
                let _ = Command::new("docker")
                    .args(["rm", "--force", "--volumes", &id])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
            Leftover::Process(mut child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Leftover::Folder(path) => {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}
