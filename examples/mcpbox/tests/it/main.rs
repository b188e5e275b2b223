//! The example's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! the conformance suite, the backfill on populated tables, what the snapshots do not show,
//! and 0002's atomicity, one module each.

mod atomicity;
mod backfill;
mod conformance;
mod schema;
