//! The harness's integration tests, one binary (sea-orm, sqlx and testcontainers linked
//! once): one module per subject, the raw-SQL migration and `migrator!` in `common`.

#[macro_use]
mod common;

mod broken;
mod catalog_kinds;
mod compat;
mod drift;
mod lint;
mod locks;
mod mysql_catalog;
mod mysql_lint;
mod mysql_parity;
mod mysql_populated;
mod mysql_walk;
mod populate_types;
mod populated;
mod review;
mod review_mysql;
mod review_text;
mod walk;
