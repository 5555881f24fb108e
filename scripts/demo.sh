#!/usr/bin/env bash
# The local demo (README): prepares the machine, then runs
#   dellm run "Create a Python function to calculate fibonacci" --repo ./demo
# with the worker model from MODEL_PATH (default: Qwen2.5-1.5B-Instruct Q8_0, downloaded into
# models/ on first use) and Claude as planner when ANTHROPIC_API_KEY is set. Extra arguments go to
# `dellm run`, e.g. an offline run without weights:
#   bash scripts/demo.sh --model script:scripts/demo-fibonacci.script.json
# Swarm mode: `--swarm N` first starts the bot's swarm node, then N dellm-worker processes that
# join it over loopback; the tasks travel through the swarm (logs of the workers in .dellm/):
#   bash scripts/demo.sh --swarm 3 --model script:scripts/demo-fibonacci.script.json
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .dellm
echo "[demo] preparing the machine: bash scripts/setup.sh (the first run takes minutes; log: .dellm/setup.log)"
bash scripts/setup.sh >.dellm/setup.log 2>&1 || {
  tail -n 25 .dellm/setup.log >&2
  echo "demo: scripts/setup.sh failed (above; whole log: .dellm/setup.log)" >&2
  exit 1
}
source scripts/node22.sh
query="${DELLM_DEMO_QUERY:-Create a Python function to calculate fibonacci}"
repo="${DELLM_DEMO_REPO:-./demo}"

if [[ "${1:-}" != "--swarm" ]]; then
  exec npx tsx bot/cli.ts run "$query" --repo "$repo" "$@"
fi
workers="${2:?--swarm needs the number of workers, e.g. --swarm 3}"
shift 2
model=()
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--model" ]]; then j=$((i + 1)); model=(--model "${!j}"); fi
done

bot_log=.dellm/demo-bot.log
npx tsx bot/cli.ts run "$query" --repo "$repo" --swarm --listen /ip4/127.0.0.1/tcp/0 "$@" > >(tee "$bot_log") 2>&1 &
bot=$!
pids=()
trap 'kill -INT "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null' EXIT
join_line=""
for _ in $(seq 600); do
  join_line=$(grep -o 'dellm-worker --bootstrap .*' "$bot_log" 2>/dev/null || true)
  [[ -n "$join_line" ]] && break
  kill -0 "$bot" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$join_line" ]] || { echo "demo: the bot did not start its swarm node (see $bot_log)" >&2; wait "$bot"; exit 1; }
read -r -a join_args <<< "${join_line#dellm-worker }"
for n in $(seq "$workers"); do
  node --import tsx worker/cli.ts "${join_args[@]}" --worker-id "demo-worker-$n" --listen /ip4/127.0.0.1/tcp/0 "${model[@]}" > ".dellm/demo-worker-$n.log" 2>&1 &
  pids+=($!)
  echo "[demo] worker demo-worker-$n started (log: .dellm/demo-worker-$n.log)"
done
wait "$bot"
