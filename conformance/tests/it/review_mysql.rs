//! The schema review on MySQL / MariaDB: two MySQL dumps compared (columns, types,
//! indexes and foreign keys written inside `CREATE TABLE`), a base without MySQL
//! snapshots, the diagram when MySQL is the only backend, and a real review on a git
//! repository with MySQL's section, flags and verify column.

use std::collections::BTreeMap;

use conformance::review::{self, BackendSnapshots, BaseSnapshots, Change, Current, Level, Report};
use conformance::{Backend, SnapshotMode, Suite};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

use crate::common::sql;
use crate::review::git;

const BASE_MYSQL: &str = "
CREATE TABLE `items` (
  `id` varchar(36) NOT NULL,
  `owner_id` varchar(36) NOT NULL,
  `label` varchar(100) NOT NULL,
  `note` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_items_label` (`label`),
  KEY `fk_items_owner` (`owner_id`),
  CONSTRAINT `fk_items_owner` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `owners` (
  `id` varchar(36) NOT NULL,
  `name` varchar(100) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
";

/// `BASE_MYSQL` after a migration that adds `price` and an AUTO_INCREMENT `seq`, drops
/// `idx_items_label`, narrows `label`, makes `note` longer within its length-byte class
/// and has the foreign key restrict.
const HEAD_MYSQL: &str = "
CREATE TABLE `items` (
  `id` varchar(36) NOT NULL,
  `owner_id` varchar(36) NOT NULL,
  `label` varchar(20) NOT NULL,
  `note` varchar(300) DEFAULT NULL,
  `price` int(11) DEFAULT NULL,
  `seq` bigint(20) NOT NULL AUTO_INCREMENT,
  PRIMARY KEY (`id`),
  UNIQUE KEY `seq` (`seq`),
  KEY `fk_items_owner` (`owner_id`),
  CONSTRAINT `fk_items_owner` FOREIGN KEY (`owner_id`) REFERENCES `owners` (`id`) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `owners` (
  `id` varchar(36) NOT NULL,
  `name` varchar(100) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
";

fn snapshots(schema: &str) -> BackendSnapshots {
    BackendSnapshots {
        schema: Some(schema.to_owned()),
        migrations: BTreeMap::from([("m1".to_owned(), "-- up\n".to_owned())]),
    }
}

fn mysql_report(base: Option<&str>, head: &str) -> Report {
    let base = BaseSnapshots {
        reference: "main".to_owned(),
        backends: base
            .map(|b| BTreeMap::from([(Backend::MySql, snapshots(b))]))
            .unwrap_or_default(),
    };
    let current = Current {
        migrations: vec!["m1".to_owned()],
        backends: BTreeMap::from([(Backend::MySql, snapshots(head))]),
        verify: None,
    };
    Report::build(&base, &current)
}

/// The flag of the change whose line in the report contains `needle`.
fn line_with<'a>(report: &'a str, needle: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}` in:\n{report}"))
}

#[test]
fn two_mysql_dumps_compare_column_by_column_and_key_by_key() {
    let report = mysql_report(Some(BASE_MYSQL), HEAD_MYSQL);
    let review = &report.backends[0];
    assert_eq!(review.backend, Backend::MySql);
    assert!(!review.base_missing);
    let changes: Vec<&Change> = review.items.iter().map(|i| &i.change).collect();
    assert!(
        changes.iter().any(
            |c| matches!(c, Change::ColumnAdded { table, column } if table == "items" && column.name == "price")
        ),
        "{changes:#?}"
    );
    let text = report.to_string();
    assert!(text.contains("#### mysql"), "{text}");
    // A column added; an AUTO_INCREMENT one is filled by the database.
    assert!(!line_with(&text, "column `items.price` added").contains("**"));
    assert!(!line_with(&text, "column `items.seq` added").contains("**"));
    // A narrowed type: destructive, and MySQL copies the table to change it.
    let label = line_with(&text, "column `items.label` changed: type");
    assert!(label.contains("varchar(100)") && label.contains("varchar(20)"));
    let flag = |wanted: &dyn Fn(&Change) -> bool| -> (Level, String) {
        let flagged = report.flagged();
        let (_, item) = flagged
            .iter()
            .find(|(_, i)| wanted(&i.change))
            .unwrap_or_else(|| panic!("not flagged: {flagged:#?}"));
        let flag = item.flag.as_ref().expect("flagged");
        (flag.level, flag.reason.clone())
    };
    let (level, reason) =
        flag(&|c| matches!(c, Change::ColumnChanged { column, .. } if column == "label"));
    assert_eq!(level, Level::Destructive);
    assert!(reason.contains("narrows the type"), "{reason}");
    assert!(reason.contains("ALGORITHM=COPY"), "{reason}");
    // A VARCHAR made longer within its length-byte class: in place, no flag.
    assert!(!line_with(&text, "column `items.note` changed").contains("**"));
    // An index dropped: named as an index, and why it hurts.
    let dropped = line_with(&text, "index on `items` dropped");
    assert!(dropped.contains("idx_items_label"), "{dropped}");
    let (level, reason) = flag(
        &|c| matches!(c, Change::InlineConstraintDropped { text, .. } if text.contains("idx_items_label")),
    );
    assert_eq!(level, Level::Destructive);
    assert!(reason.contains("drops the index"), "{reason}");
    // A unique key added on an existing table.
    let (level, reason) = flag(
        &|c| matches!(c, Change::InlineConstraintAdded { text, .. } if text.starts_with("UNIQUE KEY")),
    );
    assert_eq!(level, Level::Risky);
    assert!(
        reason.contains("unique key on an existing table"),
        "{reason}"
    );
    // The foreign key's action changed.
    let fk = line_with(&text, "constraint on `items` changed");
    assert!(fk.contains("ON DELETE RESTRICT"), "{fk}");
    let (level, reason) = flag(
        &|c| matches!(c, Change::InlineConstraintChanged { after, .. } if after.contains("fk_items_owner")),
    );
    assert_eq!(level, Level::Risky);
    assert!(reason.contains("ON DELETE CASCADE → RESTRICT"), "{reason}");
    // MySQL is the only backend: the diagram is MySQL's.
    let diagram = report.diagram().expect("a diagram");
    assert!(diagram.contains("owners ||--o{ items"), "{diagram}");
    assert!(diagram.contains("index dropped"), "{diagram}");
    assert!(text.contains("neighbours (mysql)"), "{text}");
}

#[test]
fn a_unique_key_dropped_on_mysql_no_longer_enforces_uniqueness() {
    let report = mysql_report(Some(HEAD_MYSQL), BASE_MYSQL);
    let text = report.to_string();
    let dropped = line_with(&text, "index on `items` dropped: ``UNIQUE KEY `seq`");
    assert!(dropped.contains("🛑 **destructive**"), "{dropped}");
    let reason = report
        .flagged()
        .into_iter()
        .find_map(|(_, i)| match &i.change {
            Change::InlineConstraintDropped { text, .. } if text.starts_with("UNIQUE KEY") => {
                i.flag.as_ref().map(|f| f.reason.clone())
            }
            _ => None,
        })
        .expect("the unique key's drop is flagged");
    assert!(
        reason.contains("uniqueness is no longer enforced"),
        "{reason}"
    );
}

#[test]
fn a_base_without_mysql_snapshots_shows_mysql_as_new() {
    let report = mysql_report(None, HEAD_MYSQL);
    let review = &report.backends[0];
    assert!(review.base_missing);
    assert!(review.items.iter().all(|i| i.flag.is_none()));
    let text = report.to_string();
    assert!(
        text.contains("has no mysql `schema.snap`: everything shows as added"),
        "{text}"
    );
    assert!(line_with(&text, "table `items` added").starts_with("- "));
}

const OWNERS: crate::common::Sql = sql(
    "m1_owners",
    &["CREATE TABLE owners (id varchar(36) NOT NULL PRIMARY KEY, name varchar(100) NOT NULL)"],
    &["DROP TABLE owners"],
);

const ITEMS: crate::common::Sql = sql(
    "m2_items",
    &[
        "CREATE TABLE items (id varchar(36) NOT NULL PRIMARY KEY, owner_id varchar(36) NOT NULL, label varchar(100) NOT NULL, CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE)",
        "CREATE INDEX idx_items_label ON items (label)",
    ],
    &["DROP TABLE items"],
);

const ADD_PRICE: crate::common::Sql = sql(
    "m3_add_price",
    &["ALTER TABLE items ADD COLUMN price int NULL"],
    &["ALTER TABLE items DROP COLUMN price"],
);

const DROP_LABEL_INDEX: crate::common::Sql = sql(
    "m4_drop_label_index",
    &["DROP INDEX idx_items_label ON items"],
    &["CREATE INDEX idx_items_label ON items (label)"],
);

const SHORTEN_LABEL: crate::common::Sql = sql(
    "m5_shorten_label",
    &["ALTER TABLE items MODIFY label varchar(20) NOT NULL"],
    &["ALTER TABLE items MODIFY label varchar(100) NOT NULL"],
);

/// MariaDB cannot drop and add a foreign key of one name in one statement.
const DROP_OWNER_FK: crate::common::Sql = sql(
    "m6_drop_owner_fk",
    &["ALTER TABLE items DROP FOREIGN KEY fk_items_owner"],
    &[
        "ALTER TABLE items ADD CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE",
    ],
);

const CASCADE_OWNER_UPDATES: crate::common::Sql = sql(
    "m7_owner_fk_cascades_updates",
    &[
        "ALTER TABLE items ADD CONSTRAINT fk_items_owner FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE CASCADE ON UPDATE CASCADE",
    ],
    &["ALTER TABLE items DROP FOREIGN KEY fk_items_owner"],
);

migrator!(MySqlBase, [OWNERS, ITEMS]);
migrator!(
    MySqlHead,
    [
        OWNERS,
        ITEMS,
        ADD_PRICE,
        DROP_LABEL_INDEX,
        SHORTEN_LABEL,
        DROP_OWNER_FK,
        CASCADE_OWNER_UPDATES
    ]
);

fn on_mysql<M: MigratorTrait>(dir: &std::path::Path) -> Suite<M> {
    Suite::<M>::new().backends(&[Backend::MySql]).snapshots(dir)
}

/// Writes `M`'s MySQL snapshots into `dir`; false when MySQL is missing and may be.
async fn write_snapshots<M: MigratorTrait>(dir: &std::path::Path) -> bool {
    let outcome = on_mysql::<M>(dir)
        .snapshot_mode(SnapshotMode::Accept)
        .run()
        .await
        .expect("suite runs");
    if !outcome.report.missing.is_empty() {
        assert!(
            !conformance::backends::mysql_required(),
            "{}",
            outcome.report
        );
        eprintln!("conformance: SKIPPED, no MySQL: {}", outcome.report);
        return false;
    }
    true
}

/// The report of `MySqlHead` on MySQL against a base commit holding `MySqlBase`'s
/// MySQL snapshots, or none (`with_base` false: a project that just added MySQL).
async fn mysql_review(with_base: bool) -> Option<String> {
    let repo = tempfile::tempdir().expect("temp dir");
    let snapshots = repo.path().join("snapshots");
    std::fs::create_dir_all(&snapshots).expect("folder");
    std::fs::write(snapshots.join("README"), "reviewed snapshots\n").expect("file");
    git(repo.path(), &["init", "-q"]);
    if with_base && !write_snapshots::<MySqlBase>(&snapshots).await {
        return None;
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "base"]);
    git(repo.path(), &["tag", "base"]);
    if !write_snapshots::<MySqlHead>(&snapshots).await {
        return None;
    }
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "head"]);
    let report = review::run(on_mysql::<MySqlHead>(&snapshots), "base")
        .await
        .expect("report");
    Some(report.to_string())
}

#[tokio::test]
async fn a_review_walking_mysql_has_its_section() {
    let Some(report) = mysql_review(true).await else {
        return;
    };
    for needle in [
        "#### mysql",
        "m3_add_price` | new",
        "column `items.price` added",
        "index on `items` dropped",
        "column `items.label` changed: type `varchar(100)` → `varchar(20)`",
        "varchar_20 label \"changed: type\"",
        "owners ||--o{ items : \"owner_id ON DELETE CASCADE (changed)\"",
        "ON UPDATE NO ACTION → CASCADE",
        "ALGORITHM=COPY",
        "neighbours (mysql)",
        "<summary><code>m3_add_price</code> on mysql</summary>",
        "| check | sqlite | postgres | mysql |",
    ] {
        assert!(
            report.contains(needle),
            "`{needle}` missing from:\n{report}"
        );
    }
    assert!(!report.contains("#### postgres"), "{report}");
    let dropped = line_with(&report, "index on `items` dropped");
    assert!(dropped.contains("🛑 **destructive**"), "{dropped}");
}

#[tokio::test]
async fn a_project_that_just_added_mysql_sees_it_as_new() {
    let Some(report) = mysql_review(false).await else {
        return;
    };
    assert!(
        report.contains("_`base` has no mysql `schema.snap`: everything shows as added._"),
        "{report}"
    );
    assert!(report.contains("table `items` added"), "{report}");
}
