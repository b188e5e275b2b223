//! The parity allow-list: the differences between backends a project accepts, each with
//! its reason, in one commented file.
//!
//! ```text
//! # PATH ASPECT  # REASON (required)
//! events.payload kind  # SQLite has no JSON type; the app parses the text
//! events.index:idx_events_fts exists  # full-text index exists on PostgreSQL only
//! ```
//!
//! PATH is `table`, `table.column`, `table.index:NAME` or `table.fk:COL,COL`; ASPECT is
//! what may differ there (see [`super::parity`]).
//!
//! The same file holds the lint opt-outs: a line `lint MIGRATION RULE  # REASON` lets
//! that one migration break that one lint rule (see [`super::lint::known_rules`]), e.g.
//!
//! ```text
//! lint m20240301_000001_index_orders require-concurrent-index-creation  # 40 rows, internal
//! ```
//!
//! An opt-out that matches no finding (on a run of every backend) is itself a finding.
//!
//! A line `irreversible MIGRATION TABLE[.COLUMN]  # REASON` accepts data that
//! migration's `up` destroys by nature (a dropped table or column) and its `down` cannot
//! bring back (see [`super::Irreversible`]), e.g.
//!
//! ```text
//! irreversible m20250301_000000_drop_legacy_notes items.note  # unused since 2024
//! ```
//!
//! A line `compat MIGRATION [TABLE]  # REASON` accepts that migration breaking the
//! running application version (on that table, or on every table): the contract step of
//! an expand/contract change (see [`super::compat`]), e.g.
//!
//! ```text
//! compat m20250301_000000_drop_legacy_notes items  # the app stopped writing notes in 2.3
//! ```
//!
//! A second form declares two column types the project holds to be the same, wherever
//! they meet (the types sea-query declares alike need no line: parity derives those):
//!
//! ```text
//! # equivalent sqlite: TYPE [collate NAME] = postgres: TYPE [collate NAME]  # REASON
//! equivalent sqlite: text collate nocase = postgres: citext  # case-insensitive text
//! ```
//!
//! A column matches when its type (and collation, if the line names one) is spelled the
//! same, ignoring case and repeated spaces. Type and collation are then both accepted.
//!
//! Parity compares every pair of walked backends (see [`super::parity`]): an
//! `equivalent` line names its pair by its two backends, in either order, and applies
//! to that pair only; a `PATH ASPECT` line applies to SQLite–PostgreSQL unless it starts
//! with its pair (`mysql-postgres:`, `mysql-sqlite:`):
//!
//! ```text
//! equivalent mysql: varchar(255) collate utf8mb4_unicode_ci = postgres: citext  # why
//! mysql-postgres: items.prefix_unique exists  # partial unique index emulated
//! ```
//!
//! A line `drift KIND NAME  # REASON` accepts one known difference between a live
//! database and what its migrations produce (`drift`, `baseline`: see [`crate::ops`]),
//! the object named as the harness names it (an [`ObjectKey`]):
//!
//! ```text
//! drift index idx_hotfix  # added by hand during incident 42, kept
//! ```

use std::path::{Path, PathBuf};

use super::lint::LintOptOut;
use super::parity::{Pair, pair};
use crate::Backend;
use crate::catalog::{ObjectKey, ObjectKind};

/// One accepted difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The pair of backends it applies to: `sqlite-postgres` unless the line names one
    /// (`mysql-postgres: PATH ASPECT  # REASON`).
    pub pair: Pair,
    pub path: String,
    pub aspect: String,
    pub reason: String,
    pub line: usize,
}

/// Data loss a project accepts: migration `migration` may drop `path` (`table` or
/// `table.column`) without its `down` bringing the data back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedLoss {
    /// The migration.
    pub migration: String,
    /// `table` or `table.column`.
    pub path: String,
    /// Why the loss is accepted.
    pub reason: String,
    /// The line it was read from.
    pub line: usize,
}

/// A break of the running version a project accepts: migration `migration` may make
/// the previous application version's statements fail, on `table` or on every table
/// (see [`super::compat`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedBreak {
    /// The migration.
    pub migration: String,
    /// The table; `None` for every table.
    pub table: Option<String>,
    /// Why the break is accepted.
    pub reason: String,
    /// The line it was read from.
    pub line: usize,
}

/// Two column types, one per backend of a [`Pair`], that the project declares
/// equivalent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equivalence {
    /// The pair of backends it applies to (in no other pair).
    pub pair: Pair,
    /// The left backend's normalised `type [collate name]`, as
    /// [`Equivalence::signature`] writes it (SQLite's for `sqlite-postgres`).
    pub left: String,
    /// The right backend's (PostgreSQL's for `sqlite-postgres`).
    pub right: String,
    /// Why the two are equivalent.
    pub reason: String,
    /// The line it was read from.
    pub line: usize,
}

impl Equivalence {
    /// `type [collate name]`, lower case, single spaces, without `public.`: the form a
    /// column is matched in.
    pub fn signature(sql_type: &str, collation: Option<&str>) -> String {
        let ty = sql_type.trim().to_ascii_lowercase();
        let ty = ty.strip_prefix("public.").unwrap_or(&ty).to_owned();
        let text = match collation {
            Some(collation) => format!("{ty} collate {}", collation.trim_matches('"')),
            None => ty,
        };
        text.to_ascii_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Parses `A: TYPE = B: TYPE` (`sqlite: text collate nocase = postgres: citext`),
    /// what follows `equivalent `: two different backends, in either order.
    fn parse(text: &str, reason: &str, line: usize) -> Result<Self, String> {
        let (a, b) = text
            .split_once('=')
            .ok_or("an equivalence needs `=` between its two types")?;
        let side = |text: &str| -> Result<(Backend, String), String> {
            let (name, ty) = text
                .split_once(':')
                .ok_or("expected `sqlite:`, `postgres:` or `mysql:` before a type")?;
            let backend = pair::backend(name)
                .ok_or_else(|| format!("`{}` is not sqlite, postgres or mysql", name.trim()))?;
            if ty.trim().is_empty() {
                return Err(format!("the {backend} type is empty"));
            }
            Ok((backend, Self::signature(ty, None)))
        };
        let ((a, a_type), (b, b_type)) = (side(a)?, side(b)?);
        let (pair, swapped) =
            Pair::of(a, b).ok_or("an equivalence names two different backends")?;
        let (left, right) = if swapped {
            (b_type, a_type)
        } else {
            (a_type, b_type)
        };
        Ok(Self {
            pair,
            left,
            right,
            reason: reason.to_owned(),
            line,
        })
    }

    /// Whether this equivalence covers the given texts of `pair`'s left and right
    /// backends.
    pub fn matches(&self, pair: Pair, left: &str, right: &str) -> bool {
        self.pair == pair && self.left == left && self.right == right
    }

    /// The line as written back: `equivalent mysql: json = postgres: jsonb`.
    pub fn text(&self) -> String {
        let (left, right) = self.pair.sides();
        format!(
            "equivalent {}: {} = {}: {}",
            left.name(),
            self.left,
            right.name(),
            self.right
        )
    }
}

/// A known difference between a live database and its migrations, accepted with its
/// reason: `drift KIND NAME  # REASON`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftAllowance {
    /// The object that may differ (missing, extra or changed).
    pub object: ObjectKey,
    /// Why the difference is accepted.
    pub reason: String,
    /// The line it was read from.
    pub line: usize,
}

impl DriftAllowance {
    /// Parses the part of a `drift` line between `drift` and the `#`: `KIND NAME`, the
    /// kind as the harness writes it (`index`, `enum type`, `comment on`...).
    fn parse(entry: &str, reason: &str, line: usize) -> Result<Self, String> {
        let entry = entry.trim();
        let kind = DRIFT_KINDS
            .iter()
            .filter(|kind| {
                entry
                    .strip_prefix(kind.name())
                    .is_some_and(|rest| rest.starts_with(char::is_whitespace))
            })
            .max_by_key(|kind| kind.name().len())
            .ok_or_else(|| {
                let kinds: Vec<&str> = DRIFT_KINDS.iter().map(|k| k.name()).collect();
                format!(
                    "expected `drift KIND NAME  # REASON`, KIND one of: {}",
                    kinds.join(", ")
                )
            })?;
        let name = entry[kind.name().len()..].trim();
        if name.is_empty() {
            return Err("expected `drift KIND NAME  # REASON`: the NAME is missing".to_owned());
        }
        Ok(Self {
            object: ObjectKey::new(*kind, name),
            reason: reason.to_owned(),
            line,
        })
    }
}

/// Every object kind a `drift` line may name.
const DRIFT_KINDS: [ObjectKind; 23] = [
    ObjectKind::Schema,
    ObjectKind::Extension,
    ObjectKind::EnumType,
    ObjectKind::Domain,
    ObjectKind::CompositeType,
    ObjectKind::RangeType,
    ObjectKind::Sequence,
    ObjectKind::Table,
    ObjectKind::RowSecurity,
    ObjectKind::Constraint,
    ObjectKind::Index,
    ObjectKind::Trigger,
    ObjectKind::Policy,
    ObjectKind::View,
    ObjectKind::MaterializedView,
    ObjectKind::ForeignTable,
    ObjectKind::Function,
    ObjectKind::Procedure,
    ObjectKind::Aggregate,
    ObjectKind::Comment,
    ObjectKind::Setting,
    ObjectKind::AutoincrementCounter,
    ObjectKind::Other,
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
/// The parity allow-list: accepted differences between backends.
pub struct AllowList {
    /// The allowed differences.
    pub entries: Vec<Allowance>,
    /// `lint MIGRATION RULE  # REASON` lines.
    pub lint_opt_outs: Vec<LintOptOut>,
    /// The declared equivalences.
    pub equivalences: Vec<Equivalence>,
    /// `irreversible MIGRATION TABLE[.COLUMN]  # REASON` lines: data loss accepted.
    pub irreversible: Vec<AcceptedLoss>,
    /// `compat MIGRATION [TABLE]  # REASON` lines: breaks of the running version accepted.
    pub compat: Vec<AcceptedBreak>,
    /// `drift KIND NAME  # REASON` lines: known differences of a live database.
    pub drift: Vec<DriftAllowance>,
    /// Where it was read from, for messages.
    pub source: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
/// An error reading or parsing the allow-list.
pub enum AllowListError {
    #[error("cannot read the parity allow-list {path}: {reason}")]
    /// The file cannot be read.
    Read {
        /// The file's path.
        path: String,
        /// Why it cannot be read.
        reason: String,
    },
    #[error(
        "{path}:{line}: {reason}; expected `PATH ASPECT  # REASON` or \
         `equivalent sqlite: TYPE = postgres: TYPE  # REASON`"
    )]
    /// A line of the allow-list is malformed.
    Syntax {
        /// The file's path.
        path: String,
        /// The line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    #[error("{path}:{line}: {reason}; expected `lint MIGRATION RULE  # REASON`")]
    /// A line of the lint opt-outs is malformed.
    LintSyntax {
        /// The file's path.
        path: String,
        /// The line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl AllowList {
    /// Reads `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Self, AllowListError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(AllowListError::Read {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        let mut list = Self::parse(&text, &path.display().to_string())?;
        list.source = Some(path.to_path_buf());
        Ok(list)
    }

    /// Parses the allow-list text; origin names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, AllowListError> {
        let mut entries = Vec::new();
        let mut lint_opt_outs = Vec::new();
        let mut equivalences = Vec::new();
        let mut irreversible = Vec::new();
        let mut drift = Vec::new();
        let mut compat = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(opt_out) = LintOptOut::parse(line, index + 1) {
                lint_opt_outs.push(opt_out.map_err(|reason| AllowListError::LintSyntax {
                    path: origin.to_owned(),
                    line: index + 1,
                    reason,
                })?);
                continue;
            }
            let syntax = |reason: &str| AllowListError::Syntax {
                path: origin.to_owned(),
                line: index + 1,
                reason: reason.to_owned(),
            };
            let (entry, reason) = line
                .split_once('#')
                .ok_or_else(|| syntax("every entry needs a `# reason`"))?;
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(syntax("the reason after `#` is empty"));
            }
            if let Some(pair) = entry.trim().strip_prefix("equivalent ") {
                let equivalence = Equivalence::parse(pair, reason, index + 1);
                equivalences.push(equivalence.map_err(|e| syntax(&e))?);
                continue;
            }
            let words: Vec<&str> = entry.split_whitespace().collect();
            if words.first() == Some(&"drift") {
                let rest = entry.trim_start().strip_prefix("drift").unwrap_or_default();
                drift.push(DriftAllowance::parse(rest, reason, index + 1).map_err(|e| syntax(&e))?);
                continue;
            }
            if words.first() == Some(&"irreversible") {
                let [_, migration, path] = words.as_slice() else {
                    return Err(syntax(
                        "expected `irreversible MIGRATION TABLE[.COLUMN]  # REASON`",
                    ));
                };
                irreversible.push(AcceptedLoss {
                    migration: (*migration).to_owned(),
                    path: (*path).to_owned(),
                    reason: reason.to_owned(),
                    line: index + 1,
                });
                continue;
            }
            if words.first() == Some(&"compat") {
                let (migration, table) = match words.as_slice() {
                    [_, migration] => (migration, None),
                    [_, migration, table] => (migration, Some((*table).to_owned())),
                    _ => return Err(syntax("expected `compat MIGRATION [TABLE]  # REASON`")),
                };
                compat.push(AcceptedBreak {
                    migration: (*migration).to_owned(),
                    table,
                    reason: reason.to_owned(),
                    line: index + 1,
                });
                continue;
            }
            let (pair, words) = match words.split_first() {
                Some((first, rest)) if first.ends_with(':') => {
                    let pair = Pair::parse(first.trim_end_matches(':'))
                        .ok_or_else(|| syntax("expected a pair such as `mysql-postgres:`"))?;
                    (pair, rest)
                }
                _ => (Pair::SqlitePostgres, words.as_slice()),
            };
            let [path, aspect] = words else {
                return Err(syntax("an entry is a PATH and an ASPECT"));
            };
            entries.push(Allowance {
                pair,
                path: (*path).to_owned(),
                aspect: (*aspect).to_owned(),
                reason: reason.to_owned(),
                line: index + 1,
            });
        }
        Ok(Self {
            entries,
            lint_opt_outs,
            equivalences,
            irreversible,
            compat,
            drift,
            source: None,
        })
    }

    /// Whether the list allows a difference in this aspect of this path between
    /// SQLite and PostgreSQL.
    pub fn allows(&self, path: &str, aspect: &str) -> bool {
        self.allows_in(Pair::SqlitePostgres, path, aspect)
    }

    /// Whether the list allows a difference in this aspect of this path in `pair`.
    pub fn allows_in(&self, pair: Pair, path: &str, aspect: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.pair == pair && e.path == path && e.aspect == aspect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_with_reasons() {
        let list =
            AllowList::parse("# header\n\nt.c kind  # SQLite has no JSON\n", "x").expect("parse");
        assert_eq!(list.entries.len(), 1);
        assert!(list.allows("t.c", "kind"));
        assert!(!list.allows("t.c", "default"));
    }

    #[test]
    fn refuses_entries_without_a_reason() {
        let err = AllowList::parse("t.c kind\n", "list.txt").expect_err("no reason");
        assert_eq!(
            err.to_string(),
            "list.txt:1: every entry needs a `# reason`; expected `PATH ASPECT  # REASON` \
             or `equivalent sqlite: TYPE = postgres: TYPE  # REASON`"
        );
        assert!(AllowList::parse("t.c kind #  \n", "x").is_err());
        assert!(AllowList::parse("t.c # why\n", "x").is_err());
    }

    #[test]
    fn keeps_lint_opt_outs_apart_from_parity_entries() {
        let list = AllowList::parse(
            "t.c kind  # SQLite has no JSON\nlint m1 no-transaction  # one statement\n",
            "x",
        )
        .expect("parse");
        assert_eq!(list.entries.len(), 1);
        assert_eq!(list.lint_opt_outs.len(), 1);
        assert_eq!(list.lint_opt_outs[0].migration, "m1");
        assert_eq!(list.lint_opt_outs[0].line, 2);
        let err = AllowList::parse("lint m1 no-transaction\n", "list.txt").expect_err("no reason");
        assert_eq!(
            err.to_string(),
            "list.txt:1: every opt-out needs a `# reason`; expected `lint MIGRATION RULE  # REASON`"
        );
    }

    #[test]
    fn parses_drift_lines_by_the_harness_kinds() {
        let list = AllowList::parse(
            "drift index idx_hotfix  # incident 42\n\
             drift enum type app.mood  # two values added by hand\n\
             drift comment on column items.Display Name  # edited in psql\n",
            "x",
        )
        .expect("parse");
        let objects: Vec<String> = list.drift.iter().map(|d| d.object.to_string()).collect();
        assert_eq!(
            objects,
            [
                "index idx_hotfix",
                "enum type app.mood",
                "comment on column items.Display Name"
            ]
        );
        assert_eq!(list.drift[0].reason, "incident 42");
        assert_eq!(list.drift[1].line, 2);
        for bad in [
            "drift idx_hotfix  # no kind\n",
            "drift index  # no name\n",
            "drift index idx_hotfix\n",
        ] {
            assert!(AllowList::parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_compat_lines_with_or_without_a_table() {
        let list = AllowList::parse(
            "compat m1  # contract step\ncompat m2 items  # unused since 2.3\n",
            "x",
        )
        .expect("parse");
        assert_eq!(list.compat.len(), 2);
        assert_eq!(list.compat[0].table, None);
        assert_eq!(list.compat[1].table.as_deref(), Some("items"));
        assert_eq!(list.compat[1].line, 2);
        for bad in [
            "compat  # nothing\n",
            "compat m1 a b  # too much\n",
            "compat m1\n",
        ] {
            assert!(AllowList::parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_equivalences() {
        let list = AllowList::parse(
            "equivalent sqlite: TEXT  Collate NOCASE = postgres: citext  # case-insensitive\n",
            "x",
        )
        .expect("parse");
        assert_eq!(list.equivalences.len(), 1);
        let equivalence = &list.equivalences[0];
        assert_eq!(equivalence.pair, Pair::SqlitePostgres);
        assert_eq!(equivalence.left, "text collate nocase");
        assert_eq!(equivalence.right, "citext");
        assert!(equivalence.matches(
            Pair::SqlitePostgres,
            &Equivalence::signature("text", Some("nocase")),
            &Equivalence::signature("public.citext", None)
        ));
        for bad in [
            "equivalent sqlite: text postgres: citext  # no =\n",
            "equivalent text = postgres: citext  # no backend\n",
            "equivalent sqlite: = postgres: citext  # empty\n",
            "equivalent sqlite: text = sqlite: text  # one backend\n",
            "equivalent oracle: text = postgres: text  # unknown backend\n",
            "mysql-oracle: t.c kind  # unknown pair\n",
        ] {
            assert!(AllowList::parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn lines_name_their_pair_in_either_order() {
        let list = AllowList::parse(
            "equivalent postgres: citext = mysql: varchar(255) collate X  # ci\n\
             mysql-postgres: t.c kind  # why\n",
            "x",
        )
        .expect("parse");
        let equivalence = &list.equivalences[0];
        assert_eq!(equivalence.pair, Pair::MySqlPostgres);
        assert_eq!(equivalence.left, "varchar(255) collate x");
        assert_eq!(
            equivalence.text(),
            "equivalent mysql: varchar(255) collate x = postgres: citext"
        );
        assert!(list.allows_in(Pair::MySqlPostgres, "t.c", "kind"));
        assert!(!list.allows("t.c", "kind"));
    }
}
