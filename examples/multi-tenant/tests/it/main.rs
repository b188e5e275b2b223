//! The example's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! the conformance suite and the tenancy rules, one module each.

mod conformance;
mod tenancy;
