//! The raw client's side of `make bench-scale` and `make bench-fanout`: the statements
//! the synthetic migrations issue, captured on a mock connection, as one script of
//! `BEGIN; ...; COMMIT;` per migration for `sqlite3` or `psql`. Included by both benches
//! with `#[path]`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, MockDatabase, MockExecResult};

use super::synthetic_migrator::Synthetic;

/// The statements each migration's `up` issues on `backend`, captured on a mock
/// connection (DDL: no bound values).
pub async fn captured(backend: DbBackend) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for migration in Synthetic::migrations() {
        let mock = MockDatabase::new(backend)
            .append_exec_results([
                MockExecResult {
                    last_insert_id: 0,
                    rows_affected: 0,
                },
                MockExecResult {
                    last_insert_id: 0,
                    rows_affected: 0,
                },
            ])
            .into_connection();
        migration
            .up(&SchemaManager::new(&mock))
            .await
            .expect("dry run");
        let statements = mock
            .into_transaction_log()
            .iter()
            .flat_map(|t| t.statements().to_vec())
            .map(|s| s.to_string())
            .collect();
        all.push(statements);
    }
    all
}

/// The captured statements as one script after `preamble`, `BEGIN; ...; COMMIT;` per
/// migration.
pub fn script(preamble: &str, statements: &[Vec<String>]) -> String {
    let mut script = preamble.to_owned();
    for migration in statements {
        script.push_str("BEGIN;\n");
        for sql in migration {
            script.push_str(sql);
            script.push_str(";\n");
        }
        script.push_str("COMMIT;\n");
    }
    script
}

/// `psql` on `url`: no `.psqlrc`, quiet, stops at the first error. Not `durable`: its
/// commits do not wait for the disk.
pub fn psql(url: &str, durable: bool) -> Command {
    let mut command = Command::new("psql");
    command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]);
    if !durable {
        command.env("PGOPTIONS", "-c synchronous_commit=off -c jit=off");
    }
    command
}

/// Runs `command` with `script` on its standard input, its output discarded, and times
/// it, process start included. `None` when the client is not installed; panics when it
/// fails.
pub fn run_script(mut command: Command, script: &str) -> Option<Duration> {
    command.stdin(Stdio::piped()).stdout(Stdio::null());
    let started = Instant::now();
    let mut child = command.spawn().ok()?;
    {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(script.as_bytes()).expect("script");
    }
    let status = child.wait().expect("raw client");
    let elapsed = started.elapsed();
    assert!(status.success(), "the raw client failed: {status}");
    Some(elapsed)
}
