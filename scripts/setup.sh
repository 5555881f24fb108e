#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs to run dellm and its tests, idempotent:
# Node 22, the npm packages, a running Docker engine and the sandbox image.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node22.sh
echo "setup: node $(node -v), npm $(npm -v)"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  # Some registries (mirrors) lack node-llama-cpp's optional builds for other platforms, which
  # makes `npm ci` refuse the lock file; `npm install` then installs the same locked versions.
  npm ci --no-audit --no-fund 2>/tmp/dellm-npm-ci.log || {
    grep -m3 "Missing: @node-llama-cpp" /tmp/dellm-npm-ci.log >&2 || cat /tmp/dellm-npm-ci.log >&2
    echo "setup: npm ci refused the lock file (optional packages missing from this registry); using npm install"
    npm install --no-save --no-audit --no-fund
  }
fi

bash scripts/start-docker.sh
bash scripts/build-sandbox-image.sh
echo "setup: ready"
