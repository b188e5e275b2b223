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
use crate::lock::MigrationLock;

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
    /// Sets both on `txn` for the rest of the transaction (PostgreSQL only).
    async fn set_local(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // Whole milliseconds, as numbers the runner formats itself: nothing is spliced.
        let mut sql = format!("SET LOCAL lock_timeout = {}", self.lock.as_millis());
        txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql.clone()))
            .await?;
        if let Some(statement) = self.statement {
            sql = format!("SET LOCAL statement_timeout = {}", statement.as_millis());
            txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await?;
        }
        Ok(())
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
        let outcome = match self.timeouts.set_local(&txn).await {
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
        let outcome = match self.timeouts.set_local(&txn).await {
            Ok(()) => self.roll_back_in(&txn).await,
            Err(e) => Err(e),
        };
        finish(txn, outcome).await
    }

    async fn apply_in(
        &self,
        txn: &DatabaseTransaction,
        checksum: Option<&Checksum>,
    ) -> Result<(), DbErr> {
        self.lock.verify(txn).await?;
        self.migration.up(&SchemaManager::new(txn)).await?;
        self.record(txn, checksum).await
    }

    async fn roll_back_in(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        self.lock.verify(txn).await?;
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
        let insert = Query::insert()
            .into_table(self.versions_table.clone())
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values([name.into(), unix_now().into()])
            .map_err(|e| DbErr::Custom(format!("recording {name} as applied: {e}")))?
            .to_owned();
        conn.execute(&insert).await?;
        match checksum {
            Some(checksum) => ChecksumTable::record(conn, name, checksum).await,
            None => Ok(()),
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
