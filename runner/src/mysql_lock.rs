//! MySQL / MariaDB: the migration lock is a named user lock (`GET_LOCK`) on the run's
//! dedicated session (see [`crate::session`]), named after the canonical database
//! (`SELECT DATABASE()`), so that every spelling of a URL to one database is one lock and
//! migrators of different databases of one server do not block each other. The server
//! releases it when the session ends, so a killed migrator never leaves it behind.

use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value,
};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::lock::{Attempt, MigrationLock};

/// The lock's name for `database`: at most 64 characters (MySQL's limit), stable across
/// versions of the runner.
pub(crate) fn lock_name(database: &str) -> String {
    let digest = Sha256::digest(format!("migration-runner lock\0{database}").as_bytes());
    let hex: String = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
    format!("migration-runner:{hex}")
}

fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::MySql, sql, values)
}

/// One `GET_LOCK(name, 0)` at a time, polled by the lock's wait loop so that the wait
/// is bounded (and announced) the same way as on the other backends.
pub(crate) struct UserLockAttempt<'a> {
    pub name: String,
    pub db: &'a DatabaseConnection,
    pub target: &'a str,
}

impl Attempt for UserLockAttempt<'_> {
    async fn try_take(&mut self) -> Result<Option<MigrationLock>, Error> {
        let got = self
            .db
            .query_one_raw(statement(
                "SELECT GET_LOCK(?, 0) AS locked",
                vec![self.name.clone().into()],
            ))
            .await
            .and_then(|row| {
                row.map(|r| r.try_get::<Option<i64>>("", "locked"))
                    .transpose()
            })
            .map_err(|source| Error::Lock {
                target: self.target.to_owned(),
                source,
            })?
            .flatten();
        Ok((got == Some(1)).then(|| MigrationLock::MySql {
            name: self.name.clone(),
        }))
    }

    /// The holder's connection id (`IS_USED_LOCK`), and from the process list, as far
    /// as this user may see it, its user, host and time connected.
    async fn holder(&mut self) -> String {
        let sql = "SELECT l.id AS id, p.USER AS user, p.HOST AS host, p.TIME AS time \
                   FROM (SELECT IS_USED_LOCK(?) AS id) l \
                   LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id";
        let row = match self
            .db
            .query_one_raw(statement(sql, vec![self.name.clone().into()]))
            .await
        {
            Ok(Some(row)) => row,
            _ => return "another session".to_owned(),
        };
        let Ok(Some(id)) = row.try_get::<Option<i64>>("", "id") else {
            return "another session (it has just released the lock)".to_owned();
        };
        match row.try_get::<Option<String>>("", "user") {
            Ok(Some(user)) => {
                let host = row
                    .try_get::<Option<String>>("", "host")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let time = row
                    .try_get::<Option<i64>>("", "time")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                format!(
                    "MySQL connection id {id} (user '{user}', host {host}, in its current state for {time} s)"
                )
            }
            _ => format!("MySQL connection id {id} (its details are not visible to this user)"),
        }
    }
}

/// Whether this session still holds the lock `name`.
pub(crate) async fn verify<C: ConnectionTrait>(conn: &C, name: &str) -> Result<(), DbErr> {
    let row = conn
        .query_one_raw(statement(
            "SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS held",
            vec![name.to_owned().into()],
        ))
        .await?;
    match row
        .map(|r| r.try_get::<Option<i64>>("", "held"))
        .transpose()?
        .flatten()
    {
        Some(1) => Ok(()),
        _ => Err(DbErr::Custom(
            "the migration lock was lost (the database session was replaced); \
             nothing more was applied, run the command again"
                .to_owned(),
        )),
    }
}

/// `RELEASE_LOCK(name)`.
pub(crate) async fn release(db: &DatabaseConnection, name: &str) -> Result<(), DbErr> {
    db.execute_raw(statement(
        "SELECT RELEASE_LOCK(?)",
        vec![name.to_owned().into()],
    ))
    .await
    .map(|_| ())
}
