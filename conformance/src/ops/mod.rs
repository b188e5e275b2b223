//! Operating real databases with the harness's catalog: [`drift`] compares a live
//! database with what its applied migrations produce, [`baseline`] adopts a database
//! whose schema was made without migrations.
//!
//! Both read the live database's catalog exactly as the checks read a throwaway one
//! ([`crate::catalog::dump`]), build the expected schema by applying the migrations to a
//! throwaway database of the same backend ([`crate::TestDatabase::fresh`]), and name the
//! differences as the checks do.
//!
//! Neither counts the bookkeeping tables (the migrations table, the runner's checksum
//! tables) as schema: they are left out of both sides. On PostgreSQL with a schema other
//! than `public`, only that schema's objects (and the extensions) are compared.
//!
//! `drift` writes nothing to the live database: every read runs in one `READ ONLY`
//! transaction on PostgreSQL (so it works for a role with only `SELECT` and under
//! `default_transaction_read_only = on`), and a SQLite file is opened `mode=ro` (with
//! `immutable=1` for a WAL database without its `-wal` file), creating no `-wal` or
//! `-shm` file.

mod baseline;
mod drift;
mod expected;
mod live;
mod scope;

pub use baseline::{BaselineOptions, BaselineOutcome, BaselineReport, baseline};
pub use drift::{Comparison, DriftOptions, DriftReport, drift};

use sea_orm_migration::MigratorTrait;

use crate::error::HarnessError;

/// The migration `given` names: its whole name, or the start of exactly one name
/// (`m20250101_000013`).
pub(crate) fn resolve_version<M: MigratorTrait>(given: &str) -> Result<String, HarnessError> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if names.iter().any(|name| name == given) {
        return Ok(given.to_owned());
    }
    let matching: Vec<&String> = names
        .iter()
        .filter(|name| !given.is_empty() && name.starts_with(given))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(HarnessError::UnknownVersion {
            given: given.to_owned(),
        }),
        many => Err(HarnessError::AmbiguousVersion {
            given: given.to_owned(),
            candidates: many.iter().map(|n| (*n).clone()).collect(),
        }),
    }
}

/// The recorded versions in the migrator's order; an error naming any it does not know.
fn known_in_order<M: MigratorTrait>(recorded: &[String]) -> Result<Vec<String>, HarnessError> {
    let names: Vec<String> = M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let unknown: Vec<String> = recorded
        .iter()
        .filter(|v| !names.contains(v))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(HarnessError::UnknownAppliedVersions { versions: unknown });
    }
    Ok(names.into_iter().filter(|n| recorded.contains(n)).collect())
}

/// A runner error as the harness reports it: usage errors (a bad URL, a missing SQLite
/// file, a bad schema name) apart, every password masked.
fn runner_error(error: migration_runner::Error) -> HarnessError {
    let text = secret_redact::redact(&error.to_string());
    if error.is_usage() || is_target_error(&error) {
        HarnessError::BadTarget(text)
    } else {
        HarnessError::Runner(text)
    }
}

fn is_target_error(error: &migration_runner::Error) -> bool {
    use migration_runner::Error as E;
    matches!(
        error,
        E::MalformedUrl { .. }
            | E::UnsupportedBackend { .. }
            | E::UnsupportedConnection { .. }
            | E::MissingSqliteFolder { .. }
            | E::NotARegularFile { .. }
            | E::MissingSqliteDatabase { .. }
            | E::InvalidSchemaName { .. }
            | E::SchemaNotFound { .. }
    )
}
