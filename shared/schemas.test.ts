import { describe, expect, it } from "vitest";
import { JobIdSchema, newJobId, parseOrExplain, ResultSchema, TaskSchema } from "./schemas.js";

describe("schemas", () => {
  it("job ids are valid and never repeat", () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 1000 }, () => newJobId(now)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(JobIdSchema.safeParse(id).success).toBe(true);
  });

  it("a task needs every seed field", () => {
    const task = {
      id: 1,
      description: "d",
      file: "f.py",
      dependencies: [],
      input_output_spec: "",
      directory: "",
      context: "",
    };
    expect(TaskSchema.parse(task)).toEqual(task);
    const { file: _file, ...withoutFile } = task;
    expect(() => parseOrExplain(TaskSchema, withoutFile, "task 1")).toThrow(/task 1 is invalid: .*file/s);
    expect(TaskSchema.safeParse({ ...task, id: 1.5 }).success).toBe(false);
    expect(TaskSchema.safeParse({ ...task, dependencies: ["1"] }).success).toBe(false);
  });

  it("a result keeps the seed fields and rejects oversized code", () => {
    const result = {
      job_id: newJobId(),
      task_id: 1,
      code: "x = 1\n",
      test_passed: true,
      test_logs: "",
      execution_time: 1.5,
      worker_id: "w1",
      timestamp: 1,
      tests_passed: 1,
      tests_failed: 0,
      attempts: [],
    };
    expect(ResultSchema.parse(result).notes).toEqual([]);
    expect(ResultSchema.safeParse({ ...result, code: "x".repeat(1_000_001) }).success).toBe(false);
    expect(ResultSchema.safeParse({ ...result, job_id: "../../etc" }).success).toBe(false);
  });

  it("reads a verdict kind it does not know (a newer worker's) as unknown, keeping the result", () => {
    const test = { success: false, stdout: "", stderr: "", tests_passed: 0, tests_failed: 1, execution_time: 1 };
    const result = ResultSchema.parse({
      job_id: "job-abcdef",
      task_id: 1,
      code: "x = 1\n",
      test_passed: false,
      test_logs: "",
      execution_time: 1,
      worker_id: "w",
      timestamp: 1,
      tests_passed: 0,
      tests_failed: 1,
      attempts: [{ attempt: 1, code: "x = 1\n", test: { ...test, verdict: "verdict_from_the_future" } }],
      verdict: "another_new_kind",
    });
    expect(result.attempts[0]!.test.verdict).toBe("unknown");
    expect(result.verdict).toBe("unknown");
    expect(ResultSchema.parse({ ...result, verdict: undefined }).verdict).toBeUndefined();
  });
});
