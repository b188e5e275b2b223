//! Checksums of the SQL each migration executes, so that a migration edited after it was
//! applied (drift) is noticed instead of silently diverging from fresh databases.
//!
//! The checksum is taken from a dry run: the migration's `up` runs against a mock
//! connection of the database's backend, which records each statement without executing
//! it. That gives the same value at apply time and at any later `status`, for applied and
//! pending migrations alike, without touching the real database. A change in the SQL that
//! sea-query generates (a sea-orm upgrade) also shows as a mismatch: the database then
//! differs from what a fresh one would get, which is what the check is for.

use std::collections::BTreeMap;
use std::fmt;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, MockDatabase, MockExecResult, MockRow,
    Statement,
};
use sha2::{Digest, Sha256};

/// The side table that keeps one checksum per applied migration. It belongs to the CLI:
/// `Migrator::up` never creates it, and sea-orm's own `seaql_migrations` is left as is.
pub const CHECKSUM_TABLE: &str = "migration_checksums";

/// More statements (and queries) than any migration issues: the mock fails a migration
/// that issues more, which leaves it without a checksum rather than with a wrong one.
const DRY_RUN_BUDGET: usize = 4096;

/// The hex SHA-256 of the statements a migration's `up` executes on one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum(String);

impl Checksum {
    /// Runs `migration.up` against a mock `backend` connection and hashes what it issued.
    pub async fn of(migration: &dyn MigrationTrait, backend: DbBackend) -> Result<Self, DbErr> {
        let executed = std::iter::repeat_with(|| MockExecResult {
            last_insert_id: 0,
            rows_affected: 0,
        })
        .take(DRY_RUN_BUDGET);
        // A migration that reads data sees no rows: deterministic, like the statements.
        let queried = std::iter::repeat_with(Vec::<MockRow>::new).take(DRY_RUN_BUDGET);
        let mock = MockDatabase::new(backend)
            .append_exec_results(executed)
            .append_query_results(queried)
            .into_connection();
        migration.up(&SchemaManager::new(&mock)).await?;
        let statements: Vec<Statement> = mock
            .into_transaction_log()
            .iter()
            .flat_map(|t| t.statements().to_vec())
            .collect();
        Ok(Self::of_statements(&statements))
    }

    fn of_statements(statements: &[Statement]) -> Self {
        let mut hasher = Sha256::new();
        for statement in statements {
            // `Display` inlines bound values, so the text is what the database receives.
            hasher.update(statement.to_string().as_bytes());
            hasher.update(b";\n");
        }
        let hex = hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Self(hex)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What this binary's migrations should have recorded, by version.
pub struct Expected {
    /// `Err` holds why a migration has no checksum: its `up` failed in the dry run (it
    /// decides something from data the mock does not have, say). Such a migration is
    /// still applied, without a checksum row; the real run is the judge.
    by_version: BTreeMap<String, Result<Checksum, String>>,
}

impl Expected {
    /// Dry-runs every migration of `M` on `backend`.
    pub async fn of<M: MigratorTrait>(backend: DbBackend) -> Self {
        let mut by_version = BTreeMap::new();
        for migration in M::migrations() {
            let checksum = Checksum::of(migration.as_ref(), backend)
                .await
                .map_err(|e| e.to_string());
            by_version.insert(migration.name().to_owned(), checksum);
        }
        Self { by_version }
    }

    /// `version`'s checksum, if its dry run succeeded.
    pub fn get(&self, version: &str) -> Option<&Checksum> {
        self.by_version.get(version).and_then(|c| c.as_ref().ok())
    }

    /// Why `version` has no checksum, if it has none.
    pub fn unavailable(&self, version: &str) -> Option<&str> {
        self.by_version
            .get(version)
            .and_then(|c| c.as_ref().err().map(String::as_str))
    }
}

/// Reads and writes the [`CHECKSUM_TABLE`]: `version` (primary key), `checksum`,
/// `backend` and `recorded_at` (Unix seconds, like `seaql_migrations.applied_at`).
pub struct ChecksumTable;

impl ChecksumTable {
    fn name() -> Alias {
        Alias::new(CHECKSUM_TABLE)
    }

    fn col(name: &str) -> Alias {
        Alias::new(name)
    }

    pub async fn exists(db: &DatabaseConnection) -> Result<bool, DbErr> {
        SchemaManager::new(db).has_table(CHECKSUM_TABLE).await
    }

    /// Creates the table when missing. `IF NOT EXISTS` is right here, unlike in the
    /// schema's migrations: this is bookkeeping created on demand, like sea-orm's own
    /// `seaql_migrations`, and only ever under the migration lock.
    pub async fn ensure(db: &DatabaseConnection) -> Result<(), DbErr> {
        let create = Table::create()
            .table(Self::name())
            .if_not_exists()
            .col(
                ColumnDef::new(Self::col("version"))
                    .string()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Self::col("checksum")).string().not_null())
            .col(ColumnDef::new(Self::col("backend")).string().not_null())
            .col(
                ColumnDef::new(Self::col("recorded_at"))
                    .big_integer()
                    .not_null(),
            )
            .to_owned();
        db.execute(&create).await.map(|_| ())
    }

    pub async fn drop(db: &DatabaseConnection) -> Result<(), DbErr> {
        let drop = Table::drop().table(Self::name()).if_exists().to_owned();
        db.execute(&drop).await.map(|_| ())
    }

    /// The recorded checksums by version; empty when the table does not exist (a
    /// database migrated before checksums were kept), which is not an error.
    pub async fn read(db: &DatabaseConnection) -> Result<BTreeMap<String, String>, DbErr> {
        if !Self::exists(db).await? {
            return Ok(BTreeMap::new());
        }
        let select = Query::select()
            .columns([Self::col("version"), Self::col("checksum")])
            .from(Self::name())
            .to_owned();
        db.query_all(&select)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<String>("", "version")?,
                    row.try_get::<String>("", "checksum")?,
                ))
            })
            .collect()
    }

    /// Records `checksum` for `version`; on a transaction, it commits with the migration.
    pub async fn record<C: ConnectionTrait>(
        conn: &C,
        version: &str,
        checksum: &Checksum,
    ) -> Result<(), DbErr> {
        let backend = conn.get_database_backend();
        let insert = Query::insert()
            .into_table(Self::name())
            .columns([
                Self::col("version"),
                Self::col("checksum"),
                Self::col("backend"),
                Self::col("recorded_at"),
            ])
            .values([
                version.into(),
                checksum.as_str().into(),
                backend.as_str().into(),
                unix_now().into(),
            ])
            .map_err(|e| DbErr::Custom(format!("recording the checksum of {version}: {e}")))?
            .to_owned();
        conn.execute(&insert).await.map(|_| ())
    }

    /// Forgets `version`'s checksum; on a transaction, it commits with the rollback.
    pub async fn delete<C: ConnectionTrait>(conn: &C, version: &str) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table(Self::name())
            .and_where(Expr::col(Self::col("version")).eq(version))
            .to_owned();
        conn.execute(&delete).await.map(|_| ())
    }
}

/// Seconds since the Unix epoch, the unit of `seaql_migrations.applied_at`.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// How the recorded checksums compare with this binary's migrations.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ChecksumReport {
    /// Applied migrations whose SQL changed since they were applied, oldest first.
    pub mismatched: Vec<String>,
    /// Applied migrations with no recorded checksum (applied before checksums were kept).
    pub unrecorded: Vec<String>,
}

impl ChecksumReport {
    /// Compares the `recorded` checksums of the `applied` versions with the `expected`.
    /// Versions this binary does not know are reported elsewhere (as unknown).
    /// Migrations without an expected checksum cannot be compared and are left out.
    pub fn compare<'a>(
        applied: impl IntoIterator<Item = &'a str>,
        expected: &Expected,
        recorded: &BTreeMap<String, String>,
    ) -> Self {
        let mut report = Self::default();
        for version in applied {
            let Some(expected) = expected.get(version) else {
                continue;
            };
            match recorded.get(version) {
                None => report.unrecorded.push(version.to_owned()),
                Some(found) if found != expected.as_str() => {
                    report.mismatched.push(version.to_owned());
                }
                Some(_) => {}
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_sorts_applied_versions_into_mismatched_and_unrecorded() {
        let by_version = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(v, c)| (v.to_owned(), Ok(Checksum(c.to_owned()))))
            .chain([("d".to_owned(), Err("dry run failed".to_owned()))])
            .collect();
        let expected = Expected { by_version };
        let recorded: BTreeMap<String, String> = [("a", "1"), ("b", "x"), ("d", "y")]
            .into_iter()
            .map(|(v, c)| (v.to_owned(), c.to_owned()))
            .collect();
        let report = ChecksumReport::compare(["a", "b", "c", "d", "z"], &expected, &recorded);
        assert_eq!(report.mismatched, vec!["b".to_owned()]);
        assert_eq!(report.unrecorded, vec!["c".to_owned()]);
    }
}
