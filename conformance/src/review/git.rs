//! Reads the reviewed snapshots as they were at a base commit: `git ls-tree` and
//! `git show <ref>:<path>`, run as a subprocess with arguments (never through a shell),
//! from inside the snapshot folder so that paths are relative to it.

use std::path::Path;
use std::process::Command;

use super::{BackendSnapshots, BaseSnapshots, ReviewError, snapshot_body};
use crate::backends::Backend;
use crate::snapshots::SCHEMA;

/// The snapshots under `snapshot_dir` at commit `reference`, for `backends`. A backend
/// whose folder did not exist at the base is left out (everything is then new).
pub fn read_base(
    snapshot_dir: &Path,
    reference: &str,
    backends: &[Backend],
) -> Result<BaseSnapshots, ReviewError> {
    if reference.starts_with('-') || reference.is_empty() {
        return Err(ReviewError::BadReference(reference.to_owned()));
    }
    if !snapshot_dir.is_dir() {
        return Err(ReviewError::MissingSnapshotFolder(snapshot_dir.to_owned()));
    }
    let commit = format!("{reference}^{{commit}}");
    if let Err(e) = git(snapshot_dir, &["rev-parse", "--verify", "--quiet", &commit]) {
        return Err(match e {
            ReviewError::Git { message, .. } => ReviewError::UnknownBase {
                reference: reference.to_owned(),
                message: if message.is_empty() {
                    "unknown revision".to_owned()
                } else {
                    message
                },
            },
            other => other,
        });
    }
    let mut base = BaseSnapshots {
        reference: reference.to_owned(),
        backends: Default::default(),
    };
    for &backend in backends {
        let folder = format!("./{}/", backend.name());
        // Paths come back relative to the current folder, i.e. `<backend>/<name>.snap`.
        let listing = git(
            snapshot_dir,
            &["ls-tree", "--name-only", reference, "--", &folder],
        )?;
        let files: Vec<&str> = listing.lines().filter(|p| p.ends_with(".snap")).collect();
        if files.is_empty() {
            continue;
        }
        let mut snapshots = BackendSnapshots::default();
        for path in files {
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".snap")
                .to_owned();
            let file = git(snapshot_dir, &["show", &format!("{reference}:./{path}")])?;
            let body = snapshot_body(&file).to_owned();
            if name == SCHEMA {
                snapshots.schema = Some(body);
            } else {
                snapshots.migrations.insert(name, body);
            }
        }
        base.backends.insert(backend, snapshots);
    }
    Ok(base)
}

/// Runs `git <args>` in `dir`; its standard output, or its standard error as the error.
fn git(dir: &Path, args: &[&str]) -> Result<String, ReviewError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(ReviewError::GitMissing)?;
    if !output.status.success() {
        return Err(ReviewError::Git {
            command: args.first().copied().unwrap_or_default().to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
