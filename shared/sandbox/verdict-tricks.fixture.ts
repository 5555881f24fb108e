// Generated code that tries to get a failing run reported as passed (issue 14). Each trick's own
// tests fail; "passed" from the sandbox means the trick fooled the verdict. Shared by the sandbox
// tests and scripts/measure-verdict-tricks.ts (which measured the verdicts before the fix).
import type { SandboxRun } from "./sandbox.js";

export interface VerdictTrick {
  name: string;
  run: SandboxRun;
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
  },
  {
    name: "a generated pytest.py at the root shadows the runner's pytest",
    run: {
      files: [
        { path: "pytest.py", content: lines("def main(args=None, plugins=None):", "    print('5 passed in 0.01s')", "    return 0") },
        { path: "calc.py", content: lines("def test_broken():", "    assert 1 + 1 == 3") },
      ],
      testTargets: ["calc.py"],
    },
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
  },
];
