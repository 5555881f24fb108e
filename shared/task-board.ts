// Where a job's tasks wait for workers and where results come back. The local, in-process board
// lives in bot/local-task-board.ts; the swarm puts a libp2p DHT behind the same interface.
import type { Result, WorkItem } from "./schemas.js";

export interface TaskBoard {
  /** A task whose dependencies are all done, now claimed by this worker; null when none is ready. */
  claim(workerId: string): Promise<WorkItem | null>;
  /** Hand back a result; only the worker holding the claim may do so. */
  submit(result: Result): Promise<void>;
  /** Give a claimed task back unfinished (worker stopping). */
  release(jobId: string, taskId: number, workerId: string): Promise<void>;
  /** True once no task is left to claim or to wait for. */
  isFinished(): boolean;
}
