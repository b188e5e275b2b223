//! Which database to migrate, given as a URL (or a default SQLite file), and the one
//! connection builder the runner, its CLI and its tests use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sea_orm_migration::sea_orm::sqlx::ConnectOptions as _;
use sea_orm_migration::sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm_migration::sea_orm::{
    ConnectOptions, Database, DatabaseConnection, SqlxSqliteConnector,
};

use crate::backend::Backend;
use crate::error::{Error, sqlx_sqlstate};
use secret_redact::redact;

/// Whether a command may create or change the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// Reads only: creates no file, folder, table or schema (`status`).
    ReadOnly,
    /// May create the SQLite file and change the database.
    ReadWrite,
}

/// A database the runner can migrate, resolved from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// A SQLite file, or `None` for an in-memory database.
    Sqlite {
        /// The file, as given.
        path: Option<PathBuf>,
    },
    /// A PostgreSQL server.
    Postgres {
        /// The URL as given (it may hold a password: show it with [`Target::describe`]).
        url: url::Url,
    },
    /// A MySQL or MariaDB server (`mysql://` or `mariadb://`).
    MySql {
        /// The URL, its scheme `mysql` (it may hold a password: show it with
        /// [`Target::describe`]).
        url: url::Url,
    },
}

impl Target {
    /// Resolves `url`, or without one the SQLite file `default_sqlite` (whose folder is
    /// created for [`Access::ReadWrite`] only).
    ///
    /// ```
    /// use migration_runner::{Access, Target};
    /// let target = Target::resolve(Some("postgres://app:pw@db/app"), "unused".as_ref(), Access::ReadOnly)?;
    /// assert_eq!(target.describe(), "PostgreSQL postgres://app:***@db/app");
    /// # Ok::<(), migration_runner::Error>(())
    /// ```
    pub fn resolve(
        url: Option<&str>,
        default_sqlite: &Path,
        access: Access,
    ) -> Result<Self, Error> {
        if let Some(url) = url {
            secret_redact::register_secrets_of(url);
        }
        match url.map(str::trim) {
            None | Some("") => {
                if access == Access::ReadWrite {
                    let folder = parent_folder(default_sqlite);
                    std::fs::create_dir_all(&folder).map_err(|e| Error::DefaultFolder {
                        folder: folder.clone(),
                        reason: e.to_string(),
                    })?;
                }
                Self::sqlite_file(default_sqlite.to_path_buf(), access)
            }
            Some(url) => Self::parse(url, access),
        }
    }

    /// Parses a `sqlite:` or `postgres:` URL.
    pub fn parse(raw: &str, access: Access) -> Result<Self, Error> {
        // Every password a driver could read in `raw` is masked in all output from now on.
        secret_redact::register_secrets_of(raw);
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            return Self::parse_sqlite(raw, rest, access);
        }
        let parsed = url::Url::parse(raw).map_err(|e| Error::MalformedUrl {
            url: redact(raw),
            reason: e.to_string(),
        })?;
        match parsed.scheme() {
            "postgres" | "postgresql" => {
                let has_socket = parsed.query_pairs().any(|(key, _)| key == "host");
                if parsed.host_str().is_none_or(str::is_empty) && !has_socket {
                    return Err(Error::MalformedUrl {
                        url: redact(raw),
                        reason: "it names no host".to_owned(),
                    });
                }
                if user_info_is_ambiguous(raw, &parsed) {
                    return Err(Error::MalformedUrl {
                        url: redact(raw),
                        reason: "its user name or password holds a character that must be percent-encoded there (/ ? # @ : space \\ \" and the like: %2F %3F %23 %40 %3A %20); drivers would read it differently".to_owned(),
                    });
                }
                Ok(Self::Postgres { url: parsed })
            }
            "mysql" | "mariadb" => crate::mysql::parse_target(raw, parsed),
            scheme => Err(Error::UnsupportedBackend {
                url: redact(raw),
                scheme: scheme.to_owned(),
            }),
        }
    }

    /// `sqlite:PATH`, `sqlite://PATH` or `sqlite:///ABSOLUTE`: the path percent-decoded
    /// (`%3F` is a `?`), then taken byte for byte. The only option is `mode`: `rwc` (the
    /// default: create if missing), `rw` (the file must exist) or `ro` (read-only
    /// commands only). Anything else after `?` or `#` is refused, never passed on.
    fn parse_sqlite(raw: &str, rest: &str, access: Access) -> Result<Self, Error> {
        let refuse = |reason: String| Error::MalformedUrl {
            url: redact(raw),
            reason,
        };
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        if rest.contains('#') {
            return Err(refuse(
                "a fragment (#...) is not part of a SQLite URL; write # in a file name as %23"
                    .to_owned(),
            ));
        }
        let (encoded, query) = rest.split_once('?').unwrap_or((rest, ""));
        if encoded.is_empty() {
            return Err(refuse(
                "it names no file (sqlite://PATH or sqlite::memory: do)".to_owned(),
            ));
        }
        let mode = sqlite_mode(query).map_err(refuse)?;
        if encoded == ":memory:" {
            return Ok(Self::Sqlite { path: None });
        }
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
        let path = PathBuf::from(std::ffi::OsString::from_vec(bytes));
        match (mode, access) {
            (SqliteMode::ReadOnly, Access::ReadWrite) => Err(refuse(
                "mode=ro opens the database read-only, and this command changes it".to_owned(),
            )),
            (SqliteMode::ReadWrite, Access::ReadWrite) if !path.exists() => {
                Err(Error::MissingSqliteDatabase {
                    path: std::path::absolute(&path).unwrap_or(path),
                })
            }
            _ => Self::sqlite_file(path, access),
        }
    }

    fn sqlite_file(path: PathBuf, access: Access) -> Result<Self, Error> {
        if path.exists() && !path.is_file() {
            return Err(Error::NotARegularFile {
                path: std::path::absolute(&path).unwrap_or(path),
            });
        }
        match access {
            Access::ReadOnly if !path.is_file() => Err(Error::MissingSqliteDatabase {
                path: std::path::absolute(&path).unwrap_or(path),
            }),
            Access::ReadOnly => Ok(Self::Sqlite { path: Some(path) }),
            Access::ReadWrite => {
                let folder = parent_folder(&path);
                if !folder.is_dir() {
                    return Err(Error::MissingSqliteFolder { path, folder });
                }
                Ok(Self::Sqlite { path: Some(path) })
            }
        }
    }

    /// The target's backend.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
            Self::MySql { .. } => Backend::MySql,
        }
    }

    /// The target for messages: absolute SQLite paths, PostgreSQL URLs redacted.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path: None } => "SQLite in memory".to_owned(),
            Self::Sqlite { path: Some(path) } => {
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                format!("SQLite file {}", shown.display())
            }
            Self::Postgres { url } => format!("PostgreSQL {}", redact(&postgres_shown(url))),
            Self::MySql { url } => format!("MySQL {}", redact(&postgres_shown(url))),
        }
    }

    /// Opens a connection of one session: SQLite with foreign keys on (and read-only for
    /// [`Access::ReadOnly`], so that nothing is created), PostgreSQL named in
    /// `pg_stat_activity` so that a migrator waiting for the lock can say who holds it.
    pub async fn connect(
        &self,
        access: Access,
        timeout: Duration,
    ) -> Result<DatabaseConnection, Error> {
        let mut options = match self {
            Self::Sqlite { path } => {
                return self.connect_sqlite(path.as_deref(), access, timeout).await;
            }
            Self::Postgres { url } => {
                let mut options = ConnectOptions::new(url.as_str());
                options.map_sqlx_postgres_opts(|o| o.application_name(&application_name()));
                options
            }
            Self::MySql { url } => ConnectOptions::new(url.as_str()),
        };
        // One session, never retired for age or idleness while a run uses it.
        options
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_timeout(timeout)
            .acquire_timeout(timeout)
            .sqlx_logging(false);
        Database::connect(options)
            .await
            .map_err(|e| Error::Connect {
                target: self.describe(),
                backend: self.backend(),
                reason: one_line(&redact(&e.to_string())),
                sqlstate: crate::error::sqlstate(&e),
            })
    }
}

impl Target {
    /// SQLite: the file is handed to SQLite as a `file:` URI built here from the path's
    /// bytes, so nothing re-parses it (no `?` option, no `%` escape, no `:memory:` hides in
    /// a file name). Read-only access opens it `mode=ro`, and a WAL database without its
    /// `-wal` file `immutable=1` too, so that no `-wal` or `-shm` file is created.
    async fn connect_sqlite(
        &self,
        path: Option<&Path>,
        access: Access,
        timeout: Duration,
    ) -> Result<DatabaseConnection, Error> {
        let failed = |reason: String, sqlstate: Option<String>| Error::Connect {
            target: self.describe(),
            backend: Backend::Sqlite,
            reason: one_line(&reason),
            sqlstate,
        };
        let read_only = access == Access::ReadOnly;
        let options = match path {
            None => SqliteConnectOptions::from_str("sqlite::memory:")
                .map_err(|e| failed(e.to_string(), None))?,
            Some(path) => {
                let params = if read_only {
                    read_only_params(path)?
                } else {
                    ""
                };
                SqliteConnectOptions::new().filename(sqlite_uri(path, params))
            }
        };
        let options = options
            .create_if_missing(!read_only)
            .read_only(read_only)
            // The CASCADE rules of a schema need foreign keys, off by default.
            .foreign_keys(true)
            .log_statements(log::LevelFilter::Off);
        let pool = crate::session::one_session(timeout)
            .connect_with(options)
            .await
            .map_err(|e| failed(redact(&e.to_string()), sqlx_sqlstate(&e)))?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    }
}

/// What a `mode=` option of a SQLite URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SqliteMode {
    CreateIfMissing,
    ReadWrite,
    ReadOnly,
}

/// The options of a SQLite URL: `mode` only.
fn sqlite_mode(query: &str) -> Result<SqliteMode, String> {
    let mut mode = SqliteMode::CreateIfMissing;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        mode = match pair {
            "mode=rwc" => SqliteMode::CreateIfMissing,
            "mode=rw" => SqliteMode::ReadWrite,
            "mode=ro" => SqliteMode::ReadOnly,
            _ => {
                return Err(format!(
                    "the option '{pair}' is not accepted; a SQLite URL takes mode=rwc, mode=rw or mode=ro only (write ? in a file name as %3F)"
                ));
            }
        };
    }
    Ok(mode)
}

/// `path` as a SQLite `file:` URI: every byte but unreserved ones and `/` percent-encoded.
fn sqlite_uri(path: &Path, params: &str) -> String {
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    let bytes = path.as_os_str().as_bytes();
    let encoded = percent_encoding::percent_encode(bytes, KEEP).to_string();
    // `file:///abs` (an empty authority) for absolute paths, `file:rel` for relative ones.
    let prefix = if bytes.starts_with(b"/") {
        "file://"
    } else {
        "file:"
    };
    if params.is_empty() {
        format!("{prefix}{encoded}")
    } else {
        format!("{prefix}{encoded}?{params}")
    }
}

/// The URI options that open `path` without creating any file: `mode=ro`, plus
/// `immutable=1` for a WAL database whose `-wal` file is absent (SQLite would create it
/// and `-shm` even to read; no writer is connected, since a writer's `-wal` exists).
fn read_only_params(path: &Path) -> Result<&'static str, Error> {
    let mut header = [0u8; 20];
    let is_wal = File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map(|()| header[18] == 2 || header[19] == 2)
        .unwrap_or(false);
    if !is_wal {
        return Ok("mode=ro");
    }
    let beside = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    match (beside("-wal").exists(), beside("-shm").exists()) {
        (false, _) => Ok("mode=ro&immutable=1"),
        (true, true) => Ok("mode=ro"),
        (true, false) => Err(Error::WalIndexMissing {
            path: path.to_path_buf(),
        }),
    }
}

/// Whether the text between `://` and the last `@` differs from the user info the url
/// crate read: a raw `/`, `?`, `#` or `\\` in a password ends the authority early, so
/// drivers (and the parts shown in messages) would read part of the password as the host,
/// path, query or fragment.
pub(crate) fn user_info_is_ambiguous(raw: &str, parsed: &url::Url) -> bool {
    let Some((_, rest)) = raw.split_once("://") else {
        return false;
    };
    let Some(at) = rest.rfind('@') else {
        return false;
    };
    let read = match parsed.password() {
        Some(password) => format!("{}:{password}", parsed.username()),
        None => parsed.username().to_owned(),
    };
    rest[..at] != read
}

/// A PostgreSQL (or MySQL) URL for messages, rebuilt from its parts: scheme, user, `***` for a
/// password, host and port, database, and of the query only `host` (a socket folder)
/// and `password=***`. Never the text as given, nor any other query part or fragment.
fn postgres_shown(url: &url::Url) -> String {
    let mask = secret_redact::MASK;
    let user = match (url.username(), url.password()) {
        ("", None) => String::new(),
        (user, None) => format!("{user}@"),
        (user, Some(_)) => format!("{user}:{mask}@"),
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut query = Vec::new();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "host" => query.push(format!("host={value}")),
            "password" => query.push(format!("password={mask}")),
            _ => {}
        }
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("{}://{user}{host}{port}{}{query}", url.scheme(), url.path())
}

/// How the runner's sessions appear in `pg_stat_activity`.
pub(crate) fn application_name() -> String {
    format!("migration-runner (pid {})", std::process::id())
}

fn parent_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The driver's message on one line.
fn one_line(message: &str) -> String {
    message.replace('\n', " ")
}
