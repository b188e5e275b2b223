//! The multi-tenant rules on a fully migrated database: unique rules hold within one
//! organization and not across two (case-insensitively, on both backends); on PostgreSQL
//! a session sees only its organization's rows, and an organization that owns rows
//! cannot be deleted.

use conformance::{Backend, TestDatabase, fresh_database};
use multi_tenant_migration::{Migrator, ORG_SCOPED_TABLES};
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, Statement, TransactionTrait,
};

const T: &str = "'2026-01-02T03:04:05+00:00'";

async fn migrated(backend: Backend) -> Option<TestDatabase> {
    let db = fresh_database(backend).await?;
    Migrator::up(&db.conn, None)
        .await
        .expect("all migrations apply");
    Some(db)
}

async fn exec(conn: &impl ConnectionTrait, sql: &str) -> Result<(), DbErr> {
    conn.execute_unprepared(sql).await.map(|_| ())
}

async fn count(conn: &impl ConnectionTrait, sql: &str) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
        .expect("a count returns a row");
    row.try_get_by_index::<i64>(0)
}

fn insert_org(id: &str, slug: &str) -> String {
    format!(
        "INSERT INTO organizations (id, slug, display_name, kc_client_id, client_secret, \
         encryption_key, status, created_at, updated_at) \
         VALUES ('{id}', '{slug}', '{id}', 'kc-{id}', 'secret', 'key', 'active', {T}, {T})"
    )
}

fn insert_toolset(id: &str, org: &str, user: &str, slug: &str) -> String {
    format!(
        "INSERT INTO toolsets (id, org_id, user_id, toolset_type, slug, created_at, updated_at) \
         VALUES ('{id}', '{org}', '{user}', 'builtin-exa-search', '{slug}', {T}, {T})"
    )
}

async fn two_orgs(conn: &DatabaseConnection) {
    exec(conn, &insert_org("org-a", "Acme"))
        .await
        .expect("org-a");
    exec(conn, &insert_org("org-b", "Globex"))
        .await
        .expect("org-b");
}

async fn slug_is_unique_per_organization(backend: Backend) {
    let Some(db) = migrated(backend).await else {
        return;
    };
    two_orgs(&db.conn).await;
    exec(
        &db.conn,
        &insert_toolset("ts-a1", "org-a", "u1", "Research"),
    )
    .await
    .expect("a first slug");
    exec(
        &db.conn,
        &insert_toolset("ts-b1", "org-b", "u1", "research"),
    )
    .await
    .expect("the same slug (other case) for the same user in another organization");
    let again = exec(
        &db.conn,
        &insert_toolset("ts-a2", "org-a", "u1", "RESEARCH"),
    )
    .await;
    assert!(
        again.is_err(),
        "the same slug, other case, twice in one organization must be refused"
    );
    // Organization slugs (subdomains) ignore case too.
    let twin = exec(&db.conn, &insert_org("org-c", "ACME")).await;
    assert!(twin.is_err(), "`ACME` must be refused next to `Acme`");
    db.close().await.expect("close");
}

#[tokio::test]
async fn slug_is_unique_per_organization_on_sqlite() {
    slug_is_unique_per_organization(Backend::Sqlite).await;
}

#[tokio::test]
async fn slug_is_unique_per_organization_on_postgres() {
    slug_is_unique_per_organization(Backend::Postgres).await;
}

#[tokio::test]
async fn organization_owning_rows_cannot_be_deleted_on_postgres() {
    let Some(db) = migrated(Backend::Postgres).await else {
        return;
    };
    two_orgs(&db.conn).await;
    exec(
        &db.conn,
        &insert_toolset("ts-a1", "org-a", "u1", "research"),
    )
    .await
    .expect("a toolset");
    let delete = exec(&db.conn, "DELETE FROM organizations WHERE id = 'org-a'").await;
    assert!(delete.is_err(), "RESTRICT must refuse deleting org-a");
    exec(&db.conn, "DELETE FROM organizations WHERE id = 'org-b'")
        .await
        .expect("an organization without rows can be deleted");
    db.close().await.expect("close");
}

/// Runs `f` in a transaction as the non-owner role `role` with `org` as the current
/// organization; the transaction is rolled back.
async fn as_tenant(
    conn: &DatabaseConnection,
    role: &str,
    org: Option<&str>,
    sql: &str,
) -> Result<i64, DbErr> {
    let txn = conn.begin().await?;
    exec(&txn, &format!("SET LOCAL ROLE \"{role}\"")).await?;
    if let Some(org) = org {
        exec(&txn, &format!("SET LOCAL app.current_org_id = '{org}'")).await?;
    }
    let result = count(&txn, sql).await;
    txn.rollback().await?;
    result
}

#[tokio::test]
async fn row_level_security_isolates_organizations_on_postgres() {
    let Some(db) = migrated(Backend::Postgres).await else {
        return;
    };
    let conn = &db.conn;
    two_orgs(conn).await;
    for (id, org) in [("ts-a1", "org-a"), ("ts-b1", "org-b"), ("ts-b2", "org-b")] {
        exec(conn, &insert_toolset(id, org, "u1", id))
            .await
            .expect("toolset");
    }
    for (id, org) in [("ua-a", "org-a"), ("ua-b", "org-b")] {
        exec(
            conn,
            &format!(
                "INSERT INTO user_aliases (id, org_id, alias, repo, filename, snapshot, \
                 request_params, context_params, created_at, updated_at) \
                 VALUES ('{id}', '{org}', 'chat', 'r', 'f', 's', '{{}}', '[]', {T}, {T})"
            ),
        )
        .await
        .expect("user alias");
    }
    // Roles are cluster-wide: one per test database, so parallel runs do not collide.
    let database: String = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT current_database()",
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get_by_index(0)
        .expect("name");
    let role = format!("tenant_app_{database}");
    exec(
        conn,
        &format!("CREATE ROLE \"{role}\" NOLOGIN NOSUPERUSER NOBYPASSRLS"),
    )
    .await
    .expect("create role");
    exec(
        conn,
        &format!(
            "GRANT USAGE ON SCHEMA public TO \"{role}\"; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\""
        ),
    )
    .await
    .expect("grant");

    // The owner (who migrates) is not subject to the policies: it sees both organizations.
    assert_eq!(
        count(conn, "SELECT count(*) FROM toolsets WHERE org_id = 'org-b'")
            .await
            .expect("count"),
        2
    );

    for table in ORG_SCOPED_TABLES {
        let others = as_tenant(
            conn,
            &role,
            Some("org-a"),
            &format!("SELECT count(*) FROM \"{table}\" WHERE org_id <> 'org-a'"),
        )
        .await
        .expect("a tenant session can query");
        assert_eq!(
            others, 0,
            "{table}: org-a's session sees another organization's rows"
        );
    }
    assert_eq!(
        as_tenant(conn, &role, Some("org-a"), "SELECT count(*) FROM toolsets")
            .await
            .expect("count"),
        1,
        "org-a's session sees its own toolset"
    );
    assert_eq!(
        as_tenant(
            conn,
            &role,
            Some("org-b"),
            "SELECT count(*) FROM user_aliases"
        )
        .await
        .expect("count"),
        1,
        "org-b's session sees its own alias"
    );
    // Writing into another organization is refused by the same policy.
    let txn = conn.begin().await.expect("begin");
    exec(&txn, &format!("SET LOCAL ROLE \"{role}\""))
        .await
        .expect("role");
    exec(&txn, "SET LOCAL app.current_org_id = 'org-a'")
        .await
        .expect("org");
    let foreign_insert = exec(&txn, &insert_toolset("ts-x", "org-b", "u9", "x")).await;
    assert!(
        foreign_insert.is_err(),
        "org-a's session must not insert org-b rows"
    );
    txn.rollback().await.expect("rollback");
    // A session that names no organization sees nothing: an error on a connection that
    // never set `app.current_org_id`, no rows on one where an earlier transaction set it
    // locally (PostgreSQL then keeps the setting defined, as '').
    let unnamed = as_tenant(conn, &role, None, "SELECT count(*) FROM toolsets").await;
    assert!(
        !matches!(unnamed, Ok(n) if n > 0),
        "a session without app.current_org_id must not read org rows: {unnamed:?}"
    );
    exec(
        conn,
        &format!("DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\""),
    )
    .await
    .expect("drop role");
    db.close().await.expect("close");
}
