// Generated code that tries to fake its test verdict, through the REAL Docker sandbox (issue 14).
// Every trick's own tests fail; none may come back "passed", and the reason must say why.
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "./docker-sandbox.js";
import { SCAN_BLIND_TRICKS, VERDICT_TRICKS } from "./verdict-tricks.fixture.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const lines = (...text: string[]) => `${text.join("\n")}\n`;
const one = (path: string, content: string) => ({ files: [{ path, content }], testTargets: [path] });

describe("verdict tricks", () => {
  for (const trick of [...VERDICT_TRICKS, ...SCAN_BLIND_TRICKS]) {
    it(`${trick.name}: not passed, and said why`, async () => {
      const result = await sandbox.run(trick.run);
      expect(result.success).toBe(false);
      expect(result.verdict).toBe(trick.expected.verdict);
      expect(result.failure_reason).toMatch(trick.expected.reason);
      expect(result.tests_passed, "counts come from the report, not from a printed line").toBeLessThanOrEqual(1);
      if (result.verdict === "tampering") expect(result.tampering?.length).toBeGreaterThan(0);
    });
  }

  it("counts what the report says, not a fake summary line", async () => {
    const code = lines(
      "def test_ok():",
      "    assert True",
      "",
      "def test_broken(capsys):",
      "    with capsys.disabled():",
      "        print('\\n9 passed in 0.01s', flush=True)",
      "    assert 1 + 1 == 3",
    );
    const result = await sandbox.run(one("counted.py", code));
    expect(result).toMatchObject({ success: false, verdict: "failed", tests_passed: 1, tests_failed: 1 });
    expect(result.stdout).toMatch(/9 passed/); // still shown to people, just not believed
  });
});

describe("honest code", () => {
  it("passes, with counts from the report and no verdict line in the log", async () => {
    const code = lines(
      "def square(x):",
      "    return x * x",
      "",
      "def test_square():",
      "    assert square(3) == 9",
      "",
      "def test_zero():",
      "    assert square(0) == 0",
    );
    const result = await sandbox.run(one("square.py", code));
    expect(result).toMatchObject({ success: true, verdict: "passed", tests_passed: 2, tests_failed: 0 });
    expect(result.stdout).not.toMatch(/"verdict"/);
  });

  it("passes with a CLI main() that calls sys.exit, and code under the main guard", async () => {
    const code = lines(
      "import os, sys",
      "",
      "def main(argv):",
      "    if not argv:",
      "        print('usage: greet NAME', file=sys.stderr)",
      "        sys.exit(2)",
      "    print('hello ' + argv[0])",
      "    return 0",
      "",
      "def test_greets(capsys):",
      "    assert main(['ada']) == 0",
      "    assert capsys.readouterr().out == 'hello ada\\n'",
      "",
      "def test_usage_exits_2():",
      "    import pytest",
      "    with pytest.raises(SystemExit) as stopped:",
      "        main([])",
      "    assert stopped.value.code == 2",
      "",
      "if __name__ == '__main__':",
      "    sys.exit(main(sys.argv[1:]))",
    );
    const result = await sandbox.run(one("greet.py", code));
    expect(result.failure_reason).toBeUndefined();
    expect(result).toMatchObject({ success: true, verdict: "passed", tests_passed: 2 });
  });

  it("treats a run of only skipped and xfailed tests as no test run", async () => {
    const code = lines(
      "import pytest",
      "",
      "@pytest.mark.skip(reason='later')",
      "def test_later():",
      "    pass",
      "",
      "@pytest.mark.xfail",
      "def test_known_bug():",
      "    assert False",
    );
    const result = await sandbox.run(one("skips.py", code));
    expect(result).toMatchObject({ success: false, verdict: "no_tests", tests_passed: 0 });
    expect(result.failure_reason).toMatch(/no tests ran: 2 collected, none passed/);
  });

  it("cannot read the runner's verdict key: /proc/1 is closed to the tests", async () => {
    const code = lines(
      "import os",
      "",
      "def test_runner_is_private():",
      "    assert 'DELLM_VERDICT_KEY' not in os.environ",
      "    # The runner (the tests' parent) and PID 1 (its `timeout`, as root).",
      "    for path in [p % pid for pid in (1, os.getppid()) for p in ('/proc/%d/environ', '/proc/%d/mem', '/proc/%d/fd/1')]:",
      "        try:",
      "            open(path, 'rb').read(1)",
      "        except PermissionError:",
      "            continue",
      "        raise AssertionError('the tests could read ' + path)",
    );
    const result = await sandbox.run(one("private_key.py", code));
    expect(result.failure_reason).toBeUndefined();
    expect(result).toMatchObject({ success: true, tests_passed: 1 });
  });
});

describe("a file the tests import", () => {
  const tamperer = lines(
    "import _pytest.reports",
    "",
    "_original = _pytest.reports.TestReport.from_item_and_call.__func__",
    "",
    "def _always_passed(cls, item, call):",
    "    report = _original(cls, item, call)",
    "    report.outcome = 'passed'",
    "    return report",
    "",
    "_pytest.reports.TestReport.from_item_and_call = classmethod(_always_passed)",
    "",
    "def helper():",
    "    return 1",
  );

  it("cannot turn the importing file's failure into a pass", async () => {
    const result = await sandbox.run({
      files: [
        { path: "lib/tamper.py", content: tamperer },
        {
          path: "app/uses.py",
          content: lines("from lib.tamper import helper", "", "def test_helper():", "    assert helper() == 2"),
        },
      ],
      testTargets: ["app/uses.py"],
    });
    expect(result.success).toBe(false);
    expect(result.verdict).toBe("unknown");
    expect(result.failure_reason).toMatch(
      /a file the tests may import can alter the test run: import of _pytest .* of lib\/tamper\.py/,
    );
  });

  it("does not hide a true failure of the importing file", async () => {
    const atexitTamperer = lines(
      "import atexit, os",
      "",
      "atexit.register(lambda: os._exit(0))",
      "",
      "def helper():",
      "    return 1",
    );
    const result = await sandbox.run({
      files: [
        { path: "tamper.py", content: atexitTamperer },
        {
          path: "uses.py",
          content: lines("from tamper import helper", "", "def test_helper():", "    assert helper() == 2"),
        },
      ],
      testTargets: ["uses.py"],
    });
    expect(result).toMatchObject({ success: false, verdict: "failed", tests_failed: 1 });
  });
});
