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

    #[error("{}", crate::checks::describe_db_error(.0))]
    /// A database error (shown with its SQLSTATE, never the server's source line).
    Db(#[from] sea_orm::DbErr),
}
