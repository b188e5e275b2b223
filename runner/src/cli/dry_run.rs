//! `up --dry-run` / `down --dry-run`: the SQL each migration would run, per migration and
//! in order, printed without changing the database (see [`crate::plan`]).

use std::io::Write;

use sea_orm_migration::MigratorTrait;

use super::{Args, CliError, options_for, plural, say};
use crate::backend::Direction;
use crate::checksum::Sources;
use crate::engine::Operation;
use crate::error::Error;
use crate::plan::{Plan, PlannedMigration};
use crate::target::{Access, Target};

/// The line that marks where a migration's statements start to depend on data.
pub const READS_DATA: &str = "-- this migration reads data; statements after this point may differ";

pub(super) async fn run<M: MigratorTrait>(
    args: &Args,
    operation: Option<Operation>,
    sources: Sources,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Some(operation) = operation else {
        return Ok(());
    };
    super::check_schema(args, None)?;
    // Read-only: a missing SQLite file is not created; it is planned as an empty one.
    let (target, access) = match Target::resolve(
        args.database_url.as_deref(),
        &args.default_sqlite_path,
        Access::ReadOnly,
    ) {
        Ok(target) => (target, Access::ReadOnly),
        Err(Error::MissingSqliteDatabase { path }) => {
            say(
                out,
                &format!(
                    "database: SQLite file {} (it does not exist yet: planned as an empty database, nothing is created)",
                    path.display()
                ),
            );
            (Target::Sqlite { path: None }, Access::ReadWrite)
        }
        Err(error) => return Err(error.into()),
    };
    super::check_schema(args, Some(&target))?;
    if access == Access::ReadOnly {
        say(out, &format!("database: {}", target.describe()));
    }
    let db = target.connect(access, args.connect_timeout).await?;
    let options = options_for(args, &target, sources);
    let plan = crate::plan::<M>(&db, &operation, &options).await;
    let _ = db.close().await;
    print_plan(&plan?, M::migrations().len(), out);
    Ok(())
}

fn print_plan(plan: &Plan, known: usize, out: &mut dyn Write) {
    let (verb, done) = match plan.direction {
        Direction::Up => ("up", "applied"),
        Direction::Down => ("down", "rolled back"),
    };
    if plan.migrations.is_empty() {
        say(
            out,
            &format!("-- dry run: nothing pending, all {known} migrations are applied"),
        );
        return;
    }
    say(
        out,
        &format!(
            "-- dry run: the SQL of each migration's {verb}, in order; nothing is changed. \
             Not shown: the runner's lock and its version and checksum rows."
        ),
    );
    for migration in &plan.migrations {
        print_migration(migration, verb, out);
    }
    let n = plan.migrations.len();
    say(out, "");
    say(
        out,
        &format!("-- dry run: {n} migration{} would be {done}", plural(n)),
    );
}

fn print_migration(migration: &PlannedMigration, verb: &str, out: &mut dyn Write) {
    say(out, "");
    let transaction = if migration.in_transaction {
        "in one transaction with its bookkeeping"
    } else {
        "not in a transaction"
    };
    say(
        out,
        &format!("-- {}: {verb}, {transaction}", migration.name),
    );
    if migration.statements.is_empty() && migration.failure.is_none() {
        say(out, "-- (no statement on this backend)");
    }
    let reads_from = migration.reads_data_from();
    for (i, statement) in migration.statements.iter().enumerate() {
        say(out, &format!("{};", statement.sql));
        if reads_from == Some(i) {
            say(out, READS_DATA);
        }
    }
    if let Some(failure) = &migration.failure {
        say(
            out,
            &format!(
                "-- the dry run stopped here: {failure}; on the real database it may go on (or fail the same way)"
            ),
        );
    }
}
