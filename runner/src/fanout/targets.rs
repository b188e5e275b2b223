//! Which targets a fan-out runs on: the schemas of one PostgreSQL database whose names
//! match a pattern, the URLs of a targets file, or a list the caller built.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::FanOutError;
use crate::pg_schema::PgSchema;
use crate::target::{Access, Target};

/// One target of a fan-out: a database, and on PostgreSQL the schema to migrate in it
/// (`None`: the fan-out's [`crate::Options::schema`], else the connection's current
/// schema).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tenant {
    /// The database.
    pub target: Target,
    /// The PostgreSQL schema (ignored on SQLite).
    pub schema: Option<String>,
}

impl Tenant {
    /// The whole database `target` (on PostgreSQL: the fan-out's schema).
    pub fn new(target: Target) -> Self {
        Self {
            target,
            schema: None,
        }
    }

    /// The schema `schema` of the PostgreSQL database `target`.
    pub fn in_schema(target: Target, schema: impl Into<String>) -> Self {
        Self {
            target,
            schema: Some(schema.into()),
        }
    }

    /// The target for messages and reports: SQLite paths absolute, PostgreSQL URLs
    /// rebuilt from their parts with the password masked, and the schema when one is set.
    pub fn describe(&self) -> String {
        match (&self.schema, &self.target) {
            (Some(schema), Target::Postgres { .. }) => {
                let name = PgSchema::parse(schema)
                    .map_or_else(|_| schema.clone(), |s| s.name().to_owned());
                format!("{}, schema {name}", self.target.describe())
            }
            _ => self.target.describe(),
        }
    }
}

/// Where the targets of a fan-out come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetSet {
    /// Every schema of the PostgreSQL database at `url` whose name matches `pattern`,
    /// a SQL `LIKE` pattern (`%` any run of characters, `_` any one character, `\`
    /// escapes either), bound as a value, never spliced into SQL. PostgreSQL's own
    /// schemas (`pg_*`, `information_schema`) never match. In name order.
    Schemas {
        /// The database's URL (its password is masked in all output).
        url: String,
        /// The `LIKE` pattern, e.g. `tenant\_%`.
        pattern: String,
    },
    /// The targets of a file: one URL a line (`sqlite://PATH`, `postgres://...`, read
    /// as `-u` reads them), in file order; blank lines and lines whose first non-blank
    /// character is `#` are skipped. PostgreSQL targets use the fan-out's schema.
    UrlFile(PathBuf),
    /// A list the caller built (an application's tenants at start-up).
    Tenants(Vec<Tenant>),
}

impl TargetSet {
    /// The targets, resolved before any of them is touched: the file read and every line
    /// parsed (so that every password in it is masked in all output from then on), or
    /// the matching schemas listed. Fails naming the first bad line, or when the set is
    /// empty (an empty pattern match or file is surely a mistake; an empty
    /// [`TargetSet::Tenants`] is not).
    pub async fn resolve(
        &self,
        access: Access,
        connect_timeout: Duration,
    ) -> Result<Vec<Tenant>, FanOutError> {
        match self {
            Self::Schemas { url, pattern } => {
                matching_schemas(url, pattern, access, connect_timeout).await
            }
            Self::UrlFile(path) => read_targets_file(path, access),
            Self::Tenants(tenants) => Ok(tenants.clone()),
        }
    }
}

/// The targets of a targets file, each line parsed as `-u` parses a URL.
fn read_targets_file(path: &Path, access: Access) -> Result<Vec<Tenant>, FanOutError> {
    let text = std::fs::read(path).map_err(|source| FanOutError::ReadTargetsFile {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(text).map_err(|_| FanOutError::TargetsFileNotUtf8 {
        path: path.to_path_buf(),
    })?;
    // Every line is registered with the redaction before any is judged: a secret of a
    // later line stays masked in the error about an earlier one.
    for line in text.lines() {
        secret_redact::register_secrets_of(line.trim());
    }
    let mut tenants = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let target = Target::parse(line, access).map_err(|source| FanOutError::BadLine {
            path: path.to_path_buf(),
            line: index + 1,
            source: Box::new(source),
        })?;
        tenants.push(Tenant::new(target));
    }
    if tenants.is_empty() {
        return Err(FanOutError::EmptyTargetsFile {
            path: path.to_path_buf(),
        });
    }
    Ok(tenants)
}

/// The schemas of the database at `url` whose names match the `LIKE` pattern.
async fn matching_schemas(
    url: &str,
    pattern: &str,
    access: Access,
    connect_timeout: Duration,
) -> Result<Vec<Tenant>, FanOutError> {
    if url.trim_start().starts_with("sqlite:") {
        return Err(FanOutError::SchemasNeedPostgres {
            target: secret_redact::redact(url.trim()),
        });
    }
    let target = Target::parse(url, access)?;
    let Target::Postgres { .. } = target else {
        return Err(FanOutError::SchemasNeedPostgres {
            target: target.describe(),
        });
    };
    let db = target.connect(Access::ReadOnly, connect_timeout).await?;
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT nspname::text AS name FROM pg_namespace \
             WHERE nspname LIKE $1 AND nspname NOT LIKE 'pg\\_%' \
             AND nspname <> 'information_schema' ORDER BY nspname COLLATE \"C\"",
            vec![pattern.into()],
        ))
        .await;
    // Closing is best effort: the list is what matters.
    let _ = db.close().await;
    let rows = rows.map_err(|e| crate::Error::failed("listing the schemas to migrate", e))?;
    let mut tenants = Vec::new();
    for row in rows {
        let name: String = row
            .try_get("", "name")
            .map_err(|e| crate::Error::failed("listing the schemas to migrate", e))?;
        // As an identifier a user would write, so that the run reads it back as is.
        let schema = PgSchema::from_catalog(name).quoted();
        tenants.push(Tenant::in_schema(target.clone(), schema));
    }
    if tenants.is_empty() {
        return Err(FanOutError::NoSchemaMatches {
            pattern: pattern.to_owned(),
            target: target.describe(),
        });
    }
    Ok(tenants)
}
