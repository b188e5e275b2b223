//! The example's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! the conformance suite and the tenancy rules, one module each.

// sqlx's MySQL driver (linked through the harness) makes the suite's futures deep.

mod conformance;
mod tenancy;
