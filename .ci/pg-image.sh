#!/usr/bin/env bash
# Build a local PostgreSQL Docker image, conformance-postgres:15 by default (:17 too).
# No registry is reachable, so nothing can be pulled: we debootstrap a minimal
# Debian bookworm with Debian's postgresql-15 from the apt mirror and
# `docker import` it. Fast no-op when the image already exists.
#
# Usage: .ci/pg-image.sh [NAME:TAG]
#
# The image behaves like a minimal official postgres image:
#   - PGDATA=/var/lib/postgresql/data, initdb'ed on first start as user
#     `postgres`, trust auth (any/no password), UTF8, locale C.UTF-8
#   - listens on 0.0.0.0:5432 / [::]:5432, pg_hba trusts every host
#   - logs to stderr; "database system is ready to accept connections"
#     marks readiness
#   - POSTGRES_DB (optional) creates that database too; `postgres` always exists
#   - CMD is the entrypoint script; args given to it go to postgres:
#     docker run IMG docker-entrypoint.sh -c fsync=off
set -euo pipefail

IMAGE=${1:-conformance-postgres:15}
# The major version is the image's tag: 15 from Debian bookworm, 17 from trixie.
PG_MAJOR=${IMAGE##*:}
case "$PG_MAJOR" in
    15) SUITE=bookworm ;;
    17) SUITE=trixie ;;
    *) echo "pg-image: no Debian suite known for PostgreSQL $PG_MAJOR (tag :15 or :17)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { echo "pg-image: $*" >&2; }

# Talk to the real daemon socket, whatever the caller's DOCKER_HOST is.
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

# Use the mirror apt is configured with (only Debian mirrors are reachable).
mirror=""
if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z "$mirror" && -r /etc/apt/sources.list ]]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}

rootfs=$(mktemp -d /var/tmp/pg-rootfs.XXXXXX)
cleanup() {
    # debootstrap mounts proc/sys (and may bind /dev) inside the target; if it
    # died half-way those are still mounted: unmount before deleting, and never
    # let rm cross into another filesystem.
    local m
    awk -v r="$rootfs" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$rootfs" "$rootfs.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so cleanup runs on Ctrl-C / kill too

log "debootstrap $SUITE + postgresql-$PG_MAJOR from $mirror into $rootfs"
start=$(date +%s)
debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" \
    "$SUITE" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 &
builder=$!
# Progress while it works (a minute or two): its latest step, every 10 s.
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

# The postgresql package's postinst creates a cluster under
# /var/lib/postgresql/15/main; we init our own in PGDATA, so drop it and the
# package/apt caches to keep the image small.
rm -rf "$rootfs/var/lib/postgresql/$PG_MAJOR" "$rootfs/etc/postgresql/$PG_MAJOR"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

mkdir -p "$rootfs/usr/local/bin"
cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# Start PostgreSQL in the foreground, initialising PGDATA on first start.
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
PATH=/usr/lib/postgresql/@PG_MAJOR@/bin:$PATH
export PGDATA PATH

# As root: fix ownership of the data/socket dirs, then re-run as postgres.
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2775 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb -D "$PGDATA" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >&2
    # Trust every client: the container is only reachable through its mapped port.
    {
        echo "host all all 0.0.0.0/0 trust"
        echo "host all all ::/0 trust"
    } >>"$PGDATA/pg_hba.conf"
    # Optional extra database, as the official image's POSTGRES_DB does.
    if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
        db=$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')
        echo "CREATE DATABASE \"$db\";" | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
sed -i "s/@PG_MAJOR@/$PG_MAJOR/" "$rootfs/usr/local/bin/docker-entrypoint.sh"
chmod 755 "$rootfs/usr/local/bin/docker-entrypoint.sh"

log "docker import $IMAGE"
tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'CMD ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'EXPOSE 5432' \
    --change "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    - "$IMAGE" >/dev/null

log "built $IMAGE in $(($(date +%s) - start)) s"
