//! One backend's run: the step-by-step walk (step reversibility, lint of the captured
//! SQL) and the full round trip on a second fresh database (round trip, clean base).
//!
//! The walk applies each migration, rolls it back and applies it again before moving
//! on: 3·N migrations applied, not O(N²), and every dump is compared with the one before.

use sea_orm_migration::MigratorTrait;

use super::lint::{existing_tables, lint_step};
use super::{Check, Finding};
use crate::backends::{Backend, TestDatabase};
use crate::capture::SqlLog;
use crate::catalog::{self, LogicalSchema, SchemaDump};
use crate::diff::{compare, describe};
use crate::error::HarnessError;

/// What one migration executed on one backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    pub migration: String,
    pub up_sql: Vec<String>,
    pub down_sql: Vec<String>,
}

/// Everything one backend's run found and recorded.
#[derive(Debug, Clone)]
pub struct BackendRun {
    pub backend: Backend,
    pub steps: Vec<StepRun>,
    /// The schema after all migrations, applied one by one.
    pub final_dump: SchemaDump,
    pub final_logical: LogicalSchema,
    pub findings: Vec<Finding>,
}

/// Runs the walk and the round trip of `M` on fresh databases of `backend`.
pub async fn walk<M: MigratorTrait>(backend: Backend) -> Result<BackendRun, HarnessError> {
    let table = M::migration_table_name().to_string();
    let mut run = BackendRun {
        backend,
        steps: Vec::new(),
        final_dump: SchemaDump::default(),
        final_logical: LogicalSchema::default(),
        findings: Vec::new(),
    };

    let mut db = TestDatabase::fresh(backend).await?;
    let log = SqlLog::attach(&mut db.conn, &table);
    let walked = step_walk::<M>(&db, &log, &mut run).await;
    if walked.is_ok() {
        run.final_dump = catalog::dump(&db.conn).await?;
        run.final_logical = LogicalSchema::read(&db.conn, &[table.as_str()]).await?;
    }
    db.close().await?;
    walked?;

    let db = TestDatabase::fresh(backend).await?;
    let result = round_trip::<M>(&db, &mut run).await;
    db.close().await?;
    result?;
    Ok(run)
}

async fn step_walk<M: MigratorTrait>(
    db: &TestDatabase,
    log: &SqlLog,
    run: &mut BackendRun,
) -> Result<(), HarnessError> {
    let backend = Some(db.backend);
    let conn = &db.conn;
    // The catalog queries run on the same connection: keep them out of the log.
    let dump = || async {
        let dump = catalog::dump(conn).await;
        log.take();
        dump
    };
    M::install(conn).await?;
    let mut before = dump().await?;
    for migration in M::migrations() {
        let name = migration.name().to_owned();
        let finding = |check, message: String| Finding::new(check, backend, Some(&name), message);
        let unchanged = |check, expected: &SchemaDump, actual: &SchemaDump, headline: &str| {
            differs(expected, actual, headline).map(|message| finding(check, message))
        };
        log.take();

        if let Err(e) = M::up(conn, Some(1)).await {
            run.findings
                .push(finding(Check::StepReversibility, format!("up failed: {e}")));
            return Ok(());
        }
        let up_sql = log.take();
        let after = dump().await?;

        if let Err(e) = M::down(conn, Some(1)).await {
            run.findings
                .push(finding(Check::Lint, format!("down failed: {e}")));
            run.findings.push(finding(
                Check::StepReversibility,
                "cannot be rolled back (down failed); the walk stopped here".to_owned(),
            ));
            return Ok(());
        }
        let down_sql = log.take();
        run.findings.extend(lint_step(
            db.backend,
            migration.as_ref(),
            &up_sql,
            &down_sql,
            &existing_tables(&before),
        ));
        let rolled_back = dump().await?;
        run.findings.extend(unchanged(
            Check::StepReversibility,
            &before,
            &rolled_back,
            "down did not restore the schema as it was before up",
        ));

        if let Err(e) = M::up(conn, Some(1)).await {
            run.findings.push(finding(
                Check::StepReversibility,
                format!("up failed after a rollback: {e}"),
            ));
            return Ok(());
        }
        log.take();
        let again = dump().await?;
        run.findings.extend(unchanged(
            Check::StepReversibility,
            &after,
            &again,
            "applying again after down gave a different schema than the first time",
        ));

        run.steps.push(StepRun {
            migration: name,
            up_sql,
            down_sql,
        });
        before = again;
    }
    Ok(())
}

async fn round_trip<M: MigratorTrait>(
    db: &TestDatabase,
    run: &mut BackendRun,
) -> Result<(), HarnessError> {
    let backend = Some(db.backend);
    let conn = &db.conn;
    let finding = |check, message: String| Finding::new(check, backend, None, message);
    let unchanged = |check, expected: &SchemaDump, actual: &SchemaDump, headline: &str| {
        differs(expected, actual, headline).map(|message| finding(check, message))
    };
    M::install(conn).await?;
    let base = catalog::dump(conn).await?;

    if let Err(e) = M::up(conn, None).await {
        run.findings
            .push(finding(Check::RoundTrip, format!("up all failed: {e}")));
        return Ok(());
    }
    let first = catalog::dump(conn).await?;
    if run.steps.len() == M::migrations().len() {
        run.findings.extend(unchanged(
            Check::RoundTrip,
            &run.final_dump,
            &first,
            "applying all at once differs from applying one by one",
        ));
    }

    if let Err(e) = M::down(conn, None).await {
        run.findings
            .push(finding(Check::RoundTrip, format!("down all failed: {e}")));
        return Ok(());
    }
    let emptied = catalog::dump(conn).await?;
    run.findings.extend(unchanged(
        Check::CleanBase,
        &base,
        &emptied,
        "down all did not leave only the migrations table",
    ));

    if let Err(e) = M::up(conn, None).await {
        run.findings.push(finding(
            Check::RoundTrip,
            format!("up all after down all failed: {e}"),
        ));
        return Ok(());
    }
    let second = catalog::dump(conn).await?;
    run.findings.extend(unchanged(
        Check::RoundTrip,
        &first,
        &second,
        "up all after down all gave a different schema",
    ));
    Ok(())
}

/// `headline` and the object-by-object changes, when `actual` differs from `expected`.
fn differs(expected: &SchemaDump, actual: &SchemaDump, headline: &str) -> Option<String> {
    let changes = compare(expected, actual);
    (!changes.is_empty()).then(|| format!("{headline}:\n{}", describe(&changes)))
}
