// Workers in this process, one per executor (they may share a model), on a JobBoard: `dellm run`
// without --swarm, and tests of the pipeline.
import { runWorkerLoop, type TaskSolver } from "../../worker/worker-loop.js";
import { JobBoard } from "../swarm/job-board.js";
import { reportProgress, type Distribution } from "./distribution.js";
import type { WorkItemInRepository } from "../../shared/sandbox/task-run.js";
import { canonicalView } from "../../shared/snapshot-manifest.js";

export function inProcessWorkers(executors: TaskSolver[]): Distribution {
  return {
    async distribute(request, { timeoutMs, onEvent, signal, kept }) {
      const board = JobBoard.withResults(request.id, request.query, request.tasks, kept);
      const stopProgress = reportProgress(board, onEvent);
      const stopWorkers = new AbortController();
      // The same snapshot representation swarm workers lay out (shared/snapshot-manifest.ts), without the
      // fetch; plus the repository's derived image, which exists on this machine only.
      const { repository: view } = request;
      const repository = view && { ...canonicalView(view), ...(view.image ? { image: view.image } : {}) };
      const workers = executors.map((executor, index) =>
        runWorkerLoop({
          board,
          // In-process workers test inside the repository: the item carries the job's snapshot.
          executor: repository
            ? {
                execute: (item, onProgress, stop) =>
                  executor.execute({ ...item, repository } as WorkItemInRepository, onProgress, stop),
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
