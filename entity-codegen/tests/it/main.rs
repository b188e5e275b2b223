//! entity-codegen's integration tests: the committed entities against the generator.

mod drift;
