//! One module per migration, oldest first.

pub mod m20260301_000001_organizations;
pub mod m20260301_000002_org_id;
pub mod m20260301_000003_row_level_security;
pub mod m20260301_000004_sessions;
