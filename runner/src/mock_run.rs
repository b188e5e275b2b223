//! The one dry run of a migration: its `up` or `down` against a mock connection of the
//! same backend, which records the statements instead of sending them. Checksums hash
//! what it records ([`crate::checksum`]); `--dry-run` shows it ([`crate::plan`]).
//!
//! Every statement executed succeeds with no row affected, and every query returns no
//! rows: the run is deterministic, like the statements.

use std::sync::{Arc, Mutex, PoisonError};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    DatabaseConnection, DatabaseConnectionType, DbBackend, ExecResult, MockDatabase,
    MockDatabaseConnection, MockDatabaseTrait, MockExecResult, MockRow, QueryResult, Statement,
    Transaction,
};

use crate::backend::Direction;

/// More statements (and queries) than any migration issues: the mock fails a migration
/// that issues more, which leaves its dry run failed rather than wrong.
pub(crate) const DRY_RUN_BUDGET: usize = 4096;

/// What a dry run first prepares: enough for nearly every migration. Preparing results
/// costs more than the dry run itself (four dry runs per migration), so a dry run that
/// issues fewer statements than this never needs more; one that issues more is run
/// again with [`SECOND_DRY_RUN_BUDGET`], then with the full budget.
pub(crate) const FIRST_DRY_RUN_BUDGET: usize = 16;

/// The second try of a dry run longer than [`FIRST_DRY_RUN_BUDGET`].
pub(crate) const SECOND_DRY_RUN_BUDGET: usize = 256;

/// One call the migration made on the mock connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The statement, bound values inlined, as sea-orm shows it (a string of several
    /// statements, one `execute_unprepared` call, as it was given).
    pub sql: String,
    /// Whether it was a query, whose rows the dry run does not have.
    pub query: bool,
}

/// What a dry run of one direction of one migration recorded.
pub(crate) struct MockRun {
    /// Every call, in order.
    pub calls: Vec<Call>,
    /// The mock's own transaction log (the calls, with the `BEGIN` / `COMMIT` of
    /// transactions the migration opened and finished itself).
    pub log: Vec<Transaction>,
    /// How the migration ended.
    pub outcome: Result<(), DbErr>,
}

/// Runs `direction` of `migration` against a mock `backend` connection.
///
/// The same as a dry run with [`DRY_RUN_BUDGET`] results prepared: a run that made fewer calls
/// than a smaller budget never reached the end of either list of results, so it saw
/// exactly the results the full budget gives.
pub(crate) async fn mock_run(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    direction: Direction,
) -> MockRun {
    for budget in [FIRST_DRY_RUN_BUDGET, SECOND_DRY_RUN_BUDGET] {
        let run = mock_run_within(migration, backend, direction, budget).await;
        if run.calls.len() < budget {
            return run;
        }
    }
    mock_run_within(migration, backend, direction, DRY_RUN_BUDGET).await
}

async fn mock_run_within(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    direction: Direction,
    budget: usize,
) -> MockRun {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        mock: MockDatabase::new(backend)
            .append_exec_results(
                std::iter::repeat_with(|| MockExecResult {
                    last_insert_id: 0,
                    rows_affected: 0,
                })
                .take(budget),
            )
            .append_query_results(std::iter::repeat_with(Vec::<MockRow>::new).take(budget)),
        calls: Arc::clone(&calls),
    };
    let conn: DatabaseConnection = DatabaseConnectionType::MockDatabaseConnection(Arc::new(
        MockDatabaseConnection::new(recorder),
    ))
    .into();
    let outcome = direction.run(migration, &SchemaManager::new(&conn)).await;
    let log = conn.into_transaction_log();
    let calls = calls.lock().unwrap_or_else(PoisonError::into_inner).clone();
    MockRun {
        calls,
        log,
        outcome,
    }
}

/// A mock connection that also notes each call, and whether it is a query.
#[derive(Debug)]
struct Recorder {
    mock: MockDatabase,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Recorder {
    fn note(&self, statement: &Statement, query: bool) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Call {
                sql: statement.to_string(),
                query,
            });
    }
}

impl MockDatabaseTrait for Recorder {
    fn execute(&mut self, counter: usize, statement: Statement) -> Result<ExecResult, DbErr> {
        self.note(&statement, false);
        self.mock.execute(counter, statement)
    }

    fn query(&mut self, counter: usize, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.note(&statement, true);
        self.mock.query(counter, statement)
    }

    fn begin(&mut self) {
        self.mock.begin();
    }

    fn commit(&mut self) {
        self.mock.commit();
    }

    fn rollback(&mut self) {
        self.mock.rollback();
    }

    fn drain_transaction_log(&mut self) -> Vec<Transaction> {
        self.mock.drain_transaction_log()
    }

    fn get_database_backend(&self) -> DbBackend {
        self.mock.get_database_backend()
    }

    fn ping(&self) -> Result<(), DbErr> {
        self.mock.ping()
    }
}
