//! The reviewed record of the schema: per backend, the final catalog dump and every
//! migration's executed SQL (insta snapshots), plus a Mermaid ER diagram (`schema.md`).
//!
//! Tests assert them with insta (`INSTA_UPDATE=no` in CI fails on any change);
//! `verify` compares the same files without insta, so that it can report instead of panic.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::catalog::LogicalSchema;
use crate::checks::{BackendRun, Check, Finding};
use crate::sqlfmt::layout;

/// The name of the final-schema snapshot (the others are named after their migration).
pub(crate) const SCHEMA: &str = "schema";

impl BackendRun {
    /// `(name, content)` of every snapshot of this run, schema first: what
    /// [`Suite::snapshots`](crate::Suite::snapshots) compares and writes.
    pub fn snapshots(&self) -> Vec<(String, String)> {
        contents(self)
    }

    /// Asserts every snapshot of this run with insta, under `dir/<backend>/`.
    pub fn assert_snapshots(&self, dir: &Path) {
        assert_snapshots(self, dir)
    }
}

/// `(name, content)` of every snapshot of one backend's run, schema first.
pub(crate) fn contents(run: &BackendRun) -> Vec<(String, String)> {
    let mut out = vec![(SCHEMA.to_owned(), run.final_dump.to_string())];
    for step in &run.steps {
        out.push((
            step.migration.clone(),
            step_text(&step.up_sql(), &step.down_sql()),
        ));
    }
    out
}

fn step_text(up: &[String], down: &[String]) -> String {
    let mut text = String::new();
    for (direction, statements) in [("up", up), ("down", down)] {
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = writeln!(text, "-- {direction}");
        if statements.is_empty() {
            text.push_str("-- (nothing on this backend)\n");
        }
        for statement in statements {
            let _ = writeln!(text, "{};", layout(statement));
        }
    }
    text
}

/// What the snapshot check does with files that are missing or differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Report every missing or differing snapshot (CI).
    Compare,
    /// Write snapshots that do not exist yet (saying so), report those that differ.
    CreateMissing,
    /// Write every snapshot that is missing or differs (saying so): the change is then
    /// reviewed as a diff of the snapshot folder.
    Accept,
}

/// Asserts every snapshot of `run` with insta, under `dir/<backend>/`.
pub(crate) fn assert_snapshots(run: &BackendRun, dir: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir.join(run.backend.name()));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, content) in contents(run) {
            insta::assert_snapshot!(name, content);
        }
    });
}

/// What the snapshot check found and did: findings for what differs, notes for what it
/// wrote.
#[derive(Debug, Default)]
pub(crate) struct SnapshotCheck {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// Compares every snapshot of `run` with the files under `dir/<backend>/`, writing them
/// as `mode` says; snapshot files no migration produces any more are findings (or, when
/// accepting, removed).
pub(crate) fn check(run: &BackendRun, dir: &Path, mode: SnapshotMode) -> SnapshotCheck {
    let backend_dir = dir.join(run.backend.name());
    let mut out = SnapshotCheck::default();
    let produced = contents(run);
    let (mut created, mut updated, mut removed) = (0, 0, 0);
    for (name, content) in &produced {
        let path = backend_dir.join(format!("{name}.snap"));
        let migration = (name != SCHEMA).then_some(name.as_str());
        let finding =
            |message: String| Finding::new(Check::Snapshots, Some(run.backend), migration, message);
        match std::fs::read_to_string(&path) {
            Err(_) if mode == SnapshotMode::Compare => out.findings.push(finding(format!(
                "no reviewed snapshot at {}; create the snapshots with CONFORMANCE_SNAPSHOTS=create (or `verify --accept`), review and commit them",
                path.display()
            ))),
            Err(_) => match write(&path, content) {
                Ok(()) => created += 1,
                Err(e) => out.findings.push(finding(e)),
            },
            Ok(file) if body(&file).trim_end() != content.trim_end() => {
                if mode == SnapshotMode::Accept {
                    match write(&path, content) {
                        Ok(()) => updated += 1,
                        Err(e) => out.findings.push(finding(e)),
                    }
                    continue;
                }
                let diff =
                    similar::TextDiff::from_lines(body(&file).trim_end(), content.trim_end())
                        .unified_diff()
                        .header("reviewed", "now")
                        .to_string();
                out.findings.push(finding(format!(
                    "differs from the reviewed snapshot {}; if the change is intended, accept it (CONFORMANCE_SNAPSHOTS=accept or `verify --accept`) and review the diff:\n{diff}",
                    path.display()
                )));
            }
            Ok(_) => {}
        }
    }
    for stale in snapshot_files(&backend_dir) {
        let name = stale
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if produced.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if mode == SnapshotMode::Accept && std::fs::remove_file(&stale).is_ok() {
            removed += 1;
            continue;
        }
        out.findings.push(Finding::new(
            Check::Snapshots,
            Some(run.backend),
            None,
            format!(
                "{} belongs to no migration any more; delete it",
                stale.display()
            ),
        ));
    }
    for (count, what) in [
        (created, "created"),
        (updated, "updated"),
        (removed, "removed"),
    ] {
        if count > 0 {
            out.notes.push(format!(
                "{what} {count} {} snapshot{} in {}; review and commit them",
                run.backend,
                if count == 1 { "" } else { "s" },
                backend_dir.display()
            ));
        }
    }
    out
}

/// Compares (or writes, as `mode` says) the ER diagram page `dir/schema.md`.
pub(crate) fn check_diagram(
    schema: &LogicalSchema,
    dir: &Path,
    mode: SnapshotMode,
) -> SnapshotCheck {
    let path = dir.join(DIAGRAM);
    let page = schema_markdown(schema, "Schema");
    let mut out = SnapshotCheck::default();
    let finding = |message: String| Finding::new(Check::Snapshots, None, None, message);
    match std::fs::read_to_string(&path) {
        Ok(committed) if committed == page => {}
        Ok(_) if mode != SnapshotMode::Accept => out.findings.push(finding(format!(
            "the ER diagram {} is stale; accept it (CONFORMANCE_SNAPSHOTS=accept or `verify --accept`) and review the diff",
            path.display()
        ))),
        Err(_) if mode == SnapshotMode::Compare => out.findings.push(finding(format!(
            "no ER diagram at {}; create it with CONFORMANCE_SNAPSHOTS=create (or `verify --accept`)",
            path.display()
        ))),
        _ => match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &page)) {
            Ok(()) => out.notes.push(format!("wrote the ER diagram {}", path.display())),
            Err(e) => out.findings.push(finding(format!(
                "cannot write {}: {e}",
                path.display()
            ))),
        },
    }
    out
}

/// The ER diagram page's file name in the snapshot folder.
pub(crate) const DIAGRAM: &str = "schema.md";

/// Writes one snapshot in insta's file format, so that insta's tools read it too.
fn write(path: &Path, content: &str) -> Result<(), String> {
    let file = format!(
        "---\nsource: conformance/src/snapshots.rs\n---\n{}\n",
        content.trim_end()
    );
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, file))
        .map_err(|e| format!("cannot write the snapshot {}: {e}", path.display()))
}

/// The content of an insta snapshot file, without its `---` header.
fn body(file: &str) -> &str {
    file.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(file, |(_, body)| body)
}

fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    files.sort();
    files
}

/// A Markdown page with a Mermaid ER diagram of `schema`: every table with its key
/// columns (primary, foreign, unique), and every foreign key with its actions.
pub(crate) fn schema_markdown(schema: &LogicalSchema, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(
        out,
        "Generated by the conformance harness from the migrated PostgreSQL catalog; do not edit.\n\
         Key columns only: PK primary key, FK foreign key, UK unique.\n"
    );
    out.push_str("```mermaid\nerDiagram\n");
    for (name, table) in &schema.tables {
        for fk in &table.foreign_keys {
            let _ = writeln!(
                out,
                "    {} ||--o{{ {name} : \"{} ON DELETE {}\"",
                fk.ref_table,
                fk.columns.join(", "),
                fk.on_delete
            );
        }
    }
    for (name, table) in &schema.tables {
        let _ = writeln!(out, "    {name} {{");
        for column in &table.columns {
            let mut keys = Vec::new();
            if table.primary_key.contains(&column.name) {
                keys.push("PK");
            }
            if table
                .foreign_keys
                .iter()
                .any(|fk| fk.columns.contains(&column.name))
            {
                keys.push("FK");
            }
            let unique = table
                .unique_constraints
                .iter()
                .any(|u| u.contains(&column.name))
                || table
                    .indexes
                    .values()
                    .any(|i| i.unique && i.columns.contains(&column.name));
            if unique {
                keys.push("UK");
            }
            if !keys.is_empty() {
                let _ = writeln!(
                    out,
                    "        {} {} {}",
                    column.kind,
                    column.name,
                    keys.join(", ")
                );
            }
        }
        let _ = writeln!(out, "    }}");
    }
    out.push_str("```\n");
    let _ = writeln!(
        out,
        "\n{} tables, {} columns, {} foreign keys.",
        schema.tables.len(),
        schema
            .tables
            .values()
            .map(|t| t.columns.len())
            .sum::<usize>(),
        schema
            .tables
            .values()
            .map(|t| t.foreign_keys.len())
            .sum::<usize>()
    );
    out
}
