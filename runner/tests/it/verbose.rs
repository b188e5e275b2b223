//! `-v` shows every statement a migration sends, in order, `execute_unprepared` included
//! (sea-orm's metric callback does not see it; the runner reads sea-orm's spans for it).

use crate::common::cli_with;
use conformance::Backend;
use migration_runner::Sources;
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm_migration::prelude::*;

struct Raw;

impl MigrationName for Raw {
    fn name(&self) -> &str {
        "m1_raw"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Raw {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = |name: &'static str| {
            Table::create()
                .table(name)
                .col(ColumnDef::new("id").integer().not_null().primary_key())
                .col(ColumnDef::new("name").string().not_null())
                .to_owned()
        };
        manager.create_table(table("things")).await?;
        manager
            .get_connection()
            .execute_unprepared("CREATE INDEX raw_things_name ON things (name)")
            .await?;
        manager.create_table(table("others")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("others").to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX raw_things_name")
            .await?;
        manager
            .drop_table(Table::drop().table("things").to_owned())
            .await
    }
}

struct RawMigrator;

impl MigratorTrait for RawMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Raw)]
    }
}

/// The SQL of the statement lines `-v` printed for the migration (not `[runner]` ones).
async fn shown(url: &str, command: &str) -> Vec<String> {
    shown_by::<RawMigrator>(url, &["-v", command]).await
}

/// The statement lines `args` printed for `M`'s migration: `-v`'s without their time and
/// `[runner]` ones, or a dry run's SQL lines.
async fn shown_by<M: MigratorTrait>(url: &str, args: &[&str]) -> Vec<String> {
    let argv = ["-u", url].into_iter().chain(args.iter().copied());
    let run = cli_with::<M, _>(Sources::none(), argv).await;
    let out = run.stdout;
    assert_eq!(run.code, 0, "{out}{}", run.stderr);
    if args.contains(&"--dry-run") {
        return out
            .lines()
            .filter(|line| {
                !line.is_empty() && !line.starts_with("--") && !line.starts_with("database:")
            })
            .map(str::to_owned)
            .collect();
    }
    out.lines()
        .filter(|line| line.starts_with("  "))
        .filter_map(|line| line.split_once(" ms  ").map(|(_, sql)| sql.to_owned()))
        .filter(|sql| !sql.starts_with("[runner] "))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn verbose_shows_raw_sql_in_its_place(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let up = shown(&db.url, "up").await;
    assert_eq!(up.len(), 3, "{up:#?}");
    assert!(up[0].starts_with("CREATE TABLE \"things\""), "{up:#?}");
    assert_eq!(up[1], "CREATE INDEX raw_things_name ON things (name);");
    assert!(up[2].starts_with("CREATE TABLE \"others\""), "{up:#?}");

    let down = shown(&db.url, "down").await;
    assert_eq!(
        down,
        [
            "DROP TABLE \"others\";",
            "DROP INDEX raw_things_name;",
            "DROP TABLE \"things\";"
        ]
    );
    db.close().await.expect("close");
}

/// One `execute_unprepared` string of several statements.
struct Batch;

impl MigrationName for Batch {
    fn name(&self) -> &str {
        "m1_batch"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Batch {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("items")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("name").string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX batch_a ON items (name); -- the second one: ';' in a comment\n\
                 CREATE INDEX batch_b ON items (id, name);",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX batch_b; DROP INDEX batch_a")
            .await?;
        manager
            .drop_table(Table::drop().table("items").to_owned())
            .await
    }
}

struct BatchMigrator;

impl MigratorTrait for BatchMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Batch)]
    }
}

/// A batch is shown as its statements, each once, by `-v` and by `--dry-run` alike.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_batch_is_shown_as_its_statements(#[case] backend: Backend) {
    let Some(db) = conformance::fresh_database(backend).await else {
        return;
    };
    let planned = shown_by::<BatchMigrator>(&db.url, &["up", "--dry-run"]).await;
    let up = shown_by::<BatchMigrator>(&db.url, &["-v", "up"]).await;
    assert_eq!(up.len(), 3, "{up:#?}");
    assert_eq!(
        up[1],
        "[1/2 of one call] CREATE INDEX batch_a ON items (name);"
    );
    assert_eq!(
        up[2],
        "[2/2 of one call] CREATE INDEX batch_b ON items (id, name);"
    );
    let unmarked: Vec<String> = up
        .iter()
        .map(|line| match line.split_once(" of one call] ") {
            Some((_, sql)) => sql.to_owned(),
            None => line.clone(),
        })
        .collect();
    assert_eq!(
        planned, unmarked,
        "the dry run shows what -v then shows run"
    );

    let planned = shown_by::<BatchMigrator>(&db.url, &["down", "--dry-run"]).await;
    assert_eq!(planned[..2], ["DROP INDEX batch_b;", "DROP INDEX batch_a;"]);
    let down = shown_by::<BatchMigrator>(&db.url, &["-v", "down"]).await;
    assert_eq!(
        down[..2],
        [
            "[1/2 of one call] DROP INDEX batch_b;",
            "[2/2 of one call] DROP INDEX batch_a;"
        ]
    );
    db.close().await.expect("close");
}
