//! The generated files as data: written to a folder, or compared with one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context;
use similar::TextDiff;

/// File name → content of every generated file, in name order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct GeneratedFiles {
    files: BTreeMap<String, String>,
}

impl GeneratedFiles {
    pub fn insert(&mut self, name: impl Into<String>, content: String) {
        self.files.insert(name.into(), content);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The generated files currently in `dir` (`*.rs`, `*.md`).
    pub fn read_from(dir: &Path) -> anyhow::Result<Self> {
        let mut files = Self::default();
        for name in generated_names_in(dir)? {
            let path = dir.join(&name);
            let content = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            files.insert(name, content);
        }
        Ok(files)
    }

    /// Writes every file into `dir` (created if missing) and removes files there that
    /// an earlier run generated but this one did not (a dropped table), so the folder
    /// holds exactly the output.
    pub fn write_to(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for stale in generated_names_in(dir)? {
            if !self.files.contains_key(&stale) {
                let path = dir.join(&stale);
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove stale {}", path.display()))?;
            }
        }
        for (name, content) in &self.files {
            let path = dir.join(name);
            std::fs::write(&path, content)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// How the generated files in `dir` differ from these; empty when they match.
    pub fn drift_from(&self, dir: &Path) -> anyhow::Result<Drift> {
        let mut drift = Drift::default();
        let on_disk = generated_names_in(dir)?;
        for name in &on_disk {
            if !self.files.contains_key(name) {
                drift.entries.push(DriftEntry::Extra(name.clone()));
            }
        }
        for (name, expected) in &self.files {
            let path = dir.join(name);
            if !on_disk.contains(name) {
                drift.entries.push(DriftEntry::Missing(name.clone()));
                continue;
            }
            let actual = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if &actual != expected {
                let diff = TextDiff::from_lines(actual.as_str(), expected.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("committed/{name}"), &format!("regenerated/{name}"))
                    .to_string();
                drift.entries.push(DriftEntry::Changed {
                    name: name.clone(),
                    diff,
                });
            }
        }
        Ok(drift)
    }
}

/// The names of the files in `dir` that the generator owns (`*.rs`, `*.md`), sorted.
fn generated_names_in(dir: &Path) -> anyhow::Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && (name.ends_with(".rs") || name.ends_with(".md")) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Differences between committed and regenerated files.
#[derive(Debug, Default)]
pub struct Drift {
    entries: Vec<DriftEntry>,
}

#[derive(Debug)]
enum DriftEntry {
    /// Generated now, absent from the folder.
    Missing(String),
    /// In the folder, no longer generated.
    Extra(String),
    Changed {
        name: String,
        diff: String,
    },
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for entry in &self.entries {
            match entry {
                DriftEntry::Missing(name) => writeln!(f, "missing (not committed): {name}")?,
                DriftEntry::Extra(name) => writeln!(f, "extra (no longer generated): {name}")?,
                DriftEntry::Changed { name, diff } => writeln!(f, "changed: {name}\n{diff}")?,
            }
        }
        Ok(())
    }
}
