// Who solves a planned job's tasks: the swappable part between planning and merging. In-process
// workers (bot/pipeline/in-process-workers.ts) and the swarm (bot/swarm/swarm-workers.ts) both
// implement it; the pipeline gives them only what they read.
import type { NamedModel } from "../../shared/swarm/coordinator-protocol.js";
import type { Job, JobId, Result, Task } from "../../shared/schemas.js";
import type { WorkerEvent } from "../../worker/worker-loop.js";
import type { RepositoryTests } from "./repository-check.js";
import type { MergeOutcome } from "./merger.js";
import type { RepositoryView } from "../../shared/sandbox/task-run.js";

/** What a distribution needs of a job: its id, the request the workers see, and the plan. */
export interface DistributionRequest {
  id: JobId;
  query: string;
  tasks: Task[];
  /** The repository the tasks are tested in (in-process workers and the bot's re-test); absent = files alone. */
  repository?: RepositoryView;
  /** A private repository's job: only workers the operator trusts may see it (the swarm enforces it). */
  private?: boolean;
  /** The model the job's code must come from when the repository pins one (.github/dellm.yml `model`). */
  model?: NamedModel & { name?: string };
}

export interface Distribution {
  /** Resolves with the results that came back by the deadline. */
  distribute(request: DistributionRequest, options: DistributeOptions): Promise<Collected>;
}

export interface DistributeOptions {
  timeoutMs: number;
  onEvent: (event: JobEvent) => void;
  signal?: AbortSignal;
  /** Results already in hand (a retry keeps its passing tasks): not handed out again, given to dependents. */
  kept?: Map<number, Result>;
  /** Independent solutions per task, each by a different volunteer (swarm only; default 1). */
  replicas?: number;
}

export interface Collected {
  /** One result per task (with replicas: the first that arrived). */
  results: Map<number, Result>;
  /** With replicas: every replica's result per task, to choose from (see result-verifier.ts). */
  replicas?: Map<number, Result[]>;
  timedOut: boolean;
}

/** What the pipeline reports while a job runs (the CLI prints it, the GitHub App comments it). */
export type JobEvent =
  | { kind: "planning"; job: Job }
  | { kind: "planned"; job: Job }
  | { kind: "worker"; event: WorkerEvent }
  | { kind: "published"; jobId: string; tasks: number; coordinator: string }
  | { kind: "progress"; done: number; failed: number; total: number }
  | { kind: "collected"; received: number; total: number; timedOut: boolean }
  | { kind: "verified"; checked: number; disagreed: number[] }
  | { kind: "merged"; merge: MergeOutcome }
  | { kind: "repository-tests"; report: RepositoryTests }
  | { kind: "repair-round"; round: number; tasks: number[] }
  | { kind: "summary-failed"; reason: string };

/** Something whose results can be watched (a JobBoard). */
interface ResultSource {
  readonly tasks: Task[];
  results(): Map<number, Result>;
  onChange(listener: () => void): () => void;
}

/** A "progress" event whenever another result arrives; returns the unsubscribe. */
export function reportProgress(board: ResultSource, onEvent: (event: JobEvent) => void): () => void {
  let reported = -1;
  const report = () => {
    const results = [...board.results().values()];
    if (results.length === reported) return;
    reported = results.length;
    onEvent({
      kind: "progress",
      done: results.length,
      failed: results.filter((r) => !r.test_passed).length,
      total: board.tasks.length,
    });
  };
  report();
  return board.onChange(report);
}
