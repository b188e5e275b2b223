//! Every entity writes a full row and a row of NULLs through SeaORM and reads both back
//! equal, on SQLite and PostgreSQL: JSON, booleans, big integers, timestamps with
//! offsets and NULLs survive the trip.

use crate::common::rows::{self, parent_config, parent_server};
use crate::common::{insert_all, insert_and_read_back, migrated};
use conformance::Backend;
use entity::generated::*;
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm::{DatabaseConnection, EntityTrait};

async fn with_server(db: &DatabaseConnection) {
    insert_all::<mcp_servers::Entity>(db, &[parent_server()]).await;
}

async fn with_server_and_config(db: &DatabaseConnection) {
    with_server(db).await;
    insert_all::<mcp_oauth_configs::Entity>(db, &[parent_config()]).await;
}

async fn no_parents(_: &DatabaseConnection) {}

/// One test per table, run on both backends. (The test needs a name of its own: rstest
/// turns it into a module, which would shadow the entity module.)
macro_rules! round_trip {
    ($test:ident: $table:ident) => {
        round_trip!($test: $table, no_parents);
    };
    ($test:ident: $table:ident, $parents:ident) => {
        #[rstest]
        #[case::sqlite(Backend::Sqlite)]
        #[case::postgres(Backend::Postgres)]
        #[tokio::test]
        async fn $test(#[case] backend: Backend) {
            let Some(db) = migrated(backend).await else {
                return;
            };
            $parents(&db.conn).await;
            let expected = rows::$table();
            let read = insert_and_read_back::<$table::Entity>(&db.conn, &expected).await;
            // Only the rows inserted here (parents live in other tables).
            assert_eq!(read, expected.to_vec(), "{backend}: {}", stringify!($table));
            db.close().await.unwrap();
        }
    };
}

round_trip!(download_requests_round_trip: download_requests);
round_trip!(api_model_aliases_round_trip: api_model_aliases);
round_trip!(model_metadata_round_trip: model_metadata);
round_trip!(access_requests_round_trip: access_requests);
round_trip!(api_tokens_round_trip: api_tokens);
round_trip!(toolsets_round_trip: toolsets);
round_trip!(app_toolset_configs_round_trip: app_toolset_configs);
round_trip!(user_aliases_round_trip: user_aliases);
round_trip!(app_access_requests_round_trip: app_access_requests);
round_trip!(mcp_servers_round_trip: mcp_servers);
round_trip!(mcps_round_trip: mcps, with_server);
round_trip!(mcp_auth_headers_round_trip: mcp_auth_headers, with_server);
round_trip!(mcp_oauth_configs_round_trip: mcp_oauth_configs, with_server);
round_trip!(mcp_oauth_tokens_round_trip: mcp_oauth_tokens, with_server_and_config);
round_trip!(settings_round_trip: settings);
round_trip!(apps_round_trip: apps);

/// `DateTimeWithTimeZone` equality compares instants; this pins down what each backend
/// does with the offset: SQLite keeps it (RFC 3339 text), PostgreSQL normalises it.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn timestamps_keep_their_instant_and_sqlite_keeps_the_offset(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let [row, _] = rows::download_requests();
    insert_all::<download_requests::Entity>(&db.conn, std::slice::from_ref(&row)).await;
    let read = download_requests::Entity::find_by_id(row.id.clone())
        .one(&db.conn)
        .await
        .unwrap()
        .expect("the row was inserted");
    assert_eq!(
        read.created_at.timestamp_micros(),
        row.created_at.timestamp_micros()
    );
    let offset = read.created_at.offset().local_minus_utc();
    match backend {
        Backend::Sqlite => assert_eq!(offset, 5 * 3600 + 30 * 60),
        Backend::Postgres => assert_eq!(offset, 0, "timestamptz comes back in UTC"),
        other => unreachable!("no {other} here: SQLite and PostgreSQL only"),
    }
    db.close().await.unwrap();
}
