//! The typed answer of [`crate::status`]: each migration's state and checksum coverage.

use crate::checksum::{ChecksumGap, ChecksumPart};

/// Where one migration stands in the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MigrationState {
    /// Not applied yet.
    Pending,
    /// Applied, and its recorded checksum matches (or cannot be compared: see the gaps).
    Applied,
    /// Applied without a checksum row (by sea-orm's own `Migrator::up`, say); the next
    /// changing run records it.
    AppliedUnrecorded,
    /// Applied, and edited since: these parts of its checksum differ from the recorded.
    Changed {
        /// The differing parts.
        #[serde(rename = "changed_parts")]
        parts: Vec<ChecksumPart>,
    },
    /// Applied by a migrator that has a migration this one does not.
    Unknown,
}

/// One migration's status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MigrationStatus {
    /// Its name (the version in `seaql_migrations`).
    pub name: String,
    /// Where it stands.
    #[serde(flatten)]
    pub state: MigrationState,
    /// The checksum recorded when it was applied (`None`: not applied, or applied
    /// without one).
    pub recorded_checksum: Option<String>,
    /// Its checksum as this binary computes it (`None`: unknown migration, or no part
    /// can be computed).
    pub current_checksum: Option<String>,
    /// The parts its checksum lacks, and why (empty for unknown migrations).
    #[serde(rename = "checksum_gaps")]
    pub gaps: Vec<ChecksumGap>,
}

impl MigrationStatus {
    /// Whether no part of its checksum can be computed: its edits would go unseen.
    pub fn has_no_checksum(&self) -> bool {
        self.state != MigrationState::Unknown && self.gaps.len() == ChecksumPart::ALL.len()
    }
}

/// Every known migration, oldest first, then the unknown applied ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub struct Status {
    /// One entry per migration.
    pub migrations: Vec<MigrationStatus>,
    /// The migration left half-applied on MySQL / MariaDB, if any (see `resolve-dirty`).
    pub dirty: Option<crate::dirty::DirtyMigration>,
}

impl Status {
    fn names(&self, keep: impl Fn(&MigrationStatus) -> bool) -> Vec<&str> {
        self.migrations
            .iter()
            .filter(|m| keep(m))
            .map(|m| m.name.as_str())
            .collect()
    }

    /// Applied migrations (changed and unrecorded ones included, unknown ones not).
    pub fn applied(&self) -> Vec<&str> {
        self.names(|m| {
            matches!(
                m.state,
                MigrationState::Applied
                    | MigrationState::AppliedUnrecorded
                    | MigrationState::Changed { .. }
            )
        })
    }

    /// Migrations not applied yet.
    pub fn pending(&self) -> Vec<&str> {
        self.names(|m| m.state == MigrationState::Pending)
    }

    /// Applied migrations edited since they were applied.
    pub fn changed(&self) -> Vec<&str> {
        self.names(|m| matches!(m.state, MigrationState::Changed { .. }))
    }

    /// Applied migrations this migrator does not know.
    pub fn unknown(&self) -> Vec<&str> {
        self.names(|m| m.state == MigrationState::Unknown)
    }

    /// Migrations whose checksum cannot be computed at all.
    pub fn without_checksum(&self) -> Vec<&str> {
        self.names(MigrationStatus::has_no_checksum)
    }

    /// The status as JSON, for dashboards and deploy scripts (what `status --json`
    /// prints): `{"migrations": [{"name", "state", "changed_parts"?, "recorded_checksum",
    /// "current_checksum", "checksum_gaps"}], "summary": {...}, "current": bool}`.
    pub fn to_json(&self) -> String {
        let summary = serde_json::json!({
            "applied": self.applied().len(),
            "pending": self.pending().len(),
            "unknown": self.unknown().len(),
            "changed": self.changed().len(),
            "without_checksum": self.without_checksum().len(),
        });
        serde_json::json!({
            "migrations": self.migrations,
            "summary": summary,
            "current": self.is_current(),
            "dirty": self.dirty,
        })
        .to_string()
    }

    /// Whether every migration is applied, unchanged, known and checksummed.
    pub fn is_current(&self) -> bool {
        self.pending().is_empty()
            && self.dirty.is_none()
            && self.changed().is_empty()
            && self.unknown().is_empty()
            && self.without_checksum().is_empty()
    }
}
