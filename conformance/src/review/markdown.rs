//! The report as GitHub-flavoured Markdown: what a reviewer must not miss first (edited
//! merged migrations, destructive and risky changes), then the details.

use std::fmt::Write as _;

use super::changes::{Aspect, Change, Item, Level};
use super::md::{code, fence, html, message, text};
use super::rolling;
use super::{MARKER, MigrationChange, MigrationStatus, Report};
use crate::backends::Backend;
use crate::catalog::ObjectKey;
use crate::catalog::ddl::is_mysql_index_item;
use crate::checks::Check;
use crate::report::{SkipReason, Status, SuiteReport};

pub(super) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let verify_failed = report.verify.as_ref().is_some_and(|v| !v.passed());
    if !report.has_changes() {
        let _ = writeln!(
            out,
            "**Schema review** against {}: no schema change.",
            code(&report.base)
        );
        if let Some(verify) = report.verify.as_ref().filter(|_| verify_failed) {
            verify_section(&mut out, verify);
        }
        return out;
    }
    let _ = writeln!(out, "## Schema review against {}\n", code(&report.base));
    summary(&mut out, report);
    edited_warning(&mut out, report);
    migrations_section(&mut out, report);
    flagged_section(&mut out, report);
    changes_section(&mut out, report);
    if let Some(diagram) = report.diagram() {
        let from = report
            .backends
            .iter()
            .find(|b| b.backend == Backend::Postgres)
            .or_else(|| report.backends.first())
            .map_or("", |b| b.backend.name());
        let _ = writeln!(
            out,
            "### Diagram\n\nThe tables this change touches and their neighbours ({from}); what changed is in the attribute comments and relationship labels.\n\n{}",
            fence("mermaid", &diagram, "")
        );
    }
    if let Some(verify) = &report.verify {
        verify_section(&mut out, verify);
        locks_section(&mut out, report, verify);
    }
    sql_section(&mut out, report);
    out
}

fn summary(out: &mut String, report: &Report) {
    let count = |wanted: fn(&MigrationStatus) -> bool| {
        report
            .migrations
            .iter()
            .filter(|m| wanted(&m.status))
            .count()
    };
    let mut parts = Vec::new();
    for (n, one, many) in [
        (
            count(|s| *s == MigrationStatus::New),
            "new migration",
            "new migrations",
        ),
        (
            count(|s| matches!(s, MigrationStatus::Edited(_))),
            "merged migration edited",
            "merged migrations edited",
        ),
        (
            count(|s| *s == MigrationStatus::Removed),
            "merged migration removed",
            "merged migrations removed",
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    let flagged = report.flagged();
    for level in [Level::Destructive, Level::Risky] {
        let n = flagged
            .iter()
            .filter(|(_, i)| i.flag.as_ref().is_some_and(|f| f.level == level))
            .count();
        if n > 0 {
            parts.push(format!(
                "**{n} {}** change{}",
                level.name(),
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    if parts.is_empty() {
        parts.push("schema changes only".to_owned());
    }
    let verify = match &report.verify {
        Some(v) if v.passed() => "; verify passed",
        Some(_) => "; **verify FAILED**",
        None => "",
    };
    let _ = writeln!(out, "{}{verify}.\n", parts.join(", "));
}

fn edited_warning(out: &mut String, report: &Report) {
    for migration in &report.migrations {
        let what = match &migration.status {
            MigrationStatus::Edited(backends) => format!(
                "**An already-merged migration was edited: {}** (its SQL changed on {}). Databases that applied it keep the old schema and will not run it again: restore it and write a new migration instead.",
                code(&migration.name),
                names(backends)
            ),
            MigrationStatus::Removed => format!(
                "**An already-merged migration was removed: {}.** Databases that applied it still hold its changes, and the migrator no longer knows its version.",
                code(&migration.name)
            ),
            MigrationStatus::New => continue,
        };
        let _ = writeln!(out, "> [!CAUTION]\n> {what}\n");
    }
}

fn names(backends: &[Backend]) -> String {
    backends
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn migrations_section(out: &mut String, report: &Report) {
    let _ = writeln!(out, "### Migrations\n");
    if report.migrations.is_empty() {
        let _ = writeln!(out, "No migration is new or changed.\n");
        return;
    }
    // With a verify run: whether each migration is safe for a rolling deploy.
    let verify = report.verify.as_ref();
    let (extra, rule) = match verify {
        Some(_) => (" rolling deploy |", "---|"),
        None => ("", ""),
    };
    let _ = writeln!(
        out,
        "| migration | since {} |{extra}\n|---|---|{rule}",
        cell(&code(&report.base))
    );
    for migration in &report.migrations {
        let status = match &migration.status {
            MigrationStatus::New => "new".to_owned(),
            MigrationStatus::Edited(backends) => {
                format!("**EDITED after merge** ({})", names(backends))
            }
            MigrationStatus::Removed => "**REMOVED after merge**".to_owned(),
        };
        let rolling = match verify {
            Some(_) if migration.status == MigrationStatus::Removed => " |".to_owned(),
            Some(verify) => format!(" {} |", cell(&rolling::verdict(verify, &migration.name))),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {status} |{rolling}",
            cell(&code(&migration.name))
        );
    }
    out.push('\n');
}

fn flagged_section(out: &mut String, report: &Report) {
    let flagged = report.flagged();
    if flagged.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Destructive and risky changes\n\n| | backend | change | why |\n|---|---|---|---|"
    );
    let mut rows: Vec<(Level, Backend, &Item)> = flagged
        .iter()
        .filter_map(|(b, i)| i.flag.as_ref().map(|f| (f.level, *b, *i)))
        .collect();
    rows.sort_by_key(|(level, backend, _)| (*level, *backend));
    for (level, backend, item) in rows {
        let reason = item.flag.as_ref().map_or("", |f| f.reason.as_str());
        let _ = writeln!(
            out,
            "| {} | {backend} | {} | {} |",
            badge(level),
            cell(&describe(&item.change)),
            cell(&message(reason))
        );
    }
    out.push('\n');
}

fn badge(level: Level) -> &'static str {
    match level {
        Level::Destructive => "🛑 **destructive**",
        Level::Risky => "⚠️ **risky**",
    }
}

fn changes_section(out: &mut String, report: &Report) {
    let _ = writeln!(out, "### Schema changes\n");
    for review in &report.backends {
        let _ = writeln!(out, "#### {}\n", review.backend);
        if review.base_missing {
            let _ = writeln!(
                out,
                "_{} has no {} `schema.snap`: everything shows as added._\n",
                code(&report.base),
                review.backend
            );
        }
        if review.current_missing {
            let _ = writeln!(
                out,
                "**The migrations did not all apply on {}: there is no schema to compare** (see Verify).\n",
                review.backend
            );
            continue;
        }
        if review.items.is_empty() {
            let _ = writeln!(out, "No schema change.\n");
            continue;
        }
        for item in &review.items {
            let flag = item
                .flag
                .as_ref()
                .map(|f| format!(" — {}", badge(f.level)))
                .unwrap_or_default();
            let _ = writeln!(out, "- {}{flag}", describe(&item.change));
        }
        out.push('\n');
    }
}

/// One line for a change.
pub(super) fn describe(change: &Change) -> String {
    match change {
        Change::TableAdded { table } => format!("table {} added", code(table)),
        Change::TableDropped { table } => format!("table {} dropped", code(table)),
        Change::TableRenamed { from, to } => format!(
            "table {} renamed to {} (looks like a rename: same columns)",
            code(from),
            code(to)
        ),
        Change::TableRedefined {
            table,
            before,
            after,
        } => format!(
            "table {} redefined: {} → {}",
            code(table),
            code(before),
            code(after)
        ),
        Change::ColumnAdded { table, column } => format!(
            "column {} added: {}",
            code(&format!("{table}.{}", column.name)),
            code(&column.definition)
        ),
        Change::ColumnDropped { table, column } => format!(
            "column {} dropped (was {})",
            code(&format!("{table}.{}", column.name)),
            code(&column.definition)
        ),
        Change::ColumnRenamed { table, from, to } => format!(
            "column {} renamed to {} (looks like a rename: same definition)",
            code(&format!("{table}.{from}")),
            code(to)
        ),
        Change::ColumnChanged {
            table,
            column,
            aspects,
        } => column_changed(table, column, aspects),
        Change::InlineConstraintAdded { table, text } => {
            format!(
                "{} on {} added: {}",
                inline_noun(text),
                code(table),
                code(text)
            )
        }
        Change::InlineConstraintDropped { table, text } => {
            format!(
                "{} on {} dropped: {}",
                inline_noun(text),
                code(table),
                code(text)
            )
        }
        Change::InlineConstraintChanged {
            table,
            before,
            after,
        } => format!(
            "{} on {} changed: {} → {}",
            inline_noun(before),
            code(table),
            code(before),
            code(after)
        ),
        Change::ObjectAdded { object, table, ddl } => {
            let ddl = code(&one_line(ddl));
            object_line(object, table, "added", &format!(": {ddl}"))
        }
        Change::ObjectDropped { object, table, ddl } => {
            let ddl = code(&one_line(ddl));
            object_line(object, table, "dropped", &format!(" (was {ddl})"))
        }
        Change::ObjectChanged {
            object,
            table,
            before,
            after,
        } => {
            let (before, after) = (code(&one_line(before)), code(&one_line(after)));
            object_line(object, table, "changed", &format!(": {before} → {after}"))
        }
    }
}

/// What an item of a table's text is: MySQL writes its indexes there too.
pub(super) fn inline_noun(text: &str) -> &'static str {
    if is_mysql_index_item(text) {
        "index"
    } else {
        "constraint"
    }
}

/// `column t.c changed: type a → b; ...`.
fn column_changed(table: &str, column: &str, aspects: &[Aspect]) -> String {
    let parts: Vec<String> = aspects
        .iter()
        .map(|a| format!("{} {} → {}", a.name, value(&a.before), value(&a.after)))
        .collect();
    let column = code(&format!("{table}.{column}"));
    format!("column {column} changed: {}", parts.join("; "))
}

/// `index i added on t` and what follows (`rest`).
fn object_line(object: &ObjectKey, table: &Option<String>, what: &str, rest: &str) -> String {
    format!(
        "{} {} {what}{}{rest}",
        object.kind,
        code(&object.name),
        on(table)
    )
}

fn on(table: &Option<String>) -> String {
    table
        .as_ref()
        .map(|t| format!(" on {}", code(t)))
        .unwrap_or_default()
}

fn value(text: &str) -> String {
    if text.is_empty() {
        "_none_".to_owned()
    } else {
        code(text)
    }
}

/// A statement on one line, shortened past 160 characters.
fn one_line(ddl: &str) -> String {
    let line = ddl.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

/// Text for a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn verify_section(out: &mut String, verify: &SuiteReport) {
    let _ = writeln!(out, "### Verify\n");
    let mut header = "| check |".to_owned();
    let mut rule = "|---|".to_owned();
    let backends = verify.columns();
    for backend in &backends {
        let _ = write!(header, " {backend} |");
        rule.push_str("---|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for check in Check::ALL {
        let mut line = format!("| {check} |");
        for &backend in &backends {
            let _ = write!(
                line,
                " {} |",
                status(verify.statuses.get(&(check, backend)))
            );
        }
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    let mut reasons: Vec<String> = verify
        .statuses
        .iter()
        .filter_map(|((check, backend), s)| match s {
            Status::Skipped(why) if *why != SkipReason::NotRequested => Some(format!(
                "- skipped {check} on {backend}: {}",
                message(&why.to_string())
            )),
            _ => None,
        })
        .collect();
    reasons.dedup();
    for (backend, why) in &verify.missing {
        reasons.push(format!("- **{backend} missing**: {}", message(why)));
    }
    if !reasons.is_empty() {
        let _ = writeln!(out, "{}\n", reasons.join("\n"));
    }
    if verify.findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
        return;
    }
    let _ = writeln!(out, "#### Findings ({})\n", verify.findings.len());
    for finding in &verify.findings {
        let mut place = match &finding.rule {
            Some(rule) => format!("{}:{rule}", finding.check),
            None => finding.check.to_string(),
        };
        if let Some(backend) = finding.backend {
            let _ = write!(place, " {backend}");
        }
        if let Some(migration) = &finding.migration {
            let _ = write!(place, " {}", text(migration));
        }
        let said = finding.message.trim_end();
        match said.split_once('\n') {
            None => {
                let _ = writeln!(out, "- **{place}**: {}", message(said));
            }
            Some((first, rest)) => {
                let _ = write!(
                    out,
                    "- **{place}**: {}\n\n{}",
                    message(first),
                    fence("text", rest, "  ")
                );
            }
        }
    }
    out.push('\n');
}

/// What the new and edited migrations' first `up` did on PostgreSQL, measured on the
/// walk's populated tables, each beside the squawk rules its SQL broke.
fn locks_section(out: &mut String, report: &Report, verify: &SuiteReport) {
    let lines: Vec<String> = report
        .migrations
        .iter()
        .filter(|m| m.status != MigrationStatus::Removed)
        .filter_map(|m| verify.locks.iter().find(|l| l.migration == m.name))
        .map(|measured| {
            let name = &measured.migration;
            let said = measured.describe(code).unwrap_or_else(|| {
                "no lock stronger than ROW EXCLUSIVE on an existing table, no rewrite".to_owned()
            });
            let rules = squawk_rules(verify, name);
            let beside = if rules.is_empty() {
                String::new()
            } else {
                format!(" (squawk: {})", rules.join(", "))
            };
            format!("- {}: measured: {said}{beside}", code(name))
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "#### Measured locks (postgres)\n\nWhat each new or edited migration's first `up` held on the tables that existed before it, just before commit, on the walk's populated tables; squawk's static findings on the same migration beside it.\n\n{}\n",
        lines.join("\n")
    );
}

/// The squawk rules `migration` broke on PostgreSQL (the lint's own rules left out),
/// from its findings and from findings grouped over several migrations.
fn squawk_rules(verify: &SuiteReport, migration: &str) -> Vec<String> {
    use crate::checks::lint::{IF_EXISTS, NO_OP_DOWN, NO_TRANSACTION};
    let prefix = format!("{migration}:");
    let mut rules: Vec<String> = verify
        .findings
        .iter()
        .filter(|f| f.check == Check::Lint && f.backend == Some(Backend::Postgres))
        .filter(|f| {
            f.migration.as_deref() == Some(migration)
                || f.message
                    .lines()
                    .any(|l| l.trim_start().starts_with(&prefix))
        })
        .filter_map(|f| f.rule)
        .filter(|r| ![IF_EXISTS, NO_OP_DOWN, NO_TRANSACTION].contains(&&**r))
        .map(|r| code(&r))
        .collect();
    rules.dedup();
    rules
}

/// A table cell for a check's status (a status this version does not know shows as
/// `not run`).
fn status(status: Option<&Status>) -> String {
    if let Some(Status::Pass) = status {
        "✅ pass".to_owned()
    } else if let Some(Status::Fail(n)) = status {
        format!("❌ **FAIL ({n})**")
    } else if let Some(Status::Skipped(_)) | None = status {
        "skipped".to_owned()
    } else {
        "not run".to_owned()
    }
}

fn sql_section(out: &mut String, report: &Report) {
    let shown: Vec<&MigrationChange> = report
        .migrations
        .iter()
        .filter(|m| m.status != MigrationStatus::Removed)
        .collect();
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(out, "### SQL\n");
    for migration in shown {
        for (backend, then, now) in &migration.sql {
            let Some(now) = now else { continue };
            match (&migration.status, then) {
                (MigrationStatus::Edited(_), Some(then)) if then.trim_end() != now.trim_end() => {
                    let diff = similar::TextDiff::from_lines(then.trim_end(), now.trim_end())
                        .unified_diff()
                        .header("merged", "now")
                        .to_string();
                    let _ = writeln!(
                        out,
                        "<details><summary><code>{}</code> on {backend}: what changed since the merge</summary>\n\n{}\n</details>\n",
                        html(&migration.name),
                        fence("diff", diff.trim_end(), "")
                    );
                }
                (MigrationStatus::New, _) => {
                    let _ = writeln!(
                        out,
                        "<details><summary><code>{}</code> on {backend}</summary>\n\n{}\n</details>\n",
                        html(&migration.name),
                        fence("sql", now.trim_end(), "")
                    );
                }
                _ => {}
            }
        }
    }
}
