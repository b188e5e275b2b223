//! The full round trip: down all, then up all (round trip, clean base).

use sea_orm_migration::MigratorTrait;

use super::BackendRun;
use super::state::schema_differs;
use crate::backends::TestDatabase;
use crate::catalog::{self, SchemaDump};
use crate::checks::failure::guarded;
use crate::checks::{Check, Finding, NotRun};
use crate::error::HarnessError;

/// Down all, then up all, on the database the walk left with every migration applied
/// (`walked`), compared with the walk's final schema; or, after an incomplete walk, on
/// a fresh database: up all first, and the second up all compared with the first.
/// `base` is the schema with only the migrations table.
pub(super) async fn round_trip<M: MigratorTrait>(
    db: &TestDatabase,
    base: &SchemaDump,
    walked: bool,
    run: &mut BackendRun,
) -> Result<(), HarnessError> {
    let backend = Some(db.backend);
    let conn = &db.conn;
    let finding = |check, message: String| Finding::new(check, backend, None, message);
    let not_run = |check, why: &str| NotRun::new(check, backend, None, why.to_owned());
    let unchanged = |check, expected: &SchemaDump, actual: &SchemaDump, headline: &str| {
        schema_differs(expected, actual, headline).map(|message| finding(check, message))
    };

    let first = if walked {
        run.final_dump.clone()
    } else {
        if let Err(failure) = guarded(M::up(conn, None)).await {
            run.findings
                .push(finding(Check::RoundTrip, format!("up all {failure}")));
            run.not_run.push(not_run(Check::CleanBase, "up all failed"));
            return Ok(());
        }
        catalog::dump(conn).await?
    };

    if let Err(failure) = guarded(M::down(conn, None)).await {
        run.findings
            .push(finding(Check::RoundTrip, format!("down all {failure}")));
        run.not_run
            .push(not_run(Check::CleanBase, "down all failed"));
        return Ok(());
    }
    let emptied = catalog::dump(conn).await?;
    run.findings.extend(unchanged(
        Check::CleanBase,
        base,
        &emptied,
        "down all did not leave only the migrations table",
    ));

    if let Err(failure) = guarded(M::up(conn, None)).await {
        run.findings.push(finding(
            Check::RoundTrip,
            format!("up all after down all {failure}"),
        ));
        return Ok(());
    }
    let second = catalog::dump(conn).await?;
    let headline = if walked {
        "up all after down all differs from applying one by one"
    } else {
        "up all after down all gave a different schema"
    };
    run.findings
        .extend(unchanged(Check::RoundTrip, &first, &second, headline));
    Ok(())
}
