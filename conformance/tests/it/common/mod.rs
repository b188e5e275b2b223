//! What the harness's integration tests share: a migration of raw SQL, the `migrator!`
//! macro, and running a suite that may find no PostgreSQL.

use conformance::{Check, Finding};
use conformance::{Suite, SuiteOutcome};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// A migration of raw SQL (each statement through `execute_raw`), optionally different
/// on PostgreSQL.
pub struct Sql {
    pub name: &'static str,
    pub up: &'static [&'static str],
    pub down: &'static [&'static str],
    pub postgres_up: Option<&'static [&'static str]>,
    /// `None`: sea-orm-migration's default (a transaction on PostgreSQL, none on SQLite).
    pub transaction: Option<bool>,
}

/// The same statements on both backends, in the default transaction mode.
pub const fn sql(
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
) -> Sql {
    Sql {
        name,
        up,
        down,
        postgres_up: None,
        transaction: None,
    }
}

/// The same statements on both backends, in a transaction on both.
pub const fn in_transaction(
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
) -> Sql {
    Sql {
        name,
        up,
        down,
        postgres_up: None,
        transaction: Some(true),
    }
}

/// `up` written per backend, the same `down`, in a transaction on both.
pub const fn per_backend(
    name: &'static str,
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
    down: &'static [&'static str],
) -> Sql {
    Sql {
        name,
        up: sqlite,
        down,
        postgres_up: Some(postgres),
        transaction: Some(true),
    }
}

impl MigrationName for Sql {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Sql {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match (manager.get_database_backend(), self.postgres_up) {
            (DbBackend::Postgres, Some(pg)) => pg,
            _ => self.up,
        };
        run(manager.get_connection(), statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager.get_connection(), self.down).await
    }

    fn use_transaction(&self) -> Option<bool> {
        self.transaction
    }
}

/// Runs `statements` on `conn`, in order.
pub async fn run<C: ConnectionTrait>(conn: &C, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        conn.execute_raw(Statement::from_string(conn.get_database_backend(), *sql))
            .await?;
    }
    Ok(())
}

/// The `items` table most test migrators start with.
pub const CREATE_ITEMS: Sql = sql(
    "m1_items",
    &["CREATE TABLE items (id varchar NOT NULL PRIMARY KEY, label varchar NOT NULL DEFAULT 'x')"],
    &["DROP TABLE items"],
);

/// `migrator!(Name, [migration, …])`: a `MigratorTrait` of those migrations.
macro_rules! migrator {
    ($name:ident, [$($migration:expr),* $(,)?]) => {
        struct $name;
        impl MigratorTrait for $name {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![$(Box::new($migration)),*]
            }
        }
    };
}

/// Runs `suite`; `None` when PostgreSQL was wanted but is missing and not required
/// (the test then has nothing to check), a failed test when it is required.
pub async fn outcome<M: MigratorTrait>(suite: Suite<M>) -> Option<SuiteOutcome> {
    let outcome = suite.run().await.expect("suite");
    if !outcome.report.missing.is_empty() {
        assert!(
            !conformance::backends::postgres_required(),
            "{}",
            outcome.report
        );
        eprintln!("conformance: SKIPPED, no PostgreSQL: {}", outcome.report);
        return None;
    }
    Some(outcome)
}

/// The findings of `check`, in report order.
pub fn findings(outcome: &SuiteOutcome, check: Check) -> Vec<Finding> {
    outcome
        .report
        .findings_of(check)
        .into_iter()
        .cloned()
        .collect()
}
