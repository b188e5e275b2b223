//! A MariaDB (or MySQL) server started from local binaries, for machines with neither
//! `CONFORMANCE_MYSQL_URL` nor Docker: Debian's `mariadb-server` package is enough.
//! Its data folder is a temporary one, initialised with `mariadb-install-db` (MySQL:
//! `mysqld --initialize-insecure`), the server listens on a free port of 127.0.0.1 only,
//! reads no configuration file (`--no-defaults`), and both go when the process exits.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::postgres::{Leftover, command, free_port, remove_at_exit, unprivileged_user};

/// The server and the way to initialise its data folder, as found on this machine.
pub(super) struct LocalBinaries {
    server: PathBuf,
    init: Init,
}

enum Init {
    /// MariaDB's `mariadb-install-db` (or its older name `mysql_install_db`).
    InstallDb(PathBuf),
    /// MySQL's `mysqld --initialize-insecure`.
    Initialize,
}

impl LocalBinaries {
    /// `mariadbd` / `mysqld` on `PATH` or in `/usr/sbin`, with its initialiser.
    pub(super) fn find() -> Result<Self, String> {
        let dirs: Vec<PathBuf> = crate::settings::environment()
            .path
            .iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .collect();
        let find = |name: &str| {
            dirs.iter()
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        };
        if let Some(server) = find("mariadbd") {
            let install = find("mariadb-install-db")
                .or_else(|| find("mysql_install_db"))
                .ok_or("mariadbd was found but not mariadb-install-db")?;
            return Ok(Self {
                server,
                init: Init::InstallDb(install),
            });
        }
        if let Some(server) = find("mysqld") {
            let init = match find("mysql_install_db") {
                Some(install) => Init::InstallDb(install),
                None => Init::Initialize,
            };
            return Ok(Self { server, init });
        }
        Err(
            "mariadbd and mysqld were not found on PATH or in /usr/sbin \
             (Debian: apt-get install mariadb-server)"
                .to_owned(),
        )
    }

    /// Initialises a temporary data folder and starts the server on a free port; the
    /// URL of its `root` account (no password, 127.0.0.1 only).
    pub(super) fn start(&self) -> Result<String, String> {
        let folder = tempfile::Builder::new()
            .prefix("conformance-mysql-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary folder: {e}"))?
            .keep();
        remove_at_exit(Leftover::Folder(folder.clone()));
        // The server refuses to run as root: as root, run it as `mysql` (or `nobody`).
        let run_as = unprivileged_user(&["mysql", "nobody"]);
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&folder, Some(uid), Some(gid))
                .map_err(|e| format!("cannot hand {} to uid {uid}: {e}", folder.display()))?;
        }
        let data = folder.join("data");
        self.initialise(&data, run_as)?;
        let port = free_port()?;
        let child = command(&self.server, run_as)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", folder.join("sock").display()))
            .arg(format!("--pid-file={}", folder.join("pid").display()))
            .arg(format!("--port={port}"))
            .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
            // Throwaway data: no binary log, no flush at each commit.
            .args(["--skip-log-bin", "--innodb-flush-log-at-trx-commit=0"])
            .args(["--max-connections=500", "--character-set-server=utf8mb4"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.server.display()))?;
        remove_at_exit(Leftover::Process(child));
        Ok(format!("mysql://root@127.0.0.1:{port}/"))
    }

    fn initialise(&self, data: &Path, run_as: Option<(u32, u32)>) -> Result<(), String> {
        let mut init = match &self.init {
            Init::InstallDb(install) => {
                let mut cmd = command(install, run_as);
                cmd.arg("--no-defaults")
                    .arg(format!("--datadir={}", data.display()))
                    .args(["--auth-root-authentication-method=normal", "--skip-test-db"]);
                cmd
            }
            Init::Initialize => {
                let mut cmd = command(&self.server, run_as);
                cmd.arg("--no-defaults")
                    .arg("--initialize-insecure")
                    .arg(format!("--datadir={}", data.display()));
                cmd
            }
        };
        let status = init
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot initialise a data folder: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("initialising the data folder failed ({status})"))
        }
    }

    /// Where the server comes from, for [`super::MySqlServer::describe`].
    pub(super) fn describe(&self) -> String {
        format!("local binaries, {}", self.server.display())
    }
}
