//! The schema review on a fixture repository: for each kind of change, a git repository
//! in a temp folder gets a base commit (a small migrator's snapshots) and a head commit
//! (the changed migrator's), and the report of head against base is snapshotted with
//! insta. Real SQLite and PostgreSQL, real git; nothing random reaches the report.

use std::path::Path;
use std::process::Command;

use crate::common::run;
use conformance::review::{self, ReviewError};
use conformance::{SnapshotMode, Suite};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A migration of raw SQL, with PostgreSQL's own where SQLite needs a table rebuild.
struct Sql {
    name: &'static str,
    up: &'static [&'static str],
    down: &'static [&'static str],
    postgres: Option<(&'static [&'static str], &'static [&'static str])>,
}

impl MigrationName for Sql {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Sql {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match (manager.get_database_backend(), self.postgres) {
            (DbBackend::Postgres, Some((up, _))) => up,
            _ => self.up,
        };
        run(manager.get_connection(), statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match (manager.get_database_backend(), self.postgres) {
            (DbBackend::Postgres, Some((_, down))) => down,
            _ => self.down,
        };
        run(manager.get_connection(), statements).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

const OWNERS: Sql = Sql {
    name: "m1_owners",
    up: &["CREATE TABLE owners (id varchar NOT NULL PRIMARY KEY, name varchar NOT NULL)"],
    down: &["DROP TABLE owners"],
    postgres: None,
};

/// Quoted as SQLite's `ALTER TABLE ... RENAME TO` writes it, so that a rebuild's `down`
/// restores exactly this text.
const ITEMS: Sql = Sql {
    name: "m2_items",
    up: &[
        "CREATE TABLE \"items\" (id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE CASCADE, label varchar(100) NOT NULL, note varchar NULL)",
        "CREATE INDEX idx_items_label ON items (label)",
    ],
    down: &["DROP TABLE items"],
    postgres: None,
};

/// SQLite changes a column by rebuilding the table.
macro_rules! sqlite_rebuild {
    ($definition:literal) => {
        &[
            concat!("CREATE TABLE items_new (", $definition, ")"),
            "INSERT INTO items_new SELECT * FROM items",
            "DROP TABLE items",
            "ALTER TABLE items_new RENAME TO items",
            "CREATE INDEX idx_items_label ON items (label)",
        ]
    };
}

const ADD_PRICE: Sql = Sql {
    name: "m3_add_price",
    up: &["ALTER TABLE items ADD COLUMN price integer NULL"],
    down: &["ALTER TABLE items DROP COLUMN price"],
    postgres: None,
};

const DROP_NOTE: Sql = Sql {
    name: "m3_drop_note",
    up: &["ALTER TABLE items DROP COLUMN note"],
    down: &["ALTER TABLE items ADD COLUMN note varchar NULL"],
    postgres: None,
};

const SHORTEN_LABEL: Sql = Sql {
    name: "m3_shorten_label",
    up: sqlite_rebuild!(
        "id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE CASCADE, label varchar(20) NOT NULL, note varchar NULL"
    ),
    down: sqlite_rebuild!(
        "id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE CASCADE, label varchar(100) NOT NULL, note varchar NULL"
    ),
    postgres: Some((
        &["ALTER TABLE items ALTER COLUMN label TYPE varchar(20)"],
        &["ALTER TABLE items ALTER COLUMN label TYPE varchar(100)"],
    )),
};

const INDEX_NOTE: Sql = Sql {
    name: "m3_index_owner_note",
    up: &["CREATE UNIQUE INDEX idx_items_owner_note ON items (owner_id, note)"],
    down: &["DROP INDEX idx_items_owner_note"],
    postgres: None,
};

const RESTRICT_OWNER: Sql = Sql {
    name: "m3_restrict_owner",
    up: sqlite_rebuild!(
        "id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE RESTRICT, label varchar(100) NOT NULL, note varchar NULL"
    ),
    down: sqlite_rebuild!(
        "id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE CASCADE, label varchar(100) NOT NULL, note varchar NULL"
    ),
    postgres: Some((
        &[
            "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey",
            "ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE RESTRICT",
        ],
        &[
            "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey",
            "ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE",
        ],
    )),
};

/// `m2_items` as merged, then edited: a longer label.
const ITEMS_EDITED: Sql = Sql {
    name: "m2_items",
    up: &[
        "CREATE TABLE \"items\" (id varchar NOT NULL PRIMARY KEY, owner_id varchar NOT NULL REFERENCES owners (id) ON DELETE CASCADE, label varchar(200) NOT NULL, note varchar NULL)",
        "CREATE INDEX idx_items_label ON items (label)",
    ],
    down: &["DROP TABLE items"],
    postgres: None,
};

const PRICE_WITHOUT_LABEL_INDEX: Sql = Sql {
    name: "m3_price_no_label_index",
    up: &[
        "ALTER TABLE items ADD COLUMN price integer NULL",
        "DROP INDEX idx_items_label",
    ],
    down: &[
        "CREATE INDEX idx_items_label ON items (label)",
        "ALTER TABLE items DROP COLUMN price",
    ],
    postgres: None,
};

macro_rules! migrator {
    ($name:ident, [$($migration:expr),* $(,)?]) => {
        struct $name;
        impl MigratorTrait for $name {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![$(Box::new($migration)),*]
            }
        }
    };
}

migrator!(Base, [OWNERS, ITEMS]);
migrator!(ColumnAdded, [OWNERS, ITEMS, ADD_PRICE]);
migrator!(ColumnDropped, [OWNERS, ITEMS, DROP_NOTE]);
migrator!(TypeNarrowed, [OWNERS, ITEMS, SHORTEN_LABEL]);
migrator!(IndexAdded, [OWNERS, ITEMS, INDEX_NOTE]);
migrator!(FkActionChanged, [OWNERS, ITEMS, RESTRICT_OWNER]);
migrator!(EditedAfterMerge, [OWNERS, ITEMS_EDITED]);
migrator!(
    ColumnAddedIndexDropped,
    [OWNERS, ITEMS, PRICE_WITHOUT_LABEL_INDEX]
);

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=fixture",
            "-c",
            "user.email=fixture@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .arg("-C")
        .arg(dir)
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} failed");
}

/// Writes `M`'s snapshots into `dir`; false when PostgreSQL is missing and may be.
async fn write_snapshots<M: MigratorTrait>(dir: &Path) -> bool {
    let outcome = Suite::<M>::new()
        .snapshots(dir)
        .snapshot_mode(SnapshotMode::Accept)
        .run()
        .await
        .expect("suite runs");
    if !outcome.report.missing.is_empty() {
        assert!(
            !conformance::backends::postgres_required(),
            "{}",
            outcome.report
        );
        eprintln!("conformance: SKIPPED, no PostgreSQL: {}", outcome.report);
        return false;
    }
    true
}

/// `Base`'s snapshots, written once for every case (`None` without PostgreSQL).
static BASE_SNAPSHOTS: tokio::sync::OnceCell<Option<tempfile::TempDir>> =
    tokio::sync::OnceCell::const_new();

async fn base_snapshots() -> Option<&'static Path> {
    BASE_SNAPSHOTS
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            write_snapshots::<Base>(dir.path()).await.then_some(dir)
        })
        .await
        .as_ref()
        .map(|dir| dir.path())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The report of `Head` against a base commit holding `Base`'s snapshots (tag `base`).
async fn review<Head: MigratorTrait>() -> Option<String> {
    let base = base_snapshots().await?;
    let repo = tempfile::tempdir().expect("temp dir");
    let snapshots = repo.path().join("snapshots");
    git(repo.path(), &["init", "-q"]);
    copy_dir(base, &snapshots);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["tag", "base"]);
    if !write_snapshots::<Head>(&snapshots).await {
        return None;
    }
    git(repo.path(), &["add", "-A"]);
    git(
        repo.path(),
        &["commit", "-q", "--allow-empty", "-m", "head"],
    );
    let report = review::run(Suite::<Head>::new().snapshots(&snapshots), "base")
        .await
        .expect("report");
    Some(mask_times(&report.to_string()))
}

/// The report with each measured lock's time (`for 1.3 ms`) as `for [time]`: it
/// differs from run to run.
fn mask_times(report: &str) -> String {
    let mut out = String::new();
    for line in report.split_inclusive('\n') {
        let time = line.match_indices(" for ").find_map(|(at, _)| {
            let rest = &line[at + 5..];
            let digits = rest
                .find(|c: char| !c.is_ascii_digit() && c != '.')
                .unwrap_or(rest.len());
            let unit = [" ms", " s"]
                .into_iter()
                .find(|unit| digits > 0 && rest[digits..].starts_with(unit))?;
            Some((at + 5, at + 5 + digits + unit.len()))
        });
        match time {
            Some((start, end)) if line.contains(": measured: ") => {
                out.push_str(&line[..start]);
                out.push_str("[time]");
                out.push_str(&line[end..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

macro_rules! case {
    ($test:ident, $migrator:ty) => {
        #[tokio::test]
        async fn $test() {
            let Some(report) = review::<$migrator>().await else {
                return;
            };
            insta::assert_snapshot!(stringify!($test), report);
        }
    };
}

case!(column_added, ColumnAdded);
case!(column_dropped, ColumnDropped);
case!(type_narrowed, TypeNarrowed);
case!(index_added, IndexAdded);
case!(fk_action_changed, FkActionChanged);
case!(migration_edited_after_merge, EditedAfterMerge);

/// The "done when": a new migration that adds a column and drops an index.
#[tokio::test]
async fn a_new_migration_adding_a_column_and_dropping_an_index() {
    let Some(report) = review::<ColumnAddedIndexDropped>().await else {
        return;
    };
    for needle in [
        "m3_price_no_label_index` | new",
        "column `items.price` added",
        "index `idx_items_label` dropped on `items`",
        "<summary><code>m3_price_no_label_index</code> on sqlite</summary>",
        "<summary><code>m3_price_no_label_index</code> on postgres</summary>",
        "DROP INDEX idx_items_label",
    ] {
        assert!(
            report.contains(needle),
            "`{needle}` missing from:\n{report}"
        );
    }
    let flagged = report
        .lines()
        .find(|l| l.contains("🛑 **destructive**") && l.contains("idx_items_label"));
    assert!(
        flagged.is_some(),
        "the index drop is not destructive:\n{report}"
    );
    insta::assert_snapshot!("column_added_index_dropped", report);
}

#[tokio::test]
async fn an_unchanged_tree_has_no_schema_change() {
    let Some(report) = review::<Base>().await else {
        return;
    };
    assert_eq!(
        report,
        format!(
            "{}\n**Schema review** against `base`: no schema change.\n",
            review::MARKER
        )
    );
}

#[tokio::test]
async fn an_unknown_base_is_a_clear_error() {
    let repo = tempfile::tempdir().expect("temp dir");
    git(repo.path(), &["init", "-q"]);
    let snapshots = repo.path().join("snapshots");
    std::fs::create_dir_all(&snapshots).expect("folder");
    let suite = || Suite::<Base>::new().snapshots(&snapshots);
    let error = review::run(suite(), "no-such-branch")
        .await
        .expect_err("unknown base");
    assert!(
        matches!(error, ReviewError::UnknownBase { ref reference, .. } if reference == "no-such-branch"),
        "{error}"
    );
    assert!(error.to_string().contains("fetch"), "{error}");
    let error = review::run(suite(), "--output=/tmp/x")
        .await
        .expect_err("option-like base");
    assert!(matches!(error, ReviewError::BadReference(_)), "{error}");
}
