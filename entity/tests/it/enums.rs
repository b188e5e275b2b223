//! The enum-like columns: typed enums in the entities, plain lower-case strings in the
//! database, on SQLite and PostgreSQL. Every variant round-trips, filters work, an
//! unknown string fails to load with an error naming it, and the migrations' string
//! defaults load as the right variant.

use std::fmt::Debug;

use crate::common::rows::{self, SERVER_ID, parent_server};
use crate::common::{insert_all, insert_and_read_back, migrated};
use conformance::Backend;
use entity::generated::enums::*;
use entity::generated::*;
use entity::views::AppView;
use pretty_assertions::assert_eq;
use rstest::rstest;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, QueryFilter, QueryOrder, Statement,
};

/// The values the spec (`schema.md`) lists, in its order: the contract the generated
/// enums must match exactly.
fn stored_values<V: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
    V::iter().map(|v| v.to_value()).collect()
}

#[test]
fn the_enums_hold_exactly_the_spec_values() {
    let spec: [(&str, Vec<String>, &[&str]); 11] = [
        (
            "download_requests.status",
            stored_values::<DownloadStatus>(),
            &["pending", "completed", "error"],
        ),
        (
            "api_model_aliases.api_format",
            stored_values::<ApiFormat>(),
            &["openai", "placeholder"],
        ),
        (
            "model_metadata.source",
            stored_values::<ModelMetadataSource>(),
            &["user", "model", "api"],
        ),
        (
            "access_requests.status",
            stored_values::<AccessRequestStatus>(),
            &["pending", "approved", "rejected"],
        ),
        (
            "api_tokens.status",
            stored_values::<ApiTokenStatus>(),
            &["active", "inactive"],
        ),
        (
            "app_access_requests.flow_type",
            stored_values::<AppAccessFlowType>(),
            &["redirect", "popup"],
        ),
        (
            "app_access_requests.status",
            stored_values::<AppAccessRequestStatus>(),
            &["draft", "approved", "denied", "failed"],
        ),
        (
            "mcps.auth_type",
            stored_values::<McpAuthType>(),
            &["public", "header", "oauth"],
        ),
        (
            "mcp_oauth_configs.registration_type",
            stored_values::<McpRegistrationType>(),
            &["pre_registered", "dynamic_registration"],
        ),
        (
            "settings.value_type",
            stored_values::<SettingValueType>(),
            &["string", "number", "boolean", "option"],
        ),
        (
            "apps.app_status",
            stored_values::<AppStatus>(),
            &["setup", "ready", "resource_admin"],
        ),
    ];
    for (column, generated, expected) in spec {
        assert_eq!(generated, expected, "{column}");
    }
}

/// serde uses the same lower-case names as the database, both ways.
fn assert_serde_matches_database<V>()
where
    V: ActiveEnum<Value = String> + Iterable + serde::Serialize + serde::de::DeserializeOwned,
    V: PartialEq + Debug,
{
    for variant in V::iter() {
        let json = serde_json::to_value(&variant).unwrap();
        assert_eq!(json, serde_json::Value::String(variant.to_value()));
        assert_eq!(serde_json::from_value::<V>(json).unwrap(), variant);
    }
    assert!(serde_json::from_str::<V>("\"NOT-A-VALUE\"").is_err());
}

#[test]
fn serde_names_are_the_stored_values() {
    assert_serde_matches_database::<DownloadStatus>();
    assert_serde_matches_database::<ApiFormat>();
    assert_serde_matches_database::<ModelMetadataSource>();
    assert_serde_matches_database::<AccessRequestStatus>();
    assert_serde_matches_database::<ApiTokenStatus>();
    assert_serde_matches_database::<AppAccessFlowType>();
    assert_serde_matches_database::<AppAccessRequestStatus>();
    assert_serde_matches_database::<McpAuthType>();
    assert_serde_matches_database::<McpRegistrationType>();
    assert_serde_matches_database::<SettingValueType>();
    assert_serde_matches_database::<AppStatus>();
}

/// A 26-character id that sorts by `n`.
fn id(n: usize) -> String {
    format!("01JENUM{n:019}")
}

/// Inserts one copy of `base` per variant (made distinct by `vary`), reads the table
/// back through SeaORM and checks every row; then reads the column as raw text to
/// check that the database holds the lower-case value.
async fn round_trip_every_variant<E, V>(
    db: &DatabaseConnection,
    base: E::Model,
    column: E::Column,
    vary: impl Fn(&mut E::Model, usize, V),
) where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone + Debug + PartialEq,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    V: ActiveEnum<Value = String> + Iterable,
{
    let expected: Vec<E::Model> = V::iter()
        .enumerate()
        .map(|(n, variant)| {
            let mut row = base.clone();
            vary(&mut row, n, variant);
            row
        })
        .collect();
    let read = insert_and_read_back::<E>(db, &expected).await;
    assert_eq!(read, expected);

    let table = E::default().table_name().to_owned();
    let raw = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT \"{}\" AS v FROM \"{table}\" ORDER BY 1",
                column.as_str()
            ),
        ))
        .await
        .unwrap();
    let mut stored: Vec<String> = raw
        .iter()
        .map(|row| row.try_get::<String>("", "v").unwrap())
        .collect();
    let mut values = stored_values::<V>();
    values.sort();
    stored.sort();
    assert_eq!(stored, values, "{table}.{} as stored", column.as_str());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_enum_column_round_trips_every_variant(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let conn = &db.conn;
    insert_all::<mcp_servers::Entity>(conn, &[parent_server()]).await;

    round_trip_every_variant::<download_requests::Entity, DownloadStatus>(
        conn,
        rows::download_requests()[0].clone(),
        download_requests::Column::Status,
        |row, n, v| {
            row.id = id(n);
            row.status = v;
        },
    )
    .await;
    round_trip_every_variant::<api_model_aliases::Entity, ApiFormat>(
        conn,
        rows::api_model_aliases()[0].clone(),
        api_model_aliases::Column::ApiFormat,
        |row, n, v| {
            row.id = id(n);
            row.prefix = Some(format!("p{n}/"));
            row.api_format = v;
        },
    )
    .await;
    round_trip_every_variant::<model_metadata::Entity, ModelMetadataSource>(
        conn,
        rows::model_metadata()[0].clone(),
        model_metadata::Column::Source,
        |row, n, v| {
            row.id = id(n);
            row.source = v;
        },
    )
    .await;
    round_trip_every_variant::<access_requests::Entity, AccessRequestStatus>(
        conn,
        rows::access_requests()[0].clone(),
        access_requests::Column::Status,
        |row, n, v| {
            row.id = id(n);
            row.status = v;
        },
    )
    .await;
    round_trip_every_variant::<api_tokens::Entity, ApiTokenStatus>(
        conn,
        rows::api_tokens()[0].clone(),
        api_tokens::Column::Status,
        |row, n, v| {
            row.id = id(n);
            row.token_prefix = format!("prefix_{n}");
            row.status = v;
        },
    )
    .await;
    round_trip_every_variant::<mcps::Entity, McpAuthType>(
        conn,
        rows::mcps()[0].clone(),
        mcps::Column::AuthType,
        |row, n, v| {
            row.id = id(n);
            row.slug = format!("slug-{n}");
            row.auth_type = v;
        },
    )
    .await;
    round_trip_every_variant::<mcp_oauth_configs::Entity, McpRegistrationType>(
        conn,
        rows::mcp_oauth_configs()[0].clone(),
        mcp_oauth_configs::Column::RegistrationType,
        |row, n, v| {
            row.id = id(n);
            row.name = format!("config-{n}");
            row.registration_type = v;
        },
    )
    .await;
    round_trip_every_variant::<settings::Entity, SettingValueType>(
        conn,
        rows::settings()[0].clone(),
        settings::Column::ValueType,
        |row, n, v| {
            row.key = format!("key_{n}");
            row.value_type = v;
        },
    )
    .await;
    round_trip_every_variant::<apps::Entity, AppStatus>(
        conn,
        rows::apps()[0].clone(),
        apps::Column::AppStatus,
        |row, n, v| {
            row.client_id = id(n);
            row.app_status = v;
        },
    )
    .await;

    // Two enum columns in one table: one table pass each, from an empty table.
    let app_access_request = rows::app_access_requests()[0].clone();
    let vary_ids = |row: &mut app_access_requests::Model, n: usize| {
        row.id = id(n);
        row.access_request_scope = Some(format!("scope_{n}"));
    };
    round_trip_every_variant::<app_access_requests::Entity, AppAccessFlowType>(
        conn,
        app_access_request.clone(),
        app_access_requests::Column::FlowType,
        |row, n, v| {
            vary_ids(row, n);
            row.flow_type = v;
        },
    )
    .await;
    app_access_requests::Entity::delete_many()
        .exec(conn)
        .await
        .unwrap();
    round_trip_every_variant::<app_access_requests::Entity, AppAccessRequestStatus>(
        conn,
        app_access_request,
        app_access_requests::Column::Status,
        |row, n, v| {
            vary_ids(row, n);
            row.status = v;
        },
    )
    .await;
    db.close().await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn filtering_by_an_enum_value_works(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let rows: Vec<download_requests::Model> = DownloadStatus::iter()
        .enumerate()
        .map(|(n, status)| download_requests::Model {
            id: id(n),
            status,
            ..rows::download_requests()[1].clone()
        })
        .collect();
    insert_all::<download_requests::Entity>(&db.conn, &rows).await;
    let find = |condition| {
        download_requests::Entity::find()
            .filter(condition)
            .order_by_asc(download_requests::Column::Id)
            .all(&db.conn)
    };
    let statuses = |found: Vec<download_requests::Model>| -> Vec<DownloadStatus> {
        found.into_iter().map(|row| row.status).collect()
    };

    let pending = find(download_requests::Column::Status.eq(DownloadStatus::Pending));
    assert_eq!(statuses(pending.await.unwrap()), [DownloadStatus::Pending]);
    let not_pending = find(download_requests::Column::Status.ne(DownloadStatus::Pending));
    assert_eq!(
        statuses(not_pending.await.unwrap()),
        [DownloadStatus::Completed, DownloadStatus::Error]
    );
    let finished = find(
        download_requests::Column::Status.is_in([DownloadStatus::Completed, DownloadStatus::Error]),
    );
    assert_eq!(
        statuses(finished.await.unwrap()),
        [DownloadStatus::Completed, DownloadStatus::Error]
    );
    db.close().await.unwrap();
}

/// Stores `bad` in `column` of the only row of `E`'s table with raw SQL (the database
/// accepts any string), then checks that loading the row is an error naming the value
/// and the enum.
async fn unknown_value_fails_to_load<E>(
    db: &DatabaseConnection,
    row: E::Model,
    column: E::Column,
    enum_name: &str,
    bad: &str,
) where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone + Debug,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    insert_all::<E>(db, &[row]).await;
    let table = E::default().table_name().to_owned();
    db.execute_unprepared(&format!(
        "UPDATE \"{table}\" SET \"{}\" = '{bad}'",
        column.as_str()
    ))
    .await
    .unwrap();
    let err = E::find()
        .all(db)
        .await
        .expect_err("a row with an unknown enum value must not load");
    assert!(matches!(err, DbErr::Type(_)), "{table}: {err:?}");
    let message = err.to_string();
    assert!(
        message.contains(bad) && message.contains(enum_name),
        "{table}: {message}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_unknown_value_fails_to_load_with_an_error_naming_it(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let conn = &db.conn;
    insert_all::<mcp_servers::Entity>(conn, &[parent_server()]).await;
    // Upper case: the values are matched exactly, as stored.
    unknown_value_fails_to_load::<download_requests::Entity>(
        conn,
        rows::download_requests()[0].clone(),
        download_requests::Column::Status,
        "DownloadStatus",
        "PENDING",
    )
    .await;
    unknown_value_fails_to_load::<api_model_aliases::Entity>(
        conn,
        rows::api_model_aliases()[0].clone(),
        api_model_aliases::Column::ApiFormat,
        "ApiFormat",
        "anthropic",
    )
    .await;
    unknown_value_fails_to_load::<model_metadata::Entity>(
        conn,
        rows::model_metadata()[0].clone(),
        model_metadata::Column::Source,
        "ModelMetadataSource",
        "remote",
    )
    .await;
    unknown_value_fails_to_load::<access_requests::Entity>(
        conn,
        rows::access_requests()[0].clone(),
        access_requests::Column::Status,
        "AccessRequestStatus",
        "expired",
    )
    .await;
    unknown_value_fails_to_load::<api_tokens::Entity>(
        conn,
        rows::api_tokens()[0].clone(),
        api_tokens::Column::Status,
        "ApiTokenStatus",
        "revoked",
    )
    .await;
    unknown_value_fails_to_load::<app_access_requests::Entity>(
        conn,
        rows::app_access_requests()[0].clone(),
        app_access_requests::Column::FlowType,
        "AppAccessFlowType",
        "device_code",
    )
    .await;
    // The other enum column of the same row.
    conn.execute_unprepared(
        "UPDATE \"app_access_requests\" SET \"flow_type\" = 'popup', \"status\" = 'pending'",
    )
    .await
    .unwrap();
    let err = app_access_requests::Entity::find()
        .all(conn)
        .await
        .expect_err("status 'pending' is not an app access request status");
    assert!(
        err.to_string().contains("AppAccessRequestStatus") && err.to_string().contains("pending"),
        "{err}"
    );
    unknown_value_fails_to_load::<mcps::Entity>(
        conn,
        rows::mcps()[0].clone(),
        mcps::Column::AuthType,
        "McpAuthType",
        "basic",
    )
    .await;
    unknown_value_fails_to_load::<mcp_oauth_configs::Entity>(
        conn,
        rows::mcp_oauth_configs()[0].clone(),
        mcp_oauth_configs::Column::RegistrationType,
        "McpRegistrationType",
        "pre-registered",
    )
    .await;
    unknown_value_fails_to_load::<settings::Entity>(
        conn,
        rows::settings()[0].clone(),
        settings::Column::ValueType,
        "SettingValueType",
        "json",
    )
    .await;
    unknown_value_fails_to_load::<apps::Entity>(
        conn,
        rows::apps()[0].clone(),
        apps::Column::AppStatus,
        "AppStatus",
        "archived",
    )
    .await;
    // Pattern B views read the column through the same enum.
    let err = apps::Entity::find()
        .into_partial_model::<AppView>()
        .all(conn)
        .await
        .expect_err("the view must not load an unknown app_status either");
    assert!(err.to_string().contains("AppStatus"), "{err}");
    db.close().await.unwrap();
}

fn one<T>(found: Result<Option<T>, DbErr>) -> T {
    found.unwrap().expect("the row was inserted")
}

/// A timestamp both backends accept as a literal and SeaORM reads back.
const NOW: &str = "'2025-01-02T03:04:05+00:00'";

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn string_defaults_load_as_their_variant(#[case] backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    let conn = &db.conn;
    insert_all::<mcp_servers::Entity>(conn, &[parent_server()]).await;
    let id = id(1);
    for insert in [
        format!(
            "INSERT INTO access_requests (id, username, user_id, created_at, updated_at) \
             VALUES ('{id}', 'u', 'u', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO app_access_requests (id, app_client_id, flow_type, requested, \
             requested_role, expires_at, created_at, updated_at) \
             VALUES ('{id}', 'app', 'popup', '{{}}', 'scope_user_user', {NOW}, {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO mcps (id, created_by, mcp_server_id, name, slug, created_at, \
             updated_at) VALUES ('{id}', 'u', '{SERVER_ID}', 'n', 's', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO mcp_oauth_configs (id, mcp_server_id, client_id, \
             authorization_endpoint, token_endpoint, created_by, created_at, updated_at) \
             VALUES ('{id}', '{SERVER_ID}', 'c', 'https://a', 'https://t', 'u', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO apps (client_id, encrypted_client_secret, salt_client_secret, \
             nonce_client_secret, created_at, updated_at) \
             VALUES ('{id}', 'c', 's', 'n', {NOW}, {NOW})"
        ),
    ] {
        conn.execute_unprepared(&insert)
            .await
            .unwrap_or_else(|e| panic!("{backend}: {insert}: {e}"));
    }

    let access = one(access_requests::Entity::find_by_id(&id).one(conn).await);
    assert_eq!(access.status, AccessRequestStatus::Pending);
    let app_access = one(app_access_requests::Entity::find_by_id(&id).one(conn).await);
    assert_eq!(app_access.status, AppAccessRequestStatus::Draft);
    let mcp = one(mcps::Entity::find_by_id(&id).one(conn).await);
    assert_eq!(mcp.auth_type, McpAuthType::Public);
    let config = one(mcp_oauth_configs::Entity::find_by_id(&id).one(conn).await);
    assert_eq!(config.registration_type, McpRegistrationType::PreRegistered);
    let app = one(apps::Entity::find_by_id(&id).one(conn).await);
    assert_eq!(app.app_status, AppStatus::Setup);
    let app_view = apps::Entity::find_by_id(&id)
        .into_partial_model::<AppView>()
        .one(conn)
        .await;
    assert_eq!(one(app_view).app_status, AppStatus::Setup);
    db.close().await.unwrap();
}
