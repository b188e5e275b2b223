//! secret-redact's integration tests, one binary: the text rules, shape by shape and under
//! random passwords, and the registry. The tests that register secrets run in processes
//! of their own (common::run_ignored_in_child), since the registry is process-wide: not
//! with `--include-ignored`, which would run them in this process too.

mod common;

mod prop_registered;
mod prop_text;
mod registry;
mod shapes;
