//! What `generate` does to the file system: one run at a time per migration folder,
//! each file replaced whole (through symlinks, its mode kept), and rustfmt given only the
//! new migration's text, never a file.

use std::fs::{File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::GenerateError;

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError {
    let path = path.to_path_buf();
    move |source| GenerateError::Io {
        action,
        path,
        source,
    }
}

/// Holds an exclusive lock (flock) on the migration folder itself until dropped, so that
/// concurrent `generate` runs on one crate read and rewrite the lists one after the
/// other. The folder, not a list file, because the lists are replaced by rename (a lock
/// on the old file would not cover the new one), and so that no lock file is left in
/// the crate.
#[derive(Debug)]
pub(super) struct FolderLock {
    _folder: File,
}

impl FolderLock {
    /// Waits for the lock on `dir`.
    pub(super) fn take(dir: &Path) -> Result<Self, GenerateError> {
        let folder = File::open(dir).map_err(io_error("cannot open the folder to lock", dir))?;
        folder
            .lock()
            .map_err(io_error("cannot lock the folder", dir))?;
        Ok(Self { _folder: folder })
    }
}

pub(super) fn read(path: &Path) -> Result<String, GenerateError> {
    std::fs::read_to_string(path).map_err(io_error("cannot read", path))
}

/// The file `path` names, symlinks resolved: the link's target for an existing file (a
/// dangling link is an error, not replaced by a file), the resolved folder joined with
/// the name for a new one.
fn real_path(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(real) => Ok(real),
        Err(e) if e.kind() == ErrorKind::NotFound && path.symlink_metadata().is_err() => {
            let name = path.file_name().ok_or(e)?;
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            Ok(std::fs::canonicalize(folder.unwrap_or(Path::new(".")))?.join(name))
        }
        Err(e) => Err(e),
    }
}

/// The permissions of `real`, `None` when it does not exist yet.
fn mode_of(real: &Path) -> std::io::Result<Option<Permissions>> {
    match std::fs::metadata(real) {
        Ok(meta) => Ok(Some(meta.permissions())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `text` to a temporary file beside the real file `path` names (a symlink stays
/// a link to the updated file), with that file's permissions, then renames it into
/// place: the file is either as it was or complete.
pub(super) fn write_atomically(path: &Path, text: &str) -> Result<(), GenerateError> {
    let real = real_path(path).map_err(io_error("cannot resolve", path))?;
    let mode = mode_of(&real).map_err(io_error("cannot read the mode of", path))?;
    let folder = real.parent().unwrap_or(Path::new("."));
    let file_name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = folder.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            if let Some(mode) = mode {
                f.set_permissions(mode)?;
            }
            f.sync_all()
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io_error("cannot write", path)(e));
    }
    std::fs::rename(&temp, &real).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error("cannot write", path)(e)
    })
}

/// `text` formatted by rustfmt (`$RUSTFMT` or `rustfmt`, edition 2024, the
/// `rustfmt.toml` found from `folder` up), through stdin and stdout: rustfmt reads and
/// writes no file, so it cannot follow `mod` declarations into other files. On failure,
/// `text` unchanged and why.
pub(super) fn rustfmt(text: &str, folder: &Path) -> (String, Result<(), String>) {
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let shown = Path::new(&program).display().to_string();
    let output = Command::new(&program)
        .args(["--edition", "2024"])
        .current_dir(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            // rustfmt reads all of stdin before it writes: no deadlock.
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(text.as_bytes())?;
            }
            child.wait_with_output()
        });
    match output {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            match String::from_utf8(out.stdout) {
                Ok(formatted) => (formatted, Ok(())),
                Err(_) => (text.to_owned(), Err(format!("{shown} printed non-UTF-8"))),
            }
        }
        Ok(out) => (
            text.to_owned(),
            Err(format!(
                "rustfmt failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .trim()
                    .replace('\n', " ")
            )),
        ),
        Err(e) => (
            text.to_owned(),
            Err(format!("{shown} could not be run ({e})")),
        ),
    }
}
