// Issue 4 of the outside probe, on real libp2p nodes over loopback against the real coordinator:
// peer ids are free, so the snapshot limit per peer id alone let 8 fresh ids with no claim take 4
// copies each. Now a snapshot goes only to a peer holding a current lease on one of its jobs, the
// lease holders at one IP address share a bound, and a peer's counters go when its lease ends.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../shared/schemas.js";
import { passingResult } from "../../test/fixtures.js";
import { packSnapshot } from "../../shared/snapshot-manifest.js";
import { askCoordinator, type CoordinatorResponse } from "../../shared/swarm/coordinator-protocol.js";
import { askSnapshot } from "../../shared/swarm/snapshot-protocol.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { taskFixture } from "../../test/fixtures.js";
import { SwarmCoordinator } from "./coordinator.js";
import { JobBoard, type Lease } from "./job-board.js";
import { MAX_COPIES_PER_HOST, MAX_COPIES_PER_PEER } from "./snapshot-store.js";

const repository = { files: [{ path: "pkg/big.py", content: `DATA = "${"x".repeat(200_000)}"\n` }], tests: [] };
const packed = packSnapshot(repository);

let bot: SwarmNode;
let coordinator: SwarmCoordinator;
const peers: SwarmNode[] = [];

async function peer(): Promise<SwarmNode> {
  const node = await createSwarmNode({ privateKey: await generateKeyPair("Ed25519") });
  await node.dial(bot.getMultiaddrs()[0]!);
  peers.push(node);
  return node;
}

const chunk = (node: SwarmNode) => askSnapshot(node, bot.peerId, { type: "chunk", snapshot: packed.id, index: 0 });
const manifest = (node: SwarmNode) => askSnapshot(node, bot.peerId, { type: "manifest", snapshot: packed.id });

async function claim(node: SwarmNode): Promise<Extract<CoordinatorResponse, { type: "granted" }>> {
  const grant = await askCoordinator(node, bot.peerId, { type: "claim", worker_id: "w" });
  if (grant.type !== "granted") throw new Error(`expected a grant, got ${JSON.stringify(grant)}`);
  expect(grant.snapshot).toBe(packed.id);
  return grant;
}

const release = (node: SwarmNode, grant: { job_id: string; task_id: number; lease_id: string }) =>
  askCoordinator(node, bot.peerId, {
    type: "release",
    job_id: grant.job_id,
    task_id: grant.task_id,
    lease_id: grant.lease_id,
  });

beforeAll(async () => {
  const key = await generateKeyPair("Ed25519");
  bot = await createSwarmNode({ privateKey: key });
  coordinator = await SwarmCoordinator.start({ node: bot, privateKey: key, leaseSeconds: 60 });
});

afterAll(async () => {
  await coordinator.stop();
  await Promise.all([bot, ...peers].map((node) => node.stop()));
});

describe("snapshot copies through many peer ids (issue 4)", () => {
  it("refuses 8 fresh peer ids with no lease, serves a lease holder, bounds one host, and frees counters when leases end", async () => {
    const job = newJobId();
    coordinator.addJob(
      job,
      "q",
      [1, 2, 3, 4].map((id) => taskFixture(id)),
      undefined,
      { repository },
    );
    const store = coordinator.snapshotStore;
    try {
      // The attack: fresh ids, no claim, each asking for the manifest and a copy.
      const strangers = await Promise.all(Array.from({ length: 8 }, peer));
      for (const stranger of strangers) {
        for (const answer of [await manifest(stranger), await chunk(stranger)])
          expect(answer).toEqual({
            type: "refused",
            reason: `snapshot ${packed.id} goes only to a peer holding a lease on one of its jobs; claim a task first (its grant names the snapshot)`,
          });
      }
      expect(store.servedCounts().total).toEqual({ manifests: 0, chunks: 0, bytes: 0 });
      expect(store.countersKept()).toBe(0);

      // Three lease holders on one address (loopback): each gets copies until the host's bound.
      const holders = await Promise.all(Array.from({ length: 3 }, peer));
      const grants = [];
      for (const holder of holders) grants.push(await claim(holder));
      expect(await manifest(holders[0]!)).toMatchObject({ type: "manifest", manifest: packed.manifest });
      const answers = [];
      for (const holder of holders)
        for (let copy = 0; copy < MAX_COPIES_PER_PEER; copy++) answers.push(await chunk(holder));
      const served = answers.filter((a) => a.type === "chunk");
      expect(served).toHaveLength(MAX_COPIES_PER_HOST);
      for (const answer of served) expect(answer).toMatchObject({ data: packed.chunks[0] });
      expect(answers.filter((a) => a.type === "refused")).toEqual(
        Array(3 * MAX_COPIES_PER_PEER - MAX_COPIES_PER_HOST).fill({
          type: "refused",
          reason: `the peers at 127.0.0.1 hold ${MAX_COPIES_PER_HOST} copies of snapshot ${packed.id} already; workers on one machine should share one cache folder (dellm-worker --cache-dir)`,
        }),
      );
      // A lease holder's copies count for it alone: over its own 4 it is refused whatever the host holds.
      expect(await chunk(holders[0]!)).toMatchObject({
        type: "refused",
        reason: expect.stringMatching(/4 times already/),
      });

      // Leases end (released): their counters go, and the holder with no lease is refused again.
      expect(store.countersKept()).toBeGreaterThan(0);
      for (let i = 0; i < holders.length; i++)
        expect(await release(holders[i]!, grants[i]!)).toEqual({ type: "released" });
      expect(store.countersKept()).toBe(0);
      expect(await chunk(holders[0]!)).toMatchObject({
        type: "refused",
        reason: expect.stringMatching(/claim a task first/),
      });
      // A new lease gets copies again.
      const again = await claim(holders[0]!);
      expect(await chunk(holders[0]!)).toMatchObject({ type: "chunk" });
      expect(store.countersKept()).toBe(2);
      await release(holders[0]!, again);
      expect(store.countersKept()).toBe(0);
    } finally {
      coordinator.removeJob(job);
    }
  }, 60_000);

  it("frees a holder's counters when its lease expires", async () => {
    const key = await generateKeyPair("Ed25519");
    const shortBot = await createSwarmNode({ privateKey: key });
    const short = await SwarmCoordinator.start({ node: shortBot, privateKey: key, leaseSeconds: 1 });
    const worker = await createSwarmNode({ privateKey: await generateKeyPair("Ed25519") });
    try {
      await worker.dial(shortBot.getMultiaddrs()[0]!);
      short.addJob(newJobId(), "q", [taskFixture(1)], undefined, { repository });
      const grant = await askCoordinator(worker, shortBot.peerId, { type: "claim", worker_id: "w" });
      expect(grant).toMatchObject({ type: "granted", snapshot: packed.id });
      expect(
        await askSnapshot(worker, shortBot.peerId, { type: "chunk", snapshot: packed.id, index: 0 }),
      ).toMatchObject({ type: "chunk" });
      expect(short.snapshotStore.countersKept()).toBe(2);
      // Not renewed: the lease lapses, the task goes back, and the counters with it.
      await expect.poll(() => short.snapshotStore.countersKept(), { timeout: 5_000 }).toBe(0);
      expect(
        await askSnapshot(worker, shortBot.peerId, { type: "chunk", snapshot: packed.id, index: 0 }),
      ).toMatchObject({ type: "refused", reason: expect.stringMatching(/claim a task first/) });
    } finally {
      await short.stop();
      await Promise.all([shortBot.stop(), worker.stop()]);
    }
  }, 30_000);

  it("hears of every way a lease ends: released, result accepted, expired", async () => {
    const job = newJobId();
    const board = new JobBoard(
      job,
      "q",
      [1, 2, 3].map((id) => taskFixture(id)),
    );
    const ended: [number, Lease][] = [];
    board.onLeaseEnded((taskId, lease) => ended.push([taskId, lease]));
    const claim = () => board.claimWithLease("w", { leaseMs: 60_000, holder: "peer-a" })!;
    const first = claim();
    await board.release(job, first.item.task.id, "w", first.lease.leaseId);
    const second = claim();
    await board.submit(passingResult(job, second.item.task.id, "w"), second.lease.leaseId);
    const third = claim();
    board.expireLeases(third.lease.expiresAt);
    expect(ended).toEqual([
      [first.item.task.id, first.lease],
      [second.item.task.id, second.lease],
      [third.item.task.id, third.lease],
    ]);
  });
});
