#!/usr/bin/env bash
# Build a local MariaDB Docker image, conformance-mariadb:10.11 by default.
# No registry is reachable, so nothing can be pulled: we debootstrap a minimal
# Debian bookworm with Debian's mariadb-server (10.11) from the apt mirror and
# `docker import` it, as .ci/pg-image.sh does for PostgreSQL. Fast no-op when the
# image already exists. Elsewhere, use the official image instead:
# CONFORMANCE_MYSQL_IMAGE=mariadb:10.11 (or mysql:8).
#
# Usage: .ci/mariadb-image.sh [NAME:TAG]
#
# The image behaves like a minimal official mariadb image:
#   - datadir /var/lib/mysql, initialised on first start
#   - `root` without a password, from any host (MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1)
#   - listens on 0.0.0.0:3306; logs to stderr; "ready for connections" marks readiness
#   - utf8mb4, collation utf8mb4_unicode_ci by default
#   - CMD is the entrypoint script; args given to it go to mariadbd
set -euo pipefail

IMAGE=${1:-conformance-mariadb:10.11}
SUITE=bookworm # MariaDB 10.11
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { echo "mariadb-image: $*" >&2; }

export DOCKER_HOST=unix:///var/run/docker.sock

"$here/docker-up.sh"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "image $IMAGE already exists"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq debootstrap >/dev/null
fi

mirror=""
if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z "$mirror" && -r /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /var/tmp/mariadb-rootfs.XXXXXX)
cleanup() {
    local m
    awk -v r="$rootfs" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$rootfs" "$rootfs.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap $SUITE + mariadb-server from $mirror into $rootfs"
start=$(date +%s)
debootstrap --variant=minbase --include=mariadb-server \
    "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 &
builder=$!
while kill -0 "$builder" 2>/dev/null; do
    sleep 10
    kill -0 "$builder" 2>/dev/null || break
    step=$(grep -E '^I: ' "$rootfs.log" 2>/dev/null | tail -n 1 | cut -c4- || true)
    log "building ($(($(date +%s) - start)) s): ${step:-starting}"
done
if ! wait "$builder"; then
    log "debootstrap failed; last lines of its log:"
    tail -n 30 "$rootfs.log" >&2
    exit 1
fi

# The package's postinst may have initialised /var/lib/mysql; we init our own.
rm -rf "$rootfs"/var/lib/mysql/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

cat >"$rootfs/etc/mysql/mariadb.conf.d/99-conformance.cnf" <<'EOF'
[mysqld]
bind-address = 0.0.0.0
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
EOF

mkdir -p "$rootfs/usr/local/bin"
cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Start MariaDB in the foreground, initialising the datadir on first start.
set -eu
mkdir -p /var/lib/mysql /run/mysqld
chown mysql:mysql /var/lib/mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=normal \
        --skip-test-db >/dev/null
    # root from any host without a password: the container is only reachable
    # through its mapped port.
    mariadbd --user=mysql --bootstrap --skip-networking <<'SQL' >/dev/null
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SET PASSWORD FOR 'root'@'localhost' = PASSWORD('');
FLUSH PRIVILEGES;
SQL
fi
exec mariadbd --user=mysql --console "$@"
EOF
chmod 755 "$rootfs/usr/local/bin/docker-entrypoint.sh"

log "docker import $IMAGE"
tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'CMD ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'EXPOSE 3306' \
    --change 'ENV LANG=C.UTF-8' \
    - "$IMAGE" >/dev/null

log "built $IMAGE in $(($(date +%s) - start)) s"
