//! What a fan-out did: one outcome per target started, and the targets never started.

use std::time::Duration;

use crate::error::Error;

/// What one target did.
#[derive(Debug)]
#[non_exhaustive]
pub struct TargetOutcome {
    /// The target, redacted ([`super::Tenant::describe`]): never its password.
    pub target: String,
    /// A run: the migrations it applied, also when it failed after some (each committed
    /// with its bookkeeping, so they stay applied). A status: the migrations applied in it.
    pub applied: Vec<String>,
    /// The migrations pending in it at the end (empty when it failed).
    pub pending: Vec<String>,
    /// From its start (connecting) to its end.
    pub duration: Duration,
    /// Why it failed; `None` when it did not.
    pub error: Option<Error>,
}

impl TargetOutcome {
    /// Whether it failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// What a fan-out did, target by target, in the order of the targets.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct FanOutReport {
    /// Each target started, in the order of the targets.
    pub outcomes: Vec<TargetOutcome>,
    /// The targets never started because [`super::FanOut::max_failures`] targets had
    /// failed (redacted, in order). Nothing was done on them.
    pub skipped: Vec<String>,
}

impl FanOutReport {
    /// The targets that failed.
    pub fn failed(&self) -> Vec<&TargetOutcome> {
        self.outcomes.iter().filter(|o| o.failed()).collect()
    }

    /// Whether every target was started and none failed.
    pub fn is_success(&self) -> bool {
        self.skipped.is_empty() && self.outcomes.iter().all(|o| !o.failed())
    }

    /// The report as one JSON object (what `--json` prints):
    /// `{"targets": [{"target", "outcome", "applied", "pending", "duration_ms",
    /// "error"}], "summary": {"targets", "succeeded", "failed", "skipped"}, "success"}`,
    /// `outcome` one of `ok`, `failed`, `skipped`; `applied` and `pending` the
    /// migrations' names (`applied`: what a failed target applied before it failed;
    /// `pending`: empty for failed targets; both empty for skipped ones), `error` the error's
    /// message or `null`. Targets and messages redacted.
    pub fn to_json(&self) -> String {
        let mut targets: Vec<serde_json::Value> = self
            .outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "target": secret_redact::redact(&o.target),
                    "outcome": if o.failed() { "failed" } else { "ok" },
                    "applied": o.applied,
                    "pending": o.pending,
                    "duration_ms": u64::try_from(o.duration.as_millis()).unwrap_or(u64::MAX),
                    "error": o.error.as_ref().map(|e| secret_redact::redact(&e.to_string())),
                })
            })
            .collect();
        targets.extend(self.skipped.iter().map(|target| {
            serde_json::json!({
                "target": secret_redact::redact(target),
                "outcome": "skipped",
                "applied": [],
                "pending": [],
                "duration_ms": 0,
                "error": null,
            })
        }));
        let failed = self.failed().len();
        serde_json::json!({
            "targets": targets,
            "summary": {
                "targets": self.outcomes.len() + self.skipped.len(),
                "succeeded": self.outcomes.len() - failed,
                "failed": failed,
                "skipped": self.skipped.len(),
            },
            "success": self.is_success(),
        })
        .to_string()
    }
}
