// The bot's board for one job: which tasks wait, who holds which under what lease, and the results.
// In-process workers call it directly; the swarm coordinator serves it to remote workers.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { repoRelativePath } from "../../shared/repo-path.js";
import {
  ResultSchema,
  TaskSchema,
  parseOrExplain,
  type JobId,
  type Result,
  type Task,
  type WorkItem,
} from "../../shared/schemas.js";
import type { TaskBoard } from "../../shared/task-board.js";
import { NamedModelSchema } from "../../shared/swarm/coordinator-protocol.js";
import { dependencyOrder, transitiveDependencies } from "../../shared/task-graph.js";

export interface Lease {
  leaseId: string;
  workerId: string;
  /** Epoch ms; Infinity for in-process workers that cannot vanish. */
  expiresAt: number;
  /** The peer id the lease was granted to (swarm workers); only it may renew, release or submit. */
  holder?: string;
}

const TaskStateSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("waiting") }),
  z.object({
    state: z.literal("claimed"),
    leaseId: z.string(),
    workerId: z.string(),
    expiresAt: z.number().nullable(),
    holder: z.string().optional(),
  }),
  z.object({ state: z.literal("done"), result: ResultSchema, holder: z.string().optional() }),
]);

/** What a board writes to disk so that a bot restart keeps its claims, leases and results. */
export const JobBoardSnapshotSchema = z.object({
  job_id: z.string(),
  /** Replica boards of one job share a group (the job's id); absent = the board's own id. */
  group: z.string().optional(),
  /** A private repository's job: only the operator's trusted peers may claim it; absent = anyone. */
  trusted_only: z.boolean().optional(),
  /** The repository snapshot id its tasks are tested in (kept by the coordinator; absent = files alone). */
  snapshot: z.string().optional(),
  /** The model its code must come from (the repository's `model` setting); absent = the bot's (if any). */
  model: NamedModelSchema.extend({ name: z.string().max(200).optional() }).optional(),
  user_query: z.string(),
  tasks: z.array(TaskSchema),
  states: z.array(z.object({ task_id: z.number().int().positive(), state: TaskStateSchema })),
});
export type JobBoardSnapshot = z.infer<typeof JobBoardSnapshotSchema>;
/** A model a board's code must come from, and its name for people when known. */
export type BoardModel = NonNullable<JobBoardSnapshot["model"]>;

type TaskState =
  { state: "waiting" } | ({ state: "claimed" } & Lease) | { state: "done"; result: Result; holder?: string };

export interface ClaimOptions {
  /** Lease length; omitted = held until released or submitted. */
  leaseMs?: number;
  holder?: string;
  now?: number;
  /** Tasks this claimant may not take here (a replica of a task it solves on a sibling board). */
  skip?: (taskId: number) => boolean;
}

/** The lease a claimed task's state holds. */
function leaseIn({ leaseId, workerId, expiresAt, holder }: Lease): Lease {
  return { leaseId, workerId, expiresAt, ...(holder !== undefined ? { holder } : {}) };
}

/** The board id of a job's replica `index` (0 = the job's own board). */
export function replicaBoardId(jobId: JobId, index: number): JobId {
  return index === 0 ? jobId : `${jobId}-r${index + 1}`;
}

export class JobBoard implements TaskBoard {
  private readonly states = new Map<number, TaskState>();
  private readonly order: number[];
  private readonly byId: Map<number, Task>;
  private readonly listeners = new Set<() => void>();
  private readonly expiryListeners = new Set<(taskId: number, lease: Lease) => void>();
  private readonly leaseEndListeners = new Set<(taskId: number, lease: Lease) => void>();

  constructor(
    readonly jobId: JobId,
    readonly userQuery: string,
    readonly tasks: Task[],
    /** Boards solving the same job independently (replicas) share this; default: the job id. */
    readonly group: string = jobId,
    /** A private repository's job: the coordinator grants it only to trusted peers and publishes none of it. */
    readonly trustedOnly: boolean = false,
    /** The model this job's code must come from (the repository's own pin); undefined = the bot's. */
    readonly model?: BoardModel,
  ) {
    this.order = dependencyOrder(tasks);
    this.byId = new Map(tasks.map((t) => [t.id, t]));
    for (const task of tasks) this.states.set(task.id, { state: "waiting" });
  }

  static restore(snapshot: JobBoardSnapshot): JobBoard {
    const board = new JobBoard(
      snapshot.job_id,
      snapshot.user_query,
      snapshot.tasks,
      snapshot.group ?? snapshot.job_id,
      snapshot.trusted_only ?? false,
      snapshot.model,
    );
    for (const { task_id, state } of snapshot.states) {
      if (!board.byId.has(task_id)) continue;
      board.states.set(
        task_id,
        state.state === "claimed" ? { ...state, expiresAt: state.expiresAt ?? Infinity } : state,
      );
    }
    return board;
  }

  /** A board whose `kept` results count as done already (a retry re-runs only the other tasks). */
  static withResults(
    jobId: JobId,
    userQuery: string,
    tasks: Task[],
    kept: Map<number, Result> = new Map(),
    group: string = jobId,
    trustedOnly = false,
    model?: BoardModel,
  ): JobBoard {
    const states = [...kept.values()].map((result) => ({
      task_id: result.task_id,
      state: { state: "done" as const, result: { ...result, job_id: jobId } },
    }));
    return JobBoard.restore({
      job_id: jobId,
      group,
      trusted_only: trustedOnly,
      ...(model ? { model } : {}),
      user_query: userQuery,
      tasks,
      states,
    });
  }

  snapshot(): JobBoardSnapshot {
    return {
      job_id: this.jobId,
      group: this.group,
      ...(this.trustedOnly ? { trusted_only: true } : {}),
      ...(this.model ? { model: this.model } : {}),
      user_query: this.userQuery,
      tasks: this.tasks,
      states: [...this.states].map(([task_id, s]) => ({
        task_id,
        state: s.state === "claimed" ? { ...s, expiresAt: Number.isFinite(s.expiresAt) ? s.expiresAt : null } : s,
      })),
    };
  }

  async claim(workerId: string): Promise<WorkItem | null> {
    return this.claimWithLease(workerId)?.item ?? null;
  }

  /** Claim the first ready task (dependency order) under a new lease. */
  claimWithLease(workerId: string, options: ClaimOptions = {}): { item: WorkItem; lease: Lease } | null {
    const now = options.now ?? Date.now();
    this.expireLeases(now);
    const id = this.readyTaskIds().find((taskId) => !options.skip?.(taskId));
    if (id === undefined) return null;
    const lease: Lease = {
      leaseId: randomUUID(),
      workerId,
      expiresAt: options.leaseMs === undefined ? Infinity : now + options.leaseMs,
      ...(options.holder ? { holder: options.holder } : {}),
    };
    this.states.set(id, { state: "claimed", ...lease });
    this.changed();
    return { lease, item: this.workItem(id) };
  }

  /** What the holder of task `taskId`'s lease was granted (the dependency files are those done now, as then). */
  workItem(taskId: number): WorkItem {
    const task = this.byId.get(taskId);
    if (!task) throw new Error(`job ${this.jobId} has no task ${taskId}`);
    return {
      jobId: this.jobId,
      userQuery: this.userQuery,
      plan: this.tasks,
      task,
      dependencyFiles: this.dependencyFiles(task),
    };
  }

  /** Tasks nobody holds whose dependencies are all done, in dependency order. */
  readyTaskIds(): number[] {
    return this.order.filter(
      (id) =>
        this.states.get(id)?.state === "waiting" &&
        this.byId.get(id)!.dependencies.every((dep) => this.states.get(dep)?.state === "done"),
    );
  }

  /** The current lease on a task, if someone holds it. */
  leaseOf(taskId: number): Lease | undefined {
    const s = this.states.get(taskId);
    if (s?.state !== "claimed") return undefined;
    const { state: _state, ...lease } = s;
    return lease;
  }

  /** Who has the task: the peer (or worker) holding its lease, or the one whose result it has. */
  holderOf(taskId: number): string | undefined {
    const s = this.states.get(taskId);
    if (s?.state === "claimed") return s.holder ?? s.workerId;
    if (s?.state === "done") return s.holder ?? s.result.worker_id;
    return undefined;
  }

  /** Extend a lease its holder still has; throws when it expired or passed to someone else. */
  renew(taskId: number, leaseId: string, leaseMs: number, now = Date.now()): number {
    this.expireLeases(now);
    const s = this.states.get(taskId);
    if (s?.state !== "claimed" || s.leaseId !== leaseId)
      throw new Error(`lease ${leaseId} on task ${taskId} is no longer held (expired or released)`);
    s.expiresAt = now + leaseMs;
    this.changed();
    return s.expiresAt;
  }

  /** Put tasks whose lease ran out back on the board; returns their ids. */
  expireLeases(now = Date.now()): number[] {
    const expired: [number, Lease][] = [];
    for (const [id, s] of this.states) {
      if (s.state === "claimed" && s.expiresAt <= now) {
        this.states.set(id, { state: "waiting" });
        expired.push([id, leaseIn(s)]);
      }
    }
    for (const [id, lease] of expired) {
      for (const listener of this.expiryListeners) listener(id, lease);
      this.leaseEnded(id, lease);
    }
    if (expired.length > 0) this.changed();
    return expired.map(([id]) => id);
  }

  async submit(result: Result, leaseId?: string): Promise<void> {
    const checked = parseOrExplain(ResultSchema, result, `result for task ${result.task_id}`);
    if (checked.job_id !== this.jobId) throw new Error(`result for job ${checked.job_id} sent to job ${this.jobId}`);
    this.expireLeases();
    const current = this.states.get(checked.task_id);
    if (
      current?.state !== "claimed" ||
      current.workerId !== checked.worker_id ||
      (leaseId !== undefined && current.leaseId !== leaseId)
    ) {
      throw new Error(`task ${checked.task_id} is not under a current lease of ${checked.worker_id}; result refused`);
    }
    this.states.set(checked.task_id, {
      state: "done",
      result: checked,
      ...(current.holder ? { holder: current.holder } : {}),
    });
    this.leaseEnded(checked.task_id, leaseIn(current));
    this.changed();
  }

  async release(jobId: string, taskId: number, workerId: string, leaseId?: string): Promise<void> {
    const current = this.states.get(taskId);
    if (
      jobId === this.jobId &&
      current?.state === "claimed" &&
      current.workerId === workerId &&
      (leaseId === undefined || current.leaseId === leaseId)
    ) {
      this.states.set(taskId, { state: "waiting" });
      this.leaseEnded(taskId, leaseIn(current));
      this.changed();
    }
  }

  isFinished(): boolean {
    return [...this.states.values()].every((s) => s.state === "done");
  }

  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitForChange(ms, signal, () => this.readyTaskIds().length > 0 || this.isFinished()).then(
      () => undefined,
    );
  }

  /** Results so far, by task id (partial while the job runs). */
  results(): Map<number, Result> {
    const done = new Map<number, Result>();
    for (const [id, s] of this.states) if (s.state === "done") done.set(id, s.result);
    return done;
  }

  /** Called on every change of state (claims, results, expiries): persistence and announcements. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called for each task whose lease ran out, whichever call noticed it. */
  onLeaseExpired(listener: (taskId: number, lease: Lease) => void): void {
    this.expiryListeners.add(listener);
  }

  /**
   * Called when a lease ends in any way (expired, released, result accepted), after the task left
   * it: the coordinator frees what it counted for the holder (its snapshot copies).
   */
  onLeaseEnded(listener: (taskId: number, lease: Lease) => void): void {
    this.leaseEndListeners.add(listener);
  }

  private leaseEnded(taskId: number, lease: Lease): void {
    for (const listener of [...this.leaseEndListeners]) listener(taskId, lease);
  }

  /**
   * Resolves when every task has a result, or at the deadline with whatever has arrived; results
   * name the job (the group), also those a replica board received under its own id.
   */
  async waitForResults(
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ results: Map<number, Result>; timedOut: boolean }> {
    const finished = await this.waitForChange(timeoutMs, signal, () => this.isFinished());
    const results = new Map(
      [...this.results()].map(([id, result]) => [id, { ...result, job_id: this.group }] as const),
    );
    return { results, timedOut: !finished };
  }

  /** Resolves true once `ready()` holds, false at the deadline or on abort. */
  private waitForChange(timeoutMs: number, signal: AbortSignal | undefined, ready: () => boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      };
      const check = () => {
        if (ready()) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      const unsubscribe = this.onChange(check);
      signal?.addEventListener("abort", onAbort);
      if (signal?.aborted) onAbort();
      else check();
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** The code of every task this one depends on, directly or not, so its tests can import it. */
  private dependencyFiles(task: Task): { path: string; content: string }[] {
    return transitiveDependencies(this.tasks, task.id).flatMap((id) => {
      const state = this.states.get(id);
      const dep = this.byId.get(id)!;
      return state?.state === "done" && state.result.code
        ? [{ path: repoRelativePath(dep.directory, dep.file), content: state.result.code }]
        : [];
    });
  }
}
