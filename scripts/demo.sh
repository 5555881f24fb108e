#!/usr/bin/env bash
# The local demo (README): prepares the machine, then runs
#   dellm run "Create a Python function to calculate fibonacci" --repo ./demo
# with the worker model from MODEL_PATH (default: Qwen2.5-1.5B-Instruct Q8_0, downloaded into
# models/ on first use) and Claude as planner when ANTHROPIC_API_KEY is set. Extra arguments go to
# `dellm run`, e.g. an offline run without weights:
#   bash scripts/demo.sh --model script:scripts/demo-fibonacci.script.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source scripts/node22.sh
exec npx tsx bot/cli.ts run "${DELLM_DEMO_QUERY:-Create a Python function to calculate fibonacci}" --repo "${DELLM_DEMO_REPO:-./demo}" "$@"
