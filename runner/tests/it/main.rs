//! The runner's integration tests, one binary (sea-orm, sqlx and the harness linked once):
//! one module per subject, the shared migrators and helpers in `common`.

mod common;

mod atomic;
mod bad_input;
mod checksums;
mod cli_properties;
mod dry_run;
mod embedded;
mod fanout;
mod generate;
mod kill;
mod kill_mysql;
mod lock;
mod mysql;
mod verbose;
