//! The walk on populated tables on MySQL / MariaDB: the populate generator writes
//! MySQL's values (its column types, CHECKs as MySQL prints them, prefix and
//! case-insensitive unique indexes, foreign keys parents first), so that what rows
//! reveal is caught there as on SQLite and PostgreSQL (the dropped column, and `compat`
//! on MySQL, are cases of `populated.rs` and `compat.rs`).

use conformance::{Backend, Check, Populate, Suite, SuiteOutcome};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

use crate::common::{Sql, finding_of, findings, outcome, sql};

async fn on_mysql<M: MigratorTrait>(populate: Populate) -> Option<SuiteOutcome> {
    outcome(
        Suite::<M>::new()
            .backends(&[Backend::MySql])
            .populate(populate),
    )
    .await
}

/// `items` with a key, a label and a nullable note.
const ITEMS: Sql = sql(
    "m1_items",
    &[
        "CREATE TABLE items (id int NOT NULL PRIMARY KEY, label varchar(40) NOT NULL, \
       note varchar(40))",
    ],
    &["DROP TABLE items"],
);

// MySQL fills a NOT NULL column added without a default with the type's implicit
// default (0, ''): what fails on rows is making a column NOT NULL that rows leave NULL.
migrator!(
    RequiresWhatRowsLack,
    [
        ITEMS,
        sql(
            "m2_price",
            &[
                "ALTER TABLE items ADD COLUMN price int NULL",
                "ALTER TABLE items MODIFY price int NOT NULL",
            ],
            &["ALTER TABLE items DROP COLUMN price"],
        ),
    ]
);

#[tokio::test]
async fn a_not_null_column_rows_leave_null_fails_on_mysql_rows() {
    let Some(outcome) = on_mysql::<RequiresWhatRowsLack>(Populate::default()).await else {
        return;
    };
    assert!(outcome.report.not_seeded.is_empty(), "{}", outcome.report);
    let message = finding_of(&outcome, "m2_price");
    assert!(message.contains("up failed"), "{message}");
    assert!(
        message.contains("Data truncated for column 'price'"),
        "{message}"
    );
    assert!(
        message.contains("ALTER TABLE items MODIFY price int NOT NULL"),
        "names the statement and its table: {message}"
    );
    // On empty tables the same step passes: only rows show the defect.
    let Some(empty) = on_mysql::<RequiresWhatRowsLack>(Populate::off()).await else {
        return;
    };
    let on_empty = findings(&empty, Check::StepReversibility);
    assert!(on_empty.is_empty(), "{}", empty.report);
}

/// Rows per table in the types test: more than go in one by one, so that a batch
/// goes in too.
const ROWS: usize = 10;

/// The tables the types test counts.
const TABLES: [&str; 5] = ["owners", "tags", "every_type", "tagged", "defaults_only"];

const EVERY_TYPE: Sql = sql(
    "m1_every_type",
    &[
        "CREATE TABLE owners (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, \
           name varchar(40) NOT NULL)",
        "CREATE TABLE tags (id binary(16) NOT NULL PRIMARY KEY, label varchar(20) NOT NULL)",
        "CREATE TABLE every_type (id bigint unsigned NOT NULL PRIMARY KEY, \
           c_bool tinyint(1) NOT NULL, c_tiny tinyint NOT NULL, \
           c_tiny_u tinyint unsigned NOT NULL, c_small smallint NOT NULL, \
           c_medium mediumint NOT NULL, c_int_u int unsigned NOT NULL, c_big bigint NOT NULL, \
           c_decimal decimal(10,2) NOT NULL, c_fraction decimal(2,2) NOT NULL, \
           c_float float NOT NULL, c_double double NOT NULL, \
           c_char char(36) NOT NULL, c_varchar varchar(20) NOT NULL, c_text text NOT NULL, \
           c_json json NOT NULL, c_doc longtext NOT NULL CHECK (json_valid(c_doc)), \
           c_datetime datetime NOT NULL, c_datetime6 datetime(6) NOT NULL, \
           c_timestamp timestamp NOT NULL, c_date date NOT NULL, c_time time NOT NULL, \
           c_year year NOT NULL, c_uuid binary(16) NOT NULL UNIQUE, \
           c_varbinary varbinary(8) NOT NULL, c_blob blob NOT NULL, c_bit bit(1) NOT NULL, \
           c_enum enum('small','medium','large') NOT NULL, \
           c_set set('red','green','blue') NOT NULL, \
           status varchar(10) NOT NULL CHECK (status IN ('open','done')), \
           score int NOT NULL CHECK (score BETWEEN 10 AND 20), \
           code varchar(10) NOT NULL CHECK (char_length(code) <= 4), \
           `the state` varchar(10) NOT NULL CHECK (`the state` IN ('on','off')), \
           nick varchar(40) COLLATE utf8mb4_general_ci NOT NULL UNIQUE, \
           homepage text NOT NULL, \
           owner_id int unsigned NOT NULL, \
           doubled int GENERATED ALWAYS AS (score * 2) VIRTUAL, \
           alias varchar(20) NULL, \
           alias_unique varchar(20) GENERATED ALWAYS AS (nullif(alias, '')) STORED, \
           UNIQUE KEY every_type_homepage (homepage(4)), \
           UNIQUE KEY every_type_alias (alias_unique), \
           CONSTRAINT every_type_owner FOREIGN KEY (owner_id) REFERENCES owners (id))",
        "CREATE TABLE tagged (tag_id binary(16) NOT NULL, item_id bigint unsigned NOT NULL, \
           PRIMARY KEY (tag_id, item_id), \
           CONSTRAINT tagged_tag FOREIGN KEY (tag_id) REFERENCES tags (id), \
           CONSTRAINT tagged_item FOREIGN KEY (item_id) REFERENCES every_type (id))",
        // Nothing to write but the row itself: `INSERT INTO t () VALUES ()`.
        "CREATE TABLE defaults_only (id int NOT NULL AUTO_INCREMENT PRIMARY KEY)",
    ],
    &[
        "DROP TABLE tagged",
        "DROP TABLE every_type",
        "DROP TABLE tags",
        "DROP TABLE owners",
        "DROP TABLE defaults_only",
    ],
);

/// Fails unless every table holds the rows asked for, each reference with its parent.
struct Count;

impl MigrationName for Count {
    fn name(&self) -> &str {
        "m2_count"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Count {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        let count = |sql: String| async move {
            let row = conn
                .query_one_raw(Statement::from_string(backend, sql))
                .await?
                .ok_or_else(|| DbErr::Custom("no row".into()))?;
            row.try_get::<i64>("", "n")
        };
        let mut counts = Vec::new();
        for table in TABLES {
            counts.push(count(format!("SELECT count(*) AS n FROM {table}")).await?);
        }
        // The round trip applies every migration on empty tables: all empty is fine.
        if counts.iter().any(|n| *n != ROWS as i64) && counts.iter().any(|n| *n != 0) {
            return Err(DbErr::Custom(format!(
                "{TABLES:?} hold {counts:?} rows, not {ROWS} each"
            )));
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

migrator!(EveryType, [EVERY_TYPE, Count]);

#[tokio::test]
async fn rows_of_every_mysql_column_type_and_constraint_shape_go_in() {
    let Some(outcome) = on_mysql::<EveryType>(Populate::default().rows(ROWS)).await else {
        return;
    };
    let report = &outcome.report;
    assert!(report.not_seeded.is_empty(), "{report}");
    // (The lint's `mysql-not-atomic` flags the five DDL statements of one migration.)
    for check in [
        Check::StepReversibility,
        Check::RoundTrip,
        Check::CleanBase,
        Check::Compat,
    ] {
        assert!(findings(&outcome, check).is_empty(), "{check}: {report}");
    }
    // The rows move the AUTO_INCREMENT counters; the schema the walk compares and the
    // snapshots show does not have them.
    let dump = outcome.runs[0].final_dump.to_string();
    assert!(dump.contains("CREATE TABLE `owners`"), "{dump}");
    assert!(!dump.contains("AUTO_INCREMENT="), "{dump}");
}
