// The coordinator and swarm workers on real libp2p nodes over loopback: exclusive claims, leases,
// dependencies, results bound to the lease holder, announcements, and state kept across a restart.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId, type Result } from "../../shared/schemas.js";
import { askCoordinator } from "../../shared/swarm/coordinator-protocol.js";
import { openRecord, recordKey, signRecord } from "../../shared/swarm/signed-record.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { passingResult, taskFixture } from "../../test/fixtures.js";
import { SwarmTaskBoard } from "../../worker/swarm-task-board.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { SwarmCoordinator, type CoordinatorEvent } from "./coordinator.js";

interface Peer {
  key: PrivateKey;
  node: SwarmNode;
}

const task = taskFixture;

const result = passingResult;

async function startPeer(bootstrap: string[] = [], listen?: string[]): Promise<Peer> {
  const key = await generateKeyPair("Ed25519");
  return { key, node: await createSwarmNode({ privateKey: key, bootstrap, listen }) };
}

const botKey = await generateKeyPair("Ed25519");
let bot: SwarmNode;
let coordinator: SwarmCoordinator;
const events: CoordinatorEvent[] = [];
const workers: Peer[] = [];
const database = await openStateDatabase(stateDatabasePath(await mkdtemp(join(tmpdir(), "dellm-coord-"))));

beforeAll(async () => {
  bot = await createSwarmNode({ privateKey: botKey });
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    database,
    leaseSeconds: 1,
    onEvent: (e) => events.push(e),
  });
  const address = bot.getMultiaddrs()[0]!.toString();
  for (let i = 0; i < 5; i++) workers.push(await startPeer([address]));
});

afterAll(async () => {
  await coordinator.stop();
  database.close();
  await Promise.all([bot, ...workers.map((w) => w.node)].map((node) => node.stop()));
});

/** Retry `attempt` for up to 10 s (DHT writes happen in the background). */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const claimAs = (peer: Peer, workerId = peer.node.peerId.toString()) =>
  askCoordinator(peer.node, bot.peerId, { type: "claim", worker_id: workerId });

/** A claim from `peer` naming the model it runs (undefined: none). */
const claimRunning = (peer: Peer, model?: { sha256: string; context_size: number }) =>
  askCoordinator(peer.node, bot.peerId, {
    type: "claim",
    worker_id: peer.node.peerId.toString(),
    ...(model ? { model } : {}),
  });

async function submitAs(
  peer: Peer,
  jobId: string,
  taskId: number,
  leaseId: string,
  signer: PrivateKey = peer.key,
  body?: Result,
  key = recordKey("result", jobId, taskId),
) {
  const record = await signRecord(signer, key, body ?? result(jobId, taskId, peerIdFromPrivateKey(signer).toString()));
  return askCoordinator(peer.node, bot.peerId, {
    type: "submit",
    job_id: jobId,
    task_id: taskId,
    lease_id: leaseId,
    record: Buffer.from(record).toString("base64"),
  });
}

describe("swarm coordinator", () => {
  it("grants each task exactly once in 50 simultaneous claim races", async () => {
    let doubleWins = 0;
    for (let round = 0; round < 50; round++) {
      const jobId = newJobId();
      coordinator.addJob(jobId, "race", [task(1)]);
      const answers = await Promise.all(workers.map((w) => claimAs(w)));
      const winners = answers.filter((a) => a.type === "granted");
      if (winners.length !== 1) doubleWins++;
      coordinator.removeJob(jobId);
    }
    expect(doubleWins).toBe(0);
  });

  it("offers a task only once its dependencies are done, and takes results only from the lease holder", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "deps", [task(1), task(2, [1])]);
    const [alice, bob] = workers as [Peer, Peer];
    const first = await claimAs(alice);
    expect(first).toMatchObject({ type: "granted", job_id: jobId, task_id: 1 });
    expect(await claimAs(bob)).toEqual({ type: "none" }); // task 2 waits for task 1
    if (first.type !== "granted") throw new Error("unreachable");

    // Bob cannot hand in a result for Alice's lease, even one naming Alice as the worker.
    const asAlice = result(jobId, 1, alice.node.peerId.toString());
    expect(await submitAs(bob, jobId, 1, first.lease_id, bob.key, asAlice)).toMatchObject({
      type: "refused",
      reason: /another peer/,
    });
    // Alice cannot pass off a record signed by someone else, or one signed for another key.
    expect(await submitAs(alice, jobId, 1, first.lease_id, bob.key, asAlice)).toMatchObject({
      type: "refused",
      reason: /signature does not match|signed by/,
    });
    expect(
      await submitAs(alice, jobId, 1, first.lease_id, alice.key, asAlice, recordKey("result", jobId, 2)),
    ).toMatchObject({
      type: "refused",
      reason: /replayed under another key/,
    });
    // Unsigned or malformed records, a made-up lease and a zod-invalid result are refused too.
    const unsigned = Buffer.from(
      JSON.stringify({ v: 1, key: recordKey("result", jobId, 1), payload: asAlice }),
    ).toString("base64");
    expect(
      await askCoordinator(alice.node, bot.peerId, {
        type: "submit",
        job_id: jobId,
        task_id: 1,
        lease_id: first.lease_id,
        record: unsigned,
      }),
    ).toMatchObject({ type: "refused" });
    expect(await submitAs(alice, jobId, 1, crypto.randomUUID())).toMatchObject({
      type: "refused",
      reason: /not current/,
    });
    await expect(
      signRecord(alice.key, recordKey("result", jobId, 1), { ...asAlice, tests_passed: -1 }),
    ).rejects.toThrow();

    expect(await submitAs(alice, jobId, 1, first.lease_id)).toEqual({ type: "accepted" });
    // A second result for the same lease is refused: the task is done.
    expect(await submitAs(alice, jobId, 1, first.lease_id)).toMatchObject({ type: "refused" });

    const second = await claimAs(bob);
    expect(second).toMatchObject({
      type: "granted",
      task_id: 2,
      dependency_files: [{ path: "t1.py", content: "x = 1\n" }],
    });

    // The accepted result is in the DHT, as Alice signed it, readable from any node.
    const resultKey = new TextEncoder().encode(recordKey("result", jobId, 1));
    const stored = await eventually(() =>
      workers[3]!.node.contentRouting.get(resultKey, { signal: AbortSignal.timeout(2_000) }),
    );
    expect(await openRecord(recordKey("result", jobId, 1), stored)).toMatchObject({
      kind: "result",
      signer: alice.node.peerId.toString(),
    });
    coordinator.removeJob(jobId);
  });

  it("keeps what only the bot may say of a result: the sender is the authenticated peer, no status the worker wrote", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "claims", [task(1)]);
    const carol = workers[1]!;
    const granted = await claimAs(carol);
    if (granted.type !== "granted") throw new Error("no grant");
    const boasting: Result = {
      ...result(jobId, 1, carol.node.peerId.toString()),
      producer: { peer: "12D3KooWSomeoneTrustedByTheBot" },
      generation: { status: "checked", by: "the bot" },
      verdict: "passed",
    };
    expect(await submitAs(carol, jobId, 1, granted.lease_id, carol.key, boasting)).toEqual({ type: "accepted" });
    const kept = coordinator.board(jobId)!.results().get(1)!;
    expect(kept.producer).toEqual({ peer: carol.node.peerId.toString() });
    expect(kept.generation).toBeUndefined();
    expect(kept.verdict).toBeUndefined();
    coordinator.removeJob(jobId);
  });

  it("grants a job's tasks only to workers running its model, and tells the others which model it needs", async () => {
    const jobId = newJobId();
    const model = { sha256: "c".repeat(64), context_size: 4096, name: "qwen-test" };
    coordinator.requireModel(model);
    try {
      coordinator.addJob(jobId, "named model", [task(1)]);
      const claim = (m?: { sha256: string; context_size: number }) => claimRunning(workers[3]!, m);
      for (const wrong of [undefined, { sha256: "d".repeat(64), context_size: 4096 }, { ...model, context_size: 8192 }])
        expect(await claim(wrong)).toMatchObject({
          type: "refused",
          reason: expect.stringMatching(
            new RegExp(`written by qwen-test \\(sha256 c{64}\\) with a 4096-token context.*--model <that file>`),
          ),
        });
      expect(await claim({ sha256: model.sha256, context_size: 4096 })).toMatchObject({
        type: "granted",
        model: { sha256: model.sha256, context_size: 4096, temperature: 0 },
      });
    } finally {
      coordinator.requireModel(undefined);
      coordinator.removeJob(jobId);
    }
  });

  it("gives a job whose repository pins another model only to that model's runners, beside the bot's own jobs", async () => {
    const bots = { sha256: "c".repeat(64), context_size: 4096, name: "qwen-test" };
    const pinned = { sha256: "e".repeat(64), context_size: 8192, name: "the repository's model" };
    coordinator.requireModel(bots);
    const [mine, theirs] = [newJobId(), newJobId()];
    try {
      coordinator.addReplicatedJob({ id: theirs, query: "pinned", tasks: [task(1)], model: pinned }, {});
      const claim = (m?: { sha256: string; context_size: number }) => claimRunning(workers[3]!, m);
      // The bot's model alone: the pinned job is not for it, and no other job is open.
      expect(await claim({ sha256: bots.sha256, context_size: 4096 })).toEqual({ type: "none" });
      // A model neither the bot nor any open job names is refused, with the bot's model to run.
      expect(await claim({ sha256: "d".repeat(64), context_size: 4096 })).toMatchObject({ type: "refused" });
      const granted = await claim({ sha256: pinned.sha256, context_size: 8192 });
      expect(granted).toMatchObject({
        type: "granted",
        job_id: theirs,
        model: { sha256: pinned.sha256, context_size: 8192, temperature: 0 },
      });
      // The bot's own job still goes to the bot's model, never to the pinned one's runner.
      coordinator.addJob(mine, "bot's model", [task(1)]);
      expect(await claim({ sha256: pinned.sha256, context_size: 8192 })).toEqual({ type: "none" });
      expect(await claim({ sha256: bots.sha256, context_size: 4096 })).toMatchObject({
        type: "granted",
        job_id: mine,
        model: { sha256: bots.sha256 },
      });
      // Kept across a restart of the coordinator: the board's model is in its saved state.
      expect(coordinator.board(theirs)!.snapshot().model).toEqual(pinned);
    } finally {
      coordinator.requireModel(undefined);
      coordinator.removeJob(mine);
      coordinator.removeJob(theirs);
    }
  });

  it("returns a task whose lease lapsed to the board, and keeps it with a worker that renews", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "leases", [task(1), task(2)]);
    const [silent, other] = workers.slice(2) as [Peer, Peer];
    const lapsed = await claimAs(silent);
    expect(lapsed.type).toBe("granted");

    const renewing = await SwarmTaskBoard.join({
      node: other.node,
      privateKey: other.key,
      coordinator: bot.peerId.toString(),
    });
    const held = await renewing.claim(other.node.peerId.toString());
    expect(held?.task.id).toBe(2);

    await new Promise((resolve) => setTimeout(resolve, 2_500)); // over two 1 s leases
    expect(events).toContainEqual({ kind: "lease-expired", jobId, taskId: 1 });
    expect(events).not.toContainEqual({ kind: "lease-expired", jobId, taskId: 2 });
    expect(await claimAs(workers[4]!)).toMatchObject({ type: "granted", task_id: 1 });
    if (lapsed.type === "granted")
      expect(await submitAs(silent, jobId, 1, lapsed.lease_id)).toMatchObject({
        type: "refused",
        reason: /not current/,
      });

    await renewing.submit(result(jobId, 2, other.node.peerId.toString()));
    expect(coordinator.board(jobId)!.results().get(2)?.worker_id).toBe(other.node.peerId.toString());
    await renewing.close();
    coordinator.removeJob(jobId);
  });

  it("holds a claim until a task is ready and hands it to the longest-waiting worker", async () => {
    const [first, second, quitter] = workers.slice(0, 3) as [Peer, Peer, Peer];
    const wait = (peer: Peer, signal?: AbortSignal) =>
      askCoordinator(
        peer.node,
        bot.peerId,
        { type: "claim", worker_id: peer.node.peerId.toString(), wait_ms: 20_000 },
        signal,
      );
    const leaving = new AbortController();
    const abandoned = wait(quitter, leaving.signal).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const firstClaim = wait(first);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const secondClaim = wait(second);
    await new Promise((resolve) => setTimeout(resolve, 100));
    leaving.abort(); // this worker stops before any task exists
    expect(await abandoned).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const jobId = newJobId();
    coordinator.addJob(jobId, "long poll", [task(1), task(2)]);
    expect(await firstClaim).toMatchObject({ type: "granted", job_id: jobId, task_id: 1 });
    expect(await secondClaim).toMatchObject({ type: "granted", job_id: jobId, task_id: 2 });
    coordinator.removeJob(jobId);
  });

  it("wakes a worker that is between claims with a gossipsub announcement", async () => {
    const peer = workers[1]!;
    const board = await SwarmTaskBoard.join({
      node: peer.node,
      privateKey: peer.key,
      coordinator: bot.peerId.toString(),
      claimWaitMs: 0,
    });
    expect(await board.claim("w")).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // gossipsub mesh heartbeat
    const jobId = newJobId();
    const woke = board.waitForWork(60_000).then(() => "woke");
    coordinator.addJob(jobId, "announce", [task(1)]);
    expect(
      await Promise.race([
        woke,
        new Promise((resolve) => setTimeout(() => resolve("no announcement within 10 s"), 10_000)),
      ]),
    ).toBe("woke");
    expect((await board.claim("w"))?.jobId).toBe(jobId);
    await board.close();
    coordinator.removeJob(jobId);
  });

  it("refuses oversized results (a 2 MB code field, a 50 MB message) and keeps serving", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "big", [task(1)]);
    const mallory = workers[4]!;
    const grant = await claimAs(mallory);
    if (grant.type !== "granted") throw new Error("no grant");
    // Over the result schema's 1 MB code limit: the record cannot even be signed, and the bot refuses one built by hand.
    const big = { ...result(jobId, 1, mallory.node.peerId.toString()), code: "x".repeat(2_000_000) };
    await expect(signRecord(mallory.key, recordKey("result", jobId, 1), big)).rejects.toThrow(/code/);
    const forged = Buffer.from(
      JSON.stringify({ v: 1, key: recordKey("result", jobId, 1), payload: big, signature: "AA" }),
    ).toString("base64");
    expect(
      await askCoordinator(mallory.node, bot.peerId, {
        type: "submit",
        job_id: jobId,
        task_id: 1,
        lease_id: grant.lease_id,
        record: forged,
      }),
    ).toMatchObject({ type: "refused" });
    // 50 MB in one message: the coordinator stops reading at its 4 MB message limit instead of buffering it.
    const flood = askCoordinator(mallory.node, bot.peerId, {
      type: "submit",
      job_id: jobId,
      task_id: 1,
      lease_id: grant.lease_id,
      record: "A".repeat(50 * 1024 * 1024),
    });
    expect(
      await flood.then(
        (answer) => answer.type,
        (error: Error) => `rejected: ${error.message}`,
      ),
    ).toMatch(/refused|rejected/);
    // Still serving: (this file's leases last 1 s, so) the task is claimed again and an honest result goes in.
    const again = await eventually(async () => {
      const answer = await claimAs(mallory);
      if (answer.type !== "granted") throw new Error("not yet back on the board");
      return answer;
    });
    expect(await submitAs(mallory, jobId, 1, again.lease_id)).toEqual({ type: "accepted" });
    coordinator.removeJob(jobId);
  });

  it("fails fast and clearly when the pinned coordinator is not in the swarm", async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
    const peer = workers[0]!;
    await expect(
      SwarmTaskBoard.join({ node: peer.node, privateKey: peer.key, coordinator: stranger, timeoutMs: 3_000 }),
    ).rejects.toThrow(/was not found in the swarm.*--coordinator/);
    await expect(
      SwarmTaskBoard.join({ node: peer.node, privateKey: peer.key, coordinator: "not-a-peer" }),
    ).rejects.toThrow(/is not a peer id/);
  });
});

describe("coordinator restart", () => {
  it("keeps claims, leases and results in the state database: the lease holder renews and submits after a restart", async () => {
    const key = await generateKeyPair("Ed25519");
    const path = stateDatabasePath(await mkdtemp(join(tmpdir(), "dellm-restart-")));
    let database = await openStateDatabase(path);
    let node = await createSwarmNode({ privateKey: key });
    const listen = node.getMultiaddrs().map((a) => a.toString().replace(/\/p2p\/.*$/, ""));
    const first = await SwarmCoordinator.start({ node, privateKey: key, database, leaseSeconds: 60 });
    const jobId = newJobId();
    first.addJob(jobId, "restart", [task(1), task(2)]);
    const worker = await startPeer([node.getMultiaddrs()[0]!.toString()]);
    const one = await askCoordinator(worker.node, node.peerId, { type: "claim", worker_id: "w" });
    const two = await askCoordinator(worker.node, node.peerId, { type: "claim", worker_id: "w" });
    if (one.type !== "granted" || two.type !== "granted") throw new Error("claims should be granted");
    const record = await signRecord(worker.key, recordKey("result", jobId, 1), result(jobId, 1, "w"));
    expect(
      await askCoordinator(worker.node, node.peerId, {
        type: "submit",
        job_id: jobId,
        task_id: 1,
        lease_id: one.lease_id,
        record: Buffer.from(record).toString("base64"),
      }),
    ).toEqual({ type: "accepted" });
    await first.stop();
    database.close();
    await node.stop();

    node = await createSwarmNode({ privateKey: key, listen });
    database = await openStateDatabase(path); // as a restarted bot opens it
    const second = await SwarmCoordinator.start({ node, privateKey: key, database, leaseSeconds: 60 });
    try {
      const board = second.board(jobId)!;
      expect(board.results().get(1)?.worker_id).toBe("w");
      await worker.node.dial(node.getMultiaddrs()[0]!);
      expect(
        await askCoordinator(worker.node, node.peerId, {
          type: "renew",
          job_id: jobId,
          task_id: 2,
          lease_id: two.lease_id,
        }),
      ).toMatchObject({ type: "renewed" });
      // Nobody else gets task 2 while its lease lives.
      expect(await askCoordinator(worker.node, node.peerId, { type: "claim", worker_id: "other" })).toEqual({
        type: "none",
      });
      const record2 = await signRecord(worker.key, recordKey("result", jobId, 2), result(jobId, 2, "w"));
      expect(
        await askCoordinator(worker.node, node.peerId, {
          type: "submit",
          job_id: jobId,
          task_id: 2,
          lease_id: two.lease_id,
          record: Buffer.from(record2).toString("base64"),
        }),
      ).toEqual({ type: "accepted" });
      expect(board.isFinished()).toBe(true);
    } finally {
      await second.stop();
      database.close();
      await Promise.all([node.stop(), worker.node.stop()]);
    }
  });
});
