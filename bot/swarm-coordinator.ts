// The bot's side of the swarm: serves claims under leases over the coordinator protocol, accepts
// results only for the current lease, publishes signed task/status/board records in the DHT,
// announces ready tasks over gossipsub and keeps every claim on disk.
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { JobId, Result, Task } from "../shared/schemas.js";
import { COORDINATOR_PROTOCOL, serveCoordinator, TASKS_TOPIC, type CoordinatorRequest, type CoordinatorResponse } from "../shared/swarm/coordinator-protocol.js";
import { boardKey, openRecord, RECORD_TTL_SECONDS, recordKey, signRecord } from "../shared/swarm/signed-record.js";
import type { SwarmNode } from "../shared/swarm/swarm-node.js";
import { CoordinatorStore } from "./coordinator-store.js";
import { JobBoard } from "./job-board.js";

/** Seed: a claimed task returns to the board 300 s after its last renewal. */
export const DEFAULT_LEASE_SECONDS = 300;

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
  /** Where claims, leases and results are kept across restarts; omitted = memory only. */
  statePath?: string;
  leaseSeconds?: number;
  onEvent?: (event: CoordinatorEvent) => void;
}

export class SwarmCoordinator {
  readonly peerId: PeerId;
  private readonly boards = new Map<JobId, JobBoard>();
  private readonly store?: CoordinatorStore;
  private readonly leaseMs: number;
  private readonly onEvent: (event: CoordinatorEvent) => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly publishing = new Set<Promise<void>>();
  private boardDirty = false;

  private constructor(private readonly options: CoordinatorOptions) {
    this.peerId = peerIdFromPrivateKey(options.privateKey);
    if (!options.node.peerId.equals(this.peerId)) throw new Error("the coordinator's key must be its node's identity key");
    this.store = options.statePath ? new CoordinatorStore(options.statePath) : undefined;
    this.leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    this.onEvent = options.onEvent ?? (() => {});
  }

  /** Load saved jobs, serve the protocol, and keep leases and DHT records fresh. */
  static async start(options: CoordinatorOptions): Promise<SwarmCoordinator> {
    const coordinator = new SwarmCoordinator(options);
    for (const snapshot of (await coordinator.store?.load()) ?? []) coordinator.track(JobBoard.restore(snapshot));
    await serveCoordinator(options.node, (request, peer) => coordinator.answer(request, peer));
    coordinator.timers.push(
      setInterval(() => coordinator.expireLeases(), Math.min(1_000, coordinator.leaseMs / 4)),
      // Records carry the seed's expiries; republish well before they lapse while the job lives.
      setInterval(() => coordinator.publishAll(), (RECORD_TTL_SECONDS.task * 1000) / 3),
    );
    for (const timer of coordinator.timers) timer.unref();
    if (coordinator.boards.size > 0) coordinator.publishAll();
    return coordinator;
  }

  /** Put a job on the swarm: its tasks become claimable, are published and announced. */
  addJob(jobId: JobId, userQuery: string, tasks: Task[]): JobBoard {
    if (this.boards.has(jobId)) throw new Error(`job ${jobId} is already on the board`);
    const board = new JobBoard(jobId, userQuery, tasks);
    this.track(board);
    this.persist();
    for (const task of tasks) this.publish(recordKey("task", jobId, task.id), { job_id: jobId, task });
    this.publishStatus(board);
    this.boardChanged();
    return board;
  }

  /** The board of a job (also those restored from disk), to wait for its results. */
  board(jobId: JobId): JobBoard | undefined {
    return this.boards.get(jobId);
  }

  jobIds(): JobId[] {
    return [...this.boards.keys()];
  }

  /** Take a finished (or abandoned) job off the board; its records simply expire. */
  removeJob(jobId: JobId): void {
    const board = this.boards.get(jobId);
    if (board) this.publish(recordKey("status", jobId), { job_id: jobId, status: "done", done: [...board.results().keys()] });
    this.boards.delete(jobId);
    this.persist();
    this.boardChanged();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.options.node.unhandle(COORDINATOR_PROTOCOL);
    await Promise.allSettled([...this.publishing]);
    await this.store?.save(this.snapshots());
  }

  private track(board: JobBoard): void {
    this.boards.set(board.jobId, board);
    let lastReady = "";
    board.onChange(() => {
      this.persist();
      const ready = board.readyTaskIds().join(",");
      if (ready !== lastReady) {
        lastReady = ready;
        this.boardChanged();
      }
    });
  }

  private async answer(request: CoordinatorRequest, peer: PeerId): Promise<CoordinatorResponse> {
    const response = await this.answerUnlogged(request, peer.toString()).catch((error: Error): CoordinatorResponse => ({ type: "refused", reason: error.message }));
    if (response.type === "refused") this.onEvent({ kind: "refused", request: request.type, peer: peer.toString(), reason: response.reason });
    return response;
  }

  private async answerUnlogged(request: CoordinatorRequest, peer: string): Promise<CoordinatorResponse> {
    if (request.type === "claim") return this.grant(request.worker_id, peer);
    const board = this.boards.get(request.job_id);
    const lease = board?.leaseOf(request.task_id);
    if (!board || !lease || lease.leaseId !== request.lease_id || lease.expiresAt <= Date.now()) {
      return { type: "refused", reason: `lease ${request.lease_id} on ${request.job_id} task ${request.task_id} is not current (expired, released or never granted)` };
    }
    if (lease.holder !== peer) return { type: "refused", reason: `lease ${request.lease_id} was granted to another peer` };
    switch (request.type) {
      case "renew":
        return { type: "renewed", expires_at: board.renew(request.task_id, request.lease_id, this.leaseMs) };
      case "release":
        await board.release(request.job_id, request.task_id, lease.workerId, request.lease_id);
        this.onEvent({ kind: "released", jobId: request.job_id, taskId: request.task_id, peer });
        return { type: "released" };
      case "submit":
        return this.acceptResult(board, request, lease.workerId, peer);
    }
  }

  private grant(workerId: string, peer: string): CoordinatorResponse {
    for (const board of this.boards.values()) {
      const claimed = board.claimWithLease(workerId, { leaseMs: this.leaseMs, holder: peer });
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
      };
    }
    return { type: "none" };
  }

  /** A result counts only when signed by the peer holding the lease and naming its worker id. */
  private async acceptResult(
    board: JobBoard,
    request: Extract<CoordinatorRequest, { type: "submit" }>,
    workerId: string,
    peer: string,
  ): Promise<CoordinatorResponse> {
    const key = recordKey("result", request.job_id, request.task_id);
    const bytes = Buffer.from(request.record, "base64");
    const record = await openRecord(key, bytes).catch((error: Error) => error);
    if (record instanceof Error) return { type: "refused", reason: `result record rejected: ${record.message}` };
    if (record.signer !== peer) return { type: "refused", reason: `result record signed by ${record.signer}, but sent by ${peer}` };
    const result = record.payload as Result;
    if (result.worker_id !== workerId) return { type: "refused", reason: `result names worker ${result.worker_id}; the lease is held by ${workerId}` };
    await board.submit(result, request.lease_id);
    this.onEvent({ kind: "result-accepted", jobId: request.job_id, taskId: request.task_id, workerId, result });
    // The worker stored it too; storing it from here keeps it in the DHT if the worker leaves.
    this.put(key, bytes);
    this.publishStatus(board);
    return { type: "accepted" };
  }

  private expireLeases(): void {
    for (const board of this.boards.values()) {
      for (const taskId of board.expireLeases()) this.onEvent({ kind: "lease-expired", jobId: board.jobId, taskId });
    }
  }

  /** Board record and gossip announcement, coalesced to one per tick. */
  private boardChanged(): void {
    if (this.boardDirty) return;
    this.boardDirty = true;
    setImmediate(() => {
      this.boardDirty = false;
      const jobs = [...this.boards.values()].map((b) => ({ job_id: b.jobId, ready: b.readyTaskIds() })).filter((j) => j.ready.length > 0);
      if (jobs.length > 0) {
        const announcement = new TextEncoder().encode(JSON.stringify({ jobs }));
        this.options.node.services.pubsub.publish(TASKS_TOPIC, announcement).catch((error: Error) =>
          this.onEvent({ kind: "publish-failed", key: TASKS_TOPIC, reason: error.message }),
        );
      }
      this.publish(boardKey(this.peerId.toString()), { jobs });
    });
  }

  private publishAll(): void {
    for (const board of this.boards.values()) {
      const done = board.results();
      for (const task of board.tasks) if (!done.has(task.id)) this.publish(recordKey("task", board.jobId, task.id), { job_id: board.jobId, task });
      this.publishStatus(board);
    }
    this.boardChanged();
  }

  private publishStatus(board: JobBoard): void {
    const done = [...board.results().keys()];
    this.publish(recordKey("status", board.jobId), { job_id: board.jobId, status: board.isFinished() ? "merging" : "running", done });
  }

  private publish(key: string, payload: Parameters<typeof signRecord>[2]): void {
    this.put(key, payload);
  }

  /** Sign (unless already signed) and store a record; failures are reported, never thrown. */
  private put(key: string, value: Uint8Array | Parameters<typeof signRecord>[2]): void {
    const putting = (async () => {
      const bytes = value instanceof Uint8Array ? value : await signRecord(this.options.privateKey, key, value);
      await this.options.node.contentRouting.put(new TextEncoder().encode(key), bytes, { signal: AbortSignal.timeout(30_000) });
    })()
      .catch((error: Error) => this.onEvent({ kind: "publish-failed", key, reason: error.message }))
      .finally(() => this.publishing.delete(putting));
    this.publishing.add(putting);
  }

  private snapshots() {
    return [...this.boards.values()].map((board) => board.snapshot());
  }

  private persist(): void {
    const store = this.store;
    store?.save(this.snapshots()).catch((error: Error) => this.onEvent({ kind: "save-failed", path: store.path, reason: error.message }));
  }
}
