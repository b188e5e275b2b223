#!/usr/bin/env bash
# Make sure a Docker daemon is up and answering on /var/run/docker.sock, plus
# an API-version-clamping proxy on /var/run/docker-compat.sock for clients that
# don't negotiate (testcontainers 0.28 / bollard 0.21 always send API 1.53;
# Debian bookworm's dockerd 20.10 only accepts <= 1.41). Those clients need
#   DOCKER_HOST=unix:///var/run/docker-compat.sock
# CI runs on a fresh machine with no systemd, so we install docker.io when it
# is missing and launch dockerd by hand. Fast no-op when all is already up.
#
# Env:
#   DOCKERD_FLAGS  extra flags for dockerd (none are needed on this machine
#                  kind: overlay2 + iptables work as is; e.g. set
#                  "--storage-driver=vfs --iptables=false" on a host that lacks them)
#   DOCKERD_LOG    where dockerd logs (default /tmp/dockerd.log)
#   DOCKER_COMPAT  set to 0 to skip the compat proxy
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPAT_SOCK=/var/run/docker-compat.sock
COMPAT_LOG=/tmp/docker-compat.log
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/dockerd.log}

log() { echo "docker-up: $*" >&2; }

# Always talk to the real daemon here, whatever the caller's DOCKER_HOST is.
export DOCKER_HOST=unix:///var/run/docker.sock
unset DOCKER_API_VERSION

compat_ok() { [[ ${DOCKER_COMPAT:-1} == 0 ]] || docker -H "unix://$COMPAT_SOCK" version >/dev/null 2>&1; }

# Fast path: everything already up (every call after the first).
if docker info >/dev/null 2>&1 && compat_ok; then
    log "docker daemon already running"
    exit 0
fi

# Serialise concurrent callers so only one starts the daemon/proxy.
exec 9>/var/run/docker-up.lock
flock 9

if ! docker info >/dev/null 2>&1; then
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
        # shellcheck disable=SC2086  # DOCKERD_FLAGS is a word list on purpose
        setsid nohup dockerd ${DOCKERD_FLAGS:-} >>"$DOCKERD_LOG" 2>&1 </dev/null &
        pid=$!
    fi

    ready=0
    for _ in $(seq 1 60); do
        if docker info >/dev/null 2>&1; then ready=1; break; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "dockerd exited during startup; last log lines:"
            tail -n 30 "$DOCKERD_LOG" >&2 || true
            exit 1
        fi
        sleep 1
    done
    if [[ $ready != 1 ]]; then
        log "docker daemon not ready after 60 s; last log lines:"
        tail -n 30 "$DOCKERD_LOG" >&2 || true
        exit 1
    fi
    log "docker daemon ready"
fi

if ! compat_ok; then
    if ! command -v python3 >/dev/null 2>&1; then
        log "installing python3 (for the compat proxy)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq python3-minimal >/dev/null
    fi
    log "starting API compat proxy on $COMPAT_SOCK (log: $COMPAT_LOG)"
    setsid nohup python3 "$here/docker-api-compat.py" "$COMPAT_SOCK" /var/run/docker.sock \
        >>"$COMPAT_LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >/var/run/docker-compat.pid
    for _ in $(seq 1 50); do
        if compat_ok; then break; fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "compat proxy exited; last log lines:"
            tail -n 20 "$COMPAT_LOG" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
    if ! compat_ok; then
        log "compat proxy not answering after 5 s"
        exit 1
    fi
    log "compat proxy ready: use DOCKER_HOST=unix://$COMPAT_SOCK for non-negotiating clients"
fi
