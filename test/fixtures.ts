// Small valid records for tests and benchmarks that need a task or a result but not their content.
import type { Result, Task, WorkItem } from "../shared/schemas.js";
import type { TaskSolver } from "../worker/worker-loop.js";

/** Task `id` writing t<id>.py at the repository root. */
export function taskFixture(id: number, dependencies: number[] = []): Task {
  return {
    id,
    description: `task ${id}`,
    file: `t${id}.py`,
    dependencies,
    input_output_spec: "",
    directory: "",
    context: "",
  };
}

/** A passing result for a task, as a worker would send it. */
export function passingResult(
  jobId: string,
  taskId: number,
  workerId: string,
  code = "x = 1\n",
  executionSeconds = 0.1,
): Result {
  return {
    job_id: jobId,
    task_id: taskId,
    code,
    test_passed: true,
    test_logs: "",
    execution_time: executionSeconds,
    worker_id: workerId,
    timestamp: Date.now() / 1000,
    tests_passed: 1,
    tests_failed: 0,
    attempts: [],
    notes: [],
  };
}

/** Solves every task at once with a passing result for a one-line file, as in-process worker local-1. */
export const stubFileSolver: TaskSolver = {
  execute: async (item: WorkItem) => passingResult(item.jobId, item.task.id, "local-1", `# ${item.task.file}\n`),
};
