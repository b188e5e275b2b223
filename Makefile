# Entry points for people and CI. `make help` lists them.

CARGO ?= cargo
# The PostgreSQL image testcontainers starts; CI builds conformance-postgres:15 locally.
export CONFORMANCE_PG_IMAGE ?= postgres:15

.PHONY: help run test lint fmt ci

help:
	@echo "make run        apply all migrations (SQLite file data/app.sqlite, or DATABASE_URL)"
	@echo "make test       every test, on SQLite and PostgreSQL"
	@echo "make lint       rustfmt check and clippy with warnings as errors"
	@echo "make ci         what CI runs: lint, then test"

run:
	$(CARGO) run -p migration

test:
	$(CARGO) test --workspace --locked

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

ci: lint test
