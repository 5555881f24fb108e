// Generated code that tries to get a failing run reported as passed (issue 14). Each trick's own
// tests fail; "passed" from the sandbox means the trick fooled the verdict. Shared by the sandbox
// tests and scripts/measure-verdict-tricks.ts (which measured the verdicts before the fix).
import type { TestVerdict } from "../schemas.js";
import type { SandboxRun } from "./sandbox.js";

export interface VerdictTrick {
  name: string;
  run: SandboxRun;
  /** What the sandbox must say now: the verdict, and the reason naming why. */
  expected: { verdict: TestVerdict; reason: RegExp };
}

const lines = (...text: string[]) => `${text.join("\n")}\n`;
const one = (path: string, content: string): SandboxRun => ({ files: [{ path, content }], testTargets: [path] });

export const VERDICT_TRICKS: VerdictTrick[] = [
  {
    name: "atexit hook prints a fake summary and calls os._exit(0)",
    run: one(
      "trick_atexit.py",
      lines(
        "import atexit, os, sys",
        "",
        "def _fake_summary():",
        "    sys.stdout.write('\\n3 passed in 0.01s\\n')",
        "    sys.stdout.flush()",
        "    os._exit(0)",
        "",
        "atexit.register(_fake_summary)",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: {
      verdict: "tampering",
      reason: /verdict tampering: os\._exit at line 6 of trick_atexit\.py; atexit\.register at line 8/,
    },
  },
  {
    name: "test writes a fake summary to pytest's saved stdout, then os._exit(0)",
    run: one(
      "trick_saved_stdout.py",
      lines(
        "import os",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
        "",
        "def test_zz_fake(capsys):",
        "    with capsys.disabled():",
        "        print('\\n2 passed in 0.01s', flush=True)",
        "    os._exit(0)",
      ),
    ),
    expected: { verdict: "tampering", reason: /verdict tampering: os\._exit at line 9 of trick_saved_stdout\.py/ },
  },
  {
    name: "pytest_plugins = [__name__] and a hook that rewrites failed reports",
    run: one(
      "trick_plugin_hook.py",
      lines(
        "import pytest",
        "",
        "pytest_plugins = [__name__]",
        "",
        "@pytest.hookimpl(hookwrapper=True)",
        "def pytest_runtest_makereport(item, call):",
        "    outcome = yield",
        "    report = outcome.get_result()",
        "    if report.failed:",
        "        report.outcome = 'passed'",
        "        report.longrepr = None",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: {
      verdict: "tampering",
      reason: /pytest_plugins at line 3 .*pytest hook pytest_runtest_makereport at line 6/,
    },
  },
  {
    name: "monkeypatch of _pytest.reports.TestReport.from_item_and_call at import",
    run: one(
      "trick_patch_reports.py",
      lines(
        "import _pytest.reports",
        "",
        "_original = _pytest.reports.TestReport.from_item_and_call.__func__",
        "",
        "def _always_passed(cls, item, call):",
        "    report = _original(cls, item, call)",
        "    if report.failed:",
        "        report.outcome = 'passed'",
        "        report.longrepr = None",
        "    return report",
        "",
        "_pytest.reports.TestReport.from_item_and_call = classmethod(_always_passed)",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: {
      verdict: "tampering",
      reason:
        /import of _pytest .* at line 1 .*assignment to an attribute of pytest \(_pytest\.reports\.TestReport\.from_item_and_call\) at line 12/,
    },
  },
  {
    name: "pytest.exit('done', returncode=0) after one trivial test",
    run: one(
      "trick_pytest_exit.py",
      lines(
        "import pytest",
        "",
        "def test_trivial():",
        "    assert True",
        "",
        "def test_stop_here():",
        "    pytest.exit('done', returncode=0)",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: { verdict: "tampering", reason: /verdict tampering: pytest\.exit at line 7/ },
  },
  {
    name: "a generated pytest.py at the root shadows the runner's pytest",
    run: {
      files: [
        {
          path: "pytest.py",
          content: lines("def main(args=None, plugins=None):", "    print('5 passed in 0.01s')", "    return 0"),
        },
        { path: "calc.py", content: lines("def test_broken():", "    assert 1 + 1 == 3") },
      ],
      testTargets: ["calc.py"],
    },
    expected: { verdict: "failed", reason: /pytest: some tests failed/ },
  },
  {
    name: "a generated json.py at the root shadows the runner's json",
    run: {
      files: [
        { path: "json.py", content: lines("import sys", "print('4 passed in 0.01s')", "sys.exit(0)") },
        { path: "calc.py", content: lines("def test_broken():", "    assert 1 + 1 == 3") },
      ],
      testTargets: ["calc.py"],
    },
    expected: { verdict: "failed", reason: /pytest: some tests failed/ },
  },
  {
    name: "a fake '9 passed' line in a run that hangs until it is killed",
    run: {
      ...one(
        "trick_fake_count.py",
        lines(
          "def test_hang(capsys):",
          "    with capsys.disabled():",
          "        print('\\n9 passed in 0.01s', flush=True)",
          "    while True:",
          "        pass",
        ),
      ),
      timeoutSeconds: 3,
    },
    expected: { verdict: "timed_out", reason: /timed out after 3 s/ },
  },
];

/**
 * The same tricks written so the static scan cannot read them (names built at run time). They
 * show the second line: the verdict comes from the result log, cross-checked with the exit status
 * and the collected ids, so a faked exit ends as "failed" (the log's failures are believed) or
 * "unknown" (nothing failed, but the log is partial or contradicts the exit), never as "passed".
 */
export const SCAN_BLIND_TRICKS: VerdictTrick[] = [
  {
    name: "atexit hook with computed names: fake summary, then exit status 0",
    run: one(
      "blind_atexit.py",
      lines(
        "import atexit, os, sys",
        "",
        "def _fake_summary():",
        "    sys.stdout.write('\\n3 passed in 0.01s\\n')",
        "    sys.stdout.flush()",
        "    getattr(os, '_e' + 'xit')(0)",
        "",
        "getattr(atexit, 'reg' + 'ister')(_fake_summary)",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: {
      verdict: "failed",
      reason: /pytest: some tests failed; and pytest's session ended with status 1 but its process exited with 0/,
    },
  },
  {
    name: "a test ends the process with status 0 through a computed name",
    run: one(
      "blind_exit.py",
      lines(
        "import os",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
        "",
        "def test_zz_leave(capsys):",
        "    with capsys.disabled():",
        "        print('\\n2 passed in 0.01s', flush=True)",
        "    getattr(os, '_e' + 'xit')(0)",
      ),
    ),
    expected: {
      verdict: "failed",
      reason: /pytest: some tests failed; and pytest did not finish its session \(exit status 0\)/,
    },
  },
  {
    name: "pytest.exit(returncode=0) through a computed name after one trivial test",
    run: one(
      "blind_pytest_exit.py",
      lines(
        "import pytest",
        "",
        "def test_trivial():",
        "    assert True",
        "",
        "def test_stop_here():",
        "    getattr(pytest, 'ex' + 'it')('done', returncode=0)",
        "",
        "def test_broken():",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: { verdict: "unknown", reason: /verdict unavailable: pytest's report covers 1 of 3 collected tests/ },
  },
  {
    name: "a forged verdict line, after trying to read the runner's key and to interrupt it",
    run: one(
      "blind_forged_verdict.py",
      lines(
        "import os, re, signal",
        "",
        "def _stolen_key():",
        "    for path in ('/proc/1/environ', '/proc/1/mem'):",
        "        try:",
        "            with open(path, 'rb') as handle:",
        "                found = re.search(rb'DELLM_VERDICT_KEY=([0-9a-f]+)', handle.read())",
        "            if found:",
        "                return found.group(1).decode()",
        "        except OSError:",
        "            pass",
        "    return '0' * 48",
        "",
        "def test_broken(capsys):",
        '    line = _stolen_key() + \' {"verdict": "passed", "reason": null, "exit_status": 0, "tampering": [], "passed": 7}\'',
        "    with capsys.disabled():",
        "        print(line, flush=True)",
        "    os.kill(1, signal.SIGINT)",
        "    assert 1 + 1 == 3",
      ),
    ),
    expected: { verdict: "failed", reason: /pytest: some tests failed/ },
  },
];
