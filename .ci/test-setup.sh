#!/usr/bin/env bash
# What `make test` needs besides Rust, found, started or installed before anything is
# built, saying what it does; idempotent (a second run only checks). Needs:
#   - a PostgreSQL the tests can reach: CONFORMANCE_PG_URL, a Docker daemon, or local
#     PostgreSQL binaries (installed from the distribution when none of these is there);
#   - a MySQL / MariaDB the MySQL tests can reach: CONFORMANCE_MYSQL_URL, a Docker
#     daemon (the image CONFORMANCE_MYSQL_IMAGE, built by .ci/mariadb-image.sh when it is
#     the local conformance-mariadb one), or local MariaDB binaries (installed from the
#     distribution when none of these is there);
#   - mermaid's renderer (mmdc and a chromium), for the test that renders every diagram.
# Without root or apt-get, it installs nothing and stops with the exact commands to run.
# PostgreSQL is looked for in the harness's own order (URL, Docker, local binaries).
# `make test` calls it first; `.ci/run` calls `make test`, so CI proves it on a fresh
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-setup: $*"; }
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
    say "installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
pg_binaries() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

# The server binary the harness starts itself when there is no URL and no Docker.
mysql_binaries() {
    command -v mariadbd 2>/dev/null || command -v mysqld 2>/dev/null \
        || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } \
        || { [ -x /usr/sbin/mysqld ] && echo /usr/sbin/mysqld; }
}

missing=()

if [ -n "${CONFORMANCE_PG_URL:-}" ]; then
    say "PostgreSQL: the server in CONFORMANCE_PG_URL"
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    say "PostgreSQL: Docker (image ${CONFORMANCE_PG_IMAGE:-postgres:15}, pulled by testcontainers when missing)"
elif pg_binaries; then
    say "PostgreSQL: local binaries ($(command -v initdb 2>/dev/null || compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -1))"
elif can_install; then
    apt_install postgresql
    pg_binaries || { say "apt-get installed postgresql but no initdb was found"; exit 1; }
    say "PostgreSQL: local binaries installed ($(compgen -G '/usr/lib/postgresql/*/bin/initdb' | head -1))"
else
    missing+=("PostgreSQL, one of:
      sudo apt-get install postgresql          # local binaries, the tests start their own
      start Docker (the tests pull postgres:15)
      export CONFORMANCE_PG_URL=postgres://USER:PASSWORD@HOST:PORT/postgres")
fi

# MySQL / MariaDB (the harness's third backend, the runner's and the migrations' MySQL
# tests), in the harness's own order: a URL, Docker with the image testcontainers starts
# (the locally built conformance-mariadb image is built here when missing; the official
# one is pulled by testcontainers), or local binaries (installed when none of these is
# there).
mysql_image=${CONFORMANCE_MYSQL_IMAGE:-mariadb:10.11}
if [ -n "${CONFORMANCE_MYSQL_URL:-}" ]; then
    say "MySQL: the server in CONFORMANCE_MYSQL_URL"
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    if [[ "$mysql_image" == conformance-mariadb:* ]] && ! docker image inspect "$mysql_image" >/dev/null 2>&1; then
        if can_install; then
            say "MySQL: building the image $mysql_image (.ci/mariadb-image.sh, a few minutes)"
            .ci/mariadb-image.sh "$mysql_image"
        else
            missing+=("the MariaDB image $mysql_image: sudo .ci/mariadb-image.sh $mysql_image")
        fi
    fi
    say "MySQL: Docker (image $mysql_image, pulled by testcontainers when missing)"
elif mysql_binaries >/dev/null; then
    say "MySQL: local binaries ($(mysql_binaries))"
elif [ "${CONFORMANCE_REQUIRE_MYSQL:-1}" = 0 ] || [ "${CONFORMANCE_REQUIRE_MYSQL:-1}" = false ]; then
    say "MySQL: none; its tests are loud skips (CONFORMANCE_REQUIRE_MYSQL=0)"
elif can_install; then
    apt_install mariadb-server
    mysql_binaries >/dev/null || { say "apt-get installed mariadb-server but no mariadbd was found"; exit 1; }
    say "MySQL: local binaries installed ($(mysql_binaries))"
else
    missing+=("MySQL / MariaDB, one of:
      sudo apt-get install mariadb-server      # local binaries, the tests start their own
      start Docker (the tests pull mariadb:10.11)
      export CONFORMANCE_MYSQL_URL=mysql://USER:PASSWORD@HOST:PORT/
      export CONFORMANCE_REQUIRE_MYSQL=0          # skip the MySQL tests, loudly")
fi

if command -v mmdc >/dev/null 2>&1; then
    say "mermaid renderer: $(command -v mmdc)"
elif can_install; then
    say "installing mermaid's renderer (chromium, nodejs, npm, @mermaid-js/mermaid-cli)"
    bash .ci/mermaid.sh
else
    missing+=("mermaid's renderer:
      sudo bash .ci/mermaid.sh                 # chromium, nodejs, npm and mermaid-cli")
fi

if [ ${#missing[@]} -gt 0 ]; then
    say "cannot install what the tests need (not root, or no apt-get); nothing was built. Run:"
    for need in "${missing[@]}"; do echo "  - $need"; done
    say "then run make test again (or CONFORMANCE_REQUIRE_POSTGRES=0 make test to skip PostgreSQL loudly)"
    exit 1
fi
say "ready"
