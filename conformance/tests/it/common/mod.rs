//! What the harness's integration tests share: a migration of raw SQL, the `migrator!`
//! macro, and running a suite that may find no PostgreSQL.

use conformance::{Backend, Check, Finding};
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
    /// `up` and `down` as MySQL / MariaDB takes them (`varchar(64)`, `DROP INDEX … ON`);
    /// `None`: the same as on the other backends.
    pub mysql: Option<MySql>,
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
        mysql: None,
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
        transaction: Some(true),
        ..sql(name, up, down)
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
        mysql: None,
        transaction: Some(true),
    }
}

/// A migration's statements on MySQL.
#[derive(Clone, Copy)]
pub struct MySql {
    pub up: &'static [&'static str],
    pub down: &'static [&'static str],
}

impl Sql {
    /// The same migration, written otherwise for MySQL.
    pub const fn on_mysql(
        self,
        up: &'static [&'static str],
        down: &'static [&'static str],
    ) -> Self {
        Self {
            mysql: Some(MySql { up, down }),
            ..self
        }
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
        let statements = match (manager.get_database_backend(), self.postgres_up, self.mysql) {
            (DbBackend::Postgres, Some(pg), _) => pg,
            (DbBackend::MySql, _, Some(mysql)) => mysql.up,
            _ => self.up,
        };
        run(manager.get_connection(), statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match (manager.get_database_backend(), self.mysql) {
            (DbBackend::MySql, Some(mysql)) => mysql.down,
            _ => self.down,
        };
        run(manager.get_connection(), statements).await
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
)
.on_mysql(
    &["CREATE TABLE items (id varchar(64) NOT NULL PRIMARY KEY, label varchar(64) NOT NULL DEFAULT 'x')"],
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

/// Runs `suite`; `None` when PostgreSQL or MySQL was wanted but is missing and not
/// required (the test then has nothing to check), a failed test when it is required.
pub async fn outcome<M: MigratorTrait>(suite: Suite<M>) -> Option<SuiteOutcome> {
    let outcome = suite.run().await.expect("suite");
    let Some((backend, _)) = outcome.report.missing.first() else {
        return Some(outcome);
    };
    let required = match backend {
        Backend::MySql => conformance::backends::mysql_required(),
        _ => conformance::backends::postgres_required(),
    };
    assert!(!required, "{}", outcome.report);
    eprintln!("conformance: SKIPPED, no {backend}: {}", outcome.report);
    None
}

/// The findings of `check`, in report order.
/// The step-reversibility finding of `migration`, which must exist.
pub fn finding_of(outcome: &SuiteOutcome, migration: &str) -> String {
    findings(outcome, Check::StepReversibility)
        .iter()
        .find(|f| f.migration.as_deref() == Some(migration))
        .unwrap_or_else(|| panic!("no finding for {migration}: {}", outcome.report))
        .message
        .clone()
}

pub fn findings(outcome: &SuiteOutcome, check: Check) -> Vec<Finding> {
    outcome
        .report
        .findings_of(check)
        .into_iter()
        .cloned()
        .collect()
}
