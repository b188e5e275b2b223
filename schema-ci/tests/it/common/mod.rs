//! Shared by schema-ci's integration tests: the workspace root, and the binary run from
//! it as CI runs it.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (this crate's parent folder).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `schema-ci` binary with its subcommand `command`, in the workspace root.
pub fn schema_ci(command: &str) -> Command {
    let mut schema_ci = Command::new(env!("CARGO_BIN_EXE_schema-ci"));
    schema_ci.arg(command).current_dir(workspace());
    schema_ci
}
