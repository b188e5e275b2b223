//! Every Mermaid diagram the toolkit writes renders with mermaid's own renderer
//! (`mmdc`): every committed ER diagram (`**/snapshots/schema.md`), the diagrams of the review
//! reports snapshotted in `conformance/tests/it/snapshots/`, and a report's diagram built
//! here from this repository's snapshots with a dropped column, a renamed table and a
//! new table. A diagram GitHub would refuse fails here first.
//!
//! Needs `mmdc` and chromium (`.ci/mermaid.sh` installs both). Without them the tests
//! fail, loudly, under CI; `CONFORMANCE_REQUIRE_MERMAID=0` skips them elsewhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::workspace;
use conformance::Backend;
use conformance::review::render::{
    RenderError, mermaid_blocks, mermaid_required, mmdc_available, render_all,
};
use conformance::review::{BackendSnapshots, BaseSnapshots, Current, Report, snapshot_body};

/// False (after saying so) when `mmdc` is missing and may be.
fn renderer_here() -> bool {
    match mmdc_available() {
        Ok(()) => true,
        Err(e) if !mermaid_required() => {
            eprintln!("mermaid: SKIPPED the render test: {e}");
            false
        }
        Err(e) => panic!(
            "{e}; the Mermaid diagrams cannot be checked (set CONFORMANCE_REQUIRE_MERMAID=0 to skip outside CI)"
        ),
    }
}

/// This repository's committed snapshots of one backend.
fn committed(backend: Backend) -> BackendSnapshots {
    let dir = workspace().join("snapshots").join(backend.name());
    let mut out = BackendSnapshots::default();
    for entry in std::fs::read_dir(&dir).expect("snapshot folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_owned();
        let body = snapshot_body(&std::fs::read_to_string(&path).expect("read")).to_owned();
        if name == "schema" {
            out.schema = Some(body);
        } else {
            out.migrations.insert(name, body);
        }
    }
    out
}

/// A report of this repository's schema against itself with a few changes made in the
/// text: a dropped column, a renamed table, a new table with a foreign key.
fn changed_report() -> String {
    let base = BaseSnapshots {
        reference: "main".to_owned(),
        backends: Backend::ALL.iter().map(|b| (*b, committed(*b))).collect(),
    };
    let mut backends = BTreeMap::new();
    for (backend, snapshots) in &base.backends {
        let mut now = snapshots.clone();
        let schema = now.schema.take().unwrap_or_default();
        let schema = schema
            .lines()
            .filter(|l| !l.trim_start().trim_matches('"').starts_with("reviewer"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("TABLE apps (", "TABLE registered_apps (")
            .replace("TABLE \"apps\" (", "TABLE \"registered_apps\" (");
        let schema = format!(
            "{schema}\nCREATE TABLE notes (\n    id varchar NOT NULL PRIMARY KEY,\n    request_id varchar NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE\n);\n"
        );
        now.schema = Some(schema);
        backends.insert(*backend, now);
    }
    let current = Current {
        migrations: base.backends[&Backend::Sqlite]
            .migrations
            .keys()
            .cloned()
            .collect(),
        backends,
        verify: None,
    };
    let report = Report::build(&base, &current);
    assert!(report.diagram().is_some(), "{report}");
    report.to_string()
}

/// Every ER diagram page the harness wrote in this workspace (`**/snapshots/schema.md`:
/// this repository's, the example's, the adopter fixture's).
fn diagram_pages(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir()
            && depth < 4
            && !name.starts_with('.')
            && name != "target"
            && name != "node_modules"
        {
            out.extend(diagram_pages(&path, depth + 1));
        } else if name == "schema.md" && dir.file_name().is_some_and(|d| d == "snapshots") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_diagram_the_toolkit_writes_renders() {
    if !renderer_here() {
        return;
    }
    let mut diagrams = Vec::new();
    let mut add = |label: String, markdown: &str| {
        let blocks = mermaid_blocks(markdown);
        assert!(!blocks.is_empty(), "{label} has no Mermaid diagram");
        for block in blocks {
            diagrams.push((label.clone(), block));
        }
    };
    let pages = diagram_pages(&workspace(), 0);
    assert!(
        pages.iter().any(|p| p.ends_with("snapshots/schema.md")),
        "{pages:?}"
    );
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("schema.md");
        add(page.display().to_string(), &text);
    }
    let reports = workspace().join("conformance/tests/it/snapshots");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&reports)
        .expect("report snapshots")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("it__review"))
        })
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        if mermaid_blocks(&text).is_empty() {
            continue;
        }
        add(path.display().to_string(), snapshot_body(&text));
    }
    add(
        "a report with a dropped column, a renamed and a new table".to_owned(),
        &changed_report(),
    );
    assert!(diagrams.len() >= 3, "{diagrams:?}");
    let work = tempfile::tempdir().expect("temp dir");
    if let Err(e) = render_all(&diagrams, work.path()) {
        panic!("{e}");
    }
}

#[test]
fn a_diagram_mermaid_refuses_fails_the_render() {
    if !renderer_here() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let diagrams = [
        (
            "fine".to_owned(),
            "erDiagram\n    a {\n        int id PK\n    }\n".to_owned(),
        ),
        ("broken".to_owned(), "erDiagram\n    a ||--o{\n".to_owned()),
    ];
    match render_all(&diagrams, work.path()) {
        Err(RenderError::Refused(message)) => {
            assert!(message.starts_with("broken:"), "{message}");
            assert!(message.contains("Parse error"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
