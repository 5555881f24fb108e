// The repository-test plan, the test_command parser and the before/after comparison (the sandbox
// runs are covered by bot/github/jobs.repository-tests.test.ts).
import { describe, expect, it } from "vitest";
import type { TestResult } from "../../shared/schemas.js";
import {
  compareRuns,
  failureLogOf,
  hasRegressions,
  parseTestCommand,
  planRepositoryTests,
  tally,
  testCommandText,
} from "./repository-tests.js";

const run = (outcomes: [string, string][], extra: Partial<TestResult> = {}): TestResult => ({
  success: outcomes.every(([, o]) => o === "passed"),
  stdout: "",
  stderr: "",
  tests_passed: 0,
  tests_failed: 0,
  execution_time: 1,
  verdict: outcomes.every(([, o]) => o === "passed") ? "passed" : "failed",
  test_outcomes: outcomes.map(([id, outcome]) => ({ id, outcome: outcome as "passed" })),
  ...extra,
});

describe("repository tests", () => {
  it("finds test files by pytest's naming rule, or those test_command names", () => {
    const paths = ["shop/models.py", "tests/test_models.py", "tests/unit/cart_test.py", ".venv/test_x.py", "README.md"];
    expect(planRepositoryTests(paths)?.targets).toEqual(["tests/test_models.py", "tests/unit/cart_test.py"]);
    const command = parseTestCommand('python -m pytest -q tests/unit -k "not slow"');
    expect(command).toMatchObject({ paths: ["tests/unit"], args: ["-k", "not slow"] });
    expect(planRepositoryTests(paths, command)).toMatchObject({
      targets: ["tests/unit/cart_test.py"],
      args: ["-k", "not slow"],
    });
    expect(planRepositoryTests(["shop/models.py"])).toBeNull();
  });

  it("classifies tests as regressions, newly passing and failing before and after", () => {
    const before = run([
      ["t.py::a", "passed"],
      ["t.py::b", "failed"],
      ["t.py::c", "failed"],
    ]);
    const after = run([
      ["t.py::a", "failed"],
      ["t.py::b", "passed"],
      ["t.py::c", "failed"],
      ["t.py::d", "error"],
    ]);
    const comparison = compareRuns(before, after);
    expect(comparison).toMatchObject({
      regressions: ["t.py::a", "t.py::d"],
      newlyPassing: ["t.py::b"],
      failingBeforeAndAfter: ["t.py::c"],
      passingAfter: 1,
    });
    expect(hasRegressions(comparison)).toBe(true);
    expect(hasRegressions(compareRuns(before, before))).toBe(false);
  });

  it("counts a run the change made hang as a regression, and compares nothing against a base that hung", () => {
    const ok = run([["t.py::a", "passed"]]);
    const hung = run([], { verdict: "timed_out", failure_reason: "timed out after 5 s", test_outcomes: undefined });
    expect(compareRuns(ok, hung)).toMatchObject({ afterBroken: "timed out after 5 s", regressions: [] });
    expect(hasRegressions(compareRuns(ok, hung))).toBe(true);
    const fromHung = compareRuns(hung, run([["t.py::a", "failed"]]));
    expect(fromHung).toMatchObject({
      beforeBroken: "timed out after 5 s",
      regressions: [],
      failingBeforeAndAfter: ["t.py::a"],
    });
    expect(hasRegressions(fromHung)).toBe(false);
  });

  it("cuts one test's failure section out of pytest's log", () => {
    const stdout = [
      "=================================== FAILURES ===================================",
      "_____________________________ test_negative_price ______________________________",
      "    def test_negative_price():",
      ">       with pytest.raises(ValueError):",
      "E       Failed: DID NOT RAISE <class 'ValueError'>",
      "_________________________________ test_other __________________________________",
      "E   assert 1 == 2",
      "=========================== short test summary info ============================",
    ].join("\n");
    const log = failureLogOf(run([], { stdout }), "tests/test_models.py::test_negative_price");
    expect(log).toContain("DID NOT RAISE");
    expect(log).not.toContain("assert 1 == 2");
  });

  it("counts a run as the comparison does (skipped tests neither way) and shows its test files, five at most", () => {
    const outcomes: [string, string][] = [
      ["a::ok", "passed"],
      ["a::xf", "xfailed"],
      ["a::skip", "skipped"],
      ["a::bad", "failed"],
      ["a::err", "error"],
    ];
    expect(tally(run(outcomes))).toEqual({ passed: 2, failed: 2 });
    expect(testCommandText(["tests/test_a.py"], ["-k", "not slow"])).toBe("pytest -q tests/test_a.py -k 'not slow'");
    expect(testCommandText(Array.from({ length: 6 }, (_, i) => `tests/test_${i}.py`))).toBe("pytest -q (6 test files)");
  });
});
