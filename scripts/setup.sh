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
  # The logs stay out of the way unless something is wrong (the demo shows only what setup says).
  npm ci --no-audit --no-fund >/tmp/dellm-npm-ci.log 2>&1 || {
    if grep -q "Missing: @node-llama-cpp" /tmp/dellm-npm-ci.log; then
      echo "setup: npm ci refused the lock file: this registry has no node-llama-cpp builds for other platforms (riscv64, mac), which is harmless here; installing the same locked versions with npm install (npm's words: /tmp/dellm-npm-ci.log)"
    else
      cat /tmp/dellm-npm-ci.log >&2
      echo "setup: npm ci failed (above); trying npm install"
    fi
    npm install --no-save --no-audit --no-fund >/tmp/dellm-npm-install.log 2>&1 || {
      cat /tmp/dellm-npm-install.log >&2
      echo "setup: npm install failed (above)" >&2
      exit 1
    }
    # npm install finds nothing to do on a re-run and leaves this file old, so setup would retry every time.
    touch node_modules/.package-lock.json
  }
fi

# The network lab (test/netlab: namespaces, NAT routers) needs iproute2 and iptables.
if ! command -v ip >/dev/null || ! command -v iptables >/dev/null; then
  echo "setup: installing iproute2 and iptables (network lab tests)"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 iptables; } >/tmp/dellm-apt-netlab.log 2>&1 ||
      echo "setup: could not install them (/tmp/dellm-apt-netlab.log); the network lab tests will skip"
  else
    echo "setup: not root or no apt-get; the network lab tests will skip"
  fi
fi

bash scripts/start-docker.sh
bash scripts/build-sandbox-image.sh
echo "setup: ready"
