// Repository snapshots through the swarm (issue 11) on real libp2p nodes over loopback, real cache
// folders and, for one task, the REAL Docker sandbox with the scripted model: the grant names the
// snapshot's hash, each worker fetches it once (the coordinator counts what it serves), a second job
// on the same commit sends nothing, corrupt chunks are refused and fetched again (a chunk that stays
// corrupt makes the worker leave the job), and a private job's snapshot reaches trusted peers only.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PeerId, PrivateKey } from "@libp2p/interface";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId, type Task } from "../../shared/schemas.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { repositoryOf, type RepositoryView } from "../../shared/sandbox/task-run.js";
import { canonicalView, packSnapshot } from "../../shared/snapshot-manifest.js";
import { askCoordinator } from "../../shared/swarm/coordinator-protocol.js";
import { askSnapshot } from "../../shared/swarm/snapshot-protocol.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { passingResult, taskFixture } from "../../test/fixtures.js";
import { generatedRepository, SHOP_CART } from "../../test/generated-repository.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { SnapshotCache } from "../../worker/snapshot-cache.js";
import { SwarmTaskBoard, type SwarmBoardEvent } from "../../worker/swarm-task-board.js";
import { runWorkerLoop } from "../../worker/worker-loop.js";
import { SwarmCoordinator, type CoordinatorEvent } from "./coordinator.js";
import { SnapshotStore } from "./snapshot-store.js";
import { swarmWorkers } from "./swarm-workers.js";

interface Peer {
  key: PrivateKey;
  node: SwarmNode;
  cacheDir: string;
}

/** The coordinator's store, serving the next `badCopies` chunks with one bit flipped (the fault under test). */
class CorruptingStore extends SnapshotStore {
  badCopies = 0;
  override chunk(id: string, index: number, peer: PeerId, host: string): Uint8Array {
    const chunk = super.chunk(id, index, peer, host);
    if (this.badCopies === 0) return chunk;
    this.badCopies--;
    const bad = Uint8Array.from(chunk);
    bad[0] = bad[0]! ^ 1;
    return bad;
  }
}

const botKey = await generateKeyPair("Ed25519");
let bot: SwarmNode;
let coordinator: SwarmCoordinator;
let store: CorruptingStore;
const coordinatorEvents: CoordinatorEvent[] = [];
const workers: Peer[] = [];
let stranger: Peer;
const trusted = new Set<string>();

async function startPeer(bootstrap: string[]): Promise<Peer> {
  const key = await generateKeyPair("Ed25519");
  const node = await createSwarmNode({ privateKey: key, bootstrap });
  return { key, node, cacheDir: await mkdtemp(join(tmpdir(), "dellm-snapshots-")) };
}

beforeAll(async () => {
  bot = await createSwarmNode({ privateKey: botKey });
  store = new CorruptingStore((peer) => trusted.has(peer));
  const address = bot.getMultiaddrs()[0]!.toString();
  for (let i = 0; i < 3; i++) workers.push(await startPeer([address]));
  stranger = await startPeer([address]);
  trusted.add(workers[0]!.node.peerId.toString());
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    leaseSeconds: 60,
    snapshots: store,
    trustedPeers: trusted,
    onEvent: (e) => coordinatorEvents.push(e),
  });
});

afterAll(async () => {
  await coordinator.stop();
  await Promise.all([bot, stranger.node, ...workers.map((w) => w.node)].map((node) => node.stop()));
});

function joinBoard(peer: Peer, events: SwarmBoardEvent[] = []) {
  return SwarmTaskBoard.join({
    node: peer.node,
    privateKey: peer.key,
    coordinator: bot.peerId.toString(),
    claimWaitMs: 0,
    snapshotCache: new SnapshotCache({ dir: peer.cacheDir, maxBytes: 256 * 2 ** 20 }),
    onEvent: (e) => events.push(e),
  });
}

const served = (peer: Peer) =>
  store.servedCounts().byPeer.get(peer.node.peerId.toString()) ?? { manifests: 0, chunks: 0, bytes: 0 };

/** The same files, in the same order, as the bot's view. */
function expectSameRepository(actual: RepositoryView | undefined, expected: RepositoryView): void {
  const canonical = canonicalView(expected);
  expect(actual?.tests).toEqual(canonical.tests);
  expect(actual?.files.length).toBe(canonical.files.length);
  expect(actual?.files.map((f) => f.path)).toEqual(canonical.files.map((f) => f.path));
  expect(actual?.files.find((f) => f.path === "shop/models.py")).toEqual(
    canonical.files.find((f) => f.path === "shop/models.py"),
  );
}

describe("repository snapshots in the swarm", () => {
  it("go to each of 3 workers once, and a second job on the same commit sends nothing more", async () => {
    const repository = generatedRepository(5 * 2 ** 20);
    const packed = packSnapshot(repository);
    expect(packed.chunks.length).toBe(3);
    const first = newJobId();
    coordinator.addJob(
      first,
      "q",
      [1, 2, 3].map((id) => taskFixture(id)),
      undefined,
      { repository },
    );
    const boards = await Promise.all(workers.map((w) => joinBoard(w)));
    try {
      const items = await Promise.all(boards.map((board, i) => board.claim(`w${i}`)));
      for (const item of items) {
        expect(item?.jobId).toBe(first);
        expectSameRepository(repositoryOf(item!), repository);
      }
      for (const worker of workers)
        expect(served(worker)).toEqual({ manifests: 1, chunks: 3, bytes: packed.bytes.length });
      expect(store.servedCounts().total.bytes).toBe(3 * packed.bytes.length);

      // A second job on the same commit while the first is open: the same hash, one copy kept.
      const second = newJobId();
      coordinator.addJob(
        second,
        "q",
        [1, 2, 3].map((id) => taskFixture(id)),
        undefined,
        { repository },
      );
      const grant = await askCoordinator(workers[0]!.node, bot.peerId, { type: "claim", worker_id: "peek" });
      expect(grant).toMatchObject({ type: "granted", job_id: second, snapshot: packed.id });
      if (grant.type === "granted")
        await askCoordinator(workers[0]!.node, bot.peerId, { type: "release", ...leaseOf(grant) });
      await Promise.all(items.map((item, i) => boards[i]!.release(item!.jobId, item!.task.id)));
      coordinator.removeJob(first);
      expect(store.has(packed.id)).toBe(true);

      const again = await Promise.all(boards.map((board, i) => board.claim(`w${i}`)));
      for (const item of again) {
        expect(item?.jobId).toBe(second);
        expectSameRepository(repositoryOf(item!), repository);
      }
      // A worker process that starts afresh finds it in its disk cache.
      await boards[0]!.release(again[0]!.jobId, again[0]!.task.id);
      const events: SwarmBoardEvent[] = [];
      const restarted = await joinBoard(workers[0]!, events);
      const fromDisk = await restarted.claim("w0");
      expectSameRepository(repositoryOf(fromDisk!), repository);
      expect(events).toContainEqual({ kind: "snapshot-cached", snapshot: packed.id, bytes: packed.bytes.length });
      await restarted.close();

      expect(store.servedCounts().total.bytes).toBe(3 * packed.bytes.length);
      coordinator.removeJob(second);
      expect(store.has(packed.id)).toBe(false);
    } finally {
      await Promise.all(boards.map((board) => board.close()));
    }
  }, 60_000);

  it("reach swarm workers through the swarm distribution, and leave the coordinator with the job", async () => {
    const repository = generatedRepository(50_000, "distribution");
    const { id } = packSnapshot(repository);
    const seen: (RepositoryView | undefined)[] = [];
    const board = await joinBoard(workers[2]!);
    const stop = new AbortController();
    const loop = runWorkerLoop({
      board,
      workerId: "w2",
      pollMs: 50,
      signal: stop.signal,
      executor: {
        execute: async (item) => {
          seen.push(repositoryOf(item));
          return passingResult(item.jobId, item.task.id, "w2");
        },
      },
    });
    try {
      const collected = await swarmWorkers(coordinator).distribute(
        { id: newJobId(), query: "q", tasks: [taskFixture(1), taskFixture(2, [1])], repository },
        { timeoutMs: 20_000, onEvent: () => {} },
      );
      expect([...collected.results.keys()].sort()).toEqual([1, 2]);
      expect(seen).toHaveLength(2);
      for (const view of seen) expectSameRepository(view, repository);
      expect(store.has(id)).toBe(false);
    } finally {
      stop.abort();
      await loop;
      await board.close();
    }
  }, 60_000);

  it("refuses a corrupted chunk and fetches it again; a chunk that stays corrupt makes the worker leave the job", async () => {
    const worker = await startPeer([bot.getMultiaddrs()[0]!.toString()]);
    const events: SwarmBoardEvent[] = [];
    const board = await joinBoard(worker, events);
    try {
      const repository = generatedRepository(3 * 2 ** 20, "flaky");
      const packed = packSnapshot(repository);
      const job = newJobId();
      coordinator.addJob(job, "q", [taskFixture(1)], undefined, { repository });
      store.badCopies = 1;
      const item = await board.claim("w");
      expectSameRepository(repositoryOf(item!), repository);
      expect(events.filter((e) => e.kind === "chunk-refused")).toMatchObject([
        { snapshot: packed.id, index: 0, attempt: 1, reason: "its content does not match the manifest's sha256" },
      ]);
      expect(served(worker).bytes).toBe(packed.bytes.length + packed.chunks[0]!.length);
      await board.release(job, 1);
      coordinator.removeJob(job);

      const doomed = newJobId();
      const doomedRepository = generatedRepository(3 * 2 ** 20, "doomed");
      const jobBoard = coordinator.addJob(doomed, "q", [taskFixture(1)], undefined, { repository: doomedRepository });
      store.badCopies = 1_000;
      expect(await board.claim("w")).toBeNull();
      const failed = events.find((e) => e.kind === "snapshot-failed");
      expect(failed).toMatchObject({ jobId: doomed, taskId: 1, left: true });
      expect(failed).toHaveProperty(
        "reason",
        expect.stringMatching(/^chunk 1 of 2 of repository snapshot .* failed 3 times/),
      );
      // The lease went back: the task is ready for another worker.
      await expect.poll(() => jobBoard.readyTaskIds()).toEqual([1]);
      expect(coordinatorEvents).toContainEqual(expect.objectContaining({ kind: "released", jobId: doomed, taskId: 1 }));
      // Granted again, the worker hands the task back without asking for the snapshot again.
      const before = served(worker).chunks;
      expect(await board.claim("w")).toBeNull();
      expect(served(worker).chunks).toBe(before);
      await expect.poll(() => jobBoard.readyTaskIds()).toEqual([1]);
      store.badCopies = 0;
      coordinator.removeJob(doomed);
    } finally {
      await board.close();
      await worker.node.stop();
    }
  }, 60_000);

  it("serves a private job's snapshot to trusted peers only, and refuses unknown hashes", async () => {
    const repository = generatedRepository(10_000, "private");
    const { id } = packSnapshot(repository);
    const job = newJobId();
    coordinator.addJob(job, "secret", [taskFixture(1)], undefined, { trustedOnly: true, repository });
    try {
      const manifest = { type: "manifest", snapshot: id } as const;
      expect(await askSnapshot(stranger.node, bot.peerId, manifest)).toEqual({
        type: "refused",
        reason: `snapshot ${id} belongs to a private repository's job; this peer is not trusted with it`,
      });
      expect(await askSnapshot(stranger.node, bot.peerId, { type: "chunk", snapshot: id, index: 0 })).toMatchObject({
        type: "refused",
      });
      expect(served(stranger)).toEqual({ manifests: 0, chunks: 0, bytes: 0 });
      // A trusted peer gets it under its lease (the grant names it).
      const grant = await askCoordinator(workers[0]!.node, bot.peerId, { type: "claim", worker_id: "trusted" });
      expect(grant).toMatchObject({ type: "granted", job_id: job, snapshot: id });
      expect(await askSnapshot(workers[0]!.node, bot.peerId, manifest)).toMatchObject({ type: "manifest" });
      const unknown = "0".repeat(64);
      expect(await askSnapshot(workers[0]!.node, bot.peerId, { type: "manifest", snapshot: unknown })).toEqual({
        type: "refused",
        reason: `unknown snapshot ${unknown}: no open job uses it`,
      });
    } finally {
      coordinator.removeJob(job);
    }
  });

  it("tests a swarm worker's task inside the repository: a new module importing an existing one passes (Docker)", async () => {
    const repository = generatedRepository(200_000, "shop");
    const task: Task = { ...taskFixture(1), file: "cart.py", directory: "shop/", description: "a cart" };
    const job = newJobId();
    coordinator.addJob(job, "shop", [task], undefined, { repository });
    const board = await joinBoard(workers[1]!);
    try {
      const item = await board.claim("w1");
      const model = new ScriptedCodeModel([
        { kind: "can-solve", reply: "yes" },
        { kind: ["code", "repair"], reply: SHOP_CART },
      ]);
      const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
      const result = await new TaskExecutor({ model, sandbox, workerId: "w1", repairAttempts: 0 }).execute(item!);
      expect(result.test_passed, result.test_logs).toBe(true);
      // Its own test only: no repository test imports shop/cart.py.
      expect(result.tests_passed).toBe(1);
      await board.release(job, 1);
    } finally {
      await board.close();
      coordinator.removeJob(job);
    }
  }, 60_000);
});

function leaseOf(grant: { job_id: string; task_id: number; lease_id: string }) {
  return { job_id: grant.job_id, task_id: grant.task_id, lease_id: grant.lease_id };
}
