//! Crash safety on MySQL / MariaDB, where every DDL statement commits on its own: `up`
//! and `down` killed with SIGKILL at any moment leave every migration either entirely
//! there (with its version and checksum rows) or entirely absent, except at most the one
//! the dirty marker names; the next `up` refuses while the marker is there, naming the
//! migration and the command that clears it; after the operator's repair and
//! `resolve-dirty VERSION --rolled-back`, `up` completes the schema. `fresh` killed while
//! dropping may leave tables behind, but never a migration recorded as applied whose
//! tables are gone: the next `up` stops at a leftover table, and `fresh` again finishes.
//!
//! The killed process is the real CLI, as in [`crate::kill`] (whose child, slow
//! migrator and catalog snapshot this reuses).

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use crate::common::{exec, strings, tables};
use crate::kill::{
    STARTED, Snapshot, XorShift, cli, cli_ok, finish, names, spawn_child_with, start_with,
};
use conformance::Backend;
use rstest::rstest;
use sea_orm_migration::sea_orm::DatabaseConnection;

/// A killed client's server thread may still finish its statement: the catalog is read
/// once no other session of the database runs one.
async fn wait_for_other_sessions(conn: &DatabaseConnection) {
    let sql = "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST \
               WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while !strings(conn, sql).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "a killed client's statement still runs after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The migrations the dirty marker names (none when its table does not exist).
async fn marked(conn: &DatabaseConnection) -> Vec<String> {
    if !tables(conn).await.iter().any(|t| t == "migration_dirty") {
        return Vec::new();
    }
    strings(conn, "SELECT version FROM migration_dirty ORDER BY 1").await
}

/// The invariant after a kill: each migration all there or all absent, but the one the
/// marker names (still unrecorded when `up` was applying it, still recorded when `down`
/// was rolling it back); at most one marker.
fn half_applied(after: &Snapshot, marker: &[String], command: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if marker.len() > 1 {
        problems.push(format!("more than one dirty marker: {marker:?}"));
    }
    for (i, (name, parts)) in names().iter().zip(&after.migrations).enumerate() {
        let n = u32::try_from(i + 1).expect("a few migrations");
        if marker.contains(name) {
            let rolling_back = command == "down";
            if parts.version != rolling_back {
                problems.push(format!(
                    "{name} is marked dirty by {command} and {} recorded as applied",
                    if parts.version { "is" } else { "is not" }
                ));
            }
        } else if command == "fresh" {
            // Dropping may stop half-way; what is recorded must still be whole.
            if parts.version && !parts.complete(n) {
                problems.push(format!(
                    "{name} recorded as applied with its tables gone: {}",
                    after.describe()
                ));
            }
        } else if !parts.all_or_none(n) {
            problems.push(format!(
                "{name} half-applied without a dirty marker: {}",
                after.describe()
            ));
        }
    }
    problems
}

/// What the operator does for a dirty migration: undoes what it left (its table, and
/// with it its index), then says so with `resolve-dirty VERSION --rolled-back`.
async fn repair(conn: &DatabaseConnection, url: &str, version: &str) -> Result<(), String> {
    let index = names()
        .iter()
        .position(|n| n == version)
        .ok_or_else(|| format!("the marker names an unknown migration {version}"))?;
    let table = crate::kill::slow_table(index + 1);
    exec(conn, &format!("DROP TABLE IF EXISTS `{table}`")).await;
    let (code, text) = cli(url, &["resolve-dirty", version, "--rolled-back"]).await;
    if code != 0 {
        return Err(format!("resolve-dirty exit {code}: {}", text.trim()));
    }
    Ok(())
}

#[rstest]
#[case::up("up")]
#[case::down("down")]
#[case::fresh("fresh")]
#[tokio::test]
async fn killed_at_any_moment_on_mysql_only_the_marked_migration_is_half_applied(
    #[case] command: &str,
) {
    let Some(db) = conformance::fresh_database(Backend::MySql).await else {
        return;
    };
    let url = db.url.clone();
    let total = names().len();
    let iterations: usize = std::env::var("KILL_TEST_ITERATIONS")
        .ok()
        .map_or(30, |v| v.parse().expect("KILL_TEST_ITERATIONS"));
    let mut rng = XorShift(
        0x9e37_79b9_7f4a_7c15
            ^ match command {
                "up" => 0,
                "down" => 1,
                _ => 2,
            },
    );
    cli_ok(&url, &["up"]).await;
    // `up` from 0..total-1 applied; `down` (all of them) from 1..total; `fresh` any.
    let (first, last) = match command {
        "up" => (0, total - 1),
        "down" => (1, total),
        _ => (0, total),
    };
    let full = {
        let most = if command == "up" { 0 } else { total };
        start_with(&url, most, total).await;
        let spawned = Instant::now();
        let (status, stdout, stderr) = finish(spawn_child_with(&url, &refs(&args(command, most))));
        assert!(status.success(), "the unkilled run: {stdout}{stderr}");
        spawned.elapsed()
    };
    cli_ok(&url, &["up"]).await;

    let mut failures = Vec::new();
    let (mut mid_run, mut dirty) = (0, 0);
    for iteration in 0..iterations {
        let applied = first + rng.below((last - first + 1) as u64) as usize;
        start_with(&url, applied, total).await;
        // `fresh` drops in its first few milliseconds (after the process starts): every
        // other kill lands in its first quarter, where the drops are.
        let window = if command == "fresh" && iteration % 2 == 0 {
            full.as_micros() as u64 / 4
        } else {
            full.as_micros() as u64 * 6 / 5
        };
        let delay = Duration::from_micros(rng.below(window + 1));
        let spawned = Instant::now();
        let mut child = spawn_child_with(&url, &refs(&args(command, applied)));
        std::thread::sleep(delay.saturating_sub(spawned.elapsed()));
        let _ = child.kill();
        let (status, stdout, _) = finish(child);
        wait_for_other_sessions(&db.conn).await;
        if status.signal().is_some() && stdout.contains(STARTED) {
            mid_run += 1;
        }
        let after = Snapshot::take(&db.conn, Backend::MySql).await;
        let marker = marked(&db.conn).await;
        let context = format!(
            "{command} iteration {iteration}: {applied} applied at start, killed after {:.1} ms, \
             marker {marker:?}, state {}",
            delay.as_secs_f64() * 1000.0,
            after.describe()
        );
        let mut broken = half_applied(&after, &marker, command);
        if let Some(version) = marker.first() {
            dirty += 1;
            // The next change refuses, naming the migration and how to clear it.
            let (code, text) = cli(&url, &["up"]).await;
            if code != 1 || !text.contains(version.as_str()) || !text.contains("resolve-dirty") {
                broken.push(format!(
                    "up while dirty: exit {code}, expected 1 naming {version} and resolve-dirty: {}",
                    text.trim()
                ));
            }
            if let Err(why) = repair(&db.conn, &url, version).await {
                broken.push(why);
            }
        }
        let (mut code, mut text) = cli(&url, &["up"]).await;
        // `fresh` killed while dropping leaves tables its bookkeeping no longer records:
        // the next `up` must stop at one of them, loudly, and `fresh` again finishes.
        if command == "fresh" && code == 1 && text.contains("already exists") {
            (code, text) = cli(&url, &["fresh"]).await;
        }
        if code != 0 {
            broken.push(format!("the next up: exit {code}: {}", text.trim()));
        } else {
            broken.extend(Snapshot::take(&db.conn, Backend::MySql).await.incomplete());
        }
        if !broken.is_empty() {
            failures.push(format!("{context}: {}", broken.join(" / ")));
            for table in tables(&db.conn).await {
                exec(&db.conn, &format!("DROP TABLE `{table}`")).await;
            }
            cli_ok(&url, &["up"]).await;
        }
    }
    println!(
        "kill {command}/MySql: {iterations} kills within {} ms, {mid_run} mid-run, \
         {dirty} left a dirty marker, {} broke an invariant",
        full.as_millis(),
        failures.len()
    );
    db.close().await.expect("close");
    assert!(
        failures.is_empty(),
        "{command}: {} of {iterations} kills broke an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The child's command: `up`, `fresh`, or `down` of every applied migration.
fn args(command: &str, applied: usize) -> Vec<String> {
    match command {
        "down" => vec!["down".to_owned(), "-n".to_owned(), applied.to_string()],
        other => vec![other.to_owned()],
    }
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
