// Workers in this process, one per executor (they may share a model), on a JobBoard: `dellm run`
// without --swarm, and tests of the pipeline.
import { runWorkerLoop, type TaskSolver } from "../../worker/worker-loop.js";
import { JobBoard } from "../swarm/job-board.js";
import { reportProgress, type Distribution } from "./distribution.js";
import type { WorkItemInRepository } from "../../shared/sandbox/task-run.js";

export function inProcessWorkers(executors: TaskSolver[]): Distribution {
  return {
    async distribute(request, { timeoutMs, onEvent, signal, kept }) {
      const board = JobBoard.withResults(request.id, request.query, request.tasks, kept);
      const stopProgress = reportProgress(board, onEvent);
      const stopWorkers = new AbortController();
      const workers = executors.map((executor, index) =>
        runWorkerLoop({
          board,
          // In-process workers test inside the repository: the item carries the job's snapshot.
          executor: request.repository
            ? {
                execute: (item, onProgress, stop) =>
                  executor.execute(
                    { ...item, repository: request.repository } as WorkItemInRepository,
                    onProgress,
                    stop,
                  ),
              }
            : executor,
          workerId: `local-${index + 1}`,
          pollMs: 50,
          signal: AbortSignal.any([stopWorkers.signal, ...(signal ? [signal] : [])]),
          onEvent: (event) => onEvent({ kind: "worker", event }),
        }),
      );
      const workersFailed = Promise.all(workers).then(
        () => new Promise<never>(() => {}),
        (error: unknown) => Promise.reject(error),
      );
      try {
        return await Promise.race([board.waitForResults(timeoutMs, signal), workersFailed]);
      } finally {
        stopProgress();
        stopWorkers.abort();
        await Promise.allSettled(workers);
      }
    },
  };
}
