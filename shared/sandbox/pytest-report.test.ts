import { describe, expect, it } from "vitest";
import { describePytestExit, failedCount, parsePytestSummary } from "./pytest-report.js";

describe("parsePytestSummary", () => {
  it("reads a quiet all-passed line", () => {
    const summary = parsePytestSummary("...                                      [100%]\n3 passed in 0.01s\n");
    expect(summary).toMatchObject({ passed: 3, failed: 0, errors: 0, noTestsRan: false, durationSeconds: 0.01 });
    expect(summary?.line).toBe("3 passed in 0.01s");
  });

  it("reads every kind of count, and counts errors as failed", () => {
    const output = [
      "FAILED test_a.py::test_bad - assert 1 == 2",
      "ERROR test_a.py::test_err - RuntimeError: x",
      "2 failed, 2 passed, 1 skipped, 1 xfailed, 1 xpassed, 3 deselected, 1 warning, 1 error in 0.02s",
    ].join("\n");
    const summary = parsePytestSummary(output);
    expect(summary).toMatchObject({
      passed: 2,
      failed: 2,
      errors: 1,
      skipped: 1,
      xfailed: 1,
      xpassed: 1,
      deselected: 3,
      warnings: 1,
    });
    expect(failedCount(summary!)).toBe(3);
  });

  it("reads the framed line printed without -q, with a long duration", () => {
    const summary = parsePytestSummary(
      "==== 1 failed, 4 passed, 2 warnings, 2 errors in 65.23s (0:01:05) =====\n",
    );
    expect(summary).toMatchObject({ passed: 4, failed: 1, errors: 2, warnings: 2, durationSeconds: 65.23 });
    expect(summary?.line).toBe("1 failed, 4 passed, 2 warnings, 2 errors in 65.23s (0:01:05)");
  });

  it("reads a collection error", () => {
    const output = [
      "ERROR test_b.py",
      "!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!",
      "1 error in 0.03s",
    ].join("\n");
    expect(parsePytestSummary(output)).toMatchObject({ passed: 0, failed: 0, errors: 1 });
  });

  it("reads 'no tests ran'", () => {
    expect(parsePytestSummary("\nno tests ran in 0.00s\n")).toMatchObject({ noTestsRan: true, passed: 0 });
    expect(parsePytestSummary("===== 2 deselected, no tests ran in 0.01s =====")).toMatchObject({
      noTestsRan: true,
      deselected: 2,
    });
  });

  it("takes the last summary line and ignores look-alikes printed by tests", () => {
    const output = ["1 passed in 0.5s", "finished the job in 3s", "2 failed, 1 passed in 0.10s", "done in 2s"].join(
      "\n",
    );
    expect(parsePytestSummary(output)).toMatchObject({ passed: 1, failed: 2 });
  });

  it("tolerates counts added by plugins and colour codes", () => {
    expect(parsePytestSummary("\u001b[32m1 passed, 2 rerun in 0.30s\u001b[0m")).toMatchObject({ passed: 1 });
  });

  it("returns undefined when pytest never printed a summary", () => {
    expect(parsePytestSummary("")).toBeUndefined();
    expect(parsePytestSummary("Traceback (most recent call last):\n  ...\nKeyboardInterrupt")).toBeUndefined();
    expect(parsePytestSummary("ERROR: file or directory not found: test_x.py\n")).toBeUndefined();
  });
});

describe("describePytestExit", () => {
  it("names pytest's exit statuses", () => {
    expect(describePytestExit(0)).toBe("all tests passed");
    expect(describePytestExit(5)).toBe("no tests collected");
    expect(describePytestExit(42)).toBe("unexpected exit status 42");
  });
});
