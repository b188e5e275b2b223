//! The lint's rules: a closed set, the harness's own and the squawk rules it enables.

use std::fmt;
use std::ops::Deref;
use std::sync::LazyLock;

use squawk_linter::Rule;

use super::lock_hazards::RULES;
use super::mysql_hazards::{MYSQL_NOT_ATOMIC, MYSQL_TABLE_COPY};
use super::{IF_EXISTS, NO_OP_DOWN, NO_TRANSACTION};
use crate::backends::Backend;

/// A rule of the lint. It derefs to its name as findings, the allow-list and squawk
/// spell it (`if-exists`, `require-concurrent-index-creation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LintRule {
    /// `IF [NOT] EXISTS` on a table or an index.
    IfExists,
    /// A `down` that executes nothing after an `up` that did something.
    NoOpDown,
    /// A migration not wrapped in a transaction.
    NoTransaction,
    /// One of squawk's rules about locks, scans and rewrites of a live table.
    Squawk(SquawkRule),
    /// On MySQL, a migration direction with a DDL statement among two or more
    /// statements that change the database: MySQL commits each DDL statement on its own.
    MySqlNotAtomic,
    /// On MySQL, an `ALTER TABLE` on an existing table that copies it
    /// (`ALGORITHM=COPY`) or permits no concurrent writes.
    MySqlTableCopy,
}

/// One of the squawk rules the lint enables (those of its lock-hazard list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SquawkRule(Rule);

/// Each enabled squawk rule with its name, made once.
static SQUAWK_NAMES: LazyLock<Vec<(Rule, &'static str)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|rule| (*rule, &*Box::leak(rule.to_string().into_boxed_str())))
        .collect()
});

impl SquawkRule {
    /// The rule of `rule`, if the lint enables it.
    pub(crate) fn enabled(rule: Rule) -> Option<Self> {
        RULES.contains(&rule).then_some(Self(rule))
    }

    /// Squawk's name for it, e.g. `require-concurrent-index-creation`.
    pub fn name(self) -> &'static str {
        SQUAWK_NAMES
            .iter()
            .find(|(rule, _)| *rule == self.0)
            .map_or("squawk", |(_, name)| name)
    }
}

impl LintRule {
    /// Its name, e.g. `no-op-down` or `require-concurrent-index-creation`.
    pub fn name(self) -> &'static str {
        match self {
            LintRule::IfExists => IF_EXISTS,
            LintRule::NoOpDown => NO_OP_DOWN,
            LintRule::NoTransaction => NO_TRANSACTION,
            LintRule::Squawk(rule) => rule.name(),
            LintRule::MySqlNotAtomic => MYSQL_NOT_ATOMIC,
            LintRule::MySqlTableCopy => MYSQL_TABLE_COPY,
        }
    }

    /// The one backend the rule can break on, if it is one backend's: squawk's on
    /// PostgreSQL, the MySQL rules on MySQL.
    pub fn only_on(self) -> Option<Backend> {
        match self {
            LintRule::Squawk(_) => Some(Backend::Postgres),
            LintRule::MySqlNotAtomic | LintRule::MySqlTableCopy => Some(Backend::MySql),
            LintRule::IfExists | LintRule::NoOpDown | LintRule::NoTransaction => None,
        }
    }

    /// Every rule: the harness's own, then squawk's enabled ones, then MySQL's.
    pub fn all() -> Vec<LintRule> {
        [
            LintRule::IfExists,
            LintRule::NoOpDown,
            LintRule::NoTransaction,
        ]
        .into_iter()
        .chain(RULES.iter().map(|rule| LintRule::Squawk(SquawkRule(*rule))))
        .chain([LintRule::MySqlNotAtomic, LintRule::MySqlTableCopy])
        .collect()
    }

    /// The rule named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<LintRule> {
        Self::all().into_iter().find(|rule| rule.name() == name)
    }
}

impl Deref for LintRule {
    type Target = str;

    fn deref(&self) -> &str {
        self.name()
    }
}

impl fmt::Display for LintRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<SquawkRule> for LintRule {
    fn from(rule: SquawkRule) -> Self {
        LintRule::Squawk(rule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_found_by_its_name() {
        for rule in LintRule::all() {
            assert_eq!(LintRule::from_name(rule.name()), Some(rule));
        }
        assert_eq!(
            LintRule::from_name("require-concurrent-index-creation"),
            SquawkRule::enabled(Rule::RequireConcurrentIndexCreation).map(LintRule::from)
        );
        assert_eq!(SquawkRule::enabled(Rule::PreferTextField), None);
        assert_eq!(LintRule::from_name("no-such-rule"), None);
    }
}
