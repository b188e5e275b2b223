//! SQLite: a file in a temporary folder, removed with the folder.

use crate::error::HarnessError;

pub(super) fn fresh_file() -> Result<(tempfile::TempDir, String), HarnessError> {
    let dir = tempfile::Builder::new()
        .prefix("conformance-sqlite-")
        .tempdir()
        .map_err(|e| HarnessError::Setup(format!("cannot create a temporary folder: {e}")))?;
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    Ok((dir, url))
}
