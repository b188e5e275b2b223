//! `org_id` on every org-scoped table, existing rows given the default organization, and
//! the unique rules that were global rewritten to hold within one organization.
//!
//! PostgreSQL: the column is added NULL, backfilled, then made NOT NULL with a foreign key
//! to `organizations` (ON DELETE RESTRICT: an organization is retired by its `status`;
//! deleting one that still owns rows is refused rather than silently wiping its data).
//! SQLite cannot add a NOT NULL column without a default, nor (with foreign keys on) a
//! REFERENCES column whose default is not NULL, and rebuilding the tables would fire the
//! existing ON DELETE CASCADE keys inside the transaction. So on SQLite the column is
//! `NOT NULL DEFAULT 'default'` without a foreign key: SQLite is the single-tenant
//! install, where the default organization is the only one (see the allow-list).

use migration::schema::{Backend, drop_index, index, unique_index};
use sea_orm_migration::prelude::*;

use crate::{DEFAULT_ORG_ID, ORG_SCOPED_TABLES};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A unique rule of the 14-migration schema, as it was created there.
enum OldUnique {
    /// A unique index, partial on a non-empty `prefix` when `nonempty_prefix`.
    Index {
        name: &'static str,
        cols: &'static [&'static str],
        nonempty_prefix: bool,
    },
    /// A column's inline UNIQUE: a constraint named `<table>_<col>_key` on PostgreSQL, an
    /// automatic index on SQLite that only a table rebuild could drop (kept there).
    Column { col: &'static str },
}

/// A global unique rule replaced by one led by `org_id`.
struct Rewrite {
    table: &'static str,
    old: OldUnique,
    new_name: &'static str,
    /// The new rule's columns after `org_id`.
    cols: &'static [&'static str],
}

const REWRITES: [Rewrite; 7] = [
    Rewrite {
        table: "api_model_aliases",
        old: OldUnique::Index {
            name: "idx_api_model_aliases_prefix_unique",
            cols: &["prefix"],
            nonempty_prefix: true,
        },
        new_name: "idx_api_model_aliases_org_id_prefix_unique",
        cols: &["prefix"],
    },
    Rewrite {
        table: "model_metadata",
        old: OldUnique::Index {
            name: "idx_model_metadata_unique_key",
            cols: &["source", "repo", "filename", "snapshot", "api_model_id"],
            nonempty_prefix: false,
        },
        new_name: "idx_model_metadata_org_id_unique_key",
        cols: &["source", "repo", "filename", "snapshot", "api_model_id"],
    },
    Rewrite {
        table: "toolsets",
        old: OldUnique::Index {
            name: "idx_toolsets_user_id_slug",
            cols: &["user_id", "slug"],
            nonempty_prefix: false,
        },
        new_name: "idx_toolsets_org_id_user_id_slug",
        cols: &["user_id", "slug"],
    },
    Rewrite {
        table: "app_toolset_configs",
        old: OldUnique::Column {
            col: "toolset_type",
        },
        new_name: "idx_app_toolset_configs_org_id_toolset_type",
        cols: &["toolset_type"],
    },
    Rewrite {
        table: "user_aliases",
        old: OldUnique::Column { col: "alias" },
        new_name: "idx_user_aliases_org_id_alias",
        cols: &["alias"],
    },
    Rewrite {
        table: "mcp_servers",
        old: OldUnique::Column { col: "url" },
        new_name: "idx_mcp_servers_org_id_url",
        cols: &["url"],
    },
    Rewrite {
        table: "mcps",
        old: OldUnique::Index {
            name: "idx_mcps_created_by_slug",
            cols: &["created_by", "slug"],
            nonempty_prefix: false,
        },
        new_name: "idx_mcps_org_id_created_by_slug",
        cols: &["created_by", "slug"],
    },
];

/// Tables whose new unique index (led by `org_id`, not partial) already serves lookups by
/// organization; the others get `idx_<table>_org_id`.
fn needs_org_index(table: &str) -> bool {
    !REWRITES.iter().any(|r| {
        r.table == table
            && !matches!(
                r.old,
                OldUnique::Index {
                    nonempty_prefix: true,
                    ..
                }
            )
    })
}

fn org_index_name(table: &str) -> String {
    format!("idx_{table}_org_id")
}

fn fk_name(table: &str) -> String {
    format!("fk_{table}_org_id")
}

fn old_unique_index(
    table: &str,
    name: &str,
    cols: &[&str],
    nonempty_prefix: bool,
) -> IndexCreateStatement {
    let mut stmt = unique_index(Alias::new(table), name, cols.iter().map(|c| Alias::new(*c)));
    if nonempty_prefix {
        stmt.and_where(Expr::col(Alias::new("prefix")).is_not_null())
            .and_where(Expr::col(Alias::new("prefix")).ne(""));
    }
    stmt
}

fn new_unique_index(rewrite: &Rewrite) -> IndexCreateStatement {
    let cols = std::iter::once("org_id").chain(rewrite.cols.iter().copied());
    let mut stmt = unique_index(
        Alias::new(rewrite.table),
        rewrite.new_name,
        cols.map(Alias::new),
    );
    if matches!(
        rewrite.old,
        OldUnique::Index {
            nonempty_prefix: true,
            ..
        }
    ) {
        stmt.and_where(Expr::col(Alias::new("prefix")).is_not_null())
            .and_where(Expr::col(Alias::new("prefix")).ne(""));
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::backend(manager, self.name())?;
        let db = manager.get_connection();
        for table in ORG_SCOPED_TABLES {
            match backend {
                Backend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ADD COLUMN \"org_id\" varchar NULL"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "UPDATE \"{table}\" SET \"org_id\" = '{DEFAULT_ORG_ID}'"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ALTER COLUMN \"org_id\" SET NOT NULL"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{fk}\" FOREIGN KEY (\"org_id\") \
                         REFERENCES \"organizations\" (\"id\") ON DELETE RESTRICT ON UPDATE RESTRICT",
                        fk = fk_name(table)
                    ))
                    .await?;
                }
                // The default fills the existing rows in the same statement.
                Backend::Sqlite => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ADD COLUMN \"org_id\" varchar NOT NULL \
                         DEFAULT '{DEFAULT_ORG_ID}'"
                    ))
                    .await?;
                }
                other => return Err(other.unsupported(self.name())),
            }
        }
        for rewrite in &REWRITES {
            match (&rewrite.old, backend) {
                (OldUnique::Index { name, .. }, _) => {
                    manager
                        .drop_index(drop_index(Alias::new(rewrite.table), name))
                        .await?;
                }
                (OldUnique::Column { col }, Backend::Postgres) => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{t}\" DROP CONSTRAINT \"{t}_{col}_key\"",
                        t = rewrite.table
                    ))
                    .await?;
                }
                (OldUnique::Column { .. }, Backend::Sqlite) => {}
                (_, other) => return Err(other.unsupported(self.name())),
            }
            manager.create_index(new_unique_index(rewrite)).await?;
        }
        for table in ORG_SCOPED_TABLES.into_iter().filter(|t| needs_org_index(t)) {
            manager
                .create_index(index(
                    Alias::new(table),
                    &org_index_name(table),
                    [Alias::new("org_id")],
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = crate::backend(manager, self.name())?;
        let db = manager.get_connection();
        for table in ORG_SCOPED_TABLES
            .into_iter()
            .rev()
            .filter(|t| needs_org_index(t))
        {
            manager
                .drop_index(drop_index(Alias::new(table), &org_index_name(table)))
                .await?;
        }
        // Restoring a global rule fails (and the transaction rolls back) when two
        // organizations now hold the same value: merging tenants is not a schema change.
        for rewrite in REWRITES.iter().rev() {
            manager
                .drop_index(drop_index(Alias::new(rewrite.table), rewrite.new_name))
                .await?;
            match (&rewrite.old, backend) {
                (
                    OldUnique::Index {
                        name,
                        cols,
                        nonempty_prefix,
                    },
                    _,
                ) => {
                    manager
                        .create_index(old_unique_index(
                            rewrite.table,
                            name,
                            cols,
                            *nonempty_prefix,
                        ))
                        .await?;
                }
                (OldUnique::Column { col }, Backend::Postgres) => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{t}\" ADD CONSTRAINT \"{t}_{col}_key\" UNIQUE (\"{col}\")",
                        t = rewrite.table
                    ))
                    .await?;
                }
                (OldUnique::Column { .. }, Backend::Sqlite) => {}
                (_, other) => return Err(other.unsupported(self.name())),
            }
        }
        for table in ORG_SCOPED_TABLES.into_iter().rev() {
            if backend == Backend::Postgres {
                db.execute_unprepared(&format!(
                    "ALTER TABLE \"{table}\" DROP CONSTRAINT \"{fk}\"",
                    fk = fk_name(table)
                ))
                .await?;
            }
            db.execute_unprepared(&format!("ALTER TABLE \"{table}\" DROP COLUMN \"org_id\""))
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
