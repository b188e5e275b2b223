//! What a suite runs: backends, PostgreSQL source, allow-list, snapshots, checks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::backends::Backend;
use crate::checks::{AllowList, Check, Populate};
use crate::error::HarnessError;
use crate::settings::{MySqlSettings, PostgresSettings};
use crate::snapshots::SnapshotMode;

/// Everything a [`Suite`](crate::Suite) needs besides the migrator. Build it with the
/// suite's builder methods; [`Config::from_env`] is where the environment is read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The backends to run on: SQLite and PostgreSQL by default (MySQL when asked for;
    /// `verify` asks when the environment names a MySQL server, see
    /// [`crate::backends::mysql_walked`]).
    pub backends: Vec<Backend>,
    /// Where PostgreSQL comes from, and whether it must be there.
    pub postgres: PostgresSettings,
    /// Where MySQL / MariaDB comes from, and whether it must be there.
    pub mysql: MySqlSettings,
    /// The parity allow-list.
    pub allow_list: AllowListSource,
    /// The snapshot folder, if any (absolute once set through the builder).
    pub snapshots: Option<PathBuf>,
    /// What the snapshot check does with missing or differing files.
    pub snapshot_mode: SnapshotMode,
    /// Checks turned off.
    pub skipped: BTreeSet<Check>,
    /// The synthetic rows the walk puts into every table before each migration.
    pub populate: Populate,
    /// After every migration call, the walk also reads the whole catalog and fails if
    /// its incremental read differs (slow; `CONFORMANCE_CHECK_CATALOG_READS=1`).
    pub check_catalog_reads: bool,
    /// Whether this runs in CI (`CI`): `verify` then draws no progress bar.
    pub ci: bool,
}

impl Default for Config {
    /// Both backends, every check, no allow-list, no snapshots; PostgreSQL required and
    /// started on demand; snapshots compared, never written.
    fn default() -> Self {
        Self {
            backends: Backend::ALL.to_vec(),
            postgres: PostgresSettings::default(),
            mysql: MySqlSettings::default(),
            allow_list: AllowListSource::None,
            snapshots: None,
            snapshot_mode: SnapshotMode::Compare,
            skipped: BTreeSet::new(),
            populate: Populate::default(),
            check_catalog_reads: false,
            ci: false,
        }
    }
}

impl Config {
    /// The defaults, with PostgreSQL ([`PostgresSettings::from_env`]), MySQL
    /// ([`MySqlSettings::from_env`]: where it is, when a suite asks for it), the snapshot
    /// mode ([`SnapshotMode::from_env`]), the catalog read check and CI taken from the
    /// environment (read once per process, see the crate's settings).
    pub fn from_env() -> Self {
        let environment = crate::settings::environment();
        Self {
            postgres: environment.postgres.clone(),
            mysql: environment.mysql.clone(),
            snapshot_mode: environment.snapshot_mode,
            check_catalog_reads: environment.check_catalog_reads,
            ci: environment.ci,
            ..Self::default()
        }
    }

    /// The allow-list, or an empty one when none is configured. A configured file that
    /// does not exist is an error: a mistyped path must not silently allow nothing.
    pub(crate) fn load_allow_list(&self) -> Result<AllowList, HarnessError> {
        match &self.allow_list {
            AllowListSource::None => Ok(AllowList::default()),
            AllowListSource::Given(list) => Ok(list.clone()),
            AllowListSource::File(path) if !path.is_file() => {
                Err(HarnessError::MissingAllowList { path: path.clone() })
            }
            AllowListSource::File(path) => Ok(AllowList::load(path)?),
        }
    }
}

/// Where the parity allow-list comes from.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum AllowListSource {
    /// No allow-list: every difference between the backends is a finding.
    #[default]
    None,
    /// A file, read when the suite runs (absolute once set through the builder).
    File(PathBuf),
    /// A list built in code.
    Given(AllowList),
}

/// A path as the calling crate means it: absolute paths as they are; relative ones
/// against the folder of the crate `cargo test` / `cargo run` is running (cargo sets
/// `CARGO_MANIFEST_DIR` for the process), else against the current folder.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return lexically_normal(path);
    }
    let base = crate::settings::environment()
        .manifest_dir
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    lexically_normal(&base.join(path))
}

/// `a/b/../c` → `a/c`, without touching the file system, so messages show plain paths.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl From<AllowList> for AllowListSource {
    fn from(list: AllowList) -> Self {
        Self::Given(list)
    }
}

impl From<&Path> for AllowListSource {
    fn from(path: &Path) -> Self {
        Self::File(resolve(path))
    }
}

impl From<PathBuf> for AllowListSource {
    fn from(path: PathBuf) -> Self {
        Self::File(resolve(&path))
    }
}

impl From<&PathBuf> for AllowListSource {
    fn from(path: &PathBuf) -> Self {
        Self::File(resolve(path))
    }
}

impl From<&str> for AllowListSource {
    fn from(path: &str) -> Self {
        Self::File(resolve(Path::new(path)))
    }
}

impl From<String> for AllowListSource {
    fn from(path: String) -> Self {
        Self::File(resolve(Path::new(&path)))
    }
}
