//! Checksums that reveal a migration edited after it was applied.
//!
//! A migration's checksum has three parts, each a SHA-256 in hex:
//! - `source`: its source file as compiled into the binary (registered with
//!   [`migration_sources!`](crate::migration_sources)), line endings and trailing
//!   whitespace normalised. It sees every edit of the file, `up` and `down`, including
//!   logic that depends on data, and is the same on every machine and build.
//! - `up` and `down`: the SQL its `up` and its `down` issue on the database's backend, from
//!   a dry run against a mock connection that records statements without executing them
//!   (queries return no rows). It sees changes made outside the file (a shared helper, a
//!   sea-query upgrade). Each dry run is done twice: if the two differ (a statement with a
//!   non-deterministic value), that part is left out rather than reported changed forever.
//!
//! A part that cannot be computed is left out and said why ([`ChecksumGap`]); a
//! migration with no part at all has no checksum, which `status --check` reports. A
//! migration counts as changed when a part present both in the recorded checksum and in
//! the current one differs.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use sha2::{Digest, Sha256};

use crate::backend::Direction;
use crate::mock_run::mock_run;

/// The table with one checksum per applied migration. It belongs to the runner:
/// sea-orm's `Migrator::up` never creates it, and `seaql_migrations` is left as is.
pub const CHECKSUM_TABLE: &str = "migration_checksums";

/// The table recording each accepted checksum change (`accept-checksum`).
pub const CHECKSUM_HISTORY_TABLE: &str = "migration_checksum_history";

/// The source files of a migrator's migrations, by migration name, compiled into the
/// binary. Build it with [`migration_sources!`](crate::migration_sources).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources {
    files: &'static [(&'static str, &'static str)],
    /// Another migrator's sources, for a migrator that reuses its migrations.
    also: Option<&'static Sources>,
}

impl Sources {
    /// `(migration name, source text)` pairs.
    pub const fn new(files: &'static [(&'static str, &'static str)]) -> Self {
        Self { files, also: None }
    }

    /// No sources: checksums then cover the dry-run SQL only, and say so.
    pub const fn none() -> Self {
        Self::new(&[])
    }

    /// These sources and `other`'s, for a migrator whose list reuses another migrator's
    /// migrations:
    ///
    /// ```ignore
    /// pub const SOURCES: migration_runner::Sources =
    ///     migration_runner::migration_sources!("src/migrations" => m20260301_000001_orgs)
    ///         .and(&base_migration::SOURCES);
    /// ```
    pub const fn and(self, other: &'static Sources) -> Self {
        assert!(
            self.also.is_none(),
            "Sources::and takes one other list; chain it on that list instead"
        );
        Self {
            files: self.files,
            also: Some(other),
        }
    }

    /// Every `(name, source)`: the joined lists' first, this list's last, so that collected
    /// into a map a name found in several keeps this list's source.
    fn all(&self) -> Vec<(&'static str, &'static str)> {
        let mut all = self.also.map(|other| other.all()).unwrap_or_default();
        all.extend(self.files.iter().copied());
        all
    }
}

/// The [`Sources`] of migrations kept one per file, named after the file, in the folder
/// `$dir` of the calling crate (relative to its `Cargo.toml`). Cargo rebuilds the crate
/// when one of them changes.
///
/// ```ignore
/// pub const SOURCES: migration_runner::Sources = migration_runner::migration_sources!(
///     "src/migrations" => m20250101_000000_create_users, m20250102_000000_add_index,
/// );
/// ```
#[macro_export]
macro_rules! migration_sources {
    ($dir:literal => $($migration:ident),* $(,)?) => {
        $crate::Sources::new(&[$((
            stringify!($migration),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", stringify!($migration), ".rs")),
        )),*])
    };
}

/// One part of a checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[non_exhaustive]
pub enum ChecksumPart {
    /// The migration's source file.
    #[serde(rename = "source")]
    Source,
    /// The SQL of its `up`.
    #[serde(rename = "up")]
    UpSql,
    /// The SQL of its `down`.
    #[serde(rename = "down")]
    DownSql,
}

impl ChecksumPart {
    /// All parts, in their order in the recorded text.
    pub const ALL: [ChecksumPart; 3] = [Self::Source, Self::UpSql, Self::DownSql];

    fn key(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::UpSql => "up",
            Self::DownSql => "down",
        }
    }
}

impl fmt::Display for ChecksumPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Source => "source file",
            Self::UpSql => "SQL of up",
            Self::DownSql => "SQL of down",
        })
    }
}

/// A part left out of a migration's checksum, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ChecksumGap {
    /// The part.
    pub part: ChecksumPart,
    /// Why it cannot be computed.
    pub reason: String,
}

impl fmt::Display for ChecksumGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no {}: {}", self.part, self.reason)
    }
}

/// A migration's checksum: its parts, each a hex SHA-256 or absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checksum {
    parts: BTreeMap<ChecksumPart, String>,
}

impl Checksum {
    /// The hex SHA-256 of `part`, if it is covered.
    pub fn part(&self, part: ChecksumPart) -> Option<&str> {
        self.parts.get(&part).map(String::as_str)
    }

    /// Whether no part could be computed.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// The recorded text: `v2 source=HEX up=HEX down=HEX`, `-` for a part left out.
    pub fn encode(&self) -> String {
        let mut text = "v2".to_owned();
        for part in ChecksumPart::ALL {
            text.push(' ');
            text.push_str(part.key());
            text.push('=');
            text.push_str(self.part(part).unwrap_or("-"));
        }
        text
    }

    /// Reads a recorded text; `None` when it is not in this format.
    pub fn decode(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        if words.next() != Some("v2") {
            return None;
        }
        let mut parts = BTreeMap::new();
        for word in words {
            let (key, value) = word.split_once('=')?;
            let part = ChecksumPart::ALL.into_iter().find(|p| p.key() == key)?;
            if value != "-" {
                parts.insert(part, value.to_owned());
            }
        }
        Some(Self { parts })
    }

    /// The parts present in both that differ; all parts when `recorded` is unreadable.
    pub fn changed_parts(&self, recorded: &str) -> Vec<ChecksumPart> {
        let Some(recorded) = Self::decode(recorded) else {
            return ChecksumPart::ALL.to_vec();
        };
        ChecksumPart::ALL
            .into_iter()
            .filter(|part| match (self.part(*part), recorded.part(*part)) {
                (Some(now), Some(then)) => now != then,
                _ => false,
            })
            .collect()
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// A migration's current checksum, with the parts it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Computed {
    pub checksum: Checksum,
    pub gaps: Vec<ChecksumGap>,
}

/// The current checksums of a migrator's migrations, by name.
pub(crate) struct Expected {
    by_version: BTreeMap<String, Computed>,
}

impl Expected {
    /// Computes every migration's checksum for `backend`.
    pub async fn of<M: MigratorTrait>(backend: DbBackend, sources: &Sources) -> Self {
        // By name once, rather than a search of the list per migration.
        let sources: HashMap<&str, &str> = sources.all().into_iter().collect();
        let mut by_version = BTreeMap::new();
        for migration in M::migrations() {
            let name = migration.name().to_owned();
            let source = sources.get(name.as_str()).copied();
            let computed = compute(migration.as_ref(), backend, source).await;
            by_version.insert(name, computed);
        }
        Self { by_version }
    }

    pub fn get(&self, version: &str) -> Option<&Computed> {
        self.by_version.get(version)
    }

    /// The checksum to record for `version`; `None` when it has no part at all.
    pub fn recordable(&self, version: &str) -> Option<&Checksum> {
        self.get(version)
            .map(|c| &c.checksum)
            .filter(|c| !c.is_empty())
    }
}

async fn compute(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    source: Option<&str>,
) -> Computed {
    let mut checksum = Checksum::default();
    let mut gaps = Vec::new();
    match source {
        Some(text) => {
            checksum
                .parts
                .insert(ChecksumPart::Source, hex_sha256(&normalise_source(text)));
        }
        None => gaps.push(ChecksumGap {
            part: ChecksumPart::Source,
            reason: "its source file is not registered (migration_sources!)".to_owned(),
        }),
    }
    for (part, direction) in [
        (ChecksumPart::UpSql, Direction::Up),
        (ChecksumPart::DownSql, Direction::Down),
    ] {
        match stable_dry_run(migration, backend, direction).await {
            Ok(sql) => {
                checksum.parts.insert(part, hex_sha256(&sql));
            }
            Err(reason) => gaps.push(ChecksumGap { part, reason }),
        }
    }
    Computed { checksum, gaps }
}

/// The SQL of two dry runs, if both succeed and agree.
async fn stable_dry_run(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    direction: Direction,
) -> Result<String, String> {
    let fails = |e: DbErr| {
        format!(
            "a dry run of its {direction}() fails: {}",
            one_line(&e.to_string())
        )
    };
    let first = dry_run(migration, backend, direction)
        .await
        .map_err(fails)?;
    let second = dry_run(migration, backend, direction)
        .await
        .map_err(fails)?;
    if first != second {
        return Err(format!(
            "two dry runs of its {direction}() issue different SQL (a non-deterministic value?)"
        ));
    }
    Ok(first)
}

/// Runs one direction of `migration` against a mock `backend` connection and returns
/// the statements it issued, one per line, bound values inlined.
async fn dry_run(
    migration: &dyn MigrationTrait,
    backend: DbBackend,
    direction: Direction,
) -> Result<String, DbErr> {
    let run = mock_run(migration, backend, direction).await;
    run.outcome?;
    let mut sql = String::new();
    for statement in run.log.iter().flat_map(|t| t.statements()) {
        sql.push_str(&statement.to_string());
        sql.push_str(";\n");
    }
    Ok(sql)
}

/// The same text whatever the checkout's line endings or an editor's trailing blanks.
fn normalise_source(text: &str) -> String {
    let mut normalised: String = text
        .lines()
        .map(|line| line.trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    normalised.truncate(normalised.trim_end().len());
    normalised.push('\n');
    normalised
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

/// Reads and writes the [`CHECKSUM_TABLE`] (`version` primary key, `checksum`,
/// `backend`, `recorded_at` in Unix seconds like `seaql_migrations.applied_at`) and the
/// [`CHECKSUM_HISTORY_TABLE`].
pub(crate) struct ChecksumTable;

impl ChecksumTable {
    fn col(name: &str) -> Alias {
        Alias::new(name)
    }

    pub async fn exists(db: &DatabaseConnection) -> Result<bool, DbErr> {
        crate::state::table_exists(db, CHECKSUM_TABLE).await
    }

    /// Creates both tables when missing. `IF NOT EXISTS` is right here: this is
    /// bookkeeping created on demand, like sea-orm's own `seaql_migrations`, and only
    /// ever under the migration lock.
    pub async fn ensure(db: &DatabaseConnection) -> Result<(), DbErr> {
        let create = Table::create()
            .table(Alias::new(CHECKSUM_TABLE))
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
        db.execute(&create).await?;
        let history = Table::create()
            .table(Alias::new(CHECKSUM_HISTORY_TABLE))
            .if_not_exists()
            .col(ColumnDef::new(Self::col("version")).string().not_null())
            .col(
                ColumnDef::new(Self::col("old_checksum"))
                    .string()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Self::col("new_checksum"))
                    .string()
                    .not_null(),
            )
            .col(ColumnDef::new(Self::col("backend")).string().not_null())
            .col(
                ColumnDef::new(Self::col("accepted_at"))
                    .big_integer()
                    .not_null(),
            )
            .to_owned();
        db.execute(&history).await.map(|_| ())
    }

    pub async fn drop(db: &DatabaseConnection) -> Result<(), DbErr> {
        for table in [CHECKSUM_TABLE, CHECKSUM_HISTORY_TABLE] {
            let drop = Table::drop()
                .table(Alias::new(table))
                .if_exists()
                .to_owned();
            db.execute(&drop).await?;
        }
        Ok(())
    }

    /// The recorded checksums by version; empty when the table does not exist (a
    /// database migrated before checksums were kept), which is not an error.
    pub async fn read(db: &DatabaseConnection) -> Result<BTreeMap<String, String>, DbErr> {
        if !Self::exists(db).await? {
            return Ok(BTreeMap::new());
        }
        let select = Query::select()
            .columns([Self::col("version"), Self::col("checksum")])
            .from(Alias::new(CHECKSUM_TABLE))
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
        let insert = Self::insert(version, checksum, conn.get_database_backend())
            .map_err(|e| DbErr::Custom(format!("recording the checksum of {version}: {e}")))?;
        conn.execute(&insert).await.map(|_| ())
    }

    /// The row of [`ChecksumTable::record`], as a statement (values bound).
    pub fn insert(
        version: &str,
        checksum: &Checksum,
        backend: DbBackend,
    ) -> Result<InsertStatement, sea_query::error::Error> {
        Ok(Query::insert()
            .into_table(Alias::new(CHECKSUM_TABLE))
            .columns([
                Self::col("version"),
                Self::col("checksum"),
                Self::col("backend"),
                Self::col("recorded_at"),
            ])
            .values([
                version.into(),
                checksum.encode().into(),
                backend.as_str().into(),
                unix_now().into(),
            ])?
            .to_owned())
    }

    /// Forgets `version`'s checksum; on a transaction, it commits with the rollback.
    pub async fn delete<C: ConnectionTrait>(conn: &C, version: &str) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table(Alias::new(CHECKSUM_TABLE))
            .and_where(Expr::col(Self::col("version")).eq(version))
            .to_owned();
        conn.execute(&delete).await.map(|_| ())
    }

    /// Replaces `version`'s checksum and records the change in the history.
    pub async fn accept<C: ConnectionTrait>(
        conn: &C,
        version: &str,
        old: &str,
        new: &Checksum,
    ) -> Result<(), DbErr> {
        let insert = Query::insert()
            .into_table(Alias::new(CHECKSUM_HISTORY_TABLE))
            .columns([
                Self::col("version"),
                Self::col("old_checksum"),
                Self::col("new_checksum"),
                Self::col("backend"),
                Self::col("accepted_at"),
            ])
            .values([
                version.into(),
                old.into(),
                new.encode().into(),
                conn.get_database_backend().as_str().into(),
                unix_now().into(),
            ])
            .map_err(|e| {
                DbErr::Custom(format!("recording the accepted checksum of {version}: {e}"))
            })?
            .to_owned();
        conn.execute(&insert).await?;
        Self::delete(conn, version).await?;
        Self::record(conn, version, new).await
    }
}

/// Seconds since the Unix epoch, the unit of `seaql_migrations.applied_at`.
pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests;
