// The bot's re-test against a file that fakes its verdict, through the REAL Docker sandbox (issue
// 14): each file is re-tested in its own container, so the tamperer is marked "tampering" and an
// honest failing file next to it, or importing it, keeps its true verdict.
import { describe, expect, it } from "vitest";
import type { Result, Task } from "../../shared/schemas.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { verifyResults } from "./result-verifier.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

// Rewrites every failed report of the pytest process it is loaded into.
const TAMPERER = lines(
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
  "",
  "def helper():",
  "    return 1",
  "",
  "def test_tamper():",
  "    assert helper() == 2",
);
const HONEST_FAILING = lines("def test_honest():", "    assert 2 + 2 == 5");
const HONEST_FAILING_IMPORTER = lines(
  "from tamper import helper",
  "",
  "def test_honest():",
  "    assert helper() == 5",
);

const task = (id: number, file: string, dependencies: number[]): Task => ({
  id,
  description: file,
  file,
  dependencies,
  input_output_spec: "",
  directory: "",
  context: "",
});
const claimedPass = (taskId: number, code: string): Result => ({
  job_id: "job-tamper-1",
  task_id: taskId,
  code,
  test_passed: true,
  test_logs: "1 passed in 0.01s",
  execution_time: 1,
  worker_id: `w${taskId}`,
  timestamp: 1,
  tests_passed: 1,
  tests_failed: 0,
  attempts: [],
  notes: [],
});

describe("the bot's re-test with a tampering file", () => {
  const sandbox = new DockerSandbox({ timeoutSeconds: 20 });

  const layouts = [
    { layout: "side by side", honestCode: HONEST_FAILING, dependencies: [] },
    { layout: "the honest file importing the tamperer", honestCode: HONEST_FAILING_IMPORTER, dependencies: [1] },
  ];
  for (const { layout, honestCode, dependencies } of layouts) {
    it(`marks the tamperer and keeps the honest file's failure (${layout})`, async () => {
      const tasks = [task(1, "tamper.py", []), task(2, "honest.py", dependencies)];
      const results = new Map([
        [1, claimedPass(1, TAMPERER)],
        [2, claimedPass(2, honestCode)],
      ]);
      const { results: verified, disagreed } = await verifyResults(tasks, results, sandbox);

      const tamperer = verified.get(1)!;
      expect(tamperer).toMatchObject({ test_passed: false, verdict: "tampering" });
      expect(tamperer.test_logs).toMatch(
        /verdict tampering: pytest_plugins at line 3 of tamper\.py; pytest hook pytest_runtest_makereport at line 6/,
      );
      expect(tamperer.notes.at(-1)).toMatch(
        /^the worker reported passed; the bot's re-test found verdict tampering \(pytest_plugins at line 3 of tamper\.py/,
      );

      const honest = verified.get(2)!;
      expect(honest).toMatchObject({ test_passed: false, verdict: "failed" });
      expect(honest.tests_failed).toBe(1);
      expect(honest.test_logs).toMatch(/pytest: some tests failed/);
      expect(honest.notes.at(-1)).toBe("the worker reported passed; the bot's re-test failed");
      expect(disagreed.sort()).toEqual([1, 2]);
    });
  }
});
