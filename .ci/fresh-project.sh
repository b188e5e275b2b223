#!/usr/bin/env bash
# A fresh project adopting the toolkit, as a new user makes it: no lockfile, edition 2021
# (resolver 2, which ignores rust-version and takes the newest version of everything) and
# edition 2024 (resolver 3). For each: resolve from crates.io, check that no resolved
# package needs a newer Rust than the README's minimum, then build it and run its tests
# (the adopter fixture's migrator and tests, copied, with its lockfile removed). A third
# project takes the toolkit as a git dependency (this repository's committed HEAD, by a
# file:// URL), as the README shows. All share one target folder, so later builds reuse
# the first's dependencies.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
msrv=$(sed -n 's/^Minimum supported Rust version: \([0-9.]*\).*/\1/p' "$root/README.md")
[ -n "$msrv" ] || { echo "fresh-project: no 'Minimum supported Rust version' line in README.md"; exit 1; }
export CARGO_TARGET_DIR="${FRESH_TARGET_DIR:-$root/target/fresh-project}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for variant in 2021 2024 git; do
  edition=${variant/git/2021}
  project="$work/$variant"
  cp -r "$root/fixtures/adopter" "$project"
  rm -f "$project/Cargo.lock"
  # The edition and its default resolver as `cargo new` sets them; the toolkit by
  # absolute path, or (git) from the repository as a git dependency.
  sed -i "s/^edition = .*/edition = \"$edition\"/" "$project/migration/Cargo.toml"
  if [ "$variant" = git ]; then
    sed -i -E "s#path = \"../../../(runner|conformance)\"#git = \"file://$root\"#" "$project/migration/Cargo.toml"
  else
    sed -i "s#path = \"../../../#path = \"$root/#" "$project/migration/Cargo.toml"
  fi
  if [ "$edition" = 2021 ]; then sed -i 's/^resolver = .*/resolver = "2"/' "$project/Cargo.toml"; fi
  cd "$project"
  echo "fresh-project: $variant (edition $edition): resolving without a lockfile"
  cargo generate-lockfile --quiet
  too_new=$(cargo metadata --format-version 1 | python3 -c '
import json, sys
msrv = tuple(int(x) for x in sys.argv[1].split("."))
for p in json.load(sys.stdin)["packages"]:
    rv = p.get("rust_version")
    if rv and tuple(int(x) for x in rv.split(".")[:2]) > msrv[:2]:
        print("%s %s requires Rust %s" % (p["name"], p["version"], rv))
' "$msrv")
  if [ -n "$too_new" ]; then
    echo "fresh-project: $variant resolves packages newer than the minimum Rust $msrv:"
    echo "$too_new"
    exit 1
  fi
  echo "fresh-project: $variant: every package resolved supports Rust $msrv; building and testing"
  cargo test --quiet
done
echo "fresh-project: editions 2021 and 2024 and the git dependency resolve within Rust $msrv, build and pass their tests"
