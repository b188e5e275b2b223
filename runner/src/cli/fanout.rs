//! `up` and `status` over many targets (`--schemas PATTERN`, `--targets-file FILE`): the
//! engine's fan-out, then a summary table (or `--json`) at the end, and one `error:` line
//! naming the failed targets.

use std::io::Write;
use std::num::NonZeroUsize;

use sea_orm_migration::MigratorTrait;

use super::args::{Args, FanOutArgs};
use super::{CliError, plural, say};
use crate::checksum::Sources;
use crate::engine::Operation;
use crate::fanout::{DEFAULT_JOBS, FanOut, FanOutError, FanOutReport, TargetSet};
use crate::pg_schema::PgSchema;
use crate::target::Target;

/// Runs `operation` (`None`: status) on every target `fan_out` names.
pub(super) async fn run<M: MigratorTrait>(
    args: &Args,
    fan_out: &FanOutArgs,
    operation: Option<Operation>,
    json: bool,
    sources: Sources,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Refused before anything is read or opened: the schema is an identifier, never SQL.
    if fan_out.targets_file.is_some() {
        PgSchema::parse(&args.database_schema)?;
    }
    let targets = match (&fan_out.schemas, &fan_out.targets_file) {
        (Some(pattern), _) => TargetSet::Schemas {
            // No -u: the default SQLite file, which has no schemas.
            url: args
                .database_url
                .clone()
                .ok_or_else(|| FanOutError::SchemasNeedPostgres {
                    target: format!(
                        "the default SQLite file {}",
                        args.default_sqlite_path.display()
                    ),
                })?,
            pattern: pattern.clone(),
        },
        (None, Some(file)) => TargetSet::UrlFile(file.clone()),
        (None, None) => return Ok(()),
    };
    let jobs = fan_out.jobs.map_or(DEFAULT_JOBS, usize::from);
    let settings = FanOut::default()
        .jobs(NonZeroUsize::new(jobs).unwrap_or(NonZeroUsize::MIN))
        .max_failures(
            fan_out
                .max_failures
                .and_then(|k| NonZeroUsize::new(usize::try_from(k).unwrap_or(usize::MAX))),
        )
        // Every target's: -s is ignored on SQLite, and a matched schema replaces it.
        .options(
            super::options_for(args, &Target::Sqlite { path: None }, sources)
                .schema(args.database_schema.clone()),
        );
    let report = match operation {
        Some(operation) => crate::run_many::<M>(&targets, operation, &settings).await?,
        None => crate::status_many::<M>(&targets, &settings).await?,
    };
    if json {
        say(out, &report.to_json());
    } else {
        print_table(&report, out);
    }
    verdict(&report, fan_out.max_failures)
}

/// The summary: one row per target (target, applied, pending, duration, error), the
/// skipped ones last, then the counts.
fn print_table(report: &FanOutReport, out: &mut dyn Write) {
    let mut rows: Vec<[String; 5]> = vec![[
        "target".to_owned(),
        "applied".to_owned(),
        "pending".to_owned(),
        "duration".to_owned(),
        "error".to_owned(),
    ]];
    for outcome in &report.outcomes {
        let (applied, pending, error) = match &outcome.error {
            // What it applied before failing stays applied: counted, not hidden.
            Some(error) => (
                outcome.applied.len().to_string(),
                "-".to_owned(),
                one_line(error),
            ),
            None => (
                outcome.applied.len().to_string(),
                outcome.pending.len().to_string(),
                String::new(),
            ),
        };
        let millis = outcome.duration.as_millis();
        rows.push([
            outcome.target.clone(),
            applied,
            pending,
            format!("{millis} ms"),
            error,
        ]);
    }
    for target in &report.skipped {
        rows.push([
            target.clone(),
            "-".to_owned(),
            "-".to_owned(),
            "-".to_owned(),
            "skipped: not started (--max-failures reached)".to_owned(),
        ]);
    }
    let width = |column: usize| rows.iter().map(|r| r[column].chars().count()).max();
    let widths: Vec<usize> = (0..4).map(|c| width(c).unwrap_or(0)).collect();
    for row in &rows {
        let line = format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
        say(out, line.trim_end());
    }
    let failed = report.failed().len();
    say(
        out,
        &format!(
            "{} target{}: {} succeeded, {failed} failed, {} skipped",
            report.outcomes.len() + report.skipped.len(),
            plural(report.outcomes.len() + report.skipped.len()),
            report.outcomes.len() - failed,
            report.skipped.len()
        ),
    );
}

/// Exit 1 naming the failed targets (and how many were skipped) unless all succeeded.
fn verdict(report: &FanOutReport, max_failures: Option<u32>) -> Result<(), CliError> {
    if report.is_success() {
        return Ok(());
    }
    // The first few with their errors; the table lists them all.
    const NAMED: usize = 3;
    let failed = report.failed();
    let mut named: Vec<String> = failed
        .iter()
        .take(NAMED)
        .filter_map(|o| Some(format!("{} ({})", o.target, one_line(o.error.as_ref()?))))
        .collect();
    if failed.len() > NAMED {
        named.push(format!("and {} more (see the table)", failed.len() - NAMED));
    }
    let total = report.outcomes.len() + report.skipped.len();
    let mut line = format!(
        "{} of {total} target{} failed: {}",
        failed.len(),
        plural(total),
        named.join("; ")
    );
    if !report.skipped.is_empty() {
        line.push_str(&format!(
            "; {} not started after {} failure{} (--max-failures)",
            report.skipped.len(),
            max_failures.unwrap_or_default(),
            plural(usize::try_from(max_failures.unwrap_or_default()).unwrap_or(0))
        ));
    }
    Err(CliError::TargetsFailed(line))
}

fn one_line(error: &crate::Error) -> String {
    error.to_string().replace('\n', " ")
}
