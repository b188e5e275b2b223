//! `generate NAME`: the new file is the template (compiled right here), it is registered
//! in the migrator's lists in order, and bad input or a failed write changes no file.

mod common;

#[path = "generated/m20240102_000000_add_widget.rs"]
mod m20240102_000000_add_widget;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use migration_runner::cli::generate::template;
use pretty_assertions::assert_eq;
use sea_orm_migration::prelude::*;

const GENERATED: &str = "m20240102_000000_add_widget";

/// The test migrator plus a migration exactly as `generate add_widget` writes it.
struct WithGenerated;

impl MigratorTrait for WithGenerated {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut all = TestMigrator::migrations();
        all.push(Box::new(m20240102_000000_add_widget::Migration));
        all
    }
}

#[test]
fn the_file_compiled_here_is_the_template() {
    assert_eq!(
        include_str!("generated/m20240102_000000_add_widget.rs"),
        template(GENERATED)
    );
}

#[test]
fn the_template_is_already_formatted() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/generated")
        .join(format!("{GENERATED}.rs"));
    match std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2024"])
        .arg(&file)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        ),
        Err(e) => eprintln!("SKIPPED: rustfmt cannot run here: {e}"),
    }
}

/// Until its `up` and `down` are written it shows as pending, and running it fails
/// clearly (no panic) and records nothing.
#[tokio::test]
async fn a_generated_migration_is_pending_and_refuses_to_run_until_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    assert_ok(&cli::<WithGenerated>(&["-u", &url, "up", "-n", "3"]).await);
    let status = cli::<WithGenerated>(&["-u", &url, "status"]).await;
    assert!(
        assert_ok(&status).contains(&format!("pending  {GENERATED}")),
        "{}",
        status.stdout
    );
    let up = cli::<WithGenerated>(&["-u", &url, "up"]).await;
    assert_fails_with(
        &up,
        &[&format!("migration {GENERATED}: its up is not written yet")],
    );
    let status = cli::<WithGenerated>(&["-u", &url, "status"]).await;
    assert!(status.stdout.contains(&format!("pending  {GENERATED}")));
}

/// Every file under `dir` with its content.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    listing(dir)
        .into_iter()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p, text)
        })
        .collect()
}

const REPO_LIB: &str = include_str!("../../migration/src/lib.rs");
const REPO_MOD: &str = include_str!("../../migration/src/migrations/mod.rs");

/// A copy of this repository's migration crate layout (`src/lib.rs` with its
/// `migrations!` list, `src/migrations/mod.rs`, one file per migration).
fn repo_layout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrations = dir.path().join("src/migrations");
    std::fs::create_dir_all(&migrations).expect("mkdir");
    std::fs::write(dir.path().join("src/lib.rs"), REPO_LIB).expect("write");
    std::fs::write(migrations.join("mod.rs"), REPO_MOD).expect("write");
    for line in REPO_MOD.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            std::fs::write(migrations.join(format!("{name}.rs")), "// a migration\n")
                .expect("write");
        }
    }
    dir
}

/// sea-orm-cli's stock layout: the files beside a `lib.rs` that declares and lists them.
fn stock_layout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    std::fs::write(
        src.join("lib.rs"),
        "pub use sea_orm_migration::prelude::*;\n\nmod m20220101_000001_create_table;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20220101_000001_create_table::Migration)]\n    }\n}\n",
    )
    .expect("write");
    std::fs::write(src.join("m20220101_000001_create_table.rs"), "// one\n").expect("write");
    dir
}

async fn generate(dir: &Path, args: &[&str]) -> Run {
    let folder = dir.display().to_string();
    let mut argv = vec!["generate"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--migration-dir", &folder]);
    cli::<TestMigrator>(&argv).await
}

/// The new module's name, from the `created` line.
fn created(run: &Run) -> String {
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("created "))
        .unwrap_or_else(|| panic!("no created line: {}", run.stdout));
    Path::new(line.trim_start_matches("created "))
        .file_stem()
        .expect("a file")
        .to_string_lossy()
        .into_owned()
}

#[tokio::test]
async fn generate_writes_the_template_and_registers_it_in_this_repos_layout() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let run = generate(&migrations, &["add_widget"]).await;
    assert_ok(&run);
    let module = created(&run);
    assert!(
        module.starts_with('m') && module.ends_with("_add_widget") && module.len() == 27,
        "{module}"
    );
    assert_eq!(
        std::fs::read_to_string(migrations.join(format!("{module}.rs"))).expect("new file"),
        template(&module)
    );
    let lib = std::fs::read_to_string(crate_dir.path().join("src/lib.rs")).expect("lib");
    assert_eq!(
        lib,
        REPO_LIB.replace(
            "    m20250101_000013_apps,\n",
            &format!("    m20250101_000013_apps,\n    {module},\n")
        )
    );
    let modules = std::fs::read_to_string(migrations.join("mod.rs")).expect("mod.rs");
    assert_eq!(
        modules,
        REPO_MOD.replace(
            "pub mod m20250101_000013_apps;\n",
            &format!("pub mod m20250101_000013_apps;\npub mod {module};\n")
        )
    );
    for step in ["write its up and down", "make snapshots", "review the diff"] {
        assert!(run.stdout.contains(step), "{}", run.stdout);
    }
}

#[tokio::test]
async fn generate_registers_it_in_sea_orm_clis_layout() {
    let crate_dir = stock_layout();
    let src = crate_dir.path().join("src");
    let run = generate(&src, &["add_widget", "--local-time"]).await;
    assert_ok(&run);
    let module = created(&run);
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib");
    assert!(
        lib.contains(&format!(
            "mod m20220101_000001_create_table;\nmod {module};\n"
        )),
        "{lib}"
    );
    assert!(
        lib.contains(&format!(
            "vec![\n            Box::new(m20220101_000001_create_table::Migration),\n            Box::new({module}::Migration),\n        ]"
        )) || lib.contains(&format!(
            "vec![Box::new(m20220101_000001_create_table::Migration), Box::new({module}::Migration)]"
        )),
        "{lib}"
    );
    assert!(src.join(format!("{module}.rs")).is_file());
}

#[tokio::test]
async fn an_invalid_name_changes_no_file() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let before = tree(crate_dir.path());
    for name in [
        "AddWidget",
        "add-widget",
        "2fa",
        "mod",
        "add__widget",
        "add_widget_",
        "../evil",
        "",
    ] {
        let run = generate(&migrations, &[name]).await;
        assert_fails_with(&run, &["invalid migration name"]);
        assert_eq!(tree(crate_dir.path()), before, "after {name:?}");
    }
}

#[tokio::test]
async fn a_name_that_exists_changes_no_file() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let before = tree(crate_dir.path());
    let run = generate(&migrations, &["apps"]).await;
    assert_fails_with(&run, &["a migration named apps exists already"]);
    assert_eq!(tree(crate_dir.path()), before);

    assert_ok(&generate(&migrations, &["add_widget"]).await);
    let once = tree(crate_dir.path());
    let again = generate(&migrations, &["add_widget"]).await;
    assert_fails_with(&again, &["add_widget exists already"]);
    assert_eq!(tree(crate_dir.path()), once);
}

#[tokio::test]
async fn universal_and_local_time_are_exclusive() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let before = tree(crate_dir.path());
    let run = generate(
        &migrations,
        &["add_widget", "--universal-time", "--local-time"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(tree(crate_dir.path()), before);
}

#[tokio::test]
async fn a_lib_rs_without_a_list_changes_no_file() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    std::fs::write(crate_dir.path().join("src/lib.rs"), "pub mod migrations;\n").expect("write");
    let before = tree(crate_dir.path());
    let run = generate(&migrations, &["add_widget"]).await;
    assert_fails_with(&run, &["cannot register the migration", "lib.rs"]);
    assert_eq!(tree(crate_dir.path()), before);
}

/// Registering fails half-way (mod.rs cannot be written after lib.rs was): lib.rs is
/// restored and the new file removed.
#[tokio::test]
async fn a_failed_registration_is_undone() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    // Where mod.rs's temporary file goes: a folder there makes writing it fail.
    let blocker = migrations.join(format!(".mod.rs.{}.tmp", std::process::id()));
    std::fs::create_dir(&blocker).expect("blocker");
    let before = tree(crate_dir.path());
    let run = generate(&migrations, &["add_widget"]).await;
    assert_fails_with(&run, &["mod.rs", "nothing was changed"]);
    assert_eq!(tree(crate_dir.path()), before);
    std::fs::remove_dir(&blocker).expect("remove blocker");
}

#[tokio::test]
async fn a_folder_that_is_not_a_migration_folder_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = generate(dir.path(), &["add_widget"]).await;
    assert_fails_with(&run, &["is not a migration folder", "--migration-dir"]);
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}
