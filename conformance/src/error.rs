//! Errors of the harness itself (as opposed to check failures, which are findings).

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },

    #[error("PostgreSQL is not available: {0}")]
    PostgresUnavailable(String),

    #[error("{0}")]
    Setup(String),

    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}
