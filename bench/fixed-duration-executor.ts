// Stands in for model + sandbox in swarm benchmarks, so only the swarm is measured.
import type { Result, WorkItem } from "../shared/schemas.js";
import { passingResult } from "../test/fixtures.js";

/** Takes `ms`, then returns a passing result. */
export function fixedDurationExecutor(workerId: string, ms: number) {
  return {
    async execute(item: WorkItem): Promise<Result> {
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      const code = `VALUE = ${item.task.id}\n\n\ndef test_value():\n    assert VALUE == ${item.task.id}\n`;
      return passingResult(item.jobId, item.task.id, workerId, code, ms / 1000);
    },
  };
}
