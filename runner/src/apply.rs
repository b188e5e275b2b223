//! Applying and rolling back one migration together with its bookkeeping rows.
//!
//! sea-orm's `Migrator::up` writes the `seaql_migrations` row inside the migration's
//! transaction, but offers no hook to write ours there too. So the runner runs each
//! migration itself, the same way (same transaction rule, same version row), and adds
//! the checksum row and a lock check to that transaction: the schema change, the version
//! row and the checksum row commit together or not at all.

use std::time::Duration;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait,
};

use crate::backend::{Backend, Direction};
use crate::checksum::{Checksum, ChecksumTable, unix_now};
use crate::lock::{HELD, MigrationLock, held};

/// One migration's step, with what it needs to keep the bookkeeping consistent.
pub(crate) struct Step<'a> {
    pub migration: &'a dyn MigrationTrait,
    pub versions_table: DynIden,
    pub lock: &'a MigrationLock,
    pub timeouts: Timeouts,
}

/// PostgreSQL's waits for one migration's transaction, set with `SET LOCAL` first thing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// `lock_timeout`: zero waits for ever.
    pub lock: Duration,
    /// `statement_timeout`: `None` leaves the server's.
    pub statement: Option<Duration>,
}

impl Timeouts {
    /// First thing in a migration's transaction: checks that the lock is still held and,
    /// on PostgreSQL, sets both waits for the rest of the transaction (`set_config(...,
    /// true)` is `SET LOCAL`), in one round trip. The text is the same for every
    /// migration of a run and the values are bound, so the session prepares it once.
    async fn start(&self, txn: &DatabaseTransaction, lock: &MigrationLock) -> Result<(), DbErr> {
        if txn.get_database_backend() != DbBackend::Postgres {
            return lock.verify(txn).await;
        }
        let held_values = lock.held_values();
        let mut values = held_values.clone().unwrap_or_default();
        let mut columns = Vec::new();
        if held_values.is_some() {
            columns.push(HELD.to_owned());
        }
        // Whole milliseconds, bound as text (set_config's type): nothing is spliced.
        values.push(self.lock.as_millis().to_string().into());
        columns.push(format!(
            "set_config('lock_timeout', ${}, true) AS lock_timeout",
            values.len()
        ));
        if let Some(statement) = self.statement {
            values.push(statement.as_millis().to_string().into());
            columns.push(format!(
                "set_config('statement_timeout', ${}, true) AS statement_timeout",
                values.len()
            ));
        }
        let sql = format!("SELECT {}", columns.join(", "));
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?;
        match held_values {
            Some(_) => held(row),
            None => lock.verify(txn).await,
        }
    }
}

/// Whether `error` is PostgreSQL's lock timeout (SQLSTATE 55P03, `lock_not_available`):
/// the migration waited too long for a table lock and was rolled back whole.
pub(crate) fn is_lock_timeout(error: &DbErr) -> bool {
    crate::error::sqlstate(error).as_deref() == Some("55P03")
}

impl Step<'_> {
    /// Runs `up`, then records the version and its checksum.
    pub async fn apply(
        &self,
        db: &DatabaseConnection,
        checksum: Option<&Checksum>,
    ) -> Result<(), DbErr> {
        if !self.uses_transaction(db.get_database_backend()) {
            self.lock.verify(db).await?;
            if db.get_database_backend() == DbBackend::MySql {
                return crate::dirty::run_step(self, db, Direction::Up, checksum).await;
            }
            self.migration.up(&SchemaManager::new(db)).await?;
            return self.record(db, checksum).await;
        }
        let txn = db.begin().await?;
        let outcome = match self.timeouts.start(&txn, self.lock).await {
            Ok(()) => self.apply_in(&txn, checksum).await,
            Err(e) => Err(e),
        };
        finish(txn, outcome).await
    }

    /// Runs `down`, then forgets the version and its checksum.
    pub async fn roll_back(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if !self.uses_transaction(db.get_database_backend()) {
            self.lock.verify(db).await?;
            if db.get_database_backend() == DbBackend::MySql {
                return crate::dirty::run_step(self, db, Direction::Down, None).await;
            }
            self.migration.down(&SchemaManager::new(db)).await?;
            return self.forget(db).await;
        }
        let txn = db.begin().await?;
        let outcome = match self.timeouts.start(&txn, self.lock).await {
            Ok(()) => self.roll_back_in(&txn).await,
            Err(e) => Err(e),
        };
        finish(txn, outcome).await
    }

    /// After [`Timeouts::start`], which checked the lock.
    async fn apply_in(
        &self,
        txn: &DatabaseTransaction,
        checksum: Option<&Checksum>,
    ) -> Result<(), DbErr> {
        self.migration.up(&SchemaManager::new(txn)).await?;
        self.record(txn, checksum).await
    }

    /// After [`Timeouts::start`], which checked the lock.
    async fn roll_back_in(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        self.migration.down(&SchemaManager::new(txn)).await?;
        self.forget(txn).await
    }

    /// Whether the migration runs in a transaction on `backend`
    /// ([`Backend::runs_in_transaction`]).
    pub fn uses_transaction(&self, backend: DbBackend) -> bool {
        Backend::from_db(backend).is_some_and(|b| b.runs_in_transaction(self.migration))
    }

    /// Without a checksum (its dry run failed) only the version is recorded.
    pub(crate) async fn record<C: ConnectionTrait>(
        &self,
        conn: &C,
        checksum: Option<&Checksum>,
    ) -> Result<(), DbErr> {
        let name = self.migration.name();
        let failed = |e| DbErr::Custom(format!("recording {name} as applied: {e}"));
        let insert = Query::insert()
            .into_table(self.versions_table.clone())
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values([name.into(), unix_now().into()])
            .map_err(failed)?
            .to_owned();
        match checksum {
            // One statement, one round trip: the version row as a data-modifying WITH.
            Some(checksum) if conn.get_database_backend() == DbBackend::Postgres => {
                let with = WithClause::new()
                    .cte(
                        CommonTableExpression::new()
                            .query(insert)
                            .table_name(Alias::new("version_row"))
                            .to_owned(),
                    )
                    .to_owned();
                let both = ChecksumTable::insert(name, checksum, DbBackend::Postgres)
                    .map_err(failed)?
                    .with(with);
                conn.execute(&both).await.map(|_| ())
            }
            // One call, one trip to SQLite's worker thread: both INSERTs in one text,
            // their `?` bound in order, statement after statement.
            Some(checksum) if conn.get_database_backend() == DbBackend::Sqlite => {
                let backend = DbBackend::Sqlite;
                let version = backend.build(&insert);
                let row =
                    backend.build(&ChecksumTable::insert(name, checksum, backend).map_err(failed)?);
                let mut values = version.values.map(|v| v.0).unwrap_or_default();
                values.extend(row.values.map(|v| v.0).unwrap_or_default());
                let sql = format!("{}; {}", version.sql, row.sql);
                conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                    .await
                    .map(|_| ())
            }
            Some(checksum) => {
                conn.execute(&insert).await?;
                ChecksumTable::record(conn, name, checksum).await
            }
            None => conn.execute(&insert).await.map(|_| ()),
        }
    }

    pub(crate) async fn forget<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        let name = self.migration.name();
        let delete = Query::delete()
            .from_table(self.versions_table.clone())
            .and_where(Expr::col(Alias::new("version")).eq(name))
            .to_owned();
        conn.execute(&delete).await?;
        ChecksumTable::delete(conn, name).await
    }
}

/// Commits on success; rolls back explicitly on failure so that the connection is clean
/// before the error is reported (the lock stays held on it until the run ends).
pub(crate) async fn finish(
    txn: DatabaseTransaction,
    outcome: Result<(), DbErr>,
) -> Result<(), DbErr> {
    match outcome {
        Ok(()) => txn.commit().await,
        Err(e) => {
            // The original error is the one worth reporting.
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}
