//! The SQLite lock: an exclusive `flock` on the database file itself, so that every path
//! to one file (a symlink, a hard link, `..`, another mount of the same folder) is one
//! lock, and no other file is ever opened, created or written for it.
//!
//! - The file is opened read-only and never written: a lock cannot truncate or redirect
//!   anything. It must be a regular file (`/dev/null` is refused before anything).
//! - `flock` locks and SQLite's own locks (`fcntl` byte ranges) are independent on Linux,
//!   so holding this lock never blocks SQLite; the kernel drops it when the process dies.
//! - POSIX rule: closing *any* descriptor of a file drops every `fcntl` lock the process
//!   holds on it, SQLite's included. So a descriptor opened here is never closed: once
//!   unlocked it goes back to a process-wide pool, keyed by the file's identity (device
//!   and inode), and the next lock of that file reuses it.
//! - Who holds it is read from the kernel (`/proc/locks`: the holder's pid), not from a
//!   file another process could have written.
//!
//! On other Unix systems (macOS, the BSDs) `flock` and `fcntl` locks of one file
//! conflict, so the lock is taken on `<database>.migration-lock` beside the database's
//! real path instead: created if missing, never followed through a symlink
//! (`O_NOFOLLOW`), never truncated or written. There a hard link in another folder is
//! another lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A file's identity: every path to it has the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    dev: u64,
    ino: u64,
}

/// Unlocked descriptors, kept open for the process's life (see the module's docs).
static IDLE: Mutex<Vec<(FileId, File)>> = Mutex::new(Vec::new());

/// An open descriptor of a database file, returned to the pool (unlocked) when dropped.
#[derive(Debug)]
pub(crate) struct DatabaseFile {
    id: FileId,
    path: PathBuf,
    file: Option<File>,
}

/// Why the database file cannot be locked.
#[derive(Debug)]
pub(crate) struct FileLockError {
    pub path: PathBuf,
    pub reason: String,
}

impl DatabaseFile {
    /// Opens (or takes from the pool) a descriptor of the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, FileLockError> {
        let refuse = |reason: String| FileLockError {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
        if !meta.file_type().is_file() {
            return Err(refuse("it is not a regular file".to_owned()));
        }
        let id = FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        };
        if let Some(file) = take_idle(id) {
            return Ok(Self {
                id,
                path: path.to_path_buf(),
                file: Some(file),
            });
        }
        let file = open_lock_file(path).map_err(|e| refuse(e.to_string()))?;
        let opened = file.metadata().map_err(|e| refuse(e.to_string()))?;
        if !opened.file_type().is_file()
            || (LOCKS_DATABASE && (opened.dev(), opened.ino()) != (id.dev, id.ino))
        {
            // Swapped between the check and the open: lock nothing rather than the wrong file.
            return Err(refuse(
                "the file was replaced while it was being opened; run the command again".to_owned(),
            ));
        }
        Ok(Self {
            id,
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    /// Takes the exclusive lock if it is free (`Ok(false)` if another holds it).
    pub fn try_lock(&self) -> Result<bool, FileLockError> {
        let Some(file) = &self.file else {
            return Ok(false);
        };
        match file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(FileLockError {
                path: self.path.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// Who holds the lock of this file, as far as the kernel tells.
    pub fn holder(&self) -> String {
        holder_of(self.id).unwrap_or_else(|| {
            format!(
                "another process (an exclusive lock on {})",
                self.path.display()
            )
        })
    }
}

impl Drop for DatabaseFile {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Unlocking an unlocked descriptor is harmless; an error leaves it locked
            // until the process ends, which is still correct, only later.
            let _ = file.unlock();
            if let Ok(mut idle) = IDLE.lock() {
                idle.push((self.id, file));
            }
            // A poisoned pool: the descriptor is leaked rather than closed (never
            // closed, see the module's docs).
            else {
                std::mem::forget(file);
            }
        }
    }
}

fn take_idle(id: FileId) -> Option<File> {
    let mut idle = IDLE.lock().ok()?;
    let at = idle.iter().position(|(found, _)| *found == id)?;
    Some(idle.swap_remove(at).1)
}

/// Whether the lock is taken on the database file itself (see the module's docs).
const LOCKS_DATABASE: bool = cfg!(target_os = "linux");

/// Opens the database file read-only: never blocks on a FIFO, never takes a terminal.
#[cfg(target_os = "linux")]
fn open_lock_file(database: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(database)
}

/// Opens `<database>.migration-lock`, created if missing, never through a symlink, never
/// truncated (opened for appending, and nothing is ever written).
#[cfg(not(target_os = "linux"))]
fn open_lock_file(database: &Path) -> std::io::Result<File> {
    let mut name = database.as_os_str().to_owned();
    name.push(".migration-lock");
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(PathBuf::from(name))
}

/// The pid holding a `FLOCK` on the file `id`, from `/proc/locks` (Linux), with its
/// command name; control characters are shown escaped.
fn holder_of(id: FileId) -> Option<String> {
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let wanted = format!("{:02x}:{:02x}:{}", major(id.dev), minor(id.dev), id.ino);
    let pid = locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
        let at = fields.iter().position(|f| *f == "FLOCK")?;
        let pid = fields.get(at + 3)?;
        let file = fields.get(at + 4)?;
        (*file == wanted).then(|| pid.parse::<u32>().ok()).flatten()
    })?;
    let command = std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| format!(" ({})", crate::event::printable(c.trim_end())))
        .unwrap_or_default();
    Some(format!("process {pid}{command}"))
}

/// glibc's `gnu_dev_major` / `gnu_dev_minor`.
fn major(dev: u64) -> u64 {
    ((dev >> 8) & 0xfff) | u64::from((dev >> 32) as u32 & !0xfff)
}

fn minor(dev: u64) -> u64 {
    (dev & 0xff) | u64::from((dev >> 12) as u32 & !0xff)
}

#[cfg(test)]
mod tests {
    use crate::event::printable;

    #[test]
    fn holder_text_shows_control_characters_escaped() {
        assert_eq!(
            printable("mig\u{1b}[2J\nration"),
            "mig\\u{1b}[2J\\u{a}ration"
        );
        assert_eq!(printable("migration (pid 4)"), "migration (pid 4)");
    }
}
