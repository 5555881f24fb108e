#!/usr/bin/env bash
# Checks every evaluation issue (or the issue dirs given as arguments) in the sandbox image:
#   a. reference/* + hidden_test.py pass together;
#   b. each plan task's file passes its own tests with only its transitive dependencies present;
#   c. hidden_test.py fails on an empty repository.
# An issue with a repository/ (brownfield: required) is checked against it: the repository's own
# tests (test_*.py, *_test.py) pass on repository/ alone; reference/ laid over repository/ passes
# the hidden tests and the repository's tests; b. runs inside repository/; c. uses repository/ alone.
# One container at a time. Usage: eval/suite/validate.sh [eval/suite/<tier>/<NN-slug> ...]
# Env: DELLM_SANDBOX_IMAGE (default dellm-sandbox:latest), VALIDATE_TIMEOUT (seconds per run, default 120),
#      VALIDATE_LOCAL_PYTHON=/path/to/python runs pytest with that interpreter instead of docker
#      (a quick check while writing an issue; it does not enforce the read-only mount).
set -u
SUITE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${DELLM_SANDBOX_IMAGE:-dellm-sandbox:latest}"
RUN_TIMEOUT="${VALIDATE_TIMEOUT:-120}"
LOCAL_PY="${VALIDATE_LOCAL_PYTHON:-}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dellm-eval.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# run_pytest DIR "TARGET [TARGET...]" LOG -> pytest's exit status (124 on timeout)
run_pytest() {
  local dir="$1" target="$2" log="$3" rc
  chmod -R a+rX "$dir"
  if [[ -n "$LOCAL_PY" ]]; then
    (cd "$dir" && PYTHONDONTWRITEBYTECODE=1 timeout "$RUN_TIMEOUT" "$LOCAL_PY" -m pytest -q -p no:cacheprovider --noconftest $target) >"$log" 2>&1
    return $?
  fi
  local name="dellm-eval-$$-$RANDOM"
  timeout "$RUN_TIMEOUT" docker run --rm --name "$name" --network none --read-only --tmpfs /tmp \
    -e HOME=/tmp -e PYTHONDONTWRITEBYTECODE=1 -v "$dir:/code:ro" -w /code --user 1000:1000 \
    "$IMAGE" python -m pytest -q -p no:cacheprovider --noconftest $target >"$log" 2>&1
  rc=$?
  if [[ $rc -eq 124 ]]; then docker rm -f "$name" >/dev/null 2>&1; fi
  return $rc
}

last_line() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-160; }

# Prints "path<TAB>dep paths..." per task (deps transitive), or the plan's problems on stderr.
read_plan() {
  python3 - "$1" <<'PY'
import json, os, sys
issue = sys.argv[1]
tier = os.path.basename(os.path.dirname(issue))
problems = []
try:
    plan = json.load(open(os.path.join(issue, "plan.json")))
except Exception as error:
    sys.exit(f"plan.json unreadable: {error}")
if not isinstance(plan, list) or not plan:
    sys.exit("plan.json is not a non-empty array")
bounds = {"simple": (1, 1), "medium": (2, 4), "complex": (3, 6), "brownfield": (1, 4)}.get(tier, (1, 50))
repo = os.path.join(issue, "repository")
if tier == "brownfield" and not os.path.isdir(repo):
    problems.append("repository/ is missing (a brownfield issue starts from one)")
def is_test(path):
    name = os.path.basename(path)
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
if not bounds[0] <= len(plan) <= bounds[1]:
    problems.append(f"{len(plan)} tasks, {tier} wants {bounds[0]}-{bounds[1]}")
keys = {"id", "description", "file", "dependencies", "input_output_spec", "directory", "context"}
paths, ids = {}, [t.get("id") for t in plan]
if ids != list(range(1, len(plan) + 1)):
    problems.append("ids are not 1..n in order")
for t in plan:
    if set(t) != keys:
        problems.append(f"task {t.get('id')}: keys {sorted(set(t) ^ keys)} differ")
        continue
    path = os.path.normpath(os.path.join(t["directory"], t["file"]))
    if not path.endswith(".py") or path.startswith(".."):
        problems.append(f"task {t['id']}: bad path {path}")
    if path in paths.values():
        problems.append(f"task {t['id']}: {path} written twice")
    if is_test(path) and os.path.isfile(os.path.join(repo, path)):
        problems.append(f"task {t['id']}: {path} is one of the repository's own tests (they stay as they are)")
    if not os.path.isfile(os.path.join(issue, "reference", path)):
        problems.append(f"task {t['id']}: reference/{path} missing")
    for d in t["dependencies"]:
        if d not in ids or d == t["id"]:
            problems.append(f"task {t['id']}: bad dependency {d}")
    paths[t["id"]] = path
ref = os.path.join(issue, "reference")
on_disk = {os.path.relpath(os.path.join(r, f), ref) for r, _, fs in os.walk(ref) for f in fs if "__pycache__" not in r}
if on_disk != set(paths.values()):
    problems.append(f"reference files differ from the plan: {sorted(on_disk ^ set(paths.values()))}")
repo_tests = sorted(os.path.relpath(os.path.join(r, f), repo) for r, _, fs in os.walk(repo) for f in fs if "__pycache__" not in r and is_test(f))
if os.path.isdir(repo) and not repo_tests:
    problems.append("repository/ has no test files (test_*.py or *_test.py)")
if problems:
    sys.exit("; ".join(problems))
print("\t".join(["#repository-tests", *repo_tests]))
deps = {t["id"]: t["dependencies"] for t in plan}
def closure(i, stack=()):
    if i in stack:
        sys.exit(f"dependency cycle through task {i}")
    out = set()
    for d in deps[i]:
        out |= {d} | closure(d, stack + (i,))
    return out
for t in plan:
    print(paths[t["id"]] + "\t" + " ".join(paths[d] for d in sorted(closure(t["id"]))))
PY
}

check_issue() {
  local issue="$1" id="$2" key="$3" plan log dir rc path deps target
  for f in issue.md hidden_test.py plan.json; do
    [[ -f "$issue/$f" ]] || { echo "FAIL $id: $f missing"; return 1; }
  done
  head -n 1 "$issue/issue.md" | grep -q '^# .' || { echo "FAIL $id: issue.md must start with '# <title>'"; return 1; }
  plan="$WORK/$key.plan"
  if ! read_plan "$issue" >"$plan" 2>"$plan.err"; then
    echo "FAIL $id: plan: $(tail -n 1 "$plan.err")"; return 1
  fi

  # The repository's own tests (brownfield): the first line of the plan listing names them.
  local repo_tests="" base="$issue/repository"
  if [[ -d "$base" ]]; then
    repo_tests="$(head -n 1 "$plan" | cut -f2- | tr '\t' ' ')"
    dir="$WORK/$key/repository"; log="$WORK/$key.repository.log"
    mkdir -p "$dir" && cp -R "$base/." "$dir/"
    if ! run_pytest "$dir" "$repo_tests" "$log"; then
      echo "FAIL $id: the repository's own tests fail on repository/ alone: $(last_line "$log")"; return 1
    fi
  fi
  sed -i '1d' "$plan"
  # lay_out DIR: the repository (if any) copied into DIR
  lay_out() { mkdir -p "$1"; if [[ -d "$base" ]]; then cp -R "$base/." "$1/"; fi; }

  # a. reference + hidden tests (+ the repository's own tests, as repository/ has them)
  dir="$WORK/$key/full"; log="$WORK/$key.full.log"
  lay_out "$dir" && cp -R "$issue/reference/." "$dir/" && cp "$issue/hidden_test.py" "$dir/test_hidden_acceptance.py"
  if ! run_pytest "$dir" test_hidden_acceptance.py "$log"; then
    echo "FAIL $id: hidden tests fail on the reference: $(last_line "$log")"; return 1
  fi
  local hidden_summary; hidden_summary="$(last_line "$log")"
  if [[ -n "$repo_tests" ]]; then
    log="$WORK/$key.full-repository.log"
    if ! run_pytest "$dir" "$repo_tests" "$log"; then
      echo "FAIL $id: the repository's own tests fail on the reference: $(last_line "$log")"; return 1
    fi
    hidden_summary="$hidden_summary; repository tests: $(last_line "$log")"
  fi

  # b. each task's file's own tests with only its transitive dependencies (inside the repository, if any)
  local n=0
  while IFS=$'\t' read -r path deps; do
    n=$((n + 1)); dir="$WORK/$key/task$n"; log="$WORK/$key.task$n.log"
    lay_out "$dir"
    for target in $path $deps; do
      mkdir -p "$dir/$(dirname "$target")" && cp "$issue/reference/$target" "$dir/$target"
    done
    run_pytest "$dir" "$path" "$log"; rc=$?
    if [[ $rc -ne 0 ]] || ! grep -Eq '[0-9]+ passed' "$log"; then
      echo "FAIL $id: own tests of $path (rc=$rc): $(last_line "$log")"; return 1
    fi
  done <"$plan"

  # c. the hidden tests must fail on an empty repository (or on repository/ alone)
  dir="$WORK/$key/empty"; log="$WORK/$key.empty.log"
  lay_out "$dir" && cp "$issue/hidden_test.py" "$dir/test_hidden_acceptance.py"
  local start="an empty repository"; [[ -n "$repo_tests" ]] && start="repository/ alone"
  if run_pytest "$dir" test_hidden_acceptance.py "$log"; then
    echo "FAIL $id: hidden tests pass on $start"; return 1
  fi
  echo "PASS $id: hidden [$hidden_summary], $n task file(s) pass their own tests, hidden tests fail on $start"
}

issues=()
if [[ $# -gt 0 ]]; then
  for arg in "$@"; do issues+=("$(cd "$arg" && pwd)"); done
else
  for d in "$SUITE"/*/*/; do [[ -f "$d/plan.json" ]] && issues+=("${d%/}"); done
fi
[[ ${#issues[@]} -gt 0 ]] || { echo "no issues found" >&2; exit 2; }

failed=0
for issue in "${issues[@]}"; do
  id="$(basename "$(dirname "$issue")")/$(basename "$issue")"
  check_issue "$issue" "$id" "${id//\//-}" || failed=$((failed + 1))
done
echo "$(( ${#issues[@]} - failed ))/${#issues[@]} issues pass"
[[ $failed -eq 0 ]]
