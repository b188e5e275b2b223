//! schema-ci's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! the application's migrator through the suite, the `verify` and `report` commands, the
//! README's fixture blocks and the Mermaid renders, one module each.

mod common;

mod drift_cli;
mod mermaid_render;
mod migrator;
mod readme;
mod report_cli;
mod verify_cli;
