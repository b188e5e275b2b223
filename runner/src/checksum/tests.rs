//! Tests of the checksums: encoding, dry-run budgets, source normalisation.

use super::*;
use crate::mock_run::{DRY_RUN_BUDGET, FIRST_DRY_RUN_BUDGET, SECOND_DRY_RUN_BUDGET};

#[test]
fn encoding_round_trips_and_compares_common_parts_only() {
    let mut full = Checksum::default();
    full.parts.insert(ChecksumPart::Source, "a".into());
    full.parts.insert(ChecksumPart::UpSql, "b".into());
    full.parts.insert(ChecksumPart::DownSql, "c".into());
    assert_eq!(Checksum::decode(&full.encode()), Some(full.clone()));
    assert_eq!(full.encode(), "v2 source=a up=b down=c");
    assert!(full.changed_parts("v2 source=a up=b down=c").is_empty());
    assert!(full.changed_parts("v2 source=- up=b down=-").is_empty());
    assert_eq!(
        full.changed_parts("v2 source=x up=b down=y"),
        vec![ChecksumPart::Source, ChecksumPart::DownSql]
    );
    assert_eq!(full.changed_parts("0123abcd"), ChecksumPart::ALL.to_vec());
}

/// Issues `count` statements in `up`, and queries as many rows in `down`.
struct Many {
    count: usize,
}

impl MigrationName for Many {
    fn name(&self) -> &str {
        "m_many"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Many {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for i in 0..self.count {
            manager
                .get_connection()
                .execute_unprepared(&format!("CREATE TABLE t{i} (id INTEGER)"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for i in 0..self.count {
            let select = format!("SELECT {i}");
            conn.query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
                conn.get_database_backend(),
                select,
            ))
            .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_dry_run_longer_than_the_first_budget_is_run_with_the_full_one() {
    for count in [
        FIRST_DRY_RUN_BUDGET - 1,
        FIRST_DRY_RUN_BUDGET,
        3 * FIRST_DRY_RUN_BUDGET,
        SECOND_DRY_RUN_BUDGET,
        3 * SECOND_DRY_RUN_BUDGET,
    ] {
        let many = Many { count };
        for direction in [Direction::Up, Direction::Down] {
            let sql = dry_run(&many, DbBackend::Sqlite, direction)
                .await
                .unwrap_or_else(|e| panic!("{count} statements: {e}"));
            assert_eq!(sql.lines().count(), count, "{count} statements");
        }
    }
}

#[tokio::test]
async fn a_dry_run_beyond_the_full_budget_is_left_out() {
    let many = Many {
        count: DRY_RUN_BUDGET + 1,
    };
    let computed = compute(&many, DbBackend::Sqlite, None).await;
    assert!(computed.checksum.is_empty());
    assert_eq!(computed.gaps.len(), 3);
}

#[test]
fn sources_are_normalised() {
    assert_eq!(
        normalise_source("a  \r\nb\r\n\r\n"),
        normalise_source("a\nb")
    );
    assert_ne!(normalise_source("a\nb"), normalise_source("a\nc"));
}
