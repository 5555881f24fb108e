// Stands in for model + sandbox in swarm benchmarks, so only the swarm is measured.
import type { Result, WorkItem } from "../shared/schemas.js";

/** Stands in for model + sandbox: takes `ms`, returns a passing result. */
export function fixedDurationExecutor(workerId: string, ms: number) {
  return {
    async execute(item: WorkItem): Promise<Result> {
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return {
        job_id: item.jobId,
        task_id: item.task.id,
        code: `VALUE = ${item.task.id}\n\n\ndef test_value():\n    assert VALUE == ${item.task.id}\n`,
        test_passed: true,
        test_logs: "",
        execution_time: ms / 1000,
        worker_id: workerId,
        timestamp: Date.now() / 1000,
        tests_passed: 1,
        tests_failed: 0,
        attempts: [],
        notes: [],
      };
    },
  };
}
