//! The toolkit's vocabulary of databases and migration runs, defined once for the
//! runner, the CLI and the conformance harness: which backend ([`Backend`]), which way
//! a migration runs ([`Direction`]), and whether it runs in a transaction
//! ([`Backend::runs_in_transaction`]).

use std::fmt;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// The backends the toolkit supports. Anything else is refused up front, so that a
/// migration never silently does nothing (or half of its work) on another database.
///
/// More backends may come, so a `match` needs a `_` arm; a migration can make that arm
/// refuse to run with [`Backend::unsupported`].
///
/// ```
/// # use sea_orm_migration::prelude::*;
/// use migration_runner::Backend;
///
/// async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
///     let name = "m20250101_000001_widgets";
///     match Backend::of(manager, name)? {
///         Backend::Postgres => { /* citext, partial indexes… */ }
///         Backend::Sqlite => { /* COLLATE NOCASE… */ }
///         other => return Err(other.unsupported(name)),
///     }
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB (one sea-orm backend). DDL commits implicitly there, so a
    /// migration is never atomic: see the runner's dirty state.
    MySql,
}

impl Backend {
    /// The backends the conformance harness checks, in run order: SQLite and
    /// PostgreSQL. The harness iterates this list; MySQL joins it once the harness
    /// reads MySQL's catalog (until then it refuses MySQL with
    /// `HarnessError::UnsupportedBackend`). Every backend the runner migrates is
    /// [`Backend::EVERY`].
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

    /// Every backend the runner and the migrations support, in run order.
    pub const EVERY: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    /// Short lower-case name (`sqlite`, `postgres`), used in snapshot file names,
    /// reports and the checksum table.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    /// The backend of a sea-orm connection, if the toolkit supports it.
    pub const fn from_db(backend: DbBackend) -> Option<Self> {
        match backend {
            DbBackend::Sqlite => Some(Self::Sqlite),
            DbBackend::Postgres => Some(Self::Postgres),
            DbBackend::MySql => Some(Self::MySql),
            _ => None,
        }
    }

    /// sea-orm's name for this backend.
    pub const fn db(self) -> DbBackend {
        match self {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
            Backend::MySql => DbBackend::MySql,
        }
    }

    /// The backend behind `manager`, or an error naming the migration and the backend.
    pub fn of(manager: &SchemaManager, migration: &str) -> Result<Self, DbErr> {
        let backend = manager.get_database_backend();
        Self::from_db(backend).ok_or_else(|| unsupported(backend.as_str(), migration))
    }

    /// The error of migration `migration` refusing to run on this backend, for the `_`
    /// arm of a `match` over backends a migration does not handle (yet).
    pub fn unsupported(self, migration: &str) -> DbErr {
        not_written_for(self.name(), migration)
    }

    /// Whether a migration that does not say ([`MigrationTrait::use_transaction`]
    /// returns `None`) runs in a transaction here: sea-orm-migration's rule, which the
    /// runner and the harness follow. PostgreSQL runs DDL in transactions, so yes;
    /// SQLite, no (sea-orm leaves it without one, although SQLite could); MySQL, no.
    pub const fn transaction_by_default(self) -> bool {
        match self {
            Backend::Postgres => true,
            Backend::Sqlite | Backend::MySql => false,
        }
    }

    /// Whether `migration` runs in a transaction on this backend: its own
    /// [`use_transaction`](MigrationTrait::use_transaction), else
    /// [`Backend::transaction_by_default`]. The one statement of this rule. On MySQL,
    /// never, whatever the migration says: each DDL statement commits implicitly, so a
    /// transaction around a migration would be a promise MySQL does not keep (the runner
    /// tracks a half-applied migration as dirty instead).
    pub fn runs_in_transaction(self, migration: &dyn MigrationTrait) -> bool {
        if self == Backend::MySql {
            return false;
        }
        migration
            .use_transaction()
            .unwrap_or(self.transaction_by_default())
    }
}

fn unsupported(backend: &str, migration: &str) -> DbErr {
    DbErr::Migration(format!(
        "migration {migration}: the {backend} backend is not supported; \
         run it against SQLite, PostgreSQL or MySQL/MariaDB"
    ))
}

fn not_written_for(backend: &str, migration: &str) -> DbErr {
    DbErr::Migration(format!(
        "migration {migration}: the {backend} backend is not supported by this migration \
         (it has no branch for it); nothing was run"
    ))
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<Backend> for DbBackend {
    fn from(backend: Backend) -> Self {
        backend.db()
    }
}

/// Which way a migration runs: its `up` or its `down`. Two ways, and only two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Its `up`.
    Up,
    /// Its `down`.
    Down,
}

impl Direction {
    /// `up` or `down`, as the migration's method is named.
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// Runs `migration`'s `up` or `down` with `manager`.
    pub async fn run(
        self,
        migration: &dyn MigrationTrait,
        manager: &SchemaManager<'_>,
    ) -> Result<(), DbErr> {
        match self {
            Direction::Up => migration.up(manager).await,
            Direction::Down => migration.down(manager).await,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Says(Option<bool>);

    impl MigrationName for Says {
        fn name(&self) -> &str {
            "m1"
        }
    }

    #[async_trait::async_trait]
    impl MigrationTrait for Says {
        async fn up(&self, _: &SchemaManager) -> Result<(), DbErr> {
            Ok(())
        }

        fn use_transaction(&self) -> Option<bool> {
            self.0
        }
    }

    #[test]
    fn a_migration_that_does_not_say_runs_in_a_transaction_on_postgresql_only() {
        assert!(Backend::Postgres.runs_in_transaction(&Says(None)));
        assert!(!Backend::Sqlite.runs_in_transaction(&Says(None)));
        assert!(Backend::Sqlite.runs_in_transaction(&Says(Some(true))));
        assert!(!Backend::Postgres.runs_in_transaction(&Says(Some(false))));
        assert!(!Backend::MySql.runs_in_transaction(&Says(Some(true))));
        assert!(!Backend::MySql.runs_in_transaction(&Says(None)));
    }

    #[test]
    fn names_and_sea_orm_backends_round_trip() {
        for backend in Backend::EVERY {
            assert_eq!(Backend::from_db(backend.db()), Some(backend));
            assert_eq!(backend.to_string(), backend.name());
        }
        assert!(!Backend::ALL.contains(&Backend::MySql));
    }
}
