# Entry points for people and CI. `make help` lists them.

CARGO ?= cargo
# The PostgreSQL image testcontainers starts; CI builds conformance-postgres:15 locally.
export CONFORMANCE_PG_IMAGE ?= postgres:15
# The MySQL image of the runner's and the migrations' MySQL tests; CI builds
# conformance-mariadb:10.11 locally (.ci/mariadb-image.sh).
export CONFORMANCE_MYSQL_IMAGE ?= mariadb:10.11

.PHONY: help run test lint fmt ci verify snapshots entities bench bench-scale bench-fanout

help:
	@echo "make run        apply all migrations (SQLite file data/app.sqlite, or DATABASE_URL)"
	@echo "make test       every test, on SQLite and PostgreSQL (MariaDB for the runner and migrations), and the adopter fixture project"
	@echo "make lint       rustfmt check and clippy with warnings as errors"
	@echo "make ci         what CI runs: lint, then test"
	@echo "make verify     the conformance check table for the migrator (exit 1 on failure)"
	@echo "make snapshots  regenerate the DDL snapshots and ER diagram, then show the diff to review"
	@echo "make entities   regenerate entity/src/generated from the migrated schema"
	@echo "make bench      time the conformance suite on SQLite and PostgreSQL"
	@echo "make bench-scale  runner and suite against N synthetic migrations and raw clients, then the fan-out against parallel psql (SCALE_N=50,100; FANOUT_SCALE=0 skips it; PROFILE=release)"
	@echo "make bench-fanout many targets at once against a sequential loop and parallel psql (FANOUT_SCHEMAS=200, FANOUT_DATABASES=50, FANOUT_JOBS=4,8; PROFILE=release)"

run:
	$(CARGO) run -p migration

# CONFORMANCE_CHECK_CATALOG_READS: every walk also proves its incremental catalog reads
# equal whole ones.
test:
	.ci/test-setup.sh
	CONFORMANCE_CHECK_CATALOG_READS=1 $(CARGO) test --workspace --locked --no-fail-fast
	.ci/adopter.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p migration-runner --no-default-features --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

ci: lint test

verify:
	$(CARGO) run -p schema-ci -- verify

# Accepts every snapshot change, then shows it: review the diff and commit it (or
# `git checkout snapshots` to throw it away). Any other failure still shows in the table.
snapshots:
	-$(CARGO) run -p schema-ci -- verify --accept
	@git add --intent-to-add snapshots >/dev/null 2>&1 || true
	@git --no-pager diff --stat -- snapshots
	@git --no-pager diff -- snapshots

entities:
	$(CARGO) run -p entity-codegen

bench:
	$(CARGO) bench -p schema-ci --bench suite

# Debug build by default: what `cargo run` users wait for. SCALE_N limits the sizes.
PROFILE ?= dev
# Both of issue 24's ratios: the runner over the raw client (scale), then the fan-out
# over parallel psql sessions (fanout, --jobs 8; FANOUT_SCALE=0 skips it).
FANOUT_SCALE ?= 1
bench-scale:
	$(CARGO) bench -p migration-runner --bench scale --profile $(PROFILE)
	@if [ "$(FANOUT_SCALE)" != 0 ]; then FANOUT_JOBS=$${FANOUT_JOBS:-8} $(CARGO) bench -p migration-runner --bench fanout --profile $(PROFILE); fi

bench-fanout:
	$(CARGO) bench -p migration-runner --bench fanout --profile $(PROFILE)
