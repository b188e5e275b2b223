//! Errors of the harness itself (as opposed to check failures, which are findings).

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
/// An error that stops the harness.
pub enum HarnessError {
    #[error(
        "the parity allow-list {} does not exist; fix the path, or leave the allow-list out",
        path.display()
    )]
    /// The parity allow-list file is missing.
    MissingAllowList {
        /// Where it was expected.
        path: std::path::PathBuf,
    },

    #[error(transparent)]
    /// The allow-list cannot be read or parsed.
    AllowList(#[from] crate::checks::AllowListError),

    #[error("cannot connect to {url}: {reason}")]
    /// A database connection failed.
    Connect {
        /// The database URL.
        url: String,
        /// Why it failed.
        reason: String,
    },

    #[error("PostgreSQL is not available: {0}")]
    /// No PostgreSQL server is available; holds why.
    PostgresUnavailable(String),

    #[error("MySQL is not available: {0}")]
    /// No MySQL / MariaDB server is available; holds why.
    MySqlUnavailable(String),

    #[error("the {} backend is not supported by {by}", backend.as_str())]
    /// A connection or backend the harness (or one part of it) cannot work with.
    UnsupportedBackend {
        /// The backend.
        backend: sea_orm::DbBackend,
        /// What does not support it (`the catalog reader`).
        by: &'static str,
    },

    #[error("{0}")]
    /// Setting up a backend failed; holds why.
    Setup(String),

    #[error("{0}")]
    /// The database to operate on is given wrongly (a malformed URL, an unsupported
    /// backend, a missing SQLite file, an invalid schema name): a usage error. Holds why,
    /// with any password masked.
    BadTarget(String),

    #[error("the migration runner failed: {0}")]
    /// The migration runner (its connection, lock or bookkeeping) failed; holds why, with
    /// any password masked.
    Runner(String),

    #[error(
        "the database records migrations this migrator does not know: {}; \
         nothing was compared (is the binary older than the database?)",
        versions.join(", ")
    )]
    /// Applied versions unknown to the migrator: no expected schema can be built.
    UnknownAppliedVersions {
        /// The versions, as recorded.
        versions: Vec<String>,
    },

    #[error("no migration is named `{given}` or starts with it; nothing was changed")]
    /// A version given on the command line names no migration.
    UnknownVersion {
        /// The version as given.
        given: String,
    },

    #[error(
        "`{given}` is the start of several migrations ({}); give more of the name; \
         nothing was changed",
        candidates.join(", ")
    )]
    /// A version given on the command line is the start of more than one name.
    AmbiguousVersion {
        /// The version as given.
        given: String,
        /// The names it starts.
        candidates: Vec<String>,
    },

    #[error(
        "the database already records migrations after {target}: {}; baseline adopts a \
         database up to a version, and records nothing here",
        versions.join(", ")
    )]
    /// `baseline --to VERSION` on a database that records migrations after VERSION.
    AlreadyBeyond {
        /// The resolved target version.
        target: String,
        /// The recorded versions after it.
        versions: Vec<String>,
    },

    #[error("{}", crate::checks::describe_db_error(.0))]
    /// A database error (shown with its SQLSTATE, never the server's source line).
    Db(#[from] sea_orm::DbErr),
}
