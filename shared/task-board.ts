// Where a job's tasks wait for workers and where results come back. In-process workers use the
// bot's JobBoard directly (bot/swarm/job-board.ts); swarm workers reach the coordinator's boards over
// libp2p through worker/swarm-task-board.ts. The worker loop sees only this interface.
import type { Result, WorkItem } from "./schemas.js";

export interface TaskBoard {
  /** A task whose dependencies are all done, now claimed by this worker; null when none is ready. */
  claim(workerId: string, signal?: AbortSignal): Promise<WorkItem | null>;
  /** Hand back a result; only the worker holding the claim may do so. */
  submit(result: Result): Promise<void>;
  /** Give a claimed task back unfinished (worker stopping). */
  release(jobId: string, taskId: number, workerId: string): Promise<void>;
  /** True once no task is left to claim or to wait for (a swarm board never finishes). */
  isFinished(): boolean;
  /** Resolves when a task may have become ready, or after `ms` at the latest. */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void>;
}
