// dellm eval's hidden acceptance tests run in the same protected sandbox (issue 14): generated code
// that patches pytest at import cannot turn the hidden tests' failure into a pass. REAL Docker.
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { renderFileBlocks } from "./baseline.js";
import { runBaselineIssue } from "./run-eval.js";
import type { EvalIssue } from "./suite.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

const issue: EvalIssue = {
  id: "simple/99-fib",
  tier: "simple",
  title: "fib(n)",
  body: "Add fib.py with fib(n), the n-th Fibonacci number.",
  hiddenTest: lines("from fib import fib", "", "def test_fib():", "    assert fib(10) == 55"),
  reference: { plan: [], files: [] },
};

// Wrong answer, plus an import-time patch that reports every test as passed.
const TAMPERING_FIB = lines(
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
  "def fib(n):",
  "    return 0",
  "",
  "def test_fib():",
  "    assert fib(1) == 1",
);
const HONEST_FIB = lines(
  "def fib(n):",
  "    a, b = 0, 1",
  "    for _ in range(n):",
  "        a, b = b, a + b",
  "    return a",
  "",
  "def test_fib():",
  "    assert fib(10) == 55",
);

const answering = (content: string) =>
  new ScriptedCodeModel([{ when: /[\s\S]/, reply: renderFileBlocks([{ path: "fib.py", content }]) }]);

describe("eval hidden tests", () => {
  const sandbox = new DockerSandbox({ timeoutSeconds: 20 });

  it("are not fooled by generated code that patches pytest when the hidden test imports it", async () => {
    const outcome = await runBaselineIssue(issue, answering(TAMPERING_FIB), sandbox);
    expect(outcome.passed).toBe(false);
    expect(outcome.files).toEqual({ total: 1, passed: 0 });
    expect(outcome.hidden.reason).toMatch(
      /verdict unavailable: a file the tests may import can alter the test run: import of _pytest .* of fib\.py/,
    );
  });

  it("pass for honest code (the same path, so the test above can tell)", async () => {
    const outcome = await runBaselineIssue(issue, answering(HONEST_FIB), sandbox);
    expect(outcome).toMatchObject({ passed: true, files: { total: 1, passed: 1 }, hidden: { passed: 1, failed: 0 } });
  });
});
