//! `-v` shows every statement a migration sends, in order, `execute_unprepared` included
//! (sea-orm's metric callback does not see it; the runner reads sea-orm's spans for it).

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
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let argv = ["migration", "-u", url, "-v", command];
    let code = migration_runner::cli::run_from::<RawMigrator, _, _>(
        argv,
        Sources::none(),
        &mut stdout,
        &mut stderr,
    )
    .await;
    let out = String::from_utf8_lossy(&stdout).into_owned();
    assert_eq!(code, 0, "{out}{}", String::from_utf8_lossy(&stderr));
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
