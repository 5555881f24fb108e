// The bot's side of the swarm: serves claims under leases over the coordinator protocol, accepts
// results only for the current lease, publishes signed task/status/board records in the DHT
// (through RecordPublisher), announces ready tasks over gossipsub and keeps every claim in the bot's
// state database (CoordinatorStore).
// A private repository's job (a trusted-only board) goes only to the operator's trusted peers and
// leaves no trace in the DHT or on gossipsub: no task, result, status or board entry.
// A job with a repository has its snapshot kept by content hash (SnapshotStore) while it is open;
// grants name the hash and their holders (only they) fetch it over the snapshot protocol.
import type { PeerId, PrivateKey } from "@libp2p/interface";
import type { DatabaseSync } from "node:sqlite";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { JobId, JobStatus, Result, Task } from "../../shared/schemas.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { RepositoryView, WorkItemInRepository } from "../../shared/sandbox/task-run.js";
import {
  COORDINATOR_PROTOCOL,
  sameModel,
  serveCoordinator,
  type JobModel,
  type NamedModel,
  TASKS_TOPIC,
  type CoordinatorRequest,
  type CoordinatorResponse,
} from "../../shared/swarm/coordinator-protocol.js";
import { boardKey, creditKey, RECORD_TTL_SECONDS, recordKey } from "../../shared/swarm/signed-record.js";
import { SNAPSHOT_PROTOCOL, serveSnapshots } from "../../shared/swarm/snapshot-protocol.js";
import type { SwarmNode } from "../../shared/swarm/swarm-node.js";
import { CoordinatorStore } from "./coordinator-store.js";
import { JobBoard, replicaBoardId, type BoardModel } from "./job-board.js";
import { type Claim, ClaimQueue } from "./handlers/claim.js";
import { currentLease } from "./handlers/current-lease.js";
import { handleRelease } from "./handlers/release.js";
import { handleRenew } from "./handlers/renew.js";
import { handleSubmit } from "./handlers/submit.js";
import { RecordPublisher } from "./record-publisher.js";
import { SnapshotStore } from "./snapshot-store.js";
import type { ResultVetting } from "./result-vetting.js";
import { VolunteerChecks, type VolunteerChecksOptions } from "./volunteer-checks.js";

/** Status and board records lag the board by at most this. */
const RECORD_DELAY_MS = 1_000;

/** Seed: a claimed task returns to the board 300 s after its last renewal. */
export const DEFAULT_LEASE_SECONDS = 300;

export type { JobModel };

export type CoordinatorEvent =
  | { kind: "claimed"; jobId: string; taskId: number; workerId: string; peer: string }
  | { kind: "released"; jobId: string; taskId: number; peer: string }
  | { kind: "lease-expired"; jobId: string; taskId: number }
  | { kind: "result-accepted"; jobId: string; taskId: number; workerId: string; result: Result }
  | { kind: "refused"; request: CoordinatorRequest["type"]; peer: string; reason: string }
  | { kind: "publish-failed"; key: string; reason: string }
  | { kind: "save-failed"; path: string; reason: string };

export interface CoordinatorOptions {
  node: SwarmNode;
  privateKey: PrivateKey;
  /**
   * The bot's state database (bot/state/database.ts), where claims, leases and results are kept
   * across restarts; omitted = memory only. The caller opens and closes it (after stop()).
   */
  database?: DatabaseSync;
  leaseSeconds?: number;
  /** Peer ids that may claim trusted-only (private repository) jobs: DELLM_TRUSTED_WORKERS. */
  trustedPeers?: Iterable<string>;
  /**
   * What a result must pass before the board takes it, and who is blocked (issue 22: the generation
   * check and volunteers' standing, bot/swarm/result-vetting.ts); omitted = results taken as sent.
   */
  vetting?: ResultVetting;
  /** The model every job's code must come from (the bot checks it); omitted = any (see requireModel). */
  jobModel?: JobModel;
  /** Where repository snapshots are kept and served from; default: one trusting `trustedPeers` with private ones. */
  snapshots?: SnapshotStore;
  /**
   * Volunteers check each other's answers (issue 22) where the bot holds no copy of the job's model:
   * `checks.request()` hands a result to a worker running the job's model. Omitted: no volunteer checks.
   */
  volunteerChecks?: Omit<VolunteerChecksOptions, "onPending"> & {
    /** How long a result waits for a volunteer's check before it is "not checked". Default 120 s. */
    timeoutMs?: number;
  };
  onEvent?: (event: CoordinatorEvent) => void;
}

/** How long a result waits for a volunteer's check by default. */
export const DEFAULT_CHECK_TIMEOUT_MS = 120_000;
/** How long a settled volunteer check stays readable (volunteerCheck) for the job that collects it. */
const CHECK_KEPT_MS = 30 * 60_000;

/** Which deferred check is a result's: its job, task, producer and signing time. */
function checkKey(result: Result): string {
  return `${result.job_id}/${result.task_id}/${result.producer?.peer ?? ""}/${result.timestamp}`;
}

/** The model named in grants: what a worker must run to be given a task (issue 22). */
export class SwarmCoordinator {
  readonly peerId: PeerId;
  private jobModel: JobModel | undefined;
  private readonly boards = new Map<JobId, JobBoard>();
  private readonly store?: CoordinatorStore;
  private readonly leaseMs: number;
  private readonly trustedPeers: ReadonlySet<string>;
  private readonly onEvent: (event: CoordinatorEvent) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly records: RecordPublisher;
  readonly snapshotStore: SnapshotStore;
  /** The repository snapshot id of each board whose job has a repository. */
  private readonly snapshotOf = new Map<JobId, string>();
  /** The repository of each board whose job has one, as the bot holds it: its checks replay tests in it. */
  private readonly repositoryOf = new Map<JobId, RepositoryView>();
  private announcing = false;
  private readonly claims = new ClaimQueue((claim) => this.grant(claim));
  /** Checks waiting for a volunteer (volunteerChecks option). */
  readonly checks: VolunteerChecks | undefined;
  /** Each deferred check's outcome, by result (checkKey), kept CHECK_KEPT_MS after it settles. */
  private readonly volunteerCheckOf = new Map<string, Promise<GenerationStatus>>();
  private readonly checkTimeoutMs: number;
  /** Jobs whose status record is stale; status and board records are written at most once a second. */
  private readonly staleStatus = new Set<JobId>();
  private recordsTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: CoordinatorOptions) {
    this.peerId = peerIdFromPrivateKey(options.privateKey);
    if (!options.node.peerId.equals(this.peerId))
      throw new Error("the coordinator's key must be its node's identity key");
    this.store = options.database ? new CoordinatorStore(options.database) : undefined;
    this.leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    this.jobModel = options.jobModel;
    this.trustedPeers = new Set(options.trustedPeers ?? []);
    this.snapshotStore = options.snapshots ?? new SnapshotStore((peer) => this.trustedPeers.has(peer));
    // Snapshots go only to peers holding a current lease on a job that uses them.
    this.snapshotStore.useLeases((jobId, peer) => this.holdsLease(jobId, peer));
    this.onEvent = options.onEvent ?? (() => {});
    this.checks = options.volunteerChecks
      ? new VolunteerChecks({ ...options.volunteerChecks, onPending: () => this.claims.serveWaiting() })
      : undefined;
    this.checkTimeoutMs = options.volunteerChecks?.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    this.records = new RecordPublisher(options.node, options.privateKey, (key, reason) =>
      this.onEvent({ kind: "publish-failed", key, reason }),
    );
  }

  /** Load saved jobs, serve the protocol, and keep leases and DHT records fresh. */
  static async start(options: CoordinatorOptions): Promise<SwarmCoordinator> {
    const coordinator = new SwarmCoordinator(options);
    for (const snapshot of coordinator.store?.load() ?? []) {
      coordinator.track(JobBoard.restore(snapshot));
      // The repository itself is not saved: its tasks wait until the job is handed out again
      // (useRepository) rather than going out to be tested without it.
      if (snapshot.snapshot) coordinator.snapshotOf.set(snapshot.job_id, snapshot.snapshot);
    }
    await serveCoordinator(options.node, {
      answer: (request, peer, gone, host) => coordinator.answer(request, peer, gone, host),
      undelivered: (response, peer) => coordinator.undelivered(response, peer.toString()),
    });
    await serveSnapshots(options.node, coordinator.snapshotStore);
    coordinator.timers.push(
      setInterval(() => coordinator.expireLeases(), Math.min(1_000, coordinator.leaseMs / 4)),
      // Records carry the seed's expiries; republish well before they lapse while the job lives.
      setInterval(() => coordinator.publishAll(), (RECORD_TTL_SECONDS.task * 1000) / 3),
    );
    for (const timer of coordinator.timers) timer.unref();
    if (coordinator.boards.size > 0) coordinator.publishAll();
    return coordinator;
  }

  /**
   * Put a job on the swarm: its tasks become claimable, are published and announced (a trusted-only
   * job: claimable by trusted peers only, never published nor announced).
   */
  addJob(
    jobId: JobId,
    userQuery: string,
    tasks: Task[],
    kept?: Map<number, Result>,
    { trustedOnly = false, repository }: { trustedOnly?: boolean; repository?: RepositoryView } = {},
  ): JobBoard {
    if (repository) this.useRepository(jobId, repository, trustedOnly);
    return this.addBoard(JobBoard.withResults(jobId, userQuery, tasks, kept, jobId, trustedOnly), kept);
  }

  /**
   * A job solved `replicas` times independently: one board per replica (each with its own DHT
   * records and leases), grouped under the job's id; the first replica's board is the job's own.
   */
  addReplicatedJob(
    request: {
      id: JobId;
      query: string;
      tasks: Task[];
      private?: boolean;
      repository?: RepositoryView;
      /** The model the job's code must come from (the repository's pin); omitted = the bot's. */
      model?: BoardModel;
    },
    { kept, replicas = 1 }: { kept?: Map<number, Result>; replicas?: number },
  ): JobBoard[] {
    return Array.from({ length: replicas }, (_, i) => {
      if (request.repository)
        this.useRepository(replicaBoardId(request.id, i), request.repository, request.private ?? false);
      return this.addBoard(
        JobBoard.withResults(
          replicaBoardId(request.id, i),
          request.query,
          request.tasks,
          kept,
          request.id,
          request.private ?? false,
          request.model,
        ),
        kept,
      );
    });
  }

  /**
   * Board `jobId`'s tasks are tested inside `repository`: its snapshot is kept (shared by every
   * board on the same content) and named in their grants. Also for boards restored from disk.
   */
  useRepository(jobId: JobId, repository: RepositoryView, trustedOnly: boolean): string {
    const id = this.snapshotStore.add(jobId, repository, { trustedOnly });
    this.snapshotOf.set(jobId, id);
    this.repositoryOf.set(jobId, repository);
    return id;
  }

  private addBoard(board: JobBoard, kept: Map<number, Result> | undefined): JobBoard {
    const { jobId, tasks } = board;
    if (this.boards.has(jobId)) throw new Error(`job ${jobId} is already on the board`);
    this.track(board);
    this.persist();
    // Workers read a task's record as soon as it is granted (worker/task-record.ts): the claims
    // waiting here are served once the bot's DHT store holds the job's records (a few ms).
    const stored = board.trustedOnly
      ? []
      : tasks
          .filter((t) => !kept?.has(t.id))
          .map((task) =>
            this.records.publish(recordKey("task", jobId, task.id), { job_id: jobId, task }, { now: true }),
          );
    void Promise.all(stored).then(() => {
      this.claims.serveWaiting();
      this.announce();
    });
    this.recordsChanged(jobId);
    return board;
  }

  /**
   * From now on tasks go only to workers running this model with this context (undefined: any). A
   * worker running another is refused with the model it needs, so it never spends time on a file
   * the bot's check would refuse.
   */
  requireModel(model: JobModel | undefined): void {
    this.jobModel = model;
  }

  /** The board of a job (also those restored from disk), to wait for its results. */
  board(jobId: JobId): JobBoard | undefined {
    return this.boards.get(jobId);
  }

  jobIds(): JobId[] {
    return [...this.boards.keys()];
  }

  /** The boards of a job's group: the job's own, and its replicas (also those restored from disk). */
  group(group: string): JobBoard[] {
    return [...this.boards.values()].filter((board) => board.group === group);
  }

  /**
   * A volunteer's check of a result this coordinator accepted and left to one (undefined: none was
   * asked: the bot checked it itself, or it was not to be checked).
   */
  volunteerCheck(result: Result): Promise<GenerationStatus> | undefined {
    return this.volunteerCheckOf.get(checkKey(result));
  }

  /** Take a finished (or abandoned) job off the board; its records simply expire. */
  removeJob(jobId: JobId): void {
    const board = this.boards.get(jobId);
    if (board) this.publishStatus(board, "done");
    this.boards.delete(jobId);
    this.snapshotOf.delete(jobId);
    this.repositoryOf.delete(jobId);
    this.snapshotStore.release(jobId);
    this.staleStatus.delete(jobId);
    this.persist();
    this.recordsChanged();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.claims.releaseAll();
    this.checks?.stop();
    clearTimeout(this.recordsTimer);
    await this.options.node.unhandle(COORDINATOR_PROTOCOL);
    await this.options.node.unhandle(SNAPSHOT_PROTOCOL);
    await this.records.stop();
    await this.store?.save(this.snapshots());
  }

  private track(board: JobBoard): void {
    this.boards.set(board.jobId, board);
    board.onLeaseExpired((taskId, lease) => {
      this.onEvent({ kind: "lease-expired", jobId: board.jobId, taskId });
      if (lease.holder) this.options.vetting?.leaseLapsed(lease.holder);
    });
    // A lease that ends frees what its holder was counted for the job's snapshot.
    board.onLeaseEnded((_taskId, lease) => {
      if (lease.holder) this.snapshotStore.leaseEnded(board.jobId, lease.holder);
    });
    let lastReady = "";
    board.onChange(() => {
      this.persist();
      this.recordsChanged(board.jobId);
      const ready = board.readyTaskIds().join(",");
      if (ready !== lastReady) {
        lastReady = ready;
        if (ready) {
          this.claims.serveWaiting();
          this.announce();
        }
      }
    });
  }

  private async answer(
    request: CoordinatorRequest,
    peer: PeerId,
    gone: AbortSignal,
    host: string,
  ): Promise<CoordinatorResponse> {
    this.records.noteRequest();
    const response = await this.answerUnlogged(request, peer.toString(), gone, host).catch(
      (error: Error): CoordinatorResponse => ({ type: "refused", reason: error.message }),
    );
    if (response.type === "refused")
      this.onEvent({ kind: "refused", request: request.type, peer: peer.toString(), reason: response.reason });
    return response;
  }

  /** One handler per request kind (bot/swarm/handlers/), each given only what it needs. */
  private async answerUnlogged(
    request: CoordinatorRequest,
    peer: string,
    gone: AbortSignal,
    host: string,
  ): Promise<CoordinatorResponse> {
    // A blocked peer gets nothing: no grant, no renewal, no result taken (an operator clears it: dellm workers).
    if (this.options.vetting?.isBlocked(peer))
      return {
        type: "refused",
        reason:
          "this peer is blocked after failed generation checks (its files were not its model's answers); the bot's operator can clear it with dellm workers --clear",
      };
    if (request.type === "claim") {
      const wrongModel = this.modelMismatch(request.model);
      if (wrongModel) return { type: "refused", reason: wrongModel };
      return this.claims.handleClaim(request, peer, gone, host);
    }
    if (request.type === "verdict")
      return this.checks?.verdict(peer, request) ?? { type: "refused", reason: "this bot asks no volunteer checks" };
    const held = currentLease(this.boards.get(request.job_id), request, peer);
    if ("type" in held) return held;
    switch (request.type) {
      case "renew":
        return handleRenew(request, held, this.leaseMs);
      case "release":
        return handleRelease(request, held, this.onEvent);
      case "submit": {
        const response = await handleSubmit(request, held, {
          // A private job's result is its repository's code: kept off the DHT.
          publish: (key, bytes) => {
            if (!held.board.trustedOnly) this.records.publish(key, bytes);
          },
          onEvent: this.onEvent,
          // The item as granted, in its repository: a check replays the tests a repair's log came from.
          vet: this.options.vetting
            ? async (item, result) => {
                const granted: WorkItemInRepository = { ...item, repository: this.repositoryOf.get(held.board.jobId) };
                const model = this.modelFor(held.board);
                const status = await this.options.vetting!.vet(granted, result, peer, host, model);
                // Left to a volunteer: the check starts now, while the job's other tasks run.
                if (status === undefined && this.checks && model) {
                  const key = checkKey(result);
                  // A private repository's code goes only to trusted peers, its checks too.
                  const check = this.checks.request(
                    granted,
                    { ...result, producer: { peer, host } },
                    model,
                    this.checkTimeoutMs,
                    held.board.trustedOnly,
                  );
                  this.volunteerCheckOf.set(key, check);
                  // Kept a while after the verdict for the job's collect step (which may come after the board is gone).
                  void check.then(() => setTimeout(() => this.volunteerCheckOf.delete(key), CHECK_KEPT_MS).unref());
                }
                return status;
              }
            : undefined,
        });
        this.publishCredit(peer);
        return response;
      }
    }
  }

  /**
   * The peer's credit, signed by this bot into the DHT (`/dellm/credit/<bot>/<peer>`), so a volunteer
   * can show what it did for whom; written again on every result it sends.
   */
  private publishCredit(peer: string): void {
    const credit = this.options.vetting?.creditOf(peer);
    if (credit) this.records.publish(creditKey(this.peerId.toString(), peer), credit);
  }

  /** A grant that never reached its worker goes straight back to the board. */
  private undelivered(response: CoordinatorResponse, peer: string): void {
    if (response.type === "check") this.checks?.undelivered(response.check_id, peer);
    if (response.type !== "granted") return;
    const board = this.boards.get(response.job_id);
    const lease = board?.leaseOf(response.task_id);
    if (board && lease?.leaseId === response.lease_id) {
      void board.release(response.job_id, response.task_id, lease.workerId, lease.leaseId);
      this.onEvent({ kind: "released", jobId: response.job_id, taskId: response.task_id, peer });
    }
  }

  private grant({ workerId, peer, skipJobs, setup, setupNetwork, checks, host, model }: Claim): CoordinatorResponse {
    // A check first: it unblocks a finished task's job, and costs a checker far less than a task.
    if (checks && this.checks && model) {
      const check = this.checks.take({ peer, host }, model, this.trustedPeers.has(peer));
      if (check) return check;
    }
    for (const board of this.boards.values()) {
      // A private repository's code and issue go only to the operator's trusted peers.
      if (board.trustedOnly && !this.trustedPeers.has(peer)) continue;
      if (skipJobs.has(board.jobId)) continue;
      // A job whose code must come from a model this worker does not run (the repository pins one).
      const wanted = this.modelFor(board);
      if (wanted && !sameModel(wanted, model)) continue;
      // A volunteer who refused setup (--no-setup) gets no task of a job whose repository needs one,
      // nor one who keeps setup offline (no --setup-network) a job whose setup needs the network.
      const needs = this.snapshotStore.setupOf(this.snapshotOf.get(board.jobId));
      if ((needs !== "none" && !setup) || (needs === "network" && !setupNetwork)) continue;
      // Replicas are independent only if no peer solves the same task on two of them (looked up only for a ready task).
      const skip = (taskId: number) => this.group(board.group).some((b) => b !== board && b.holderOf(taskId) === peer);
      const snapshot = this.snapshotOf.get(board.jobId);
      // Restored from disk without its repository: not granted until the job is handed out again.
      if (snapshot && !this.snapshotStore.has(snapshot)) continue;
      const claimed = board.claimWithLease(workerId, { leaseMs: this.leaseMs, holder: peer, skip });
      if (!claimed) continue;
      const { item, lease } = claimed;
      this.onEvent({ kind: "claimed", jobId: item.jobId, taskId: item.task.id, workerId, peer });
      return {
        type: "granted",
        job_id: item.jobId,
        task_id: item.task.id,
        lease_id: lease.leaseId,
        expires_at: lease.expiresAt,
        user_query: item.userQuery,
        plan: item.plan,
        task: item.task,
        dependency_files: item.dependencyFiles,
        ...(snapshot ? { snapshot } : {}),
        ...(board.trustedOnly ? {} : { task_record: recordKey("task", item.jobId, item.task.id) }),
        ...(wanted ? { model: { sha256: wanted.sha256, context_size: wanted.context_size, temperature: 0 } } : {}),
      };
    }
    return { type: "none" };
  }

  /** The model board `board`'s code must come from: the repository's pin, else the bot's; undefined: any. */
  private modelFor(board: JobBoard): BoardModel | undefined {
    return board.model ?? this.jobModel;
  }

  /**
   * Why a worker running `model` can be given no task here, or undefined when it can: it runs
   * neither the bot's model nor one an open job's repository names.
   */
  private modelMismatch(model: NamedModel | undefined): string | undefined {
    const wanted = this.jobModel;
    if (!wanted || sameModel(wanted, model)) return undefined;
    if ([...this.boards.values()].some((board) => board.model && sameModel(board.model, model))) return undefined;
    const runs = model
      ? `runs a model with sha256 ${model.sha256.slice(0, 12)}… and a ${model.context_size}-token context`
      : "names no model (a scripted model, or an older dellm-worker)";
    return `this bot's jobs are written by ${wanted.name} (sha256 ${wanted.sha256}) with a ${wanted.context_size}-token context, and the bot checks every file against it; this worker ${runs}: start dellm-worker with --model <that file> (and DELLM_CONTEXT_SIZE=${wanted.context_size})`;
  }

  /** Whether `peer` holds a lease on a task of board `jobId` that has not expired. */
  private holdsLease(jobId: string, peer: string): boolean {
    const board = this.boards.get(jobId);
    const now = Date.now();
    return (
      board?.tasks.some((task) => {
        const lease = board.leaseOf(task.id);
        return lease?.holder === peer && lease.expiresAt > now;
      }) ?? false
    );
  }

  private expireLeases(): void {
    for (const board of this.boards.values()) board.expireLeases();
  }

  /** "Tasks are ready" on gossipsub, at most one message per tick. */
  private announce(): void {
    if (this.announcing) return;
    this.announcing = true;
    queueMicrotask(() => {
      this.announcing = false;
      const jobs = this.readyJobs();
      if (jobs.length === 0) return;
      this.options.node.services.pubsub
        .publish(TASKS_TOPIC, new TextEncoder().encode(JSON.stringify({ jobs })))
        .catch((error: Error) => this.onEvent({ kind: "publish-failed", key: TASKS_TOPIC, reason: error.message }));
    });
  }

  /** Public jobs with ready tasks (gossipsub and the board record reach everyone: private jobs stay out). */
  private readyJobs(): { job_id: JobId; ready: number[] }[] {
    return [...this.boards.values()]
      .filter((b) => !b.trustedOnly)
      .map((b) => ({ job_id: b.jobId, ready: b.readyTaskIds() }))
      .filter((j) => j.ready.length > 0);
  }

  /** Status and board records follow the board with a delay, so a burst of results is one write. */
  private recordsChanged(jobId?: JobId): void {
    if (jobId) this.staleStatus.add(jobId);
    this.recordsTimer ??= setTimeout(() => {
      this.recordsTimer = undefined;
      for (const id of this.staleStatus) {
        const board = this.boards.get(id);
        if (board) this.publishStatus(board);
      }
      this.staleStatus.clear();
      this.records.publish(boardKey(this.peerId.toString()), { jobs: this.readyJobs() });
    }, RECORD_DELAY_MS);
  }

  private publishAll(): void {
    for (const board of this.boards.values()) {
      if (board.trustedOnly) continue;
      const done = board.results();
      for (const task of board.tasks)
        if (!done.has(task.id))
          this.records.publish(recordKey("task", board.jobId, task.id), { job_id: board.jobId, task });
      this.publishStatus(board);
    }
    this.recordsChanged();
  }

  private publishStatus(board: JobBoard, status: JobStatus = board.isFinished() ? "merging" : "running"): void {
    if (board.trustedOnly) return;
    this.records.publish(recordKey("status", board.jobId), {
      job_id: board.jobId,
      status,
      done: [...board.results().keys()],
    });
  }

  private snapshots() {
    return [...this.boards.values()].map((board) => {
      const snapshot = this.snapshotOf.get(board.jobId);
      return { ...board.snapshot(), ...(snapshot ? { snapshot } : {}) };
    });
  }

  private persist(): void {
    const store = this.store;
    store
      ?.save(this.snapshots())
      .catch((error: Error) => this.onEvent({ kind: "save-failed", path: store.path, reason: error.message }));
  }
}
