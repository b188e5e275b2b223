//! The migration crate's integration tests, one binary (sea-orm, sqlx and the harness
//! linked once): one module per subject, shared helpers in `common`.

mod common;

mod atomic;
mod behaviour;
mod checksum;
mod cli;
mod lock;
mod mysql;
mod schema;
mod schemas;
