#!/usr/bin/env bash
# Installs mermaid's own renderer (mmdc) and the chromium it drives, for the test that
# renders every Mermaid diagram the toolkit writes. Idempotent: does nothing when mmdc
# is already on PATH. Puppeteer's bundled browser cannot be downloaded here, so the
# distribution's chromium is used instead (see schema-ci/tests/it/mermaid_render.rs).
set -euo pipefail

if command -v mmdc >/dev/null 2>&1; then
    echo "mermaid.sh: mmdc already installed ($(command -v mmdc))"
    exit 0
fi

if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nodejs npm >/dev/null
fi

PUPPETEER_SKIP_DOWNLOAD=1 npm install -g --silent @mermaid-js/mermaid-cli
command -v mmdc >/dev/null
echo "mermaid.sh: installed $(mmdc --version 2>/dev/null || echo mmdc)"
