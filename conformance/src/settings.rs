//! Every environment variable the harness reads, read here and nowhere else, once per
//! process ([`environment`]); the suite's [`Config`](crate::Config) carries what a run
//! needs of it down to the checks, and a suite's own settings always win.
//!
//! | variable | effect |
//! |---|---|
//! | `CONFORMANCE_PG_URL` | an existing PostgreSQL server to create throwaway databases on |
//! | `CONFORMANCE_PG_IMAGE` | the Docker image testcontainers starts (default `postgres:15`) |
//! | `CONFORMANCE_REQUIRE_POSTGRES` | `0` or `false`: a missing PostgreSQL is a loud skip, not a failure |
//! | `CONFORMANCE_MYSQL_URL` | an existing MySQL / MariaDB server (`mysql://root@127.0.0.1:3306/`) to create throwaway databases on |
//! | `CONFORMANCE_MYSQL_IMAGE` | the Docker image testcontainers starts for MySQL tests (default `mariadb:10.11`; CI: `conformance-mariadb:10.11`) |
//! | `CONFORMANCE_REQUIRE_MYSQL` | `0` or `false`: a missing MySQL is a loud skip, not a failure; `1` or `true`: `verify` walks MySQL (as with `CONFORMANCE_MYSQL_URL`), on the image's server when no URL is given |
//! | `CONFORMANCE_SNAPSHOTS` | `compare`, `create` (write missing snapshots) or `accept` (write every change) |
//! | `INSTA_UPDATE` | `always` means `accept`, `no` means `compare` (insta's own switch) |
//! | `CI` | set to anything but `0` or `false`: the default snapshot mode is `compare` (a missing snapshot fails), no progress bar, and a missing `mmdc` fails |
//! | `CONFORMANCE_CHECK_CATALOG_READS` | `1`: after every migration call the walk also reads the whole catalog and fails if its incremental read differs (slow; the test suite sets it) |
//! | `CONFORMANCE_REQUIRE_MERMAID` | `0`: outside CI, a missing `mmdc` skips the diagram rendering checks |
//! | `CONFORMANCE_CHROMIUM` | the chromium `mmdc` drives (default: `/usr/bin/chromium` or `/usr/bin/chromium-browser`) |
//! | `GITHUB_STEP_SUMMARY` | `report` also appends its Markdown to this file (GitHub Actions sets it) |
//! | `CARGO_MANIFEST_DIR` | relative paths given to a suite are resolved against it (cargo sets it) |
//! | `PATH` | where the local `initdb` and `postgres` binaries are looked for |

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::snapshots::SnapshotMode;

/// The process's environment, as the harness reads it: read on first use, once.
#[derive(Debug)]
pub(crate) struct Environment {
    pub postgres: PostgresSettings,
    pub mysql: MySqlSettings,
    /// Whether `verify` walks MySQL: a server named (`CONFORMANCE_MYSQL_URL`) or
    /// MySQL said required (`CONFORMANCE_REQUIRE_MYSQL=1`, as CI does with its image).
    pub mysql_walked: bool,
    pub snapshot_mode: SnapshotMode,
    pub check_catalog_reads: bool,
    pub ci: bool,
    pub require_mermaid: bool,
    pub chromium: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub manifest_dir: Option<PathBuf>,
    pub path: Option<OsString>,
}

/// The environment, read once per process.
pub(crate) fn environment() -> &'static Environment {
    static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let ci = var("CI").is_some_and(|v| v != "0" && v != "false");
        Environment {
            postgres: PostgresSettings::read(),
            mysql: MySqlSettings::read(),
            mysql_walked: var("CONFORMANCE_MYSQL_URL").is_some()
                || matches!(
                    var("CONFORMANCE_REQUIRE_MYSQL").as_deref(),
                    Some("1") | Some("true")
                ),
            snapshot_mode: SnapshotMode::read(ci),
            check_catalog_reads: matches!(
                var("CONFORMANCE_CHECK_CATALOG_READS").as_deref(),
                Some("1") | Some("true")
            ),
            ci,
            require_mermaid: ci || var("CONFORMANCE_REQUIRE_MERMAID").as_deref() != Some("0"),
            chromium: var("CONFORMANCE_CHROMIUM").map(PathBuf::from),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            manifest_dir: var("CARGO_MANIFEST_DIR").map(PathBuf::from),
            path: std::env::var_os("PATH"),
        }
    })
}

/// The PostgreSQL image testcontainers starts when no URL is given.
pub const DEFAULT_PG_IMAGE: &str = "postgres:15";

/// Where the harness gets its PostgreSQL server, and whether it must have one.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresSettings {
    /// An existing server (`postgres://USER:PASSWORD@HOST:PORT/DB`); `None` starts one,
    /// with Docker (testcontainers) or else with the local `initdb` / `postgres` binaries.
    pub url: Option<String>,
    /// The image testcontainers starts.
    pub image: String,
    /// Whether a missing PostgreSQL fails the run (the default) rather than skipping loudly:
    /// a PostgreSQL check that silently did not run would read as a pass.
    pub required: bool,
}

impl Default for PostgresSettings {
    fn default() -> Self {
        Self {
            url: None,
            image: DEFAULT_PG_IMAGE.to_owned(),
            required: true,
        }
    }
}

impl std::fmt::Debug for PostgresSettings {
    // The URL may carry a password: never show it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("url", &self.url.as_deref().map(secret_redact::redact))
            .field("image", &self.image)
            .field("required", &self.required)
            .finish()
    }
}

impl PostgresSettings {
    /// From `CONFORMANCE_PG_URL`, `CONFORMANCE_PG_IMAGE` and `CONFORMANCE_REQUIRE_POSTGRES`
    /// (read once per process).
    pub fn from_env() -> Self {
        environment().postgres.clone()
    }

    fn read() -> Self {
        let url = var("CONFORMANCE_PG_URL");
        if let Some(url) = &url {
            // Its password is masked in every message from now on, whatever its shape.
            secret_redact::register_secrets_of(url);
        }
        Self {
            url,
            image: var("CONFORMANCE_PG_IMAGE").unwrap_or_else(|| DEFAULT_PG_IMAGE.to_owned()),
            required: !matches!(
                var("CONFORMANCE_REQUIRE_POSTGRES").as_deref(),
                Some("0") | Some("false")
            ),
        }
    }
}

/// The MySQL image testcontainers starts when no URL is given.
pub const DEFAULT_MYSQL_IMAGE: &str = "mariadb:10.11";

/// Where tests get their MySQL / MariaDB server, and whether they must have one.
#[derive(Clone, PartialEq, Eq)]
pub struct MySqlSettings {
    /// An existing server (`mysql://USER:PASSWORD@HOST:PORT/`); `None` starts one with
    /// Docker (testcontainers).
    pub url: Option<String>,
    /// The image testcontainers starts.
    pub image: String,
    /// Whether a missing MySQL fails the test (the default) rather than skipping loudly.
    pub required: bool,
}

impl std::fmt::Debug for MySqlSettings {
    // The URL may carry a password: never show it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlSettings")
            .field("url", &self.url.as_deref().map(secret_redact::redact))
            .field("image", &self.image)
            .field("required", &self.required)
            .finish()
    }
}

impl Default for MySqlSettings {
    /// No URL (testcontainers starts [`DEFAULT_MYSQL_IMAGE`]), required.
    fn default() -> Self {
        Self {
            url: None,
            image: DEFAULT_MYSQL_IMAGE.to_owned(),
            required: true,
        }
    }
}

impl MySqlSettings {
    /// From `CONFORMANCE_MYSQL_URL`, `CONFORMANCE_MYSQL_IMAGE` and
    /// `CONFORMANCE_REQUIRE_MYSQL` (read once per process).
    pub fn from_env() -> Self {
        environment().mysql.clone()
    }

    fn read() -> Self {
        let url = var("CONFORMANCE_MYSQL_URL");
        if let Some(url) = &url {
            secret_redact::register_secrets_of(url);
        }
        Self {
            url,
            image: var("CONFORMANCE_MYSQL_IMAGE").unwrap_or_else(|| DEFAULT_MYSQL_IMAGE.to_owned()),
            required: !matches!(
                var("CONFORMANCE_REQUIRE_MYSQL").as_deref(),
                Some("0") | Some("false")
            ),
        }
    }
}

impl SnapshotMode {
    /// From `CONFORMANCE_SNAPSHOTS`, else `INSTA_UPDATE`, else `compare` under CI and
    /// `create` elsewhere (like insta: new snapshots are written locally, never in CI).
    /// Read once per process.
    pub fn from_env() -> Self {
        environment().snapshot_mode
    }

    fn read(ci: bool) -> Self {
        match var("CONFORMANCE_SNAPSHOTS").as_deref() {
            Some("accept") => return Self::Accept,
            Some("create") => return Self::CreateMissing,
            Some("compare") => return Self::Compare,
            _ => {}
        }
        match var("INSTA_UPDATE").as_deref() {
            Some("always") => return Self::Accept,
            Some("no") => return Self::Compare,
            _ => {}
        }
        if ci {
            Self::Compare
        } else {
            Self::CreateMissing
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
