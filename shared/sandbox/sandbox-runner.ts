// The program the sandbox container runs (under PID 1, `timeout`, which ends the run by itself), as
// Python source. It starts isolated (`python -I`:
// no /code on sys.path, so a generated pytest.py or json.py cannot replace it), checks syntax, scans
// for verdict tampering, then runs pytest in a CHILD process with our result-log plugin and judges
// the run from that log, cross-checked with the child's exit status and the collected test ids.
// The verdict goes to stdout as one line behind a key that only this process knows (from its
// environment; it makes itself non-dumpable first, so the tests, same uid, cannot read the key
// from its /proc/<pid>/environ or /mem, nor PID 1's, which runs as root). Whatever the tests print,
// they cannot forge that line.
import { TAMPER_SCAN_PY } from "./tamper-scan.js";
import { VERDICT_PLUGIN_PY } from "./verdict-plugin.js";

/** Environment variable through which the host hands the runner its verdict key. */
export const VERDICT_KEY_ENV = "DELLM_VERDICT_KEY";

export interface RunnerSpec {
  /** Every .py file of the run, relative to /code: syntax-checked and scanned. */
  check: string[];
  /** The files whose tests pytest runs, relative to /code. */
  test: string[];
  /** Extra pytest selection options (-k/-m from a repository's test_command), before the targets. */
  args?: string[];
  /** Load conftest.py files: only in the owner's repository, none of them written by the job. */
  conftest?: boolean;
  /** Folders of /code put on the import path after /code itself (the repository's source roots). */
  roots?: string[];
}

/** Where the runner's source is mounted (read-only) in the container. */
export const RUNNER_PATH = "/opt/dellm-runner.py";

/**
 * The container's command line. The runner comes as a read-only file rather than `-c` source: it
 * is over 20 kB, and the container-create request stays small (`python -I` keeps its folder off sys.path).
 */
export function runnerCommand(spec: RunnerSpec): string[] {
  return ["python", "-I", RUNNER_PATH, JSON.stringify(spec)];
}

/** The runner's source, written next to the code and mounted at RUNNER_PATH. */
export function runnerSource(): string {
  return RUNNER_PY;
}

// The child: load our plugin from the private directory by path (sys.path stays free of it), then
// pytest. pytest itself puts /code on sys.path (our ini's pythonpath) when it configures.
const CHILD_PY = String.raw`
import importlib.util, sys
spec = importlib.util.spec_from_file_location("dellm_verdict_plugin", sys.argv[1])
plugin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin)
plugin.open_log(sys.argv[2])
import pytest
sys.exit(pytest.main(sys.argv[3:], plugins=[plugin]))
`;

const RUNNER_PY = String.raw`
import ast, ctypes, json, os, signal, subprocess, sys, tempfile

SPEC = json.loads(sys.argv[1])
KEY = os.environ.pop("${VERDICT_KEY_ENV}", "")
PLUGIN_PY = ${JSON.stringify(VERDICT_PLUGIN_PY)}
CHILD_PY = ${JSON.stringify(CHILD_PY)}
LOG_LIMIT = 8 * 1024 * 1024
TESTS_LIMIT = 40000
EXIT_MEANINGS = {1: "some tests failed", 2: "test run interrupted (e.g. an error while collecting the tests)", 3: "pytest internal error", 4: "pytest usage error"}
${TAMPER_SCAN_PY}

def finish(verdict, reason=None, counts=None, exit_status=None, tampering=(), tests=()):
    record = {"verdict": verdict, "reason": reason[:3000] if reason else None, "exit_status": exit_status,
              "tampering": [t[:300] for t in tampering][:20]}
    record.update(counts or {})
    record["tests"], record["tests_truncated"] = bounded_tests(tests)
    os.write(1, (KEY + " " + json.dumps(record, ensure_ascii=True) + "\n").encode())
    sys.exit(0)


def bounded_tests(tests):
    """Per-test outcomes within TESTS_LIMIT characters: the verdict line must fit the host's tail."""
    kept, used = [], 0
    for nodeid, outcome in tests:
        used += len(nodeid) + len(outcome) + 8
        if used > TESTS_LIMIT or len(nodeid) > 500:
            return kept, True
        kept.append([nodeid, outcome])
    return kept, False


def protect_key():
    """Non-dumpable: processes of the same uid can no longer open /proc/1/environ, /proc/1/mem or /proc/1/fd."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def check_files(paths):
    syntax, findings = [], []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                source = handle.read()
            compile(source, path, "exec", dont_inherit=True)
            tree = ast.parse(source, path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            # A file nested too deeply for the compiler is as unusable as a syntax error, and says why.
            line = getattr(error, "lineno", None)
            syntax.append(path + (", line %d" % line if line else "") + ": " + type(error).__name__ + ": " + str(getattr(error, "msg", error)))
            continue
        for line, what in scan_tampering(tree):
            findings.append((path, line, what))
    return syntax, findings


def describe(findings):
    return ["%s at line %d of %s" % (what, line, path) for path, line, what in findings]


def run_pytest(targets):
    private = tempfile.mkdtemp(prefix="dellm-verdict-")
    plugin, ini, log = (os.path.join(private, name) for name in ("dellm_verdict_plugin.py", "pytest.ini", "results.jsonl"))
    with open(plugin, "w") as handle:
        handle.write(PLUGIN_PY)
    # /code, then the repository's source roots (e.g. src/ of the src layout), each inside /code.
    roots = ["/code"] + [os.path.normpath(os.path.join("/code", r)) for r in SPEC.get("roots", [])]
    roots = [r for r in roots if r == "/code" or r.startswith("/code/")]
    with open(ini, "w") as handle:
        handle.write("[pytest]\npythonpath = " + " ".join(roots) + "\n")
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "HOME": "/tmp", "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(roots), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    # Our ini instead of any pytest.ini/pyproject.toml/setup.cfg in /code; conftest.py only when the
    # host says they are all the repository owner's (one file's hooks reach every test below it); no
    # cache writes.
    conftest = [] if SPEC.get("conftest") is True else ["--noconftest"]
    args = ["-q", "-p", "no:cacheprovider", *conftest, "-c", ini, "--rootdir", "/code", *SPEC.get("args", []), *targets]
    child = subprocess.Popen([sys.executable, "-I", "-c", CHILD_PY, plugin, log, *args], cwd="/code", env=env, stdin=subprocess.DEVNULL, close_fds=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = child.wait()
    try:
        os.kill(-1, signal.SIGKILL)  # whatever the tests left running, before the verdict is written
    except OSError:
        pass
    return status, read_log(log)


def read_log(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(LOG_LIMIT + 1)
    except OSError:
        return None
    if len(data) > LOG_LIMIT:
        return None
    records = []
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        records.append(record)
    return records


def outcome_of(phases):
    """passed/failed/skipped/xfailed/xpassed for one test's phases, None when it never finished."""
    if any(p[0] == "failed" for p in phases.values()):
        return "failed"
    setup, call, teardown = phases.get("setup"), phases.get("call"), phases.get("teardown")
    if setup is None or teardown is None:
        return None
    if setup[0] == "skipped":
        return "xfailed" if setup[1] else "skipped"
    if call is None:
        return None
    if call[0] == "skipped":
        return "xfailed" if call[1] else "skipped"
    if call[0] == "passed":
        return "xpassed" if call[1] else "passed"
    return None


def judge(status, records):
    counts = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0, "xpassed": 0, "collected": 0}
    tests = []
    unknown = lambda why: ("unknown", "verdict unavailable: " + why, counts, tests)
    if records is None:
        return unknown("pytest's result log is missing or unreadable (exit status %d)" % status)
    by_kind = {}
    for record in records:
        by_kind.setdefault(record.get("kind"), []).append(record)
    collected, finished = by_kind.get("collected", []), by_kind.get("finished", [])
    if len(collected) > 1 or len(finished) > 1:
        return unknown("the result log holds two collections or two session ends")
    ids = collected[0].get("ids") if collected else []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
        return unknown("the collected test ids are malformed")
    phases = {nodeid: {} for nodeid in ids}
    for report in by_kind.get("report", []):
        if not isinstance(report.get("nodeid"), str) or report["nodeid"] not in phases:
            return unknown("the result log reports a test that was never collected: %s" % str(report.get("nodeid"))[:200])
        phases[report["nodeid"]][str(report.get("when"))] = (report.get("outcome"), bool(report.get("xfail")))
    missing = []
    for nodeid in ids:
        outcome = outcome_of(phases[nodeid])
        if outcome is None:
            missing.append(nodeid)
        else:
            counts[outcome] += 1
        tests.append((nodeid, outcome or "unfinished"))
    for error in by_kind.get("collect_error", []):
        tests.append((str(error.get("nodeid")), "error"))
    counts["failed"] += len(by_kind.get("collect_error", []))
    counts["collected"] = len(ids)
    problem = None
    if status < 0:
        problem = "pytest was killed by signal %d" % -status
    elif not finished:
        problem = "pytest did not finish its session (exit status %d)" % status
    elif finished[0].get("exitstatus") != status:
        problem = "pytest's session ended with status %s but its process exited with %d" % (finished[0].get("exitstatus"), status)
    if counts["failed"]:
        # Failures are believed whatever else went wrong: no one fakes a failure to get a pass.
        reason = "pytest: " + EXIT_MEANINGS.get(status, "some tests failed")
        return ("failed", reason + ("; and " + problem if problem else ""), counts, tests)
    if problem:
        return unknown(problem)
    if status == 0:
        if missing:
            return unknown("pytest's report covers %d of %d collected tests (%s never finished)" % (len(ids) - len(missing), len(ids), missing[0][:200]))
        if counts["passed"] == 0:
            return ("no_tests", "no tests ran: %d collected, none passed (skipped and xfailed tests do not count)" % len(ids), counts, tests)
        return ("passed", None, counts, tests)
    if status == 1:
        return unknown("pytest exited with 1 (tests failed) but its report has no failed test")
    if status == 5:
        return ("no_tests", "no tests ran: the file must contain pytest test functions (def test_...)", counts, tests)
    if status in EXIT_MEANINGS:
        return ("failed", "pytest: " + EXIT_MEANINGS[status], counts, tests)
    return unknown("pytest exited with unexpected status %d" % status)


def main():
    try:
        protect_key()
    except OSError as error:
        finish("unknown", "verdict unavailable: the runner could not protect its verdict key (%s)" % error)
    syntax, findings = check_files(SPEC["check"])
    if syntax:
        finish("syntax_error", "Python syntax check failed:\n" + "\n".join(syntax))
    own = [f for f in findings if f[0] in SPEC["test"]]
    if own:
        finish("tampering", "verdict tampering: " + "; ".join(describe(own)), tampering=describe(own))
    status, records = run_pytest(SPEC["test"])
    try:
        verdict, reason, counts, tests = judge(status, records)
    except Exception as error:  # a log shaped to crash the judge is no verdict
        verdict, reason, counts, tests = "unknown", "verdict unavailable: the result log is malformed (%s)" % type(error).__name__, None, []
    if verdict == "passed" and findings:
        # A file the tests import can alter the run: its passes cannot be believed (failures can).
        verdict, reason = "unknown", "verdict unavailable: a file the tests may import can alter the test run: " + "; ".join(describe(findings))
    finish(verdict, reason, counts, status, tests=tests)


main()
`;
