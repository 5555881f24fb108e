// The in-process task board for one job: the bot core and its workers share memory.
import { repoRelativePath } from "../shared/repo-path.js";
import { ResultSchema, parseOrExplain, type JobId, type Result, type Task, type WorkItem } from "../shared/schemas.js";
import type { TaskBoard } from "../shared/task-board.js";
import { dependencyOrder } from "../shared/task-graph.js";

type TaskState = { state: "waiting" } | { state: "claimed"; workerId: string } | { state: "done"; result: Result };

export class LocalTaskBoard implements TaskBoard {
  private readonly states = new Map<number, TaskState>();
  private readonly order: number[];
  private readonly byId: Map<number, Task>;
  private readonly listeners = new Set<(result: Result) => void>();

  constructor(
    private readonly jobId: JobId,
    private readonly userQuery: string,
    private readonly tasks: Task[],
  ) {
    this.order = dependencyOrder(tasks);
    this.byId = new Map(tasks.map((t) => [t.id, t]));
    for (const task of tasks) this.states.set(task.id, { state: "waiting" });
  }

  async claim(workerId: string): Promise<WorkItem | null> {
    for (const id of this.order) {
      if (this.states.get(id)?.state !== "waiting") continue;
      const task = this.byId.get(id)!;
      if (!task.dependencies.every((dep) => this.states.get(dep)?.state === "done")) continue;
      this.states.set(id, { state: "claimed", workerId });
      return {
        jobId: this.jobId,
        userQuery: this.userQuery,
        plan: this.tasks,
        task,
        dependencyFiles: this.dependencyFiles(task),
      };
    }
    return null;
  }

  async submit(result: Result): Promise<void> {
    const checked = parseOrExplain(ResultSchema, result, `result for task ${result.task_id}`);
    const current = this.states.get(checked.task_id);
    if (checked.job_id !== this.jobId) throw new Error(`result for job ${checked.job_id} sent to job ${this.jobId}`);
    if (current?.state !== "claimed" || current.workerId !== checked.worker_id) {
      throw new Error(`task ${checked.task_id} is not claimed by ${checked.worker_id}; result refused`);
    }
    this.states.set(checked.task_id, { state: "done", result: checked });
    for (const listener of this.listeners) listener(checked);
  }

  async release(jobId: string, taskId: number, workerId: string): Promise<void> {
    const current = this.states.get(taskId);
    if (jobId === this.jobId && current?.state === "claimed" && current.workerId === workerId) {
      this.states.set(taskId, { state: "waiting" });
    }
  }

  isFinished(): boolean {
    return [...this.states.values()].every((s) => s.state === "done");
  }

  /** Results so far, by task id (partial while the job runs). */
  results(): Map<number, Result> {
    const done = new Map<number, Result>();
    for (const [id, s] of this.states) if (s.state === "done") done.set(id, s.result);
    return done;
  }

  /** Resolves when every task has a result, or at the deadline with whatever has arrived. */
  waitForResults(timeoutMs: number, signal?: AbortSignal): Promise<{ results: Map<number, Result>; timedOut: boolean }> {
    return new Promise((resolve) => {
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(onResult);
        signal?.removeEventListener("abort", onAbort);
        resolve({ results: this.results(), timedOut });
      };
      const onResult = () => {
        if (this.isFinished()) finish(false);
      };
      const onAbort = () => finish(true);
      const timer = setTimeout(() => finish(true), timeoutMs);
      this.listeners.add(onResult);
      signal?.addEventListener("abort", onAbort);
      onResult();
    });
  }

  /** The code of every task this one depends on, directly or not, so its tests can import it. */
  private dependencyFiles(task: Task): { path: string; content: string }[] {
    const seen = new Set<number>();
    const visit = (id: number): void => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const dep of this.byId.get(id)?.dependencies ?? []) visit(dep);
    };
    task.dependencies.forEach(visit);
    return [...seen].flatMap((id) => {
      const state = this.states.get(id);
      const dep = this.byId.get(id)!;
      return state?.state === "done" && state.result.code ? [{ path: repoRelativePath(dep.directory, dep.file), content: state.result.code }] : [];
    });
  }
}
