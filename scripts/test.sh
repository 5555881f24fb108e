#!/usr/bin/env bash
# The test command (README): prepares the machine if needed, then runs the whole suite for real
# (Docker sandbox, node-llama-cpp on a generated tiny model, git, a local Messages API server).
# Fails when no test ran at all, so a broken include pattern cannot pass as green.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/node22.sh
npx tsc -p tsconfig.json --noEmit
# Lint and format are part of the test: a finding fails the run (fix: npm run format, then the lint).
npx eslint .
npx prettier --check . --log-level warn
report=$(mktemp -t dellm-vitest-XXXXXX.json)
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!r.numTotalTests) { console.error("test.sh: no tests ran"); process.exit(1); }
  console.log(`test.sh: ${r.numPassedTests}/${r.numTotalTests} tests passed in ${r.testResults.length} files`);
' "$report"
rm -f "$report"
