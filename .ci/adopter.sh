#!/usr/bin/env bash
# The fixture project in fixtures/adopter adopts the toolkit exactly as the README says.
# Runs its tests against its reviewed snapshots, then proves the first-snapshot flow: with
# its snapshots moved aside, the first run creates them and says so, the second passes,
# and what it created equals what is committed. The same build serves every run, so the
# flow costs no second compilation and no second target folder.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/adopter"
# Its own workspace, its own target folder (never the main workspace's: both have a
# crate at `migration/`, and cargo would mix their artifacts).
export CARGO_TARGET_DIR="${ADOPTER_TARGET_DIR:-$PWD/../../target/adopter}"

cargo test --locked

reviewed=$(mktemp -d)
mv migration/snapshots "$reviewed/snapshots"
# Whatever happens below, the reviewed snapshots go back where they were.
restore() { rm -rf migration/snapshots; mv "$reviewed/snapshots" migration/snapshots; rmdir "$reviewed"; }
trap restore EXIT

first=$(CI= CONFORMANCE_SNAPSHOTS=create cargo test --locked -- --nocapture 2>&1) || {
  echo "$first"; echo "adopter: the first run failed"; exit 1; }
grep -q "note: created" <<<"$first" || { echo "$first"; echo "adopter: the first run did not say it created snapshots"; exit 1; }
CONFORMANCE_SNAPSHOTS=compare cargo test --locked
diff -r "$reviewed/snapshots" migration/snapshots
echo "adopter: tests pass; a first run creates the same snapshots as committed"
