// A worker's view of the swarm as a TaskBoard: claims, lease renewals, releases and results go to
// the pinned coordinator over the coordinator protocol; a result travels as a DHT record signed by
// this worker, which the coordinator stores in the DHT once it accepts it. A claim waits at the coordinator until a task is ready (long
// poll); gossipsub announcements (checked to come from the coordinator) wake a worker that is
// between claims, e.g. after the coordinator was unreachable (claims then back off). The granted task
// is read from its bot-signed DHT record (worker/task-record.ts). A grant that names a repository
// snapshot gets it laid into the work item (fetched once per hash, worker/snapshot-fetcher.ts), so the
// task is tested inside the repository; a snapshot that cannot be had intact makes the worker leave
// the job: the lease is released, the reason reported, and later grants of that job handed back.
// The coordinator is not trusted with the volunteer's machine: a grant naming a path outside the
// repository is handed back the same way, and snapshots meet the volunteer's own caps (the fetcher).
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { z } from "zod";
import { RepoPathSchema, type Result, type WorkItem } from "../shared/schemas.js";
import type { RepositoryView, WorkItemInRepository } from "../shared/sandbox/task-run.js";
import { askCoordinator, TASKS_TOPIC, type CoordinatorResponse } from "../shared/swarm/coordinator-protocol.js";
import { SetupFailedError } from "../shared/sandbox/setup-image.js";
import type { PrepareRepository } from "./repository-setup.js";
import { fitResult } from "../shared/swarm/fit-result.js";
import { boardKey, openRecord, recordKey, signRecord } from "../shared/swarm/signed-record.js";
import { DHT_PROTOCOL, type SwarmNode } from "../shared/swarm/swarm-node.js";
import type { TaskBoard } from "../shared/task-board.js";
import type { SnapshotCache } from "./snapshot-cache.js";
import type { GenerationStatus } from "../shared/model/answer-transcript.js";
import { SnapshotFetcher, SnapshotFetchError, type SnapshotEvent } from "./snapshot-fetcher.js";
import { taskOfGrant } from "./task-record.js";

export type SwarmBoardEvent =
  | { kind: "coordinator-found"; peer: string }
  | { kind: "announced"; jobs: number }
  | { kind: "board-read"; jobs: number }
  /** `left`: the coordinator no longer serves (its bot stopped or restarts), an expected end of a session rather than a fault. */
  | { kind: "coordinator-unreachable"; reason: string; left: boolean }
  | { kind: "lease-renewed"; jobId: string; taskId: number; expiresAt: number }
  | { kind: "lease-lost"; jobId: string; taskId: number; reason: string }
  /** The task's repository snapshot could not be had: its lease was released; `left`: the job is given up for good. */
  | { kind: "snapshot-failed"; jobId: string; taskId: number; reason: string; left: boolean }
  /** The grant failed this worker's checks (a path outside the repository): released, and the job left. */
  | { kind: "grant-refused"; jobId: string; taskId: number; reason: string }
  /**
   * Where a granted task came from: its bot-signed DHT record, or (`reason`) the grant's copy
   * because the record could not be read (worker/task-record.ts).
   */
  | { kind: "task-record"; jobId: string; taskId: number; from: "dht" | "grant"; ms: number; reason?: string }
  /** This worker checked another volunteer's answer with its model and sent the verdict. */
  | { kind: "answer-checked"; jobId: string; taskId: number; status: GenerationStatus["status"]; reason: string }
  | SnapshotEvent;

export interface SwarmTaskBoardOptions {
  node: SwarmNode;
  privateKey: PrivateKey;
  /** The coordinator's peer id, pinned: claims and announcements from anyone else are ignored. */
  coordinator: string;
  /** How long a claim waits at the coordinator for a task (long poll); default 20 s, 0 = answer at once. */
  claimWaitMs?: number;
  /** Where repository snapshots are kept between tasks and runs; omitted = memory only. */
  snapshotCache?: SnapshotCache;
  /** Copies of a snapshot chunk tried before leaving the job (default 3). */
  snapshotAttempts?: number;
  /** The largest repository snapshot taken, in bytes (dellm-worker --max-snapshot-mb). */
  maxSnapshotBytes?: number;
  /** The longest repository test run accepted, in seconds (dellm-worker --max-test-timeout). */
  maxTestTimeoutSeconds?: number;
  /**
   * Builds a fetched repository's `setup` image (worker/repository-setup.ts). Omitted: this worker
   * runs no setup (dellm-worker --no-setup), its claims say so, and it is given no job with one.
   */
  prepareRepository?: PrepareRepository;
  /** Whether setup commands may reach the network here (dellm-worker --setup-network). Default false. */
  setupNetwork?: boolean;
  /**
   * Checks other volunteers' answers with this worker's model (a GenerationVerifier): claims say so,
   * and the coordinator may answer one with a check instead of a task. Omitted: no checks.
   */
  checker?: AnswerChecker;
  onEvent?: (event: SwarmBoardEvent) => void;
}

/** What checks an answer (worker/verify/generation-verifier.ts's GenerationVerifier). */
export interface AnswerChecker {
  check(item: WorkItem, result: Result): Promise<GenerationStatus>;
}

/** The model a worker runs, as claims name it (runsModel). */
export interface WorkerModel {
  sha256: string;
  contextSize: number;
}

interface HeldLease {
  jobId: string;
  taskId: number;
  leaseId: string;
  timer: NodeJS.Timeout;
}

export class SwarmTaskBoard implements TaskBoard {
  private readonly coordinator: PeerId;
  private readonly claimWaitMs: number;
  private readonly leases = new Map<string, HeldLease>();
  private readonly wakers = new Set<() => void>();
  private readonly onEvent: (event: SwarmBoardEvent) => void;
  private readonly snapshots: SnapshotFetcher;
  /** Jobs whose snapshot stayed corrupt: their grants are handed back at once. */
  private readonly leftJobs = new Set<string>();
  /** Tasks read from their DHT record, and tasks taken from the grant because the read failed. */
  readonly taskRecords = { read: 0, fallbacks: 0 };
  /** The model this worker runs, named in its claims (set once it is loaded). */
  private model: WorkerModel | undefined;
  private checker: AnswerChecker | undefined;
  /** The last claim already waited at the coordinator, so the loop need not wait again. */
  private claimWaited = false;
  /** Reported once per outage, not on every retry. */
  private unreachable = false;
  /** Claims that failed in a row: the retry back-off (waitForWork). */
  private failedClaims = 0;
  private readonly onMessage: (
    event: CustomEvent<{ topic: string; type: string; from?: PeerId; data: Uint8Array }>,
  ) => void;

  private constructor(private readonly options: SwarmTaskBoardOptions) {
    this.checker = options.checker;
    this.coordinator = parseCoordinatorId(options.coordinator);
    this.claimWaitMs = options.claimWaitMs ?? 20_000;
    this.onEvent = options.onEvent ?? (() => {});
    this.snapshots = new SnapshotFetcher({
      node: options.node,
      coordinator: this.coordinator,
      cache: options.snapshotCache,
      attempts: options.snapshotAttempts,
      maxBytes: options.maxSnapshotBytes,
      maxTestTimeoutSeconds: options.maxTestTimeoutSeconds,
      onEvent: (event) => this.onEvent(event),
    });
    this.onMessage = (event) => {
      const message = event.detail;
      if (message.topic !== TASKS_TOPIC || message.type !== "signed" || !message.from?.equals(this.coordinator)) return;
      this.onEvent({ kind: "announced", jobs: countJobs(message.data) });
      this.wake();
    };
  }

  /**
   * Find the coordinator in the swarm (fails fast with a clear message when it is not there),
   * subscribe to announcements and read its board record once (the pull on join).
   */
  static async join(options: SwarmTaskBoardOptions & { timeoutMs?: number }): Promise<SwarmTaskBoard> {
    const board = new SwarmTaskBoard(options);
    const { node } = options;
    const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
    if (node.getConnections(board.coordinator).length === 0) {
      try {
        await findAndDial(node, board.coordinator, signal);
      } catch (error) {
        throw new Error(
          `coordinator ${options.coordinator} was not found in the swarm (${(error as Error).message}); check --coordinator: it is the peer id the bot prints after /p2p/`,
          { cause: error },
        );
      }
    }
    node.services.pubsub.addEventListener("message", board.onMessage as never);
    node.services.pubsub.subscribe(TASKS_TOPIC);
    board.onEvent({ kind: "coordinator-found", peer: options.coordinator });
    await board.readBoardRecord();
    return board;
  }

  /** Name the model this worker runs in its claims: the bot grants a job's tasks only to its model. */
  /** From now on claims offer checks of other volunteers' answers with `checker` (undefined: none). */
  checksWith(checker: AnswerChecker | undefined): void {
    this.checker = checker;
  }

  runsModel(model: WorkerModel | undefined): void {
    this.model = model;
  }

  async claim(workerId: string, signal?: AbortSignal): Promise<WorkItem | null> {
    this.claimWaited = false;
    let response: CoordinatorResponse;
    try {
      response = await this.ask(
        {
          type: "claim",
          worker_id: workerId,
          wait_ms: this.claimWaitMs,
          skip_jobs: [...this.leftJobs].slice(-100),
          setup: this.options.prepareRepository !== undefined,
          setup_network: this.options.prepareRepository !== undefined && this.options.setupNetwork === true,
          ...(this.model ? { model: { sha256: this.model.sha256, context_size: this.model.contextSize } } : {}),
          checks: this.checker !== undefined && this.model !== undefined,
        },
        signal,
      );
    } catch (error) {
      if (signal?.aborted) return null;
      // The bot may be restarting: keep the worker alive and ask again after the poll interval.
      this.failedClaims++;
      if (!this.unreachable)
        this.onEvent({
          kind: "coordinator-unreachable",
          reason: (error as Error).message,
          left: coordinatorLeft(error as Error),
        });
      this.unreachable = true;
      return null;
    }
    if (this.unreachable) this.onEvent({ kind: "coordinator-found", peer: this.options.coordinator });
    this.unreachable = false;
    this.failedClaims = 0;
    if (response.type === "none") {
      this.claimWaited = this.claimWaitMs > 0;
      return null;
    }
    if (response.type === "check") {
      await this.checkAnswer(response, signal);
      return null;
    }
    if (response.type !== "granted") throw new Error(`coordinator refused the claim: ${describe(response)}`);
    this.holdLease(response.job_id, response.task_id, response.lease_id, response.expires_at);
    const alreadyLeft = this.leftJobs.has(response.job_id);
    const task = alreadyLeft ? response.task : await this.grantedTask(response, signal);
    const unsafe = alreadyLeft
      ? undefined
      : (grantPathProblem({ ...response, task }) ?? grantModelProblem(response, this.model));
    if (unsafe) {
      this.leftJobs.add(response.job_id);
      this.onEvent({ kind: "grant-refused", jobId: response.job_id, taskId: response.task_id, reason: unsafe });
    }
    // A job left here (bad paths, or a snapshot that failed): its grants go straight back.
    if (this.leftJobs.has(response.job_id)) {
      await this.release(response.job_id, response.task_id);
      return null;
    }
    let repository: RepositoryView | undefined;
    if (response.snapshot) {
      repository = await this.repository(response.job_id, response.task_id, response.snapshot, signal);
      if (!repository) return null;
    }
    const item: WorkItemInRepository = {
      jobId: response.job_id,
      userQuery: response.user_query,
      plan: response.plan,
      task,
      dependencyFiles: response.dependency_files,
      ...(repository ? { repository } : {}),
    };
    return item;
  }

  /** The granted task as its signed DHT record says, else the grant's copy (counted, reported). */
  private async grantedTask(grant: Extract<CoordinatorResponse, { type: "granted" }>, signal?: AbortSignal) {
    const source = await taskOfGrant(this.options.node, this.coordinator, grant, signal);
    if (source.from === "private-grant") return source.task;
    this.taskRecords[source.from === "dht" ? "read" : "fallbacks"]++;
    this.onEvent({
      kind: "task-record",
      jobId: grant.job_id,
      taskId: grant.task_id,
      from: source.from,
      ms: source.ms,
      ...(source.from === "grant" ? { reason: source.reason } : {}),
    });
    return source.task;
  }

  /** The granted task's repository; undefined when it cannot be had (the lease is then released). */
  private async repository(
    jobId: string,
    taskId: number,
    snapshot: string,
    signal?: AbortSignal,
  ): Promise<RepositoryView | undefined> {
    if (!this.leftJobs.has(jobId)) {
      try {
        const view = await this.snapshots.view(snapshot, signal);
        return view.setup && this.options.prepareRepository ? await this.options.prepareRepository(view) : view;
      } catch (error) {
        if (!signal?.aborted) {
          // A snapshot that stays corrupt, or a setup that fails here, fails every task of the job alike.
          const left = error instanceof SnapshotFetchError || error instanceof SetupFailedError;
          if (left) this.leftJobs.add(jobId);
          this.onEvent({ kind: "snapshot-failed", jobId, taskId, reason: (error as Error).message, left });
        }
      }
    }
    await this.release(jobId, taskId);
    return undefined;
  }

  /** Runs a check the coordinator granted and sends the verdict (a check never ends the worker's loop). */
  private async checkAnswer(
    grant: Extract<CoordinatorResponse, { type: "check" }>,
    signal?: AbortSignal,
  ): Promise<void> {
    const item: WorkItem = {
      jobId: grant.job_id,
      userQuery: grant.user_query,
      plan: grant.plan,
      task: grant.task,
      dependencyFiles: grant.dependency_files,
    };
    const problem = grantPathProblem(grant);
    const status: GenerationStatus = problem
      ? { status: "not_checked", reason: problem }
      : await this.checker!.check(item, grant.result).catch((error: Error): GenerationStatus => ({
          status: "not_checked",
          reason: `the check failed: ${error.message}`,
        }));
    const verdict = verdictOf(status);
    await this.ask({ type: "verdict", check_id: grant.check_id, ...verdict }, signal).catch(() => undefined);
    this.onEvent({ kind: "answer-checked", jobId: grant.job_id, taskId: grant.task.id, ...verdict });
  }

  async submit(result: Result): Promise<void> {
    const held = this.takeLease(result.job_id, result.task_id);
    if (!held) throw new Error(`no lease held on ${result.job_id} task ${result.task_id}`);
    const key = recordKey("result", result.job_id, result.task_id);
    // A big file's repair history can pass the record limit: fitted, never lost (fit-result.ts).
    const record = await signRecord(this.options.privateKey, key, fitResult(result));
    const response = await this.ask({
      type: "submit",
      job_id: result.job_id,
      task_id: result.task_id,
      lease_id: held.leaseId,
      record: Buffer.from(record).toString("base64"),
    });
    // The coordinator stores the accepted record (signed by us) in the DHT: volunteers spend no
    // time on DHT writes, and only results that counted are published.
    if (response.type !== "accepted") throw new Error(describe(response));
  }

  async release(jobId: string, taskId: number): Promise<void> {
    const held = this.takeLease(jobId, taskId);
    if (!held) return;
    await this.ask({ type: "release", job_id: jobId, task_id: taskId, lease_id: held.leaseId }).catch(() => undefined);
  }

  isFinished(): boolean {
    return false;
  }

  /**
   * Waits `ms` (the poll interval) for an announcement; while the coordinator is unreachable, longer
   * after each failed claim (doubling up to MAX_RETRY_MS, with jitter), so that a restarting bot is
   * not met by every volunteer at once, and an announcement still wakes the worker at once.
   */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || this.claimWaited) return Promise.resolve();
    if (this.failedClaims > 1)
      ms = Math.max(ms, Math.min(MAX_RETRY_MS, ms * 2 ** (this.failedClaims - 1)) * (0.8 + Math.random() * 0.4));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Stop renewing, release held tasks and stop listening. */
  async close(): Promise<void> {
    for (const { jobId, taskId } of [...this.leases.values()]) await this.release(jobId, taskId);
    this.options.node.services.pubsub.removeEventListener("message", this.onMessage as never);
    this.wake();
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }

  private async readBoardRecord(): Promise<void> {
    const key = boardKey(this.options.coordinator);
    try {
      const bytes = await this.options.node.contentRouting.get(new TextEncoder().encode(key), {
        signal: AbortSignal.timeout(5_000),
      });
      const record = await openRecord(key, bytes);
      const jobs = (record.payload as { jobs: unknown[] }).jobs.length;
      this.onEvent({ kind: "board-read", jobs });
    } catch {
      // No board yet (or unreachable): the claim on join asks the coordinator directly anyway.
    }
  }

  /** Renew at a third of the lease so that one lost renewal never loses the task. */
  private holdLease(jobId: string, taskId: number, leaseId: string, expiresAt: number): void {
    const renewEvery = Math.max(200, (expiresAt - Date.now()) / 3);
    const timer = setInterval(() => {
      this.ask({ type: "renew", job_id: jobId, task_id: taskId, lease_id: leaseId })
        .then((response) => {
          if (response.type === "renewed")
            this.onEvent({ kind: "lease-renewed", jobId, taskId, expiresAt: response.expires_at });
          else if (this.leases.get(leaseKey(jobId, taskId))?.leaseId === leaseId)
            this.onEvent({ kind: "lease-lost", jobId, taskId, reason: describe(response) });
        })
        .catch((error: Error) => this.onEvent({ kind: "lease-lost", jobId, taskId, reason: error.message }));
    }, renewEvery);
    timer.unref();
    this.leases.set(leaseKey(jobId, taskId), { jobId, taskId, leaseId, timer });
  }

  private takeLease(jobId: string, taskId: number): HeldLease | undefined {
    const key = leaseKey(jobId, taskId);
    const held = this.leases.get(key);
    if (held) clearInterval(held.timer);
    this.leases.delete(key);
    return held;
  }

  private ask(request: Parameters<typeof askCoordinator>[2], signal?: AbortSignal): Promise<CoordinatorResponse> {
    return askCoordinator(this.options.node, this.coordinator, request, signal);
  }
}

const leaseKey = (jobId: string, taskId: number) => `${jobId}#${taskId}`;

/** The longest wait between claims while the coordinator stays unreachable. */
const MAX_RETRY_MS = 10_000;

/** The check's verdict as the protocol sends it: a caveat or a failure's reason as text. */
function verdictOf(status: GenerationStatus): { status: "checked" | "failed" | "not_checked"; reason: string } {
  switch (status.status) {
    case "checked":
      return { status: "checked", reason: status.caveat ?? "" };
    case "failed":
      return { status: "failed", reason: status.reason };
    default:
      return { status: "not_checked", reason: "reason" in status ? status.reason : "" };
  }
}

/** The files a grant has this worker write besides its task's: its dependencies' results. */
const GrantFilesSchema = z.array(z.object({ path: RepoPathSchema }));

/** Why this worker cannot write the granted job's code (the job names another model), or undefined. */
function grantModelProblem(
  grant: Extract<CoordinatorResponse, { type: "granted" }>,
  model: WorkerModel | undefined,
): string | undefined {
  if (!grant.model) return undefined;
  if (model?.sha256 === grant.model.sha256 && model.contextSize === grant.model.context_size) return undefined;
  return `the job names the model with sha256 ${grant.model.sha256} and a ${grant.model.context_size}-token context, which this worker does not run`;
}

/** Why a grant names a path outside the repository, or undefined when every path stays inside. */
function grantPathProblem(
  grant: Pick<Extract<CoordinatorResponse, { type: "granted" }>, "task" | "dependency_files">,
): string | undefined {
  const { directory, file } = grant.task;
  const own = RepoPathSchema.safeParse(directory ? `${directory.replace(/\/+$/, "")}/${file}` : file);
  if (!own.success) return `the grant's task file is refused: ${own.error.issues[0]!.message}`;
  const files = GrantFilesSchema.safeParse(grant.dependency_files);
  if (!files.success)
    return `the grant's dependency file ${String(files.error.issues[0]!.path[0])} is refused: ${files.error.issues[0]!.message}`;
  return undefined;
}

function parseCoordinatorId(id: string): PeerId {
  try {
    return peerIdFromString(id);
  } catch {
    throw new Error(
      `coordinator ${JSON.stringify(id)} is not a peer id; copy the id after /p2p/ in the address the bot prints`,
    );
  }
}

function countJobs(data: Uint8Array): number {
  try {
    const jobs = (JSON.parse(new TextDecoder().decode(data)) as { jobs?: unknown }).jobs;
    return Array.isArray(jobs) ? jobs.length : 0;
  } catch {
    return 0;
  }
}

function describe(response: CoordinatorResponse): string {
  return response.type === "refused" ? response.reason : `unexpected answer "${response.type}"`;
}

/**
 * Look the peer up in the DHT and dial it. Right after start the routing table is still empty
 * (identify has not yet said which connected peers speak the DHT) and a lookup would answer "not
 * found" at once, so wait for a DHT peer first; then a few tries, since its table may lag too.
 */
async function findAndDial(node: SwarmNode, peer: PeerId, signal: AbortSignal): Promise<void> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const speaksDht = async (id: PeerId) =>
    (await node.peerStore.get(id).catch(() => undefined))?.protocols.includes(DHT_PROTOCOL) ?? false;
  while (!signal.aborted) {
    const dhtPeers = await Promise.all(node.getPeers().map(speaksDht));
    if (dhtPeers.some(Boolean)) break;
    await pause(50);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const found = await node.peerRouting.findPeer(peer, { signal });
      await node.dial(found.multiaddrs.length > 0 ? found.multiaddrs : peer, { signal });
      return;
    } catch (error) {
      if (signal.aborted || attempt >= 3) throw error;
      await pause(300);
    }
  }
}

/**
 * The coordinator's peer answers but no longer speaks the coordinator protocol (its bot stopped
 * serving), or nothing answers where it was: the bot left, which is how every session ends.
 */
function coordinatorLeft(error: Error): boolean {
  return /protocol selection failed|protocol negotiation|ECONNREFUSED|connection refused|no valid addresses|the dial .* failed|stream reset|closed/i.test(
    `${error.name} ${error.message}`,
  );
}
