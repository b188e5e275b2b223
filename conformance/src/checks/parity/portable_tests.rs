//! Moved here from the integration tests when `parity` and the type samples became
//! private: every stock sea-query column type is the same on both backends.

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::{Alias, ColumnDef, Table};

use super::parity;
use crate::catalog::LogicalSchema;
use crate::checks::{AllowList, column_type_samples, portable_column_type};
use crate::{Backend, fresh_database};

/// One column per `ColumnType` variant, created with sea-query on real SQLite and real
/// PostgreSQL: parity finds nothing, so no stock type is a false positive.
#[tokio::test]
async fn every_sea_query_column_type_is_the_same_on_both_backends() {
    let Some(sqlite) = fresh_database(Backend::Sqlite).await else {
        return;
    };
    let Some(postgres) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let samples = column_type_samples();
    // Year, Interval, Bit, VarBit, Array, Vector, Cidr, Inet, MacAddr and LTree: sea-query
    // renders them for one backend at most (`unimplemented!` on SQLite); PostgreSQL
    // refuses Money with a precision. No migration declares them on both backends, so
    // parity has nothing to pair.
    let portable: Vec<_> = samples
        .iter()
        .filter(|(_, ty)| portable_column_type(ty))
        .collect();
    assert_eq!(samples.len() - portable.len(), 11);
    let mut table = Table::create();
    table.table(Alias::new("every_type")).col(
        ColumnDef::new(Alias::new("id"))
            .integer()
            .not_null()
            .primary_key(),
    );
    for (name, ty) in &portable {
        table.col(ColumnDef::new_with_type(Alias::new(*name), ty.clone()).null());
    }
    // An enum column is a type of its own on PostgreSQL: create it first.
    postgres
        .conn
        .execute_unprepared("CREATE TYPE mood AS ENUM ('happy', 'sad')")
        .await
        .expect("enum type");
    for db in [&sqlite, &postgres] {
        let builder = db.conn.get_database_backend();
        db.conn
            .execute_raw(builder.build(&table))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", db.backend));
    }
    let s = LogicalSchema::read(&sqlite.conn, &[])
        .await
        .expect("sqlite");
    let p = LogicalSchema::read(&postgres.conn, &[])
        .await
        .expect("postgres");
    assert_eq!(s.tables["every_type"].columns.len(), portable.len() + 1);
    let findings = parity(&s, &p, &AllowList::default());
    assert!(findings.is_empty(), "{findings:#?}");
    postgres.close().await.expect("close");
}
