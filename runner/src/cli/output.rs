//! What the CLI prints: events as they come, the report of a run, the status, and
//! `status --check`'s verdict. Every line goes through [`say`] (redacted).

use std::io::Write;

use super::{CliError, plural, say};
use crate::checksum::CHECKSUM_HISTORY_TABLE;
use crate::engine::{Operation, Report};
use crate::error::Error;
use crate::event::Event;
use crate::status::{MigrationState, Status};

pub(super) fn print_event(event: &Event, out: &mut dyn Write) {
    let line = match event {
        // Shown by the progress bar on a terminal; a line per migration follows anyway.
        Event::Starting { .. } => return,
        Event::WaitingForLock { holder, timeout } => format!(
            "waiting up to {} s for the migration lock, held by {holder}",
            timeout.as_secs()
        ),
        Event::ChecksumMismatchAllowed { versions } => format!(
            "warning: applied migrations changed since they were applied (checksum mismatch): {}; going on because of --allow-checksum-mismatch",
            versions.join(", ")
        ),
        Event::ChecksumsBackfilled { versions } => format!(
            "recorded the checksum{} of {} migration{} applied without one",
            plural(versions.len()),
            versions.len(),
            plural(versions.len())
        ),
        Event::LockTimeoutRetry {
            name,
            attempt,
            retries,
            pause,
            holders,
        } => format!(
            "{name} waited too long for a table lock (attempt {attempt} of {}) and was rolled back; trying again in {} ms{}",
            retries + 1,
            pause.as_millis(),
            if holders.is_empty() {
                String::new()
            } else {
                format!("; locks held by {}", holders.join("; "))
            }
        ),
        Event::InvalidIndexDropped { index } => format!(
            "dropped the INVALID index {index} (left by a failed concurrent build), as --drop-invalid-indexes asks"
        ),
        Event::Applied { name, elapsed } => format!("applied {name} ({} ms)", elapsed.as_millis()),
        Event::RolledBack { name, elapsed } => {
            format!("rolled back {name} ({} ms)", elapsed.as_millis())
        }
        Event::Statement {
            sql,
            elapsed,
            failed,
            migration,
            batch,
        } => statement_line(sql, *elapsed, *failed, migration.as_deref(), *batch),
    };
    say(out, &line);
}

/// `-v`: `  1.234 ms  SQL;`, the runner's own statements marked `[runner]`, failed ones
/// `[failed]`; the statements of one batch (one `execute_unprepared` string) marked
/// `[k/n of one call]`, the call's duration on the first.
fn statement_line(
    sql: &str,
    elapsed: std::time::Duration,
    failed: bool,
    migration: Option<&str>,
    batch: Option<(usize, usize)>,
) -> String {
    let millis = elapsed.as_secs_f64() * 1000.0;
    let time = match batch {
        Some((index, _)) if index > 1 => format!("{:>9} ms", "..."),
        _ => format!("{millis:>9.3} ms"),
    };
    let part = match batch {
        Some((index, count)) => format!("[{index}/{count} of one call] "),
        None => String::new(),
    };
    let by = if migration.is_some() { "" } else { "[runner] " };
    let outcome = if failed { "[failed] " } else { "" };
    format!("  {time}  {outcome}{by}{part}{sql};")
}

pub(super) fn print_report(
    operation: &Operation,
    report: &Report,
    known: usize,
    out: &mut dyn Write,
) {
    let rolled_back = || {
        if report.rolled_back.is_empty() {
            "nothing to roll back: no migration is applied".to_owned()
        } else {
            let n = report.rolled_back.len();
            format!("{n} migration{} rolled back", plural(n))
        }
    };
    let applied = || {
        if report.applied.is_empty() && report.pending.is_empty() {
            format!("nothing pending: all {known} migrations are applied")
        } else {
            let n = report.applied.len();
            format!(
                "{n} migration{} applied, {} pending",
                plural(n),
                report.pending.len()
            )
        }
    };
    match operation {
        Operation::UpTo { version } if report.applied.is_empty() => say(
            out,
            &format!("nothing to apply: {version} and every migration before it are applied"),
        ),
        Operation::DownTo { version } if report.rolled_back.is_empty() => say(
            out,
            &format!("nothing to roll back: no migration after {version} is applied"),
        ),
        Operation::Up { .. } | Operation::UpTo { .. } => say(out, &applied()),
        Operation::Down { .. } | Operation::DownTo { .. } | Operation::Reset => {
            say(out, &rolled_back())
        }
        Operation::Refresh => {
            say(out, &rolled_back());
            say(out, &applied());
        }
        Operation::Fresh => say(
            out,
            &format!(
                "dropped every table, then applied all {} migrations",
                report.applied.len()
            ),
        ),
        Operation::ResolveDirty { version, applied } => say(
            out,
            &format!(
                "resolved the dirty state of {version}: recorded as {}",
                if *applied {
                    "applied"
                } else {
                    "not applied (rolled back)"
                }
            ),
        ),
        Operation::AcceptChecksum { .. } => {
            if let Some(accepted) = &report.accepted {
                say(
                    out,
                    &format!(
                        "accepted the checksum of {}: was {}, now {} (both kept in {CHECKSUM_HISTORY_TABLE})",
                        accepted.version, accepted.old, accepted.new
                    ),
                );
            }
        }
    }
}

pub(super) fn print_status(status: &Status, out: &mut dyn Write) {
    if let Some(dirty) = &status.dirty {
        say(out, &crate::cli::hints::dirty_line(dirty));
    }
    for migration in &status.migrations {
        let name = &migration.name;
        let line = match &migration.state {
            MigrationState::Pending => format!("{:<8} {name}", "pending"),
            MigrationState::Changed { parts } => format!(
                "{:<8} {name} (its {} changed since it was applied)",
                "changed",
                parts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            MigrationState::Unknown => format!("{:<8} {name} (not in this binary)", "unknown"),
            MigrationState::AppliedUnrecorded => format!(
                "{:<8} {name} (no checksum recorded yet; the next `up` records it)",
                "applied"
            ),
            _ => format!("{:<8} {name}", "applied"),
        };
        say(out, &line);
        if migration.has_no_checksum() {
            say(
                out,
                &format!("         {name} has no checksum: its edits cannot be seen"),
            );
        }
        for gap in &migration.gaps {
            say(out, &format!("         {name}: {gap}"));
        }
    }
    let mut summary = format!(
        "{} applied, {} pending, {} unknown, {} changed",
        status.applied().len(),
        status.pending().len(),
        status.unknown().len(),
        status.changed().len()
    );
    let without = status.without_checksum().len();
    if without > 0 {
        summary.push_str(&format!(", {without} without checksum"));
    }
    say(out, &summary);
}

/// Unknown versions always fail; with `check`, so do pending, changed and
/// unchecksummed migrations, all named in one line.
pub(super) fn verdict(status: &Status, check: bool) -> Result<(), CliError> {
    let unknown = status.unknown();
    if !unknown.is_empty() {
        return Err(Error::UnknownVersions {
            versions: unknown.iter().map(|v| (*v).to_owned()).collect(),
        }
        .into());
    }
    if !check {
        return Ok(());
    }
    let mut problems = Vec::new();
    let pending = status.pending();
    if !pending.is_empty() {
        problems.push(format!(
            "{} migration{} pending: {}; run `up`",
            pending.len(),
            plural(pending.len()),
            pending.join(", ")
        ));
    }
    let changed = status.changed();
    if !changed.is_empty() {
        problems.push(format!(
            "{} applied migration{} changed since applied (checksum mismatch): {}; restore the code, roll back and apply again, or `accept-checksum VERSION`",
            changed.len(),
            plural(changed.len()),
            changed.join(", ")
        ));
    }
    let without = status.without_checksum();
    if !without.is_empty() {
        problems.push(format!(
            "{} migration{} without a checksum (edits to {} cannot be seen): {}; register the sources with migration_sources!",
            without.len(),
            plural(without.len()),
            if without.len() == 1 { "it" } else { "them" },
            without.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::CheckFailed(format!(
            "status --check: {}",
            problems.join("; ")
        )))
    }
}
