//! The catalog of one database kept current from one migration call to the next, for
//! the step walk: read whole once, then only what each call changed, so that a step
//! costs about the same at migration 1000 as at migration 10.
//!
//! How a backend finds what changed:
//! - SQLite: the schema cookie (`PRAGMA schema_version`) says whether anything did;
//!   when it moved and the call ran only `CREATE` / `DROP` statements, the objects
//!   of the tables those statements name are read again; after anything else (an
//!   `ALTER TABLE` may rewrite other tables' text) the whole catalog is.
//! - PostgreSQL: an event trigger notes every object a DDL command creates, alters or
//!   drops (see `postgres::Tracker`); the objects that depend on those are found in
//!   `pg_depend`, and the tables, types, functions… they belong to are read again.
//!   Where the trigger cannot be installed (a role that is not superuser), every
//!   read is whole.
//! - MySQL / MariaDB: every read is whole (`SHOW CREATE` of every object; a schema of
//!   a few dozen tables reads in milliseconds).
//!
//! Whatever path a read takes, it is compared with the whole catalog by the tests
//! (`CONFORMANCE_CHECK_CATALOG_READS`; the check, with its diff, is `diff::check_live_catalog`).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend};

use super::{ObjectKey, ObjectKind, SchemaDump, mysql, postgres, sqlite};
use crate::capture::Executed;
use crate::error::HarnessError;

/// Where an object goes in the dump: the dump is sorted by this.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Order {
    pub(crate) group: i32,
    pub(crate) owner: String,
    pub(crate) sub: i32,
    pub(crate) name: String,
}

/// One object as a catalog reader returns it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) key: ObjectKey,
    pub(crate) order: Order,
    pub(crate) ddl: Arc<str>,
    /// What the object is read again with: the objects of one unit are always read
    /// together (SQLite: a table's name; PostgreSQL: the owning object's OID).
    pub(crate) unit: String,
}

/// Which part of the catalog a read covers.
pub(crate) enum Reread {
    /// The whole catalog.
    All(Vec<Row>),
    /// These units only: every object of one of them is in `rows` or gone.
    Units {
        units: BTreeSet<String>,
        rows: Vec<Row>,
    },
}

/// One object's change between two reads: its DDL before and after (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) key: ObjectKey,
    pub(crate) order: Order,
    pub(crate) before: Option<Arc<str>>,
    pub(crate) after: Option<Arc<str>>,
}

/// What one call did besides its schema changes, as far as a catalog read needs it.
pub(crate) struct Hint<'a> {
    /// The statements it ran.
    pub(crate) statements: &'a [Executed],
    /// The statements it ran on the migrations table.
    pub(crate) bookkeeping: &'a [Executed],
    /// How many rows a call changes in the migrations table (its version row): when
    /// the connection's count of changed rows moved by more, other rows changed too
    /// (SQLite's AUTOINCREMENT counters may have moved).
    pub(crate) bookkeeping_rows: i64,
}

#[derive(Debug, Clone)]
struct Object {
    order: Order,
    ddl: Arc<str>,
    unit: String,
}

enum Tracker {
    Sqlite(sqlite::Tracker),
    Postgres(postgres::Tracker),
    /// Reads the whole catalog after every call.
    MySql,
}

/// A database's catalog as of the last read.
pub(crate) struct LiveCatalog {
    objects: HashMap<ObjectKey, Object>,
    units: HashMap<String, BTreeSet<ObjectKey>>,
    /// How many tables have each name, schema left out.
    bare_tables: HashMap<String, usize>,
    tracker: Tracker,
    /// How many refreshes read the whole catalog.
    whole_reads: usize,
}

/// Whether `text` holds `name` as a whole word (not inside a longer name).
pub(crate) fn names(text: &str, name: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(name).any(|(at, _)| {
        !word(text[..at].chars().next_back()) && !word(text[at + name.len()..].chars().next())
    })
}

impl LiveCatalog {
    /// Reads the whole catalog of `conn` and prepares to follow its changes.
    pub(crate) async fn open<C: ConnectionTrait>(conn: &C) -> Result<Self, HarnessError> {
        let (tracker, rows) = match conn.get_database_backend() {
            DbBackend::Sqlite => {
                let mut tracker = sqlite::Tracker::default();
                let rows = tracker.read_all(conn).await?;
                (Tracker::Sqlite(tracker), rows)
            }
            DbBackend::Postgres => {
                let mut tracker = postgres::Tracker::install(conn).await?;
                let rows = tracker.read_all(conn).await?;
                (Tracker::Postgres(tracker), rows)
            }
            DbBackend::MySql => (Tracker::MySql, Box::pin(mysql::read_rows(conn)).await?),
            other => {
                return Err(HarnessError::UnsupportedBackend {
                    backend: other,
                    by: "the catalog reader",
                });
            }
        };
        let mut live = Self {
            objects: HashMap::new(),
            units: HashMap::new(),
            bare_tables: HashMap::new(),
            tracker,
            whole_reads: 0,
        };
        live.apply(Reread::All(rows));
        Ok(live)
    }

    /// Reads what changed since the last read, and returns it.
    pub(crate) async fn refresh<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        hint: &Hint<'_>,
    ) -> Result<Vec<Change>, HarnessError> {
        let reread = match &mut self.tracker {
            Tracker::Sqlite(tracker) => tracker.refresh(conn, hint).await?,
            Tracker::Postgres(tracker) => tracker.refresh(conn).await?,
            Tracker::MySql => Reread::All(Box::pin(mysql::read_rows(conn)).await?),
        };
        if matches!(reread, Reread::All(_)) {
            self.whole_reads += 1;
        }
        Ok(self.apply(reread))
    }

    /// The catalog as of the last read, as [`super::dump`] writes it.
    pub(crate) fn dump(&self) -> SchemaDump {
        sorted_dump(
            self.objects
                .iter()
                .map(|(key, object)| Row {
                    key: key.clone(),
                    order: object.order.clone(),
                    ddl: object.ddl.clone(),
                    unit: object.unit.clone(),
                })
                .collect(),
        )
    }

    /// SQLite's `total_changes()` as of the last read (read with the catalog, in the
    /// same query); `None` on other backends.
    pub(crate) fn row_counter(&self) -> Option<i64> {
        match &self.tracker {
            Tracker::Sqlite(tracker) => tracker.changes(),
            Tracker::Postgres(_) | Tracker::MySql => None,
        }
    }

    /// Whether the catalog has this table (as the dump names it).
    pub(crate) fn has_table(&self, name: &str) -> bool {
        self.objects
            .contains_key(&ObjectKey::new(ObjectKind::Table, name))
    }

    /// The tables among `candidates` a foreign key ties to one of `tables`, either way:
    /// those whose definition or constraints name one of them after `REFERENCES`, and
    /// those `tables`' own definitions or constraints name so (a rough reading of the
    /// DDL: it may name too many, never too few).
    pub(crate) fn tables_related(
        &self,
        tables: &BTreeSet<String>,
        candidates: &BTreeSet<String>,
    ) -> BTreeSet<String> {
        let bare = |t: &str| t.rsplit('.').next().unwrap_or(t).to_owned();
        let mut out = BTreeSet::new();
        for (key, object) in &self.objects {
            let owner = match key.kind {
                ObjectKind::Table => key.name.as_str(),
                ObjectKind::Constraint => key.name.rsplit_once('.').map_or("", |(t, _)| t),
                _ => continue,
            };
            let Some(at) = object.ddl.to_ascii_uppercase().find("REFERENCES") else {
                continue;
            };
            let rest = &object.ddl[at..];
            if tables.iter().any(|t| names(rest, &bare(t))) {
                out.insert(owner.to_owned());
            }
            if tables.contains(owner) {
                out.extend(candidates.iter().filter(|c| names(rest, &bare(c))).cloned());
            }
        }
        out
    }

    /// Whether the catalog has a table of this name in any schema.
    pub(crate) fn has_table_named(&self, bare: &str) -> bool {
        self.bare_tables.get(bare).is_some_and(|n| *n > 0)
    }

    fn apply(&mut self, reread: Reread) -> Vec<Change> {
        let (units, rows): (Vec<String>, Vec<Row>) = match reread {
            Reread::All(rows) => (self.units.keys().cloned().collect(), rows),
            Reread::Units { units, rows } => (units.into_iter().collect(), rows),
        };
        let mut gone: HashMap<ObjectKey, Object> = HashMap::new();
        for unit in &units {
            for key in self.units.remove(unit).unwrap_or_default() {
                if let Some(object) = self.remove(&key) {
                    gone.insert(key, object);
                }
            }
        }
        let mut changes = Vec::new();
        for row in rows {
            let before = gone.remove(&row.key);
            // A unit re-read may bring an object another unit held (a moved index).
            let before = before.or_else(|| {
                let object = self.remove(&row.key)?;
                if let Some(keys) = self.units.get_mut(&object.unit) {
                    keys.remove(&row.key);
                }
                Some(object)
            });
            let changed = before.as_ref().map(|b| &b.ddl) != Some(&row.ddl);
            if changed {
                changes.push(Change {
                    key: row.key.clone(),
                    order: row.order.clone(),
                    before: before.map(|b| b.ddl),
                    after: Some(row.ddl.clone()),
                });
            }
            self.units
                .entry(row.unit.clone())
                .or_default()
                .insert(row.key.clone());
            if row.key.kind == ObjectKind::Table {
                *self
                    .bare_tables
                    .entry(bare(&row.key.name).to_owned())
                    .or_default() += 1;
            }
            self.objects.insert(
                row.key,
                Object {
                    order: row.order,
                    ddl: row.ddl,
                    unit: row.unit,
                },
            );
        }
        for (key, object) in gone {
            changes.push(Change {
                key,
                order: object.order,
                before: Some(object.ddl),
                after: None,
            });
        }
        changes.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
        changes
    }
}

impl LiveCatalog {
    fn remove(&mut self, key: &ObjectKey) -> Option<Object> {
        let object = self.objects.remove(key)?;
        if key.kind == ObjectKind::Table
            && let Some(count) = self.bare_tables.get_mut(bare(&key.name))
        {
            *count = count.saturating_sub(1);
        }
        Some(object)
    }
}

/// A table's name without its schema (`audit.events` → `events`).
fn bare(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The objects of `rows` as a dump, in dump order.
pub(crate) fn sorted_dump(mut rows: Vec<Row>) -> SchemaDump {
    rows.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.key.cmp(&b.key)));
    SchemaDump {
        objects: rows
            .into_iter()
            .map(|row| (row.key, row.ddl.to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::backends::{Backend, TestDatabase};
    use crate::capture::StatementKind;

    fn run(sql: &[&str]) -> Vec<Executed> {
        sql.iter()
            .map(|s| Executed {
                sql: (*s).to_owned(),
                kind: StatementKind::Command,
            })
            .collect()
    }

    async fn refresh(
        db: &TestDatabase,
        tracker: &mut sqlite::Tracker,
        sql: &[&str],
        seen: &[&str],
    ) -> Reread {
        for statement in sql {
            db.conn
                .execute_unprepared(statement)
                .await
                .expect(statement);
        }
        let statements = run(seen);
        let hint = Hint {
            statements: &statements,
            bookkeeping: &[],
            bookkeeping_rows: 0,
        };
        tracker.refresh(&db.conn, &hint).await.expect("refresh")
    }

    fn units(reread: &Reread) -> Option<Vec<&str>> {
        match reread {
            Reread::All(_) => None,
            Reread::Units { units, .. } => Some(units.iter().map(String::as_str).collect()),
        }
    }

    /// One migration call: runs `sql`, as one call whose captured statements are
    /// `seen`, then refreshes `live` and checks it against a whole read. Its changes.
    async fn call(
        db: &TestDatabase,
        live: &mut LiveCatalog,
        sql: &[&str],
        seen: &[&str],
    ) -> Vec<Change> {
        for statement in sql {
            db.conn
                .execute_unprepared(statement)
                .await
                .expect(statement);
        }
        let statements = run(seen);
        let hint = Hint {
            statements: &statements,
            bookkeeping: &[],
            bookkeeping_rows: 0,
        };
        let changes = live.refresh(&db.conn, &hint).await.expect("refresh");
        let full = crate::catalog::dump(&db.conn).await.expect("a whole read");
        assert_eq!(
            live.dump(),
            full,
            "after {sql:?}: the incremental read differs"
        );
        changes
    }

    #[tokio::test]
    async fn sqlite_reads_again_only_the_tables_a_create_or_drop_names() {
        let db = TestDatabase::fresh(Backend::Sqlite).await.expect("db");
        let mut tracker = sqlite::Tracker::default();
        tracker.read_all(&db.conn).await.expect("read");

        let create = [
            "CREATE TABLE a (id integer PRIMARY KEY)",
            "CREATE INDEX i ON a (id)",
        ];
        let reread = refresh(&db, &mut tracker, &create, &create).await;
        // `a`, `i` and the keywords: naming too much only reads more.
        let read = units(&reread).expect("not a whole read");
        assert!(
            read.contains(&"t:a") && read.contains(&"settings"),
            "{read:?}"
        );
        // Nothing changed: only the header settings are read.
        let reread = refresh(&db, &mut tracker, &[], &[]).await;
        assert_eq!(units(&reread), Some(vec!["settings"]));
        // `DROP INDEX i` names only the index: its table's unit is read again.
        let drop = ["DROP INDEX i"];
        let reread = refresh(&db, &mut tracker, &drop, &drop).await;
        assert!(units(&reread).expect("units").contains(&"t:a"));
    }

    #[tokio::test]
    async fn sqlite_reads_everything_after_an_alter_or_a_change_no_statement_shows() {
        let db = TestDatabase::fresh(Backend::Sqlite).await.expect("db");
        let mut tracker = sqlite::Tracker::default();
        tracker.read_all(&db.conn).await.expect("read");
        let alter = ["CREATE TABLE a (id integer)", "ALTER TABLE a RENAME TO b"];
        assert!(units(&refresh(&db, &mut tracker, &alter, &alter).await).is_none());
        // A schema change the capture did not see.
        let unseen = ["CREATE TABLE c (id integer)"];
        assert!(units(&refresh(&db, &mut tracker, &unseen, &[]).await).is_none());
    }

    #[tokio::test]
    async fn sqlite_reads_everything_when_a_new_object_takes_a_freed_rowid_it_did_not_look_at() {
        let db = TestDatabase::fresh(Backend::Sqlite).await.expect("db");
        let mut tracker = sqlite::Tracker::default();
        let create = [
            "CREATE TABLE a (id integer)",
            "CREATE TABLE b (id integer)",
            "CREATE TABLE c (id integer)",
        ];
        for statement in create {
            db.conn
                .execute_unprepared(statement)
                .await
                .expect(statement);
        }
        tracker.read_all(&db.conn).await.expect("read");
        // b's rowid is freed; then c's: the new table takes b's, below the last.
        let drop = ["DROP TABLE b"];
        assert!(units(&refresh(&db, &mut tracker, &drop, &drop).await).is_some());
        let swap = ["DROP TABLE c", "CREATE TABLE d (id integer)"];
        assert!(units(&refresh(&db, &mut tracker, &swap, &swap).await).is_none());
        // Dropped and created again at the same rowid: followed without a whole read.
        let again = ["DROP TABLE d", "CREATE TABLE d (id integer, x text)"];
        assert!(units(&refresh(&db, &mut tracker, &again, &again).await).is_some());
    }

    #[tokio::test]
    async fn the_live_catalog_follows_odd_names() {
        let db = TestDatabase::fresh(Backend::Sqlite).await.expect("db");
        let mut live = LiveCatalog::open(&db.conn).await.expect("open");
        let steps: [&[&str]; 4] = [
            &[r#"CREATE TABLE "Odd ""Name"" ; x" (id integer PRIMARY KEY, "é" text)"#],
            &[r#"CREATE INDEX "i;dx" ON "Odd ""Name"" ; x" ("é")"#],
            &[r#"CREATE TABLE [bracket name] (`back tick` integer)"#],
            &[r#"DROP INDEX "i;dx""#, r#"DROP TABLE "ODD ""NAME"" ; X""#],
        ];
        for step in steps {
            assert!(!call(&db, &mut live, step, step).await.is_empty());
        }
        assert!(live.has_table("bracket name"));
    }

    #[tokio::test]
    async fn the_live_catalog_follows_creates_drops_and_renames() {
        let db = TestDatabase::fresh(Backend::Sqlite).await.expect("db");
        let mut live = LiveCatalog::open(&db.conn).await.expect("open");
        let steps: [&[&str]; 4] = [
            &[
                "CREATE TABLE p (id integer PRIMARY KEY)",
                "CREATE TABLE c (id integer PRIMARY KEY, p integer REFERENCES p (id))",
                "CREATE INDEX ic ON c (p)",
            ],
            &["CREATE TRIGGER tr AFTER INSERT ON p BEGIN DELETE FROM c; END"],
            &["ALTER TABLE p RENAME TO q"],
            &["DROP TABLE c", "DROP TRIGGER tr"],
        ];
        for step in steps {
            let changes = call(&db, &mut live, step, step).await;
            assert!(!changes.is_empty(), "{step:?}");
        }
        assert!(live.has_table("q") && !live.has_table("c"));
    }

    #[tokio::test]
    async fn postgres_reads_again_the_units_ddl_touched_and_their_dependents() {
        let db = match TestDatabase::fresh(Backend::Postgres).await {
            Ok(db) => db,
            Err(e) if !crate::backends::postgres_required() => {
                eprintln!("SKIPPED (no PostgreSQL): {e}");
                return;
            }
            Err(e) => panic!("PostgreSQL: {e}"),
        };
        let mut live = LiveCatalog::open(&db.conn).await.expect("open");
        let steps: [&str; 6] = [
            "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (id int PRIMARY KEY, p int REFERENCES p (id)); CREATE VIEW v AS SELECT id FROM p",
            "COMMENT ON COLUMN p.id IS 'key'; CREATE INDEX ic ON c (p)",
            // Renaming p rewrites c's foreign key and v's text: its dependents.
            "ALTER TABLE p RENAME TO q",
            "CREATE TYPE mood AS ENUM ('a'); ALTER TABLE c ADD COLUMN m mood",
            "ALTER TYPE mood RENAME TO feeling; DROP INDEX ic",
            "DROP TABLE c; DROP VIEW v; DROP TYPE feeling",
        ];
        for step in steps {
            assert!(!call(&db, &mut live, &[step], &[]).await.is_empty());
            assert_eq!(live.whole_reads, 0, "a whole read after {step}");
        }
        // A migration that resets the session's settings loses the log: read whole.
        let reset = "CREATE TABLE r (id int); RESET ALL; CREATE TABLE s (id int)";
        call(&db, &mut live, &[reset], &[]).await;
        assert_eq!(live.whole_reads, 1);
        // Under `session_replication_role = replica` the log goes on.
        let replica = "SET session_replication_role = replica; CREATE TABLE u (id int); \
                       SET session_replication_role = origin";
        call(&db, &mut live, &[replica], &[]).await;
        assert_eq!(live.whole_reads, 1);
        // A migration that drops the event trigger: every read is whole from then on.
        call(
            &db,
            &mut live,
            &["DROP EVENT TRIGGER conformance_ddl_end"],
            &[],
        )
        .await;
        call(&db, &mut live, &["CREATE TABLE w (id int)"], &[]).await;
        assert_eq!(live.whole_reads, 3);
        // An odd schema name, and objects across schemas: read whole, and right.
        let odd = r#"CREATE SCHEMA "We""ird; Schema"; CREATE TABLE "We""ird; Schema".t (id int PRIMARY KEY, q int REFERENCES q (id))"#;
        call(&db, &mut live, &[odd], &[]).await;
        call(&db, &mut live, &["ALTER TABLE q RENAME TO q2"], &[]).await;
        call(
            &db,
            &mut live,
            &[r#"DROP SCHEMA "We""ird; Schema" CASCADE"#],
            &[],
        )
        .await;
        db.close().await.expect("close");
    }
}
