//! entity-codegen's integration tests: the committed entities against the generator.

// sqlx's MySQL driver makes the tests' futures deep.

mod drift;
