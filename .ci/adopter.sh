#!/usr/bin/env bash
# The fixture project in fixtures/adopter adopts the toolkit exactly as the README says.
# Runs its tests against its reviewed snapshots, then proves the first-snapshot flow on a
# copy without snapshots: the first run creates them and says so, the second passes, and
# what it created equals what is committed.
set -euo pipefail
cd "$(dirname "$0")/../fixtures"
# Its own workspace, its own target folder (never the main workspace's).
export CARGO_TARGET_DIR="${ADOPTER_TARGET_DIR:-$PWD/../target/adopter}"

(cd adopter && cargo test --locked)

copy=first-run
rm -rf "$copy"
trap 'rm -rf "$copy"' EXIT
cp -r adopter "$copy"
rm -rf "$copy/migration/snapshots"
first=$(cd "$copy" && CI= CONFORMANCE_SNAPSHOTS=create cargo test --locked -- --nocapture 2>&1) || {
  echo "$first"; echo "adopter: the first run failed"; exit 1; }
grep -q "note: created" <<<"$first" || { echo "$first"; echo "adopter: the first run did not say it created snapshots"; exit 1; }
(cd "$copy" && CONFORMANCE_SNAPSHOTS=compare cargo test --locked)
diff -r adopter/migration/snapshots "$copy/migration/snapshots"
echo "adopter: tests pass; a first run creates the same snapshots as committed"
