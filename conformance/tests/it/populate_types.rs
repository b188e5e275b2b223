//! The generator over every sea-query column type and the constraint shapes it reads:
//! the rows go in on both backends (a migration after them counts them), and nothing
//! is reported as not seeded.

use conformance::Check;
use conformance::{Backend, Suite};
use rstest::rstest;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::common::{Sql, findings, outcome, sql};

/// Rows the suite is asked for per table.
const ROWS: usize = 3;

/// The tables the checker counts.
const TABLES: [&str; 4] = ["every_type", "shaped", "owners", "pets"];

struct Tables;

impl MigrationName for Tables {
    fn name(&self) -> &str {
        "m1_tables"
    }
}

fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).not_null().to_owned()
}

/// One NOT NULL column of every type sea-query declares on `backend`.
fn every_type(backend: DbBackend) -> TableCreateStatement {
    let mut table = Table::create();
    table
        .table(Alias::new("every_type"))
        .col(col("id").integer().primary_key())
        .col(col("c_char").char_len(5))
        .col(col("c_string").string_len(20))
        .col(col("c_text").text())
        .col(col("c_tiny").tiny_integer())
        .col(col("c_small").small_integer())
        .col(col("c_int").integer())
        .col(col("c_big").big_integer())
        .col(col("c_tiny_u").tiny_unsigned())
        .col(col("c_small_u").small_unsigned())
        .col(col("c_u").unsigned())
        .col(col("c_big_u").big_unsigned())
        .col(col("c_float").float())
        .col(col("c_double").double())
        .col(col("c_decimal").decimal_len(5, 2))
        .col(col("c_datetime").date_time())
        .col(col("c_timestamp").timestamp())
        .col(col("c_timestamptz").timestamp_with_time_zone())
        .col(col("c_time").time())
        .col(col("c_date").date())
        .col(col("c_binary").binary())
        .col(col("c_varbinary").var_binary(16))
        .col(col("c_blob").blob())
        .col(col("c_bool").boolean())
        .col(col("c_json").json())
        .col(col("c_jsonb").json_binary())
        .col(col("c_uuid").uuid());
    if backend == DbBackend::Postgres {
        table
            .col(col("c_interval").interval(None, None))
            .col(col("c_money").money())
            .col(col("c_bit").bit(Some(1)))
            .col(col("c_inet").inet())
            .col(col("c_cidr").cidr())
            .col(col("c_macaddr").mac_address())
            .col(col("c_strings").array(ColumnType::String(StringLen::N(10))))
            .col(col("c_ints").array(ColumnType::Integer))
            .col(
                col("c_mood")
                    .enumeration(Alias::new("mood"), [Alias::new("ok"), Alias::new("meh")]),
            );
    }
    table.to_owned()
}

const SHAPED_SQLITE: &[&str] = &[
    "CREATE TABLE shaped (id integer PRIMARY KEY, \
       status text NOT NULL CHECK (status IN ('a', 'b', 'c')), \
       score integer NOT NULL CHECK (score BETWEEN 10 AND 20), \
       code text NOT NULL CHECK (length(code) <= 4), \
       email text NOT NULL UNIQUE CHECK (email LIKE '%@%.test'), \
       nick text NOT NULL COLLATE NOCASE UNIQUE, \
       flag integer NOT NULL CHECK (flag IN (0, 1)), \
       kind text NOT NULL, \
       doc text NOT NULL CHECK (json_valid(doc) AND json_type(doc) = 'array'), \
       parent_id integer REFERENCES shaped (id), \
       doubled integer GENERATED ALWAYS AS (score * 2) VIRTUAL)",
    "CREATE UNIQUE INDEX shaped_kind ON shaped (kind) WHERE status = 'a'",
    "CREATE TABLE owners (id integer NOT NULL PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE pets (id integer NOT NULL PRIMARY KEY, \
       owner_id integer NOT NULL REFERENCES owners (id) ON DELETE CASCADE, \
       name text NOT NULL, UNIQUE (owner_id, name))",
];

const SHAPED_POSTGRES: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS citext",
    "CREATE TABLE shaped (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
       status varchar(1) NOT NULL CHECK (status IN ('a', 'b', 'c')), \
       score integer NOT NULL CHECK (score >= 10 AND score <= 20), \
       code varchar(10) NOT NULL CHECK (char_length(code) <= 4), \
       email text NOT NULL UNIQUE CHECK (email LIKE '%@%.test'), \
       nick citext NOT NULL UNIQUE, \
       flag boolean NOT NULL, \
       kind text NOT NULL, \
       doc jsonb NOT NULL CHECK (jsonb_typeof(doc) = 'array'), \
       parent_id integer REFERENCES shaped (id), \
       doubled integer GENERATED ALWAYS AS (score * 2) STORED)",
    "CREATE UNIQUE INDEX shaped_kind ON shaped (kind) WHERE status = 'a'",
    "CREATE TABLE owners (id serial PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE pets (id bigint NOT NULL PRIMARY KEY, \
       owner_id integer NOT NULL REFERENCES owners (id) ON DELETE CASCADE, \
       name text NOT NULL, UNIQUE (owner_id, name))",
];

#[async_trait::async_trait]
impl MigrationTrait for Tables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        if backend == DbBackend::Postgres {
            conn.execute_unprepared("CREATE TYPE mood AS ENUM ('ok', 'meh')")
                .await?;
        }
        manager.create_table(every_type(backend)).await?;
        let shaped = match backend {
            DbBackend::Postgres => SHAPED_POSTGRES,
            _ => SHAPED_SQLITE,
        };
        for sql in shaped {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for table in ["pets", "owners", "shaped", "every_type"] {
            conn.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            conn.execute_unprepared("DROP TYPE mood").await?;
            conn.execute_unprepared("DROP EXTENSION citext").await?;
        }
        Ok(())
    }
}

/// Fails unless every table holds the rows asked for and every pet has its owner.
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
        let orphans = count(
            "SELECT count(*) AS n FROM pets WHERE owner_id NOT IN (SELECT id FROM owners)".into(),
        )
        .await?;
        let unlinked =
            count("SELECT count(*) AS n FROM shaped WHERE parent_id IS NOT NULL".into()).await?;
        if orphans + unlinked != 0 {
            return Err(DbErr::Custom(format!(
                "{orphans} orphan pets, {unlinked} self references"
            )));
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}

migrator!(EveryType, [Tables, Count]);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rows_of_every_column_type_and_constraint_shape_go_in(#[case] backend: Backend) {
    let suite = Suite::<EveryType>::new()
        .backends(&[backend])
        .populate(conformance::Populate::default().rows(ROWS));
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    let report = &outcome.report;
    assert!(report.not_seeded.is_empty(), "{report}");
    let walk = findings(&outcome, Check::StepReversibility);
    assert!(walk.is_empty(), "{report}");
}

/// SQLite's AUTOINCREMENT counters are part of the compared schema: the synthetic rows
/// must leave them as the migrations left them (else every later step, the round trip
/// and the snapshots would show the harness's own rows).
const COUNTED: Sql = sql(
    "m1_counted",
    &["CREATE TABLE counted (id integer PRIMARY KEY AUTOINCREMENT, name text NOT NULL)"],
    &["DROP TABLE counted"],
);

migrator!(
    Counted,
    [
        COUNTED,
        sql(
            "m2_index",
            &["CREATE INDEX counted_name ON counted (name)"],
            &["DROP INDEX counted_name"]
        ),
    ]
);

#[tokio::test]
async fn autoincrement_counters_are_left_as_the_migrations_left_them() {
    let suite = Suite::<Counted>::new().backends(&[Backend::Sqlite]);
    let Some(outcome) = outcome(suite).await else {
        return;
    };
    let report = &outcome.report;
    for check in [Check::StepReversibility, Check::RoundTrip] {
        assert!(findings(&outcome, check).is_empty(), "{report}");
    }
    let dump = outcome.runs[0].final_dump.to_string();
    assert!(!dump.contains("sqlite_sequence: counted"), "{dump}");
}
