//! `generate NAME`: a new migration file from this project's template, formatted, and
//! registered in the migrator's lists. Touches no database.
//!
//! Two layouts are understood:
//! - a migrations folder (`src/migrations/` with a `mod.rs` of `pub mod mX;` lines) whose
//!   `lib.rs` lists the migrations in a macro call (`migrations!(mA, mB, ...)`, or
//!   `migration_sources!("src/migrations" => mA, mB)`) or in `vec![Box::new(mA::Migration), ...]`;
//! - sea-orm-cli's stock layout: the files beside `lib.rs`, which declares `mod mX;` and
//!   lists `Box::new(mX::Migration)` in a `vec![...]`.
//!
//! Nothing is left half-done: every edit is computed before anything is written, each
//! file is written to a temporary file in its folder and renamed into place, and when
//! registering fails the new file is removed and the list files are restored. Only the
//! new file's text goes through rustfmt; the lists are edited in their own style, so no
//! other file (an applied migration above all) is reformatted. A symlinked list stays a
//! link to the updated file, a rewritten file keeps its mode, and concurrent runs on one
//! migration folder are serialised by a lock on that folder.

use std::path::{Path, PathBuf};

mod files;
mod lists;

use files::{FolderLock, read, rustfmt, write_atomically};
use lists::{declare_module, register_flat, register_in_lib};

/// Why `generate` wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The name is not a lowercase snake_case identifier.
    #[error("invalid migration name {name:?}: {reason}; use lowercase snake_case, e.g. add_widget")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A migration of that name exists already.
    #[error(
        "a migration named {name} exists already: {}; choose another name",
        existing.display()
    )]
    Exists {
        /// The name.
        name: String,
        /// The existing file.
        existing: PathBuf,
    },
    /// The migration folder was not found.
    #[error("{0}")]
    NoMigrationDir(String),
    /// The migrator's list was not found in a file.
    #[error(
        "cannot register the migration in {}: {reason}; nothing was written",
        file.display()
    )]
    NoList {
        /// The file.
        file: PathBuf,
        /// What was looked for.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}; nothing was changed", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

/// What `generate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Generated {
    /// The module name, `mYYYYMMDD_HHMMSS_NAME`.
    pub module: String,
    /// The new migration file.
    pub file: PathBuf,
    /// The files whose migration list now includes it.
    pub registered_in: Vec<PathBuf>,
    /// How formatting went: `Ok` formatted, `Err` why not (never a failure).
    pub formatted: Result<(), String>,
}

/// Writes migration `name` stamped `stamp` (`YYYYMMDD_HHMMSS`) into the migration folder
/// `dir`, or the one found from `cwd`, and registers it.
pub fn generate(
    name: &str,
    stamp: &str,
    dir: Option<&Path>,
    cwd: &Path,
) -> Result<Generated, GenerateError> {
    check_name(name)?;
    let layout = match dir {
        Some(dir) => Layout::of(&absolute(cwd, dir))?,
        None => Layout::find(cwd)?,
    };
    let module = format!("m{stamp}_{name}");
    let file = layout.dir().join(format!("{module}.rs"));
    let (text, formatted) = rustfmt(&template(&module), layout.dir());

    // From the check of the name to the last write, one run at a time.
    let _lock = FolderLock::take(layout.dir())?;
    refuse_existing(layout.dir(), name, &file)?;
    // Every edit is computed, from the lists as they are now, before anything is written.
    let mut edits = Vec::new();
    for (path, edit) in layout.list_files() {
        let before = read(&path)?;
        let after = edit(&before, &module).map_err(|reason| GenerateError::NoList {
            file: path.clone(),
            reason,
        })?;
        edits.push((path, before, after));
    }

    write_atomically(&file, &text)?;
    for (done, (path, _, after)) in edits.iter().enumerate() {
        if let Err(error) = write_atomically(path, after) {
            // Undo: the lists as they were, and no new file.
            for (path, before, _) in &edits[..done] {
                let _ = write_atomically(path, before);
            }
            let _ = std::fs::remove_file(&file);
            return Err(error);
        }
    }
    Ok(Generated {
        module,
        file,
        registered_in: edits.into_iter().map(|(path, _, _)| path).collect(),
        formatted,
    })
}

/// The text of a new migration: compiles in any project with sea-orm-migration (it uses
/// only its prelude), and fails clearly until its `up` and `down` are written.
pub fn template(module: &str) -> String {
    TEMPLATE.replace("{module}", module)
}

const TEMPLATE: &str = r#"//! {module}: TODO say in one line what this migration changes, and why.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        supported_backend(manager, self.name())?;
        // The change, e.g. `manager.create_table(Table::create()...).await`.
        Err(not_written_yet(self.name(), "up"))
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        supported_backend(manager, self.name())?;
        // Exactly what undoes `up`, e.g. `manager.drop_table(Table::drop()...).await`.
        Err(not_written_yet(self.name(), "down"))
    }

    /// The change and its bookkeeping row commit together or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Refuses a backend this migration was not written for, rather than half-migrating it.
fn supported_backend(manager: &SchemaManager, migration: &str) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        sea_orm::DbBackend::Sqlite | sea_orm::DbBackend::Postgres => Ok(()),
        other => Err(DbErr::Migration(format!(
            "migration {migration}: the {} backend is not supported; run it against SQLite or PostgreSQL",
            other.as_str()
        ))),
    }
}

/// Delete once `up` and `down` are written.
fn not_written_yet(migration: &str, direction: &str) -> DbErr {
    DbErr::Migration(format!(
        "migration {migration}: its {direction} is not written yet"
    ))
}
"#;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Lowercase snake_case: `[a-z][a-z0-9]*(_[a-z0-9]+)*`, not a keyword, at most 64 bytes.
pub fn check_name(name: &str) -> Result<(), GenerateError> {
    let invalid = |reason: &str| {
        Err(GenerateError::InvalidName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if name.is_empty() {
        return invalid("it is empty");
    }
    if name.len() > 64 {
        return invalid("it is longer than 64 characters");
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return invalid("it must start with a lowercase letter");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return invalid("only lowercase letters, digits and underscores are allowed");
    }
    if name.ends_with('_') || name.contains("__") {
        return invalid("underscores separate words: no double or trailing underscore");
    }
    if KEYWORDS.contains(&name) {
        return invalid("it is a Rust keyword");
    }
    Ok(())
}

/// Where the migration files and the migrator's lists are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Layout {
    /// Files in a folder with a `mod.rs`; the list in the parent's `lib.rs`.
    Folder { dir: PathBuf },
    /// Files beside `lib.rs`, which declares and lists them (sea-orm-cli's layout).
    Flat { dir: PathBuf },
}

type Edit = fn(&str, &str) -> Result<String, String>;

impl Layout {
    /// The layout of the migration folder `dir`.
    fn of(dir: &Path) -> Result<Self, GenerateError> {
        if dir.join("mod.rs").is_file() && dir.parent().is_some_and(|p| p.join("lib.rs").is_file())
        {
            return Ok(Self::Folder {
                dir: dir.to_path_buf(),
            });
        }
        if dir.join("lib.rs").is_file() {
            return Ok(Self::Flat {
                dir: dir.to_path_buf(),
            });
        }
        Err(GenerateError::NoMigrationDir(format!(
            "{} is not a migration folder: it needs a mod.rs (and a lib.rs beside it) or a lib.rs; give --migration-dir",
            dir.display()
        )))
    }

    /// `migration/` under `cwd` (as from a workspace root), else `cwd` itself: its
    /// `src/migrations` when that has a `mod.rs`, else its `src`.
    fn find(cwd: &Path) -> Result<Self, GenerateError> {
        for root in [cwd.join("migration"), cwd.to_path_buf()] {
            if !root.join("Cargo.toml").is_file() || !root.join("src/lib.rs").is_file() {
                continue;
            }
            let folder = root.join("src/migrations");
            return Self::of(if folder.join("mod.rs").is_file() {
                &folder
            } else {
                folder.parent().unwrap_or(&root)
            });
        }
        Err(GenerateError::NoMigrationDir(format!(
            "no migration crate found in {} (neither migration/Cargo.toml nor Cargo.toml with src/lib.rs); run it from the workspace or the migration crate, or give --migration-dir",
            cwd.display()
        )))
    }

    fn dir(&self) -> &Path {
        match self {
            Self::Folder { dir } | Self::Flat { dir } => dir,
        }
    }

    /// The files holding the migrator's lists, each with its edit.
    fn list_files(&self) -> Vec<(PathBuf, Edit)> {
        match self {
            Self::Folder { dir } => {
                let lib = dir
                    .parent()
                    .map_or_else(|| PathBuf::from("lib.rs"), |p| p.join("lib.rs"));
                vec![
                    (lib, register_in_lib as Edit),
                    (dir.join("mod.rs"), declare_module as Edit),
                ]
            }
            Self::Flat { dir } => vec![(dir.join("lib.rs"), register_flat as Edit)],
        }
    }
}

fn absolute(cwd: &Path, dir: &Path) -> PathBuf {
    if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        cwd.join(dir)
    }
}

/// Refuses `file` if present, and any migration `m<stamp>_<name>.rs` in `dir`.
fn refuse_existing(dir: &Path, name: &str, file: &Path) -> Result<(), GenerateError> {
    let exists = |existing: PathBuf| GenerateError::Exists {
        name: name.to_owned(),
        existing,
    };
    if file.exists() {
        return Err(exists(file.to_path_buf()));
    }
    let entries = std::fs::read_dir(dir).map_err(|source| GenerateError::Io {
        action: "cannot read the folder",
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(|f| f.strip_suffix(".rs")) else {
            continue;
        };
        if migration_name(stem) == Some(name) {
            return Err(exists(entry.path()));
        }
    }
    Ok(())
}

/// `NAME` of a module named `mYYYYMMDD_HHMMSS_NAME`.
pub(super) fn migration_name(module: &str) -> Option<&str> {
    let rest = module.strip_prefix('m')?;
    let (date, rest) = rest.split_at_checked(8)?;
    let rest = rest.strip_prefix('_')?;
    let (time, rest) = rest.split_at_checked(6)?;
    let name = rest.strip_prefix('_')?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (digits(date) && digits(time)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["add_widget", "a", "widgets2", "add_2fa_codes"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Add",
            "add-widget",
            "2fa",
            "_x",
            "x_",
            "a__b",
            "mod",
            "self",
            "add widget",
            "ä",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn migration_names() {
        assert_eq!(
            migration_name("m20250101_000005_api_tokens"),
            Some("api_tokens")
        );
        assert_eq!(migration_name("mod"), None);
        assert_eq!(migration_name("m2025010_000005_x"), None);
    }
}
