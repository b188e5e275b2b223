//! What the database has applied, compared with what this binary knows.

use std::collections::HashSet;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::Error;

/// The known migrations (oldest first) and the versions the database records.
pub(crate) struct State {
    pub known: Vec<String>,
    pub applied: Vec<String>,
}

impl State {
    /// Reads the applied versions without creating anything.
    pub async fn read<M: MigratorTrait>(db: &DatabaseConnection) -> Result<Self, Error> {
        let known = M::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let applied = applied_versions::<M>(db)
            .await
            .map_err(|source| Error::reading("reading the applied migrations", source))?;
        Ok(Self { known, applied })
    }

    /// Known migrations not applied yet, oldest first.
    pub fn pending(&self) -> Vec<&str> {
        let applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        self.known
            .iter()
            .map(String::as_str)
            .filter(|name| !applied.contains(name))
            .collect()
    }

    /// Known migrations that are applied, oldest first.
    pub fn applied_known(&self) -> Vec<&str> {
        let applied: HashSet<&str> = self.applied.iter().map(String::as_str).collect();
        self.known
            .iter()
            .map(String::as_str)
            .filter(|name| applied.contains(name))
            .collect()
    }

    /// Applied versions this binary does not know (a newer migrator's).
    pub fn unknown(&self) -> Vec<String> {
        let known: HashSet<&str> = self.known.iter().map(String::as_str).collect();
        self.applied
            .iter()
            .filter(|name| !known.contains(name.as_str()))
            .cloned()
            .collect()
    }

    /// Fails for applied versions this migrator does not know.
    pub fn refuse_unknown(&self) -> Result<(), Error> {
        let versions = self.unknown();
        if versions.is_empty() {
            Ok(())
        } else {
            Err(Error::UnknownVersions { versions })
        }
    }
}

/// The versions recorded in the migrations table, without creating it when absent.
pub(crate) async fn applied_versions<M: MigratorTrait>(
    db: &DatabaseConnection,
) -> Result<Vec<String>, DbErr> {
    let table = M::migration_table_name();
    if !table_exists(db, &table.to_string()).await? {
        return Ok(Vec::new());
    }
    let query = Query::select()
        .column(Alias::new("version"))
        .from(table)
        .order_by(Alias::new("version"), Order::Asc)
        .to_owned();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect()
}

/// Whether the bookkeeping table `name` exists in the run's schema (SQLite: database).
///
/// On PostgreSQL this reads `pg_class`, which every role sees whole, rather than
/// `information_schema`, which hides the tables a role may not read: a role without
/// `SELECT` on the bookkeeping then fails naming the privilege, instead of being told
/// that nothing is applied.
pub(crate) async fn table_exists(db: &DatabaseConnection, name: &str) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return SchemaManager::new(db).has_table(name).await;
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = $1 \
             AND c.relkind IN ('r', 'p')) AS found",
            [name.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "found"))
        .transpose()?
        .unwrap_or(false))
}
