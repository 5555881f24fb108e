#!/usr/bin/env bash
# The test command (README): prepares the machine if needed, then runs the whole suite for real
# (Docker sandbox, node-llama-cpp on a generated tiny model, git, a local Messages API server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/node22.sh
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
