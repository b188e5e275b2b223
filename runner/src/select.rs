//! Which migrations `up` and `down` run, in order: one answer for the runs and for their
//! dry runs, and the one place a target version is resolved.

use crate::engine::Operation;
use crate::error::Error;
use crate::state::State;

/// The migrations `operation` runs on `state`, in the order they run (`up`: oldest
/// first; `down`: newest first). Only for `Up`, `UpTo`, `Down` and `DownTo`; the others
/// select nothing here.
///
/// The operation is taken as valid ([`Operation::validate`], which the engine's entry
/// points call before opening anything).
pub(crate) fn select(state: &State, operation: &Operation) -> Result<Vec<String>, Error> {
    let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
    match operation {
        Operation::Up { limit } => {
            let pending = state.pending();
            let take = limit.map_or(pending.len(), |n| (n as usize).min(pending.len()));
            Ok(owned(&pending[..take]))
        }
        Operation::UpTo { version } => {
            let target = resolve(state, version)?;
            let last = position(state, &target);
            // Every pending migration up to the target, the target included.
            Ok(owned(
                &state
                    .pending()
                    .into_iter()
                    .filter(|name| position(state, name) <= last)
                    .collect::<Vec<_>>(),
            ))
        }
        Operation::Down { count } => {
            let applied = state.applied_known();
            if *count as usize > applied.len() {
                return Err(Error::DownCountTooLarge {
                    requested: *count,
                    applied: applied.len(),
                });
            }
            Ok(owned(
                &applied
                    .into_iter()
                    .rev()
                    .take(*count as usize)
                    .collect::<Vec<_>>(),
            ))
        }
        Operation::DownTo { version } => {
            let target = resolve(state, version)?;
            let applied = state.applied_known();
            if !applied.contains(&target.as_str()) {
                return Err(Error::TargetNotApplied { version: target });
            }
            let keep = position(state, &target);
            // Every applied migration newer than the target, newest first; it stays.
            Ok(owned(
                &applied
                    .into_iter()
                    .rev()
                    .filter(|name| position(state, name) > keep)
                    .collect::<Vec<_>>(),
            ))
        }
        _ => Ok(Vec::new()),
    }
}

/// The known migration `given` names: its whole name, or a prefix of exactly one name
/// (`m20250101_000013`, say).
pub(crate) fn resolve(state: &State, given: &str) -> Result<String, Error> {
    if state.known.iter().any(|name| name == given) {
        return Ok(given.to_owned());
    }
    let matching: Vec<&String> = state
        .known
        .iter()
        .filter(|name| !given.is_empty() && name.starts_with(given))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::UnknownTargetVersion {
            given: given.to_owned(),
        }),
        many => Err(Error::AmbiguousTargetVersion {
            given: given.to_owned(),
            candidates: many.iter().map(|n| (*n).clone()).collect(),
        }),
    }
}

fn position(state: &State, name: &str) -> usize {
    state
        .known
        .iter()
        .position(|known| known == name)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(applied: &[&str]) -> State {
        State {
            known: ["m1_a", "m2_b", "m3_c", "m4_d"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            applied: applied.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn up_to(version: &str) -> Operation {
        Operation::UpTo {
            version: version.to_owned(),
        }
    }

    fn down_to(version: &str) -> Operation {
        Operation::DownTo {
            version: version.to_owned(),
        }
    }

    #[test]
    fn up_to_applies_the_pending_ones_up_to_the_target() {
        assert_eq!(
            select(&state(&["m1_a"]), &up_to("m3_c")).unwrap(),
            ["m2_b", "m3_c"]
        );
        assert_eq!(
            select(&state(&["m1_a"]), &up_to("m3")).unwrap(),
            ["m2_b", "m3_c"]
        );
        assert!(
            select(&state(&["m1_a", "m2_b"]), &up_to("m2_b"))
                .unwrap()
                .is_empty()
        );
        // A gap before the target is filled too.
        assert_eq!(
            select(&state(&["m2_b"]), &up_to("m3_c")).unwrap(),
            ["m1_a", "m3_c"]
        );
    }

    #[test]
    fn down_to_keeps_the_target_applied() {
        let all = ["m1_a", "m2_b", "m3_c", "m4_d"];
        assert_eq!(
            select(&state(&all), &down_to("m2_b")).unwrap(),
            ["m4_d", "m3_c"]
        );
        assert!(select(&state(&all), &down_to("m4_d")).unwrap().is_empty());
        assert!(matches!(
            select(&state(&["m1_a"]), &down_to("m2_b")),
            Err(Error::TargetNotApplied { .. })
        ));
    }

    #[test]
    fn unknown_and_ambiguous_versions_are_refused() {
        assert!(matches!(
            select(&state(&[]), &up_to("m9")),
            Err(Error::UnknownTargetVersion { .. })
        ));
        assert!(matches!(
            select(&state(&[]), &up_to("m")),
            Err(Error::AmbiguousTargetVersion { .. })
        ));
        assert!(matches!(
            select(&state(&[]), &up_to("")),
            Err(Error::UnknownTargetVersion { .. })
        ));
    }
}
