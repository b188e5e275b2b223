//! The entity crate's integration tests, one binary (sea-orm, sqlx and the harness linked
//! once): one module per subject, migrated databases and full rows in `common`.

mod common;

mod case_insensitive;
mod encryption;
mod enums;
mod relations;
mod round_trip;
mod views;
