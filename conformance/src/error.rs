//! Errors of the harness itself (as opposed to check failures, which are findings).

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    #[error(
        "the parity allow-list {} does not exist; fix the path, or leave the allow-list out",
        path.display()
    )]
    MissingAllowList { path: std::path::PathBuf },

    #[error(transparent)]
    AllowList(#[from] crate::checks::AllowListError),

    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },

    #[error("PostgreSQL is not available: {0}")]
    PostgresUnavailable(String),

    #[error("{0}")]
    Setup(String),

    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}
