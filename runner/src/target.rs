//! Which database to migrate, given as a URL (or a default SQLite file), and the one
//! connection builder the runner, its CLI and its tests use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::Error;
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
                Ok(Self::Postgres { url: parsed })
            }
            scheme => Err(Error::UnsupportedBackend {
                url: redact(raw),
                scheme: scheme.to_owned(),
            }),
        }
    }

    fn parse_sqlite(raw: &str, rest: &str, access: Access) -> Result<Self, Error> {
        // sqlx accepts `sqlite:PATH`, `sqlite://PATH` and `sqlite:///ABSOLUTE`; options
        // after `?` are ours to set.
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(Error::MalformedUrl {
                url: redact(raw),
                reason: "it names no file; use sqlite://PATH or sqlite::memory:".to_owned(),
            });
        }
        if path == ":memory:" {
            return Ok(Self::Sqlite { path: None });
        }
        Self::sqlite_file(PathBuf::from(path), access)
    }

    fn sqlite_file(path: PathBuf, access: Access) -> Result<Self, Error> {
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

    /// The target for messages: absolute SQLite paths, PostgreSQL URLs redacted.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path: None } => "SQLite in memory".to_owned(),
            Self::Sqlite { path: Some(path) } => {
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                format!("SQLite file {}", shown.display())
            }
            Self::Postgres { url } => format!("PostgreSQL {}", redact(url.as_str())),
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
                let url = match path {
                    None => "sqlite::memory:".to_owned(),
                    Some(path) => format!("sqlite://{}", path.display()),
                };
                let mut options = ConnectOptions::new(url);
                let read_only = access == Access::ReadOnly;
                options.map_sqlx_sqlite_opts(move |o| {
                    o.create_if_missing(!read_only)
                        .read_only(read_only)
                        // The CASCADE rules of a schema need foreign keys, off by default.
                        .foreign_keys(true)
                });
                options
            }
            Self::Postgres { url } => {
                let mut options = ConnectOptions::new(url.as_str());
                options.map_sqlx_postgres_opts(|o| o.application_name(&application_name()));
                options
            }
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
                reason: connect_hint(self, &redact(&e.to_string())),
            })
    }
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

/// Turns the driver's message into one line with what to check.
fn connect_hint(target: &Target, error: &str) -> String {
    let error = error.replace('\n', " ");
    match target {
        Target::Sqlite { .. } => {
            format!("{error}; check that the file's folder exists and is writable")
        }
        Target::Postgres { .. } if error.contains("password authentication failed") => {
            format!("{error}; check the user name and password in the URL")
        }
        Target::Postgres { .. } => {
            format!("{error}; check that the server is running and reachable at that host and port")
        }
    }
}
