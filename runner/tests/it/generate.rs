//! `generate NAME`: the new file is the template (compiled right here), it is registered
//! in the migrator's lists in order, and bad input or a failed write changes no file.
//! Only the new file is formatted, symlinks and modes are kept, and concurrent runs lose
//! no registration.

#[path = "generated/m20240102_000000_add_widget.rs"]
mod m20240102_000000_add_widget;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;
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
        .join("tests/it/generated")
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

const REPO_LIB: &str = include_str!("../../../migration/src/lib.rs");
const REPO_MOD: &str = include_str!("../../../migration/src/migrations/mod.rs");

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
    // Past 100 columns on one line, the list is laid out one entry a line, as rustfmt would.
    assert!(
        lib.contains(&format!(
            "        vec![\n            Box::new(m20220101_000001_create_table::Migration),\n            Box::new({module}::Migration),\n        ]\n    }}"
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

/// `lib.rs` of `repo_layout` with `modules` added after the last migration, in order.
fn lib_with(modules: &[&str]) -> String {
    let added: String = modules.iter().map(|m| format!("    {m},\n")).collect();
    REPO_LIB.replace(
        "    m20250101_000013_apps,\n",
        &format!("    m20250101_000013_apps,\n{added}"),
    )
}

/// `mod.rs` of `repo_layout` with `modules` added after the last migration, in order.
fn mod_with(modules: &[&str]) -> String {
    let added: String = modules.iter().map(|m| format!("pub mod {m};\n")).collect();
    REPO_MOD.replace(
        "pub mod m20250101_000013_apps;\n",
        &format!("pub mod m20250101_000013_apps;\n{added}"),
    )
}

/// rustfmt formats the new file only (here with the crate's `rustfmt.toml`, tabs): an
/// applied migration, badly formatted on purpose, stays byte-identical (its checksum
/// covers its source), and the lists get only their new line, in their own style.
#[tokio::test]
async fn only_the_new_file_is_formatted() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    if let Err(e) = std::process::Command::new("rustfmt")
        .arg("--version")
        .output()
    {
        eprintln!("SKIPPED: rustfmt cannot run here: {e}");
        return;
    }
    std::fs::write(crate_dir.path().join("rustfmt.toml"), "hard_tabs = true\n").expect("write");
    // lib.rs's module tree complete, so that rustfmt could follow it all.
    std::fs::write(crate_dir.path().join("src/schema.rs"), "// the schema\n").expect("write");
    let applied = migrations.join("m20250101_000013_apps.rs");
    let ugly = "use  sea_orm_migration::prelude::*;\nfn   x( ) -> i32 {1+1}\n";
    std::fs::write(&applied, ugly).expect("write");
    let run = generate(&migrations, &["add_widget"]).await;
    assert!(
        assert_ok(&run).contains("formatted with rustfmt"),
        "{}",
        run.stdout
    );
    let module = created(&run);
    let new = std::fs::read_to_string(migrations.join(format!("{module}.rs"))).expect("new");
    assert!(
        new.contains("\n\tasync fn up("),
        "not formatted with tabs: {new}"
    );
    assert_eq!(std::fs::read_to_string(&applied).expect("applied"), ugly);
    let lib = std::fs::read_to_string(crate_dir.path().join("src/lib.rs")).expect("lib");
    assert_eq!(lib, lib_with(&[&module]));
    let modules = std::fs::read_to_string(migrations.join("mod.rs")).expect("mod.rs");
    assert_eq!(modules, mod_with(&[&module]));
}

/// Symlinked `lib.rs` and `mod.rs` stay links, and the files they point to get the
/// registration.
#[tokio::test]
async fn symlinked_lists_stay_links_to_the_updated_files() {
    let crate_dir = repo_layout();
    let src = crate_dir.path().join("src");
    let shared = crate_dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::rename(src.join("lib.rs"), shared.join("lib.rs")).expect("move");
    std::os::unix::fs::symlink("../shared/lib.rs", src.join("lib.rs")).expect("link");
    std::fs::rename(src.join("migrations/mod.rs"), shared.join("mod.rs")).expect("move");
    std::os::unix::fs::symlink("../../shared/mod.rs", src.join("migrations/mod.rs")).expect("link");
    let run = generate(&src.join("migrations"), &["add_widget"]).await;
    assert_ok(&run);
    let module = created(&run);
    for (link, target, expected) in [
        ("lib.rs", "../shared/lib.rs", lib_with(&[&module])),
        (
            "migrations/mod.rs",
            "../../shared/mod.rs",
            mod_with(&[&module]),
        ),
    ] {
        let link = src.join(link);
        let kind = std::fs::symlink_metadata(&link).expect("stat").file_type();
        assert!(kind.is_symlink(), "{} is no longer a link", link.display());
        assert_eq!(
            std::fs::read_link(&link).expect("readlink"),
            Path::new(target)
        );
        assert_eq!(std::fs::read_to_string(&link).expect("read"), expected);
    }
    assert_eq!(listing(&shared).len(), 2, "{:?}", listing(&shared));
}

/// A migration folder reached through a symlink: the link stays, the files land in the
/// real folder.
#[tokio::test]
async fn a_symlinked_migration_folder_stays_a_link() {
    let crate_dir = repo_layout();
    let src = crate_dir.path().join("src");
    let real = crate_dir.path().join("real_migrations");
    std::fs::rename(src.join("migrations"), &real).expect("move");
    std::os::unix::fs::symlink(&real, src.join("migrations")).expect("link");
    let run = generate(&src.join("migrations"), &["add_widget"]).await;
    assert_ok(&run);
    let module = created(&run);
    let kind = std::fs::symlink_metadata(src.join("migrations")).expect("stat");
    assert!(kind.file_type().is_symlink());
    assert!(real.join(format!("{module}.rs")).is_file());
    assert_eq!(
        std::fs::read_to_string(real.join("mod.rs")).expect("mod.rs"),
        mod_with(&[&module])
    );
}

/// A rewritten file keeps its permissions.
#[tokio::test]
async fn rewritten_lists_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let files = [
        (crate_dir.path().join("src/lib.rs"), 0o640),
        (migrations.join("mod.rs"), 0o600),
    ];
    for (file, mode) in &files {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(*mode)).expect("chmod");
    }
    let run = generate(&migrations, &["add_widget"]).await;
    assert_ok(&run);
    let module = created(&run);
    for (file, mode) in &files {
        let now = std::fs::metadata(file).expect("stat").permissions().mode() & 0o7777;
        assert_eq!(
            now,
            *mode,
            "{}: {now:o} instead of {mode:o}",
            file.display()
        );
    }
    let lib = std::fs::read_to_string(&files[0].0).expect("lib");
    assert_eq!(lib, lib_with(&[&module]));
}

/// What `at_once` tells each child process: the migration folder, the name, its index,
/// and the folder where it says it is ready and waits for the start.
const CHILD_DIR: &str = "GENERATE_TEST_DIR";
const CHILD_NAME: &str = "GENERATE_TEST_NAME";
const CHILD_INDEX: &str = "GENERATE_TEST_INDEX";
const CHILD_START: &str = "GENERATE_TEST_START";

/// Not a test on its own: one `generate` run in a process of its own, started by
/// `at_once` (without its variables, it does nothing).
#[test]
#[ignore = "a child process of the concurrency tests"]
fn generate_in_a_child_process() {
    let var = |name| std::env::var_os(name).map(PathBuf::from);
    let (Some(dir), Some(name), Some(index), Some(start)) = (
        var(CHILD_DIR),
        var(CHILD_NAME),
        var(CHILD_INDEX),
        var(CHILD_START),
    ) else {
        return;
    };
    std::fs::write(start.join(format!("ready.{}", index.display())), "").expect("ready");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !start.join("go").exists() {
        assert!(std::time::Instant::now() < deadline, "never started");
        std::thread::sleep(std::time::Duration::from_micros(100));
    }
    let name = name.to_string_lossy();
    match migration_runner::cli::generate::generate(&name, "20260101_000000", Some(&dir), &dir) {
        Ok(generated) => println!("GENERATED {}", generated.module),
        Err(e) => println!("REFUSED {e}"),
    }
}

/// `generate` of each name on `migrations`, in one process each (as two `cargo run --
/// generate` would be), all started at once and with the same stamp: each run's module
/// or its error. `RUSTFMT` names no program, so that no run is delayed by rustfmt.
fn at_once(migrations: &Path, names: &[String]) -> Vec<Result<String, String>> {
    let start = tempfile::tempdir().expect("tempdir");
    let this = std::env::current_exe().expect("the test binary");
    let child = test_name(module_path!(), "generate_in_a_child_process");
    let children: Vec<std::process::Child> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            std::process::Command::new(&this)
                .args(["--exact", &child, "--ignored"])
                .args(["--nocapture", "--test-threads=1"])
                .env(CHILD_DIR, migrations)
                .env(CHILD_NAME, name)
                .env(CHILD_INDEX, index.to_string())
                .env(CHILD_START, start.path())
                .env("RUSTFMT", start.path().join("no-rustfmt"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    while listing(start.path()).len() < names.len() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::fs::write(start.path().join("go"), "").expect("go");
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait");
            let stdout = String::from_utf8_lossy(&out.stdout);
            // libtest prints `test NAME ... ` first, on the same line.
            let line = |tag| stdout.lines().find_map(|l| Some(l.split_once(tag)?.1));
            match (line("GENERATED "), line("REFUSED ")) {
                (Some(module), _) => Ok(module.to_owned()),
                (None, Some(error)) => Err(error.to_owned()),
                (None, None) => Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr))),
            }
        })
        .collect()
}

/// Eight runs at once (processes), distinct names, one stamp: every one is registered exactly once
/// in both lists (in order), every file exists, no temporary file is left.
#[test]
fn concurrent_runs_lose_no_registration() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let names: Vec<String> = (0..8).map(|i| format!("widget_{i}")).collect();
    let mut modules: Vec<String> = at_once(&migrations, &names)
        .into_iter()
        .map(|run| run.expect("each run succeeds"))
        .collect();
    modules.sort();
    let modules: Vec<&str> = modules.iter().map(String::as_str).collect();
    let lib = std::fs::read_to_string(crate_dir.path().join("src/lib.rs")).expect("lib");
    assert_eq!(lib, lib_with(&modules));
    let listed = std::fs::read_to_string(migrations.join("mod.rs")).expect("mod.rs");
    assert_eq!(listed, mod_with(&modules));
    for module in &modules {
        assert!(
            migrations.join(format!("{module}.rs")).is_file(),
            "{module}"
        );
    }
    let left: Vec<String> = listing(crate_dir.path())
        .into_iter()
        .filter(|p| p.ends_with(".tmp"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
}

/// Four runs of one name at once (processes): one writes it, the others are refused.
#[test]
fn concurrent_runs_of_one_name_write_it_once() {
    let crate_dir = repo_layout();
    let migrations = crate_dir.path().join("src/migrations");
    let runs = at_once(&migrations, &vec!["add_widget".to_owned(); 4]);
    let module = "m20260101_000000_add_widget";
    assert_eq!(
        runs.iter()
            .filter(|r| r.as_ref().is_ok_and(|m| m == module))
            .count(),
        1,
        "{runs:?}"
    );
    for error in runs.iter().filter_map(|r| r.as_ref().err()) {
        assert!(error.contains("add_widget exists already"), "{error}");
    }
    let lib = std::fs::read_to_string(crate_dir.path().join("src/lib.rs")).expect("lib");
    assert_eq!(lib, lib_with(&[module]));
    let listed = std::fs::read_to_string(migrations.join("mod.rs")).expect("mod.rs");
    assert_eq!(listed, mod_with(&[module]));
}
