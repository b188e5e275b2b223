//! entity-codegen's integration tests: the committed entities against the generator.

// sqlx's MySQL driver makes the tests' futures deep.
#![recursion_limit = "256"]

mod drift;
