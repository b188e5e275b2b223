//! What the CLI tells its user to do about each engine error.
//!
//! The engine's errors state what happened ([`Error`]'s Display, typed fields); what to
//! do depends on the caller, and only the CLI's user can "raise --lock-timeout" or run
//! `accept-checksum`. So the CLI prints, on its one `error:` line, the fact (in terms of
//! its options where the error is about one: `down -n 99: ...`), then `; hint: ` and
//! its advice for that kind of error.

use crate::backend::Backend;
use crate::error::Error;

/// The text after `error: ` for an engine error.
pub(super) fn error_line(error: &Error) -> String {
    let fact = in_options(error).unwrap_or_else(|| error.to_string());
    match hint(error) {
        Some(hint) => format!("{fact}; hint: {hint}"),
        None => fact,
    }
}

/// The fact of an error about a count, said with the option the user typed (the engine
/// knows counts, not options).
fn in_options(error: &Error) -> Option<String> {
    match error {
        Error::ZeroUpCount => Some("up -n 0 applies nothing".to_owned()),
        Error::ZeroDownCount => Some("down -n 0: rolls back nothing".to_owned()),
        Error::DownCountTooLarge { requested, applied } => Some(format!(
            "down -n {requested}: only {applied} migration{} applied; nothing was rolled back",
            if *applied == 1 { " is" } else { "s are" }
        )),
        _ => None,
    }
}

/// What to do about `error`, in the CLI's terms; `None` when the fact says it all.
pub(super) fn hint(error: &Error) -> Option<String> {
    let hint = match error {
        Error::MalformedUrl { .. } => {
            "expected sqlite://PATH, postgres://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB"
        }
        Error::UnsupportedBackend { .. } => {
            "use sqlite://PATH, postgres://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB"
        }
        Error::Dirty { dirty } | Error::LeftDirty { dirty, .. } => {
            return Some(format!(
                "repair the database by hand (finish or undo what {v} did; `status` shows the failed statement), then run `resolve-dirty {v} --applied` (its changes are all in place) or `resolve-dirty {v} --rolled-back` (they are all undone)",
                v = dirty.version
            ));
        }
        Error::NotDirty { .. } => "`status` shows which migration is dirty, if any",
        Error::NoCurrentDatabase => "name the database in the URL: mysql://USER@HOST:PORT/DB",
        Error::MissingSqliteFolder { .. } => "create it or choose another path",
        Error::MissingSqliteDatabase { .. } => "run `up` to create and migrate it",
        Error::WalIndexMissing { .. } => {
            "run a changing command (up) first, or open the database once with sqlite3"
        }
        Error::DefaultFolder { .. } => {
            "choose another path (--default-sqlite-path or MIGRATION_SQLITE_PATH)"
        }
        Error::Connect {
            backend, sqlstate, ..
        } => connect_hint(*backend, sqlstate.as_deref()),
        Error::SchemaNotFound { .. } => "create it first (CREATE SCHEMA)",
        Error::SchemaNotUsable { .. } => {
            "grant it (GRANT USAGE ON SCHEMA) or connect as the role that migrates"
        }
        Error::PermissionDenied { .. } => {
            "this role needs SELECT on the bookkeeping tables (the migrations table and migration_checksums) to read the status, and INSERT/DELETE to migrate"
        }
        Error::NoCurrentSchema => "give the schema to migrate (-s SCHEMA)",
        Error::UnknownVersions { .. } => "run that version of the migrator instead",
        Error::DownCountTooLarge { .. } => "`reset` rolls back all",
        Error::ZeroDownCount => "give -n 1 or more",
        Error::UnknownTargetVersion { .. } => {
            "give a migration's name or the start of exactly one (`status` lists them)"
        }
        Error::AmbiguousTargetVersion { .. } => "give more of the name",
        Error::ZeroUpCount => "give -n 1 or more, or leave -n out to apply all pending migrations",
        Error::LockTimeoutGaveUp { .. } => {
            "run again once those sessions are done, or raise --ddl-lock-timeout or --ddl-retries"
        }
        Error::InvalidIndexes { .. } => {
            "drop them (DROP INDEX CONCURRENTLY name) and run again, or run with --drop-invalid-indexes"
        }
        Error::LockTimeout { .. } => "let that migrator finish, or raise --lock-timeout",
        Error::ChecksumMismatch { .. } => {
            "restore their code, or roll them back and apply them again, or accept the change with `accept-checksum VERSION`; `up --allow-checksum-mismatch` applies pending migrations anyway"
        }
        Error::NoChecksum { .. } => "register its source file with migration_sources!",
        Error::UnsupportedConnection { .. }
        | Error::NotARegularFile { .. }
        | Error::InvalidSchemaName { .. }
        | Error::DurationTooLong { .. }
        | Error::TargetNotApplied { .. }
        | Error::DryRunUnsupported { .. }
        | Error::Migration { .. }
        | Error::Lock { .. }
        | Error::LockFile { .. }
        | Error::NotAMigration { .. }
        | Error::NotApplied { .. }
        | Error::ChecksumAlreadyCurrent { .. } => return None,
    };
    Some(hint.to_owned())
}

/// The line `status` prints for a dirty migration.
pub(crate) fn dirty_line(dirty: &crate::DirtyMigration) -> String {
    let mut line = format!(
        "{:<8} {} (its {} failed half-way on MySQL; `up` and `down` refuse until `resolve-dirty {} --applied|--rolled-back`)",
        "dirty", dirty.version, dirty.direction, dirty.version
    );
    if let Some(statement) = &dirty.statement {
        line.push_str(&format!(
            "; failed statement: {}",
            statement.replace('\n', " ")
        ));
    }
    if let Some(error) = &dirty.error {
        line.push_str(&format!("; error: {}", error.replace('\n', " ")));
    }
    line
}

/// What to check when connecting failed.
fn connect_hint(backend: Backend, sqlstate: Option<&str>) -> &'static str {
    match (backend, sqlstate) {
        (Backend::Sqlite, _) => "check that the file's folder exists and is writable",
        // invalid_password, invalid_authorization_specification
        (_, Some("28P01" | "28000")) => "check the user name and password in the URL",
        _ => "check that the server is running and reachable at that host and port",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_says_what_to_do_after_the_engine_says_what_happened() {
        let error = Error::LockTimeout {
            target: "SQLite file /x".to_owned(),
            waited: 0,
            holder: "process 1".to_owned(),
        };
        assert!(!error.to_string().contains("--lock-timeout"), "{error}");
        assert_eq!(
            error_line(&error),
            "timed out after 0 s waiting for the migration lock on SQLite file /x, held by process 1; hint: let that migrator finish, or raise --lock-timeout"
        );
        let error = Error::DownCountTooLarge {
            requested: 3,
            applied: 1,
        };
        assert_eq!(
            error_line(&error),
            "down -n 3: only 1 migration is applied; nothing was rolled back; hint: `reset` rolls back all"
        );
    }
}
