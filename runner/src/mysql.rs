//! MySQL and MariaDB: their URLs, the run's dedicated session, and `fresh`'s drops.
//!
//! The lock is in [`crate::mysql_lock`], the dirty state of a half-applied migration in
//! [`crate::dirty`].

use std::time::Duration;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, SqlxMySqlConnector,
    Statement,
};

use crate::backend::Backend;
use crate::error::{Error, sqlx_sqlstate};
use crate::session::{LockScope, Session, one_session};
use crate::target::{Target, user_info_is_ambiguous};
use secret_redact::redact;

/// `mysql://USER:PASSWORD@HOST:PORT/DB` or `mariadb://...` (read as `mysql://`): a host
/// and a database are required, since the lock and the tables belong to one database.
pub(crate) fn parse_target(raw: &str, mut parsed: url::Url) -> Result<Target, Error> {
    let refuse = |reason: &str| Error::MalformedUrl {
        url: redact(raw),
        reason: reason.to_owned(),
    };
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it names no host"));
    }
    if user_info_is_ambiguous(raw, &parsed) {
        return Err(refuse(
            "its user name or password holds a character that must be percent-encoded there (/ ? # @ : space \\ \" and the like: %2F %3F %23 %40 %3A %20); drivers would read it differently",
        ));
    }
    let database = parsed.path().trim_start_matches('/');
    if database.is_empty() || database.contains('/') {
        return Err(refuse(
            "it names no database (mysql://USER:PASSWORD@HOST:PORT/DATABASE)",
        ));
    }
    if parsed.scheme() == "mariadb" {
        // One driver for both; sea-orm knows the `mysql` scheme only.
        parsed
            .set_scheme("mysql")
            .map_err(|()| refuse("its scheme cannot be read as mysql"))?;
    }
    Ok(Target::MySql { url: parsed })
}

/// The run's own session on the database of `db` (a sqlx MySQL pool): one connection
/// from the pool's connect options, so that the `GET_LOCK` lock, which belongs to a
/// connection, is held by the connection the run works on.
pub(crate) async fn open_session(
    db: &DatabaseConnection,
    connect_timeout: Duration,
) -> Result<Session, Error> {
    if !matches!(db.inner, DatabaseConnectionType::SqlxMySqlPoolConnection(_)) {
        return Err(Error::UnsupportedConnection {
            backend: "a MySQL connection that is not a sqlx pool (a mock or proxy)".to_owned(),
        });
    }
    let database = current_database(db).await?;
    let options = (*db.get_mysql_connection_pool().connect_options()).clone();
    let pool = one_session(connect_timeout)
        .connect_with(options)
        .await
        .map_err(|e| Error::Connect {
            target: format!("MySQL database {database} (a session for the migration run)"),
            backend: Backend::MySql,
            reason: redact(&e.to_string()).replace('\n', " "),
            sqlstate: sqlx_sqlstate(&e),
        })?;
    Ok(Session::owned(
        SqlxMySqlConnector::from_sqlx_mysql_pool(pool),
        LockScope::MySql { database },
    ))
}

/// The connection's database, as the server names it (`SELECT DATABASE()`).
async fn current_database(db: &DatabaseConnection) -> Result<String, Error> {
    let failed = |e| Error::failed("reading the database name", e);
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT DATABASE() AS name",
        ))
        .await
        .map_err(failed)?;
    row.map(|r| r.try_get::<Option<String>>("", "name"))
        .transpose()
        .map_err(failed)?
        .flatten()
        .ok_or(Error::NoCurrentDatabase)
}

/// `fresh` on MySQL: every table of the database dropped with foreign key checks off.
/// DDL commits implicitly, so this is not all or nothing as on the other backends: a run
/// killed half-way leaves some tables dropped (run `fresh` again). The bookkeeping
/// tables (`bookkeeping`: the versions table, then the checksum tables) go first, so
/// that such a run never leaves a migration recorded as applied whose tables are gone:
/// what is left reads as not applied, and the next `up` stops loudly at a table that
/// still exists instead of saying that nothing is pending.
pub(crate) async fn drop_everything(
    db: &DatabaseConnection,
    bookkeeping: &[&str],
) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT TABLE_NAME AS name, TABLE_TYPE AS kind FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
        ))
        .await?;
    let mut tables = Vec::with_capacity(rows.len());
    for row in rows {
        tables.push((
            row.try_get::<String>("", "name")?,
            row.try_get::<String>("", "kind")?,
        ));
    }
    // Stable: the bookkeeping first, in the order given, then the rest by name.
    tables.sort_by_key(|(name, _)| {
        bookkeeping
            .iter()
            .position(|b| b == name)
            .unwrap_or(bookkeeping.len())
    });
    db.execute_unprepared("SET FOREIGN_KEY_CHECKS = 0").await?;
    let mut outcome = Ok(());
    for (name, kind) in tables {
        // The name comes from the catalog, and is quoted as an identifier.
        let quoted = format!("`{}`", name.replace('`', "``"));
        let sql = if kind == "VIEW" {
            format!("DROP VIEW IF EXISTS {quoted}")
        } else {
            format!("DROP TABLE IF EXISTS {quoted}")
        };
        if let Err(e) = db.execute_unprepared(&sql).await {
            outcome = Err(e);
            break;
        }
    }
    let restored = db.execute_unprepared("SET FOREIGN_KEY_CHECKS = 1").await;
    outcome?;
    restored.map(|_| ())
}
