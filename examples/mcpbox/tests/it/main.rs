//! The example's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! the conformance suite, the backfill on populated tables, what the snapshots do not show,
//! and 0002's atomicity, one module each.

// sqlx's MySQL driver (linked through the harness) makes the suite's futures deep.

mod atomicity;
mod backfill;
mod conformance;
mod schema;
