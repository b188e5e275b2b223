//! Dry runs: the SQL that `up` or `down` would send, per migration, without changing the
//! database.
//!
//! What is applied is read like `status` reads it (no lock, no table, no row); each
//! migration then runs against a mock connection of the same backend, which records the
//! statements instead of sending them. A query sent to the mock returns no rows: what
//! follows it may differ on the real database, and the plan says where that starts.
//! The runner's own bookkeeping (the lock, the version and checksum rows) is not part of
//! the plan.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend};

use crate::backend::{Backend, Direction};
use crate::checksum::Expected;
use crate::engine::{Operation, read_status};
use crate::error::Error;
use crate::mock_run::{Call, mock_run};
use crate::options::Options;
use crate::select::select;
use crate::session::Session;
use crate::state::State;

/// What a dry run of `up` or `down` found: the migrations it would run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// The way they run.
    pub direction: Direction,
    /// The migrations, in the order they would run.
    pub migrations: Vec<PlannedMigration>,
}

/// One migration of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedMigration {
    /// Its name.
    pub name: String,
    /// Whether it runs in one transaction with its bookkeeping rows.
    pub in_transaction: bool,
    /// The statements it sends, in order.
    pub statements: Vec<PlannedStatement>,
    /// Why the dry run stopped early (the migration failed against the mock); the
    /// statements before that point are kept.
    pub failure: Option<String>,
}

impl PlannedMigration {
    /// The index of the first statement that reads data: the statements after it depend
    /// on what the real database returns, which the dry run cannot know.
    pub fn reads_data_from(&self) -> Option<usize> {
        self.statements.iter().position(|s| s.reads_data)
    }
}

/// One statement of a [`PlannedMigration`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedStatement {
    /// The SQL with bound values inlined, as sea-orm shows it (and as
    /// [`crate::Event::Statement`] reports it when it really runs).
    pub sql: String,
    /// Whether it is a query, whose rows the dry run does not have.
    pub reads_data: bool,
}

/// The SQL `operation` (`Up` or `Down`) would send on `db`'s backend, per migration,
/// without changing the database: no lock, no table, no row.
pub(crate) async fn plan<M: MigratorTrait>(
    db: &DatabaseConnection,
    operation: &Operation,
    options: &Options,
) -> Result<Plan, Error> {
    options.validate()?;
    operation.validate()?;
    let session = Session::open(db, options.schema.as_deref(), options.connect_timeout).await?;
    let result = plan_on::<M>(&session.conn, operation, options).await;
    session.close().await;
    result
}

async fn plan_on<M: MigratorTrait>(
    db: &DatabaseConnection,
    operation: &Operation,
    options: &Options,
) -> Result<Plan, Error> {
    let state = State::read::<M>(db).await?;
    state.refuse_unknown()?;
    let direction = match operation {
        Operation::Up { .. } | Operation::UpTo { .. } => Direction::Up,
        Operation::Down { .. } | Operation::DownTo { .. } => Direction::Down,
        other => {
            return Err(Error::DryRunUnsupported {
                operation: format!("{other:?}"),
            });
        }
    };
    let names = select(&state, operation)?;
    if direction == Direction::Up {
        // As `up` itself would: changed migrations stop it unless allowed.
        let expected = Expected::of::<M>(db.get_database_backend(), &options.sources).await;
        let status = read_status::<M>(db, &expected).await?;
        let changed: Vec<String> = status.changed().iter().map(|v| (*v).to_owned()).collect();
        if !changed.is_empty() && !options.allow_checksum_mismatch {
            return Err(Error::ChecksumMismatch { versions: changed });
        }
    }
    let backend = db.get_database_backend();
    let migrations = M::migrations();
    let mut planned = Vec::new();
    for name in names {
        let Some(migration) = migrations.iter().find(|m| m.name() == name) else {
            return Err(Error::UnknownVersions {
                versions: vec![name],
            });
        };
        planned.push(dry_run(migration.as_ref(), backend, direction).await);
    }
    Ok(Plan {
        direction,
        migrations: planned,
    })
}

async fn dry_run(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    direction: Direction,
) -> PlannedMigration {
    let run = mock_run(migration, backend, direction).await;
    PlannedMigration {
        name: migration.name().to_owned(),
        in_transaction: Backend::from_db(backend).is_some_and(|b| b.runs_in_transaction(migration)),
        statements: run.calls.iter().flat_map(planned).collect(),
        failure: run.outcome.err().map(|e| e.to_string().replace('\n', " ")),
    }
}

/// One call as planned statements: a string of several statements (one
/// `execute_unprepared` call) as each of them, the way `-v` shows it run.
fn planned(call: &Call) -> Vec<PlannedStatement> {
    let pieces = statement_capture::split_statements(&call.sql);
    if call.query || pieces.len() < 2 {
        return vec![PlannedStatement {
            sql: call.sql.clone(),
            reads_data: call.query,
        }];
    }
    pieces
        .into_iter()
        .map(|sql| PlannedStatement {
            sql,
            reads_data: false,
        })
        .collect()
}
