//! Reasoned per-migration opt-outs from one lint rule, kept in the allow-list file:
//!
//! ```text
//! lint m20240301_000001_index_orders require-concurrent-index-creation  # orders has 30 rows
//! ```
//!
//! An opt-out that silences nothing is itself a finding, so the list cannot rot.

use std::collections::BTreeSet;

use super::LintRule;
use crate::backends::Backend;
use crate::checks::{Check, Finding};

/// The word an opt-out line starts with.
pub const KEYWORD: &str = "lint";

/// `lint MIGRATION RULE  # REASON`: `MIGRATION` may break `RULE`, for `REASON`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintOptOut {
    /// The migration the opt-out applies to.
    pub migration: String,
    /// The lint rule it turns off.
    pub rule: String,
    /// Why the rule is turned off.
    pub reason: String,
    /// The line of the allow-list it was read from, for messages.
    pub line: usize,
}

impl LintOptOut {
    /// Parses `line` if it is an opt-out (starts with `lint `): `None` if it is not one,
    /// `Some(Err(why))` if it is one but malformed.
    pub fn parse(line: &str, line_number: usize) -> Option<Result<Self, String>> {
        let rest = line.strip_prefix(KEYWORD)?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        Some(Self::parse_rest(rest, line_number))
    }

    fn parse_rest(rest: &str, line: usize) -> Result<Self, String> {
        let (entry, reason) = rest
            .split_once('#')
            .ok_or("every opt-out needs a `# reason`")?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("the reason after `#` is empty".to_owned());
        }
        let words: Vec<&str> = entry.split_whitespace().collect();
        let [migration, rule] = words.as_slice() else {
            return Err("an opt-out is a MIGRATION and a RULE".to_owned());
        };
        if LintRule::from_name(rule).is_none() {
            let known = known_rules();
            return Err(format!(
                "unknown lint rule `{rule}` (known: {})",
                known.join(", ")
            ));
        }
        Ok(Self {
            migration: (*migration).to_owned(),
            rule: (*rule).to_owned(),
            reason: reason.to_owned(),
            line,
        })
    }

    fn silences(&self, finding: &Finding) -> bool {
        finding.check == Check::Lint
            && finding.rule.as_deref() == Some(self.rule.as_str())
            && finding.migration.as_deref() == Some(self.migration.as_str())
    }
}

/// Every rule an opt-out may name: the harness's own, then squawk's enabled ones.
pub fn known_rules() -> Vec<String> {
    LintRule::all()
        .iter()
        .map(|rule| rule.name().to_owned())
        .collect()
}

/// `findings` without those an opt-out silences; the indexes of the opt-outs that did
/// are added to `used`.
pub fn apply(
    findings: Vec<Finding>,
    opt_outs: &[LintOptOut],
    used: &mut BTreeSet<usize>,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|finding| {
            let silencer = opt_outs.iter().position(|o| o.silences(finding));
            if let Some(index) = silencer {
                used.insert(index);
            }
            silencer.is_none()
        })
        .collect()
}

/// Whether the backends that `ran` can tell that `opt_out` silences nothing.
fn judgeable(opt_out: &LintOptOut, ran: &[Backend]) -> bool {
    // MySQL's rules when MySQL ran; any other (PostgreSQL's squawk rules too, as
    // always) when SQLite and PostgreSQL both did.
    match LintRule::from_name(&opt_out.rule).and_then(LintRule::only_on) {
        Some(Backend::MySql) => ran.contains(&Backend::MySql),
        _ => Backend::ALL.iter().all(|b| ran.contains(b)),
    }
}

/// A finding for each opt-out that silenced nothing, among those `ran` can judge.
pub fn stale(opt_outs: &[LintOptOut], used: &BTreeSet<usize>, ran: &[Backend]) -> Vec<Finding> {
    opt_outs
        .iter()
        .enumerate()
        .filter(|(index, o)| !used.contains(index) && judgeable(o, ran))
        .map(|(_, o)| {
            Finding::new(
                Check::Lint,
                None,
                Some(&o.migration),
                format!(
                    "stale opt-out on allow-list line {}: `{KEYWORD} {} {}` matches no finding; remove it",
                    o.line, o.migration, o.rule
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::Backend;
    use crate::checks::lint::{IF_EXISTS, NO_TRANSACTION};

    #[test]
    fn parses_an_opt_out_with_its_reason() {
        let parsed = LintOptOut::parse(
            "lint m2_index require-concurrent-index-creation  # items holds 3 rows",
            7,
        );
        assert_eq!(
            parsed,
            Some(Ok(LintOptOut {
                migration: "m2_index".to_owned(),
                rule: "require-concurrent-index-creation".to_owned(),
                reason: "items holds 3 rows".to_owned(),
                line: 7,
            }))
        );
        assert_eq!(LintOptOut::parse("lintel.c kind  # x", 1), None);
        assert_eq!(LintOptOut::parse("items.c kind  # x", 1), None);
    }

    #[test]
    fn refuses_opt_outs_without_reason_or_with_an_unknown_rule() {
        let error = |line| LintOptOut::parse(line, 1).and_then(Result::err);
        assert_eq!(
            error("lint m1 no-transaction"),
            Some("every opt-out needs a `# reason`".to_owned())
        );
        assert!(error("lint m1 no-transaction #  ").is_some());
        assert!(error("lint m1  # why").is_some());
        let unknown = error("lint m1 no-such-rule  # why").unwrap_or_default();
        assert!(
            unknown.starts_with("unknown lint rule `no-such-rule` (known: if-exists,"),
            "{unknown}"
        );
    }

    #[test]
    fn silences_exactly_its_migration_and_rule_and_reports_itself_when_stale() {
        let finding = |migration: &str, rule: &str| {
            let rule = LintRule::from_name(rule).expect("a rule");
            Finding::new(Check::Lint, Some(Backend::Postgres), Some(migration), "x").with_rule(rule)
        };
        let opt_outs = [
            LintOptOut::parse("lint m1 no-transaction  # one statement", 3),
            LintOptOut::parse("lint m9 no-transaction  # gone", 4),
        ]
        .map(|o| o.and_then(Result::ok).expect("valid"));
        let mut used = BTreeSet::new();
        let kept = apply(
            vec![
                finding("m1", NO_TRANSACTION),
                finding("m1", IF_EXISTS),
                finding("m2", NO_TRANSACTION),
            ],
            &opt_outs,
            &mut used,
        );
        assert_eq!(
            kept,
            [finding("m1", IF_EXISTS), finding("m2", NO_TRANSACTION)]
        );
        assert!(
            stale(&opt_outs, &used, &[Backend::Postgres]).is_empty(),
            "judged only when every backend ran"
        );
        let stale = stale(&opt_outs, &used, &Backend::ALL);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].migration.as_deref(), Some("m9"));
        assert_eq!(
            stale[0].message,
            "stale opt-out on allow-list line 4: `lint m9 no-transaction` matches no finding; remove it"
        );
    }
}
