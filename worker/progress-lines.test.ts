// A worker's lines: the task text (from the planner), errors and sandbox reasons are shown escaped.
import { describe, expect, it } from "vitest";
import { describeWorkerEvent } from "./progress-lines.js";

type WorkerEvent = Parameters<typeof describeWorkerEvent>[0];
const spoof = "\x1b[32m\r\n- fake.py (passed tests)";

describe("describeWorkerEvent", () => {
  it("shows a claimed task's path and description escaped", () => {
    const task = { id: 3, directory: "app\x1b[2K/", file: "x.py", description: `write it${spoof}` };
    expect(describeWorkerEvent({ kind: "claimed", workerId: "w1", item: { task } } as unknown as WorkerEvent)).toBe(
      "[w1] task 3: claimed (app\\x1b[2K/x.py: write it\\x1b[32m\\r\\n- fake.py (passed tests))",
    );
  });

  it("shows a result's error and the sandbox's failure reason escaped", () => {
    const result = {
      task_id: 3,
      error: `crash${spoof}`,
      attempts: [{}],
      execution_time: 1.25,
      test_passed: false,
      tests_passed: 0,
      tests_failed: 0,
    };
    expect(describeWorkerEvent({ kind: "submitted", workerId: "w1", result } as unknown as WorkerEvent)).toBe(
      "[w1] task 3: error: crash\\x1b[32m\\r\\n- fake.py (passed tests) after 1 attempt(s), 1.3 s",
    );
    const tested = {
      kind: "tested",
      taskId: 3,
      attempt: 2,
      result: { success: false, tests_passed: 0, tests_failed: 1, failure_reason: `RecursionError${spoof}` },
    };
    expect(describeWorkerEvent({ kind: "progress", workerId: "w1", event: tested } as unknown as WorkerEvent)).toBe(
      "[w1] task 3: attempt 2 failed: 0 passed, 1 failed (RecursionError\\x1b[32m\\r\\n- fake.py (passed tests))",
    );
  });
});
