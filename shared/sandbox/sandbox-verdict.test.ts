import { describe, expect, it } from "vitest";
import { findVerdict, toTestResult, withoutVerdictLine, type ContainerRun } from "./sandbox-verdict.js";

const KEY = "ab".repeat(24);
const line = (key: string, verdict: object) =>
  `${key} ${JSON.stringify({ reason: null, exit_status: 0, tampering: [], ...verdict })}\n`;
const run = (overrides: Partial<ContainerRun>): ContainerRun => ({
  stdout: "",
  stderr: "",
  exitCode: 0,
  executionTime: 1,
  timedOut: false,
  timeoutSeconds: 30,
  oomKilled: false,
  memoryLimitMb: 512,
  verdict: undefined,
  ...overrides,
});

describe("findVerdict", () => {
  it("reads only the line behind this run's key, the last one", () => {
    const output = `${line("cd".repeat(24), { verdict: "passed", passed: 9 })}9 passed in 0.01s\n${line(KEY, { verdict: "failed", failed: 1, reason: "pytest: some tests failed" })}`;
    expect(findVerdict(output, KEY)).toMatchObject({ verdict: "failed", failed: 1, passed: 0 });
  });

  it("gives nothing for a missing, cut or malformed line", () => {
    expect(findVerdict("1 passed in 0.01s\n", KEY)).toBeUndefined();
    expect(findVerdict(`${KEY} {"verdict": "pas`, KEY)).toBeUndefined();
    expect(findVerdict(line(KEY, { verdict: "excellent" }), KEY)).toBeUndefined();
  });
});

describe("withoutVerdictLine", () => {
  it("drops the keyed line and keeps the rest of the log", () => {
    expect(withoutVerdictLine(`.F\n1 failed in 0.01s\n${line(KEY, { verdict: "failed" })}`, KEY)).toBe(
      ".F\n1 failed in 0.01s\n",
    );
  });
});

describe("toTestResult", () => {
  it("takes what the host saw (timeout, OOM) over any verdict, and counts only from the verdict", () => {
    const passed = findVerdict(line(KEY, { verdict: "passed", passed: 3 }), KEY);
    expect(toTestResult(run({ timedOut: true, verdict: passed, stdout: "9 passed in 0.01s" }))).toMatchObject({
      success: false,
      verdict: "timed_out",
      tests_passed: 3,
    });
    expect(toTestResult(run({ oomKilled: true, verdict: passed }))).toMatchObject({
      success: false,
      verdict: "out_of_memory",
    });
    expect(toTestResult(run({ verdict: passed, stdout: "1 failed in 0.01s" }))).toMatchObject({
      success: true,
      verdict: "passed",
      tests_passed: 3,
      tests_failed: 0,
    });
  });

  it("is never passed without a verdict line, whatever the exit status and stdout say", () => {
    expect(toTestResult(run({ exitCode: 0, stdout: "5 passed in 0.01s" }))).toMatchObject({
      success: false,
      verdict: "unknown",
      tests_passed: 0,
    });
    expect(toTestResult(run({ exitCode: 137 }))).toMatchObject({ success: false, verdict: "killed" });
  });

  it("carries the tampering findings and the reason", () => {
    const tampered = findVerdict(
      line(KEY, {
        verdict: "tampering",
        reason: "verdict tampering: os._exit at line 2 of a.py",
        tampering: ["os._exit at line 2 of a.py"],
      }),
      KEY,
    );
    expect(toTestResult(run({ verdict: tampered }))).toMatchObject({
      success: false,
      verdict: "tampering",
      failure_reason: "verdict tampering: os._exit at line 2 of a.py",
      tampering: ["os._exit at line 2 of a.py"],
    });
  });
});
