//! Which database to migrate, and connecting to it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm_migration::sea_orm::{ConnectOptions, Database, DatabaseConnection};

use super::error::CliError;

/// A database the CLI can migrate, resolved from a URL (or the default SQLite file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite file (created if missing) or `None` for an in-memory database.
    Sqlite { path: Option<PathBuf> },
    /// A PostgreSQL server; `url` is the URL as given.
    Postgres { url: url::Url },
}

impl Target {
    /// Resolves the URL given by `-u` / `DATABASE_URL`, or the default SQLite file.
    pub fn resolve(url: Option<&str>, default_sqlite: &Path) -> Result<Self, CliError> {
        match url.map(str::trim) {
            None | Some("") => {
                let folder = parent_folder(default_sqlite);
                std::fs::create_dir_all(&folder).map_err(|e| CliError::DefaultFolder {
                    folder: folder.clone(),
                    reason: e.to_string(),
                })?;
                Ok(Self::Sqlite {
                    path: Some(default_sqlite.to_path_buf()),
                })
            }
            Some(url) => Self::parse(url),
        }
    }

    fn parse(raw: &str) -> Result<Self, CliError> {
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            return Self::parse_sqlite(raw, rest);
        }
        let parsed = url::Url::parse(raw).map_err(|e| CliError::MalformedUrl {
            url: raw.to_owned(),
            reason: e.to_string(),
        })?;
        match parsed.scheme() {
            "postgres" | "postgresql" => {
                if parsed.host_str().is_none_or(str::is_empty) {
                    return Err(CliError::MalformedUrl {
                        url: mask_password(&parsed),
                        reason: "it names no host".to_owned(),
                    });
                }
                Ok(Self::Postgres { url: parsed })
            }
            scheme => Err(CliError::UnsupportedBackend {
                url: mask_password(&parsed),
                scheme: scheme.to_owned(),
            }),
        }
    }

    fn parse_sqlite(raw: &str, rest: &str) -> Result<Self, CliError> {
        // sqlx accepts `sqlite:PATH`, `sqlite://PATH` and `sqlite:///ABSOLUTE`; options
        // after `?` are ours to set.
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(CliError::MalformedUrl {
                url: raw.to_owned(),
                reason: "it names no file; use sqlite://PATH or sqlite::memory:".to_owned(),
            });
        }
        if path == ":memory:" {
            return Ok(Self::Sqlite { path: None });
        }
        let path = PathBuf::from(path);
        let folder = parent_folder(&path);
        if !folder.is_dir() {
            return Err(CliError::MissingSqliteFolder { path, folder });
        }
        Ok(Self::Sqlite { path: Some(path) })
    }

    /// The target for messages: absolute SQLite paths, PostgreSQL URLs without password.
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite { path: None } => "SQLite in memory".to_owned(),
            Self::Sqlite { path: Some(path) } => {
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                format!("SQLite file {}", shown.display())
            }
            Self::Postgres { url } => format!("PostgreSQL {}", mask_password(url)),
        }
    }

    /// Opens one connection: the CLI runs migrations one at a time on a single session,
    /// which also holds the PostgreSQL migration lock.
    pub async fn connect(
        &self,
        pg_schema: &str,
        timeout: Duration,
    ) -> Result<DatabaseConnection, CliError> {
        let mut options = match self {
            Self::Sqlite { path } => {
                let url = match path {
                    None => "sqlite::memory:".to_owned(),
                    Some(path) => format!("sqlite://{}", path.display()),
                };
                let mut options = ConnectOptions::new(url);
                // Foreign keys are off by default in SQLite; the CASCADE rules need them.
                options.map_sqlx_sqlite_opts(|o| o.create_if_missing(true).foreign_keys(true));
                options
            }
            Self::Postgres { url } => {
                let mut options = ConnectOptions::new(url.as_str());
                options.set_schema_search_path(pg_schema);
                // Names this session in `pg_stat_activity`, so that a migrator waiting
                // for the lock can say who holds it.
                let application = format!("migration CLI (pid {})", std::process::id());
                options.map_sqlx_postgres_opts(move |o| o.application_name(&application));
                options
            }
        };
        // One session for the whole run: the PostgreSQL migration lock belongs to it.
        // The pool must never retire it for age or idleness.
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
            .map_err(|e| CliError::Connect {
                url: self.describe(),
                reason: connect_hint(self, &e.to_string()),
            })
    }
}

fn parent_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn mask_password(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Only fails for URLs that cannot have a password, which this one has.
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
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
