// A worker's main loop (seed Step 4): claim a ready task, solve it, hand the result back, repeat.
import type { Result, WorkItem } from "../shared/schemas.js";
import type { TaskBoard } from "../shared/task-board.js";
import type { ExecutorEvent, TaskExecutor } from "./executor.js";

export type WorkerEvent =
  | { kind: "claimed"; workerId: string; item: WorkItem }
  | { kind: "progress"; workerId: string; event: ExecutorEvent }
  | { kind: "submitted"; workerId: string; result: Result }
  | { kind: "submit-refused"; workerId: string; taskId: number; reason: string };

/** The seed's solve step (TaskExecutor); benchmarks plug in fixed-duration stand-ins. */
export type TaskSolver = Pick<TaskExecutor, "execute">;

export interface WorkerLoopOptions {
  board: TaskBoard;
  executor: TaskSolver;
  workerId: string;
  /** Longest wait between claim attempts when no task is announced (seed: poll every 2 s). */
  pollMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: WorkerEvent) => void;
}

/** Runs until the board is finished or the signal aborts; a task in hand is released on abort. */
export async function runWorkerLoop({
  board,
  executor,
  workerId,
  pollMs = 2_000,
  signal,
  onEvent = () => {},
}: WorkerLoopOptions): Promise<void> {
  while (!signal?.aborted && !board.isFinished()) {
    const item = await board.claim(workerId, signal);
    if (!item) {
      await board.waitForWork(pollMs, signal);
      continue;
    }
    onEvent({ kind: "claimed", workerId, item });
    let result: Result;
    try {
      result = await executor.execute(item, (event) => onEvent({ kind: "progress", workerId, event }), signal);
    } catch (error) {
      await board.release(item.jobId, item.task.id, workerId);
      if (signal?.aborted) return;
      throw error;
    }
    try {
      await board.submit(result);
      onEvent({ kind: "submitted", workerId, result });
    } catch (error) {
      onEvent({ kind: "submit-refused", workerId, taskId: item.task.id, reason: (error as Error).message });
    }
  }
}
