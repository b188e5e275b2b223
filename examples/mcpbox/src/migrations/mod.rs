//! One file per upstream Alembic revision, up and down side by side.

pub mod m20260227_000001_initial_schema;
pub mod m20260228_000002_consolidate_approval_sources;
