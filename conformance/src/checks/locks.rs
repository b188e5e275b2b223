//! Measured locks (PostgreSQL): for each migration of the walk, on its first `up` over
//! the populated tables, what it really did to the tables that existed before it — the
//! strongest lock it held on each, whether it rewrote it — and how long it took.
//!
//! Squawk's rules (the lint) say what a statement *may* do; this says what the database
//! did. Just before the migration's transaction commits, on the migration's own session,
//! `pg_locks` (`pid = pg_backend_pid()`, `locktype = 'relation'`) says which locks it
//! holds; a table whose `pg_class.relfilenode` changed since before `up` was rewritten
//! (a column type changed, a column with a volatile default added, a `VACUUM FULL`,
//! a `TRUNCATE`). A migration that runs outside a transaction (`use_transaction() ==
//! Some(false)`) releases each lock at the end of its statement: only its rewrites and
//! its duration are measured.
//!
//! The probe's own statements run with no tracing subscriber, so the statement capture
//! never sees them (they are not the migration's), and inside a savepoint, so that one
//! failing can never abort the migration's transaction.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tracing::instrument::WithSubscriber;

use crate::backends::Backend;

/// A table lock mode of PostgreSQL, weakest first (the order `Ord` follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockMode {
    /// `ACCESS SHARE`: `SELECT`.
    AccessShare,
    /// `ROW SHARE`: `SELECT … FOR UPDATE`.
    RowShare,
    /// `ROW EXCLUSIVE`: `INSERT`, `UPDATE`, `DELETE`.
    RowExclusive,
    /// `SHARE UPDATE EXCLUSIVE`: `CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`.
    ShareUpdateExclusive,
    /// `SHARE`: `CREATE INDEX`; blocks writes.
    Share,
    /// `SHARE ROW EXCLUSIVE`: `CREATE TRIGGER`, some `ALTER TABLE` forms.
    ShareRowExclusive,
    /// `EXCLUSIVE`: `REFRESH MATERIALIZED VIEW CONCURRENTLY`.
    Exclusive,
    /// `ACCESS EXCLUSIVE`: most `ALTER TABLE`, `DROP`, `TRUNCATE`; blocks reads too.
    AccessExclusive,
}

impl LockMode {
    /// Every mode, weakest first.
    pub const ALL: [LockMode; 8] = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];

    /// The mode as `pg_locks.mode` names it (`AccessExclusiveLock`).
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// The mode `pg_locks.mode` names (`None` for a mode that is no table lock, such as
    /// `SIReadLock`).
    pub fn from_pg(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.pg_name() == name)
    }

    /// The mode as `LOCK TABLE` names it (`ACCESS EXCLUSIVE`).
    pub fn sql_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Stronger than `ROW EXCLUSIVE`: it blocks the application's writes (or, `ACCESS
    /// EXCLUSIVE`, its reads too) for as long as the migration holds it.
    pub fn blocks_writes(self) -> bool {
        self > LockMode::RowExclusive
    }
}

impl fmt::Display for LockMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_name())
    }
}

/// What one migration did to one table that existed before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableLock {
    /// The table as the catalog names it before the migration (`name`, or
    /// `schema.name` outside `public`).
    pub table: String,
    /// The strongest lock the migration held on it just before commit; `None` when
    /// not measured (no transaction).
    pub mode: Option<LockMode>,
    /// Its `relfilenode` changed: every row was written anew while the lock was held.
    pub rewritten: bool,
    /// The migration dropped it.
    pub dropped: bool,
}

impl TableLock {
    /// Blocks the application's writes, or was rewritten or dropped.
    pub fn is_hazard(&self) -> bool {
        self.mode.is_some_and(LockMode::blocks_writes) || self.rewritten || self.dropped
    }
}

/// What one migration's first `up` of the walk did to the tables that existed before it,
/// measured on PostgreSQL (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeasuredLocks {
    /// The migration.
    pub migration: String,
    /// From the start of its transaction to the end of its commit (the probe's own
    /// queries left out): how long its locks were held.
    #[serde(rename = "duration_ms", with = "millis")]
    pub duration: Duration,
    /// It ran in a transaction (so its locks were measured).
    pub in_transaction: bool,
    /// Why the locks were not measured (`no transaction`), when they were not.
    pub not_measured: Option<String>,
    /// Each table that existed before it and that it locked, rewrote or dropped, by
    /// name; tables it created itself are not listed.
    pub tables: Vec<TableLock>,
}

impl MeasuredLocks {
    /// The tables it locked stronger than `ROW EXCLUSIVE`, rewrote or dropped.
    pub fn hazards(&self) -> Vec<&TableLock> {
        self.tables.iter().filter(|t| t.is_hazard()).collect()
    }

    /// Worth a line in `verify` and the review: a hazard, or locks not measured.
    pub fn is_notable(&self) -> bool {
        self.not_measured.is_some() || !self.hazards().is_empty()
    }

    /// One line (without the migration's name) saying what it did, the table names
    /// written by `name`: `ACCESS EXCLUSIVE on items for 12 ms, table rewritten`.
    /// `None` when nothing is notable.
    pub fn describe(&self, name: impl Fn(&str) -> String) -> Option<String> {
        if !self.is_notable() {
            return None;
        }
        let hazards = self.hazards();
        let took = format_duration(self.duration);
        let names = |tables: &[&TableLock]| {
            let names: Vec<String> = tables.iter().map(|t| name(&t.table)).collect();
            join_and(&names)
        };
        let mut what = Vec::new();
        let mut modes: Vec<LockMode> = hazards.iter().filter_map(|t| t.mode).collect();
        modes.sort_by(|a, b| b.cmp(a));
        modes.dedup();
        for mode in modes {
            let on: Vec<&TableLock> = hazards
                .iter()
                .copied()
                .filter(|t| t.mode == Some(mode))
                .collect();
            what.push(format!("{mode} on {}", names(&on)));
        }
        let mut line = match &self.not_measured {
            Some(why) => format!("locks not measured: {why}; took {took}"),
            None => format!("{} for {took}", what.join(", ")),
        };
        let rewritten: Vec<&TableLock> = hazards.iter().copied().filter(|t| t.rewritten).collect();
        let dropped: Vec<&TableLock> = hazards.iter().copied().filter(|t| t.dropped).collect();
        for (done, tables) in [("rewritten", rewritten), ("dropped", dropped)] {
            match tables.len() {
                0 => {}
                1 if hazards.len() == 1 && self.not_measured.is_none() => {
                    line.push_str(&format!(", table {done}"));
                }
                _ => line.push_str(&format!(", {} {done}", names(&tables))),
            }
        }
        Some(line)
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `0.4 ms`, `12 ms`, `1.3 s`.
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// The lines `verify` prints: a heading, then one line per notable migration.
pub fn verify_lines(locks: &[MeasuredLocks]) -> Vec<String> {
    if locks.is_empty() {
        return Vec::new();
    }
    let notable: Vec<String> = locks
        .iter()
        .filter_map(|m| Some(format!("  {}: {}", m.migration, m.describe(str::to_owned)?)))
        .collect();
    if notable.is_empty() {
        return vec![format!(
            "locks (postgres, {} migration(s) measured): none stronger than ROW EXCLUSIVE on an existing table, no table rewritten",
            locks.len()
        )];
    }
    let mut lines = vec![format!(
        "locks (postgres, each migration's first up; {} of {} blocked writes on an existing table, rewrote one, or could not be measured):",
        notable.len(),
        locks.len()
    )];
    lines.extend(notable);
    lines
}

/// The measurements as JSON for other tools: `{"backend": "postgres",
/// "rows_per_table": N, "migrations": [MeasuredLocks…]}`.
pub fn locks_json(locks: &[MeasuredLocks], rows_per_table: usize) -> String {
    serde_json::json!({
        "backend": Backend::Postgres.name(),
        "rows_per_table": rows_per_table,
        "migrations": locks,
    })
    .to_string()
}

/// `Duration` as a number of milliseconds in JSON, to the microsecond.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_micros() as f64 / 1000.0)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(serde::de::Error::custom)
    }
}

/// One table before the migration: its name and `relfilenode`, by oid.
type Tables = BTreeMap<i64, (String, i64)>;

/// The tables of the database (every schema but the system ones; extension members and
/// the migrations table left out), by oid.
const TABLES: &str = "SELECT c.oid::bigint AS oid, \
       CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || c.relname AS name, \
       c.relfilenode::bigint AS node \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'm') \
       AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' \
       AND c.relname <> $1 \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                       WHERE d.classid = 'pg_catalog.pg_class'::regclass \
                         AND d.objid = c.oid AND d.deptype = 'e')";

/// The relation locks this session holds, with each relation's `relfilenode` as this
/// transaction sees it (`NULL`: dropped).
const HELD: &str = "SELECT l.relation::bigint AS oid, l.mode, c.relfilenode::bigint AS node \
     FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation \
     WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted";

const SAVEPOINT: &str = "conformance_measured_locks";

/// Measures one migration's first `up`: made before it ([`LockProbe::open`]), told when
/// its transaction starts and just before it commits (by the walk's `apply`), and
/// finished right after ([`LockProbe::finish`]).
pub(crate) struct LockProbe {
    table: String,
    before: Tables,
    started: Option<Instant>,
    in_transaction: bool,
    /// Time the probe's own queries took inside the migration.
    own: Duration,
    /// Each table's strongest lock and `relfilenode` (`None`: dropped), before commit.
    held: Option<BTreeMap<i64, (LockMode, Option<i64>)>>,
    error: Option<String>,
}

impl LockProbe {
    /// Reads the tables that exist before the migration; `None` on a backend without
    /// table locks (SQLite). `table` is the migrations table, left out.
    pub(crate) async fn open(
        conn: &DatabaseConnection,
        backend: Backend,
        table: &str,
    ) -> Result<Option<Self>, DbErr> {
        if backend != Backend::Postgres {
            return Ok(None);
        }
        Ok(Some(Self {
            table: table.to_owned(),
            before: read_tables(conn, table).await?,
            started: None,
            in_transaction: false,
            own: Duration::ZERO,
            held: None,
            error: None,
        }))
    }

    /// The migration starts now, in a transaction or not.
    pub(crate) fn start(&mut self, in_transaction: bool) {
        self.in_transaction = in_transaction;
        self.started = Some(Instant::now());
    }

    /// Reads the locks the migration's transaction holds, on `transaction`, just before
    /// it commits. Never fails the migration: an error is kept and said instead.
    pub(crate) async fn before_commit<C: ConnectionTrait>(&mut self, transaction: &C) {
        let began = Instant::now();
        // No subscriber: the statement capture must not record the probe.
        let read = held(transaction).with_subscriber(tracing::Dispatch::none());
        match read.await {
            Ok(held) => self.held = Some(held),
            Err(err) => self.error = Some(crate::checks::describe_db_error(&err)),
        }
        self.own += began.elapsed();
    }

    /// The measurement, once the migration's `up` succeeded; `conn` reads the tables
    /// again after a migration that ran without a transaction.
    pub(crate) async fn finish(
        self,
        conn: &DatabaseConnection,
        migration: &str,
    ) -> Result<MeasuredLocks, DbErr> {
        let ended = Instant::now();
        let duration = self
            .started
            .map_or(Duration::ZERO, |s| ended.duration_since(s))
            .saturating_sub(self.own);
        let mut tables = Vec::new();
        let mut not_measured = None;
        if let (true, Some(held)) = (self.in_transaction, &self.held) {
            for (oid, (mode, node)) in held {
                let Some((name, before)) = self.before.get(oid) else {
                    continue; // created by the migration, or not a table
                };
                tables.push(TableLock {
                    table: name.clone(),
                    mode: Some(*mode),
                    rewritten: node.is_some_and(|n| n != *before),
                    dropped: node.is_none(),
                });
            }
        } else {
            not_measured = Some(match (&self.error, self.in_transaction) {
                (_, false) => "no transaction".to_owned(),
                (Some(error), true) => format!("reading pg_locks failed: {error}"),
                (None, true) => "pg_locks was not read".to_owned(),
            });
            let after = read_tables(conn, &self.table).await?;
            for (oid, (name, before)) in &self.before {
                let node = after.get(oid).map(|(_, node)| *node);
                if node != Some(*before) {
                    tables.push(TableLock {
                        table: name.clone(),
                        mode: None,
                        rewritten: node.is_some(),
                        dropped: node.is_none(),
                    });
                }
            }
        }
        tables.sort_by(|a, b| a.table.cmp(&b.table));
        Ok(MeasuredLocks {
            migration: migration.to_owned(),
            duration,
            in_transaction: self.in_transaction,
            not_measured,
            tables,
        })
    }
}

async fn read_tables(conn: &DatabaseConnection, exclude: &str) -> Result<Tables, DbErr> {
    let statement =
        Statement::from_sql_and_values(DbBackend::Postgres, TABLES, [exclude.to_owned().into()]);
    let mut out = Tables::new();
    for row in conn.query_all_raw(statement).await? {
        let oid: i64 = row.try_get("", "oid")?;
        out.insert(oid, (row.try_get("", "name")?, row.try_get("", "node")?));
    }
    Ok(out)
}

/// Each relation's strongest lock held by this session, and its `relfilenode`, read in
/// a savepoint released (or rolled back to) afterwards.
async fn held<C: ConnectionTrait>(
    conn: &C,
) -> Result<BTreeMap<i64, (LockMode, Option<i64>)>, DbErr> {
    conn.execute_unprepared(&format!("SAVEPOINT {SAVEPOINT}"))
        .await?;
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Postgres, HELD))
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(err) => {
            conn.execute_unprepared(&format!(
                "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
            ))
            .await?;
            return Err(err);
        }
    };
    conn.execute_unprepared(&format!("RELEASE SAVEPOINT {SAVEPOINT}"))
        .await?;
    let mut out: BTreeMap<i64, (LockMode, Option<i64>)> = BTreeMap::new();
    for row in rows {
        let oid: i64 = row.try_get("", "oid")?;
        let mode: String = row.try_get("", "mode")?;
        let node: Option<i64> = row.try_get("", "node")?;
        let Some(mode) = LockMode::from_pg(&mode) else {
            continue;
        };
        let entry = out.entry(oid).or_insert((mode, node));
        entry.0 = entry.0.max(mode);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(table: &str, mode: LockMode, rewritten: bool) -> TableLock {
        TableLock {
            table: table.to_owned(),
            mode: Some(mode),
            rewritten,
            dropped: false,
        }
    }

    fn measured(tables: Vec<TableLock>) -> MeasuredLocks {
        MeasuredLocks {
            migration: "m2_x".to_owned(),
            duration: Duration::from_millis(12),
            in_transaction: true,
            not_measured: None,
            tables,
        }
    }

    #[test]
    fn modes_are_ordered_weakest_first_and_read_from_pg_locks() {
        assert!(LockMode::AccessShare < LockMode::RowShare);
        assert!(LockMode::RowExclusive < LockMode::ShareUpdateExclusive);
        assert!(LockMode::Share < LockMode::ShareRowExclusive);
        assert!(LockMode::Exclusive < LockMode::AccessExclusive);
        for mode in LockMode::ALL {
            assert_eq!(LockMode::from_pg(mode.pg_name()), Some(mode));
        }
        assert_eq!(LockMode::from_pg("SIReadLock"), None);
        assert!(!LockMode::RowExclusive.blocks_writes());
        assert!(LockMode::ShareUpdateExclusive.blocks_writes());
    }

    #[test]
    fn one_line_per_migration_names_mode_table_time_and_rewrite() {
        let one = measured(vec![lock("items", LockMode::AccessExclusive, true)]);
        assert_eq!(
            one.describe(str::to_owned).as_deref(),
            Some("ACCESS EXCLUSIVE on items for 12 ms, table rewritten")
        );
        let two = measured(vec![
            lock("a", LockMode::Share, false),
            lock("b", LockMode::AccessExclusive, true),
            lock("c", LockMode::AccessExclusive, false),
            lock("d", LockMode::RowExclusive, false),
        ]);
        assert_eq!(
            two.describe(|t| format!("`{t}`")).as_deref(),
            Some("ACCESS EXCLUSIVE on `b` and `c`, SHARE on `a` for 12 ms, `b` rewritten")
        );
        let writes = measured(vec![lock("items", LockMode::RowExclusive, false)]);
        assert_eq!(writes.describe(str::to_owned), None);
        let mut outside = measured(vec![TableLock {
            table: "items".to_owned(),
            mode: None,
            rewritten: true,
            dropped: false,
        }]);
        outside.in_transaction = false;
        outside.not_measured = Some("no transaction".to_owned());
        outside.duration = Duration::from_millis(1300);
        assert_eq!(
            outside.describe(str::to_owned).as_deref(),
            Some("locks not measured: no transaction; took 1.3 s, items rewritten")
        );
    }

    #[test]
    fn json_keeps_modes_and_milliseconds() {
        let locks = vec![measured(vec![lock("items", LockMode::Share, false)])];
        let json = locks_json(&locks, 3);
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["rows_per_table"], 3);
        let first = &value["migrations"][0];
        assert_eq!(first["migration"], "m2_x");
        assert_eq!(first["duration_ms"], 12.0);
        assert_eq!(first["tables"][0]["mode"], "SHARE");
        let back: MeasuredLocks = serde_json::from_value(first.clone()).expect("read back");
        assert_eq!(back, locks[0]);
    }
}
