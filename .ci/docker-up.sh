#!/usr/bin/env bash
# Make sure a Docker daemon is up and answering on /var/run/docker.sock.
# CI runs on a fresh machine with no systemd, so we install docker.io when it
# is missing and launch dockerd by hand. Fast no-op when docker already works.
#
# Env:
#   DOCKERD_FLAGS  extra flags for dockerd (none are needed on this machine
#                  kind: overlay2 + iptables work as is; e.g. set
#                  "--storage-driver=vfs --iptables=false" on a host that lacks them)
#   DOCKERD_LOG    where dockerd logs (default /tmp/dockerd.log)
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/tmp/dockerd.log}

log() { echo "docker-up: $*" >&2; }

# Always check the local daemon, whatever the caller's DOCKER_HOST is.
export DOCKER_HOST=unix:///var/run/docker.sock

# Fast path: already running (every call after the first).
if docker info >/dev/null 2>&1; then
    log "docker daemon already running"
    exit 0
fi

# Serialise concurrent callers so only one starts the daemon.
exec 9>/var/run/docker-up.lock
flock -w 120 9 || { log "timed out waiting for /var/run/docker-up.lock"; exit 1; }
if docker info >/dev/null 2>&1; then
    log "docker daemon already running"
    exit 0
fi

# Install when missing. Check dockerd itself: a docker client alone (e.g. a
# static one in /usr/local/bin) is not enough.
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    log "installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Its service start fails harmlessly without systemd; we start it below.
    apt-get install -y -qq docker.io >/dev/null
fi

if [[ -s /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    pid=$(cat /var/run/docker.pid)
    log "dockerd (pid $pid) is starting; waiting for it"
else
    log "starting dockerd ${DOCKERD_FLAGS:-} (log: $DOCKERD_LOG)"
    # setsid + nohup: detach from this shell so the daemon outlives the script.
    # 9>&-: don't let the daemon inherit the lock, or it would hold it forever.
    # shellcheck disable=SC2086  # DOCKERD_FLAGS is a word list on purpose
    setsid nohup dockerd ${DOCKERD_FLAGS:-} >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
fi

for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        log "docker daemon ready"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        log "dockerd exited during startup; last log lines:"
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        exit 1
    fi
    sleep 1
done

log "docker daemon not ready after 60 s; last log lines:"
tail -n 30 "$DOCKERD_LOG" >&2 || true
exit 1
