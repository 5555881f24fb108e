// A private repository's job on real libp2p nodes over loopback: the coordinator grants its tasks
// only to the operator's trusted peers (DELLM_TRUSTED_WORKERS) and puts none of it in the DHT.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../shared/schemas.js";
import { askCoordinator } from "../../shared/swarm/coordinator-protocol.js";
import { boardKey, openRecord, recordKey, signRecord } from "../../shared/swarm/signed-record.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { passingResult, taskFixture } from "../../test/fixtures.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { SwarmCoordinator, type CoordinatorEvent } from "./coordinator.js";
import { JobBoard } from "./job-board.js";

interface Peer {
  key: PrivateKey;
  node: SwarmNode;
}

const botKey = await generateKeyPair("Ed25519");
let bot: SwarmNode;
let coordinator: SwarmCoordinator;
const events: CoordinatorEvent[] = [];
let trusted: Peer;
let stranger: Peer;
const database = await openStateDatabase(stateDatabasePath(await mkdtemp(join(tmpdir(), "dellm-private-"))));

async function startPeer(bootstrap: string[]): Promise<Peer> {
  const key = await generateKeyPair("Ed25519");
  return { key, node: await createSwarmNode({ privateKey: key, bootstrap }) };
}

beforeAll(async () => {
  bot = await createSwarmNode({ privateKey: botKey });
  const address = bot.getMultiaddrs()[0]!.toString();
  trusted = await startPeer([address]);
  stranger = await startPeer([address]);
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    database,
    leaseSeconds: 60,
    trustedPeers: [trusted.node.peerId.toString()],
    onEvent: (e) => events.push(e),
  });
});

afterAll(async () => {
  await coordinator.stop();
  database.close();
  await Promise.all([bot, trusted.node, stranger.node].map((node) => node.stop()));
});

const claimAs = (peer: Peer, waitMs = 0) =>
  askCoordinator(peer.node, bot.peerId, { type: "claim", worker_id: peer.node.peerId.toString(), wait_ms: waitMs });

/** A DHT get from `peer`: the record's payload, or undefined when nobody has it. */
async function dhtGet(peer: Peer, key: string): Promise<unknown> {
  try {
    const bytes = await peer.node.contentRouting.get(new TextEncoder().encode(key), {
      signal: AbortSignal.timeout(3_000),
    });
    return (await openRecord(key, bytes)).payload;
  } catch {
    return undefined;
  }
}

describe("private repository jobs", () => {
  it("are granted to trusted peers only, and publish neither tasks, results, status nor board entries", async () => {
    const jobId = newJobId();
    const board = coordinator.addJob(jobId, "secret issue text", [taskFixture(1), taskFixture(2)], undefined, {
      trustedOnly: true,
    });

    // An untrusted peer, even one waiting at the coordinator, gets nothing and the task stays waiting.
    expect(await claimAs(stranger, 1_500)).toEqual({ type: "none" });
    expect(events.filter((e) => e.kind === "claimed")).toEqual([]);
    expect(board.readyTaskIds()).toEqual([1, 2]);

    const grant = await claimAs(trusted);
    expect(grant).toMatchObject({ type: "granted", job_id: jobId, task_id: 1, user_query: "secret issue text" });
    expect(events.filter((e) => e.kind === "claimed")).toMatchObject([
      { jobId, taskId: 1, peer: trusted.node.peerId.toString() },
    ]);
    if (grant.type !== "granted") throw new Error("unreachable");
    const record = await signRecord(
      trusted.key,
      recordKey("result", jobId, 1),
      passingResult(jobId, 1, trusted.node.peerId.toString()),
    );
    expect(
      await askCoordinator(trusted.node, bot.peerId, {
        type: "submit",
        job_id: jobId,
        task_id: 1,
        lease_id: grant.lease_id,
        record: Buffer.from(record).toString("base64"),
      }),
    ).toEqual({ type: "accepted" });
    // The stranger still gets nothing of it (task 2 is ready now, with task 1's code as its dependency).
    expect(await claimAs(stranger)).toEqual({ type: "none" });

    // A public job published at the same time reaches the DHT; when its records are there, the
    // private job's would be too, had they been written.
    const publicJob = newJobId();
    coordinator.addJob(publicJob, "public", [taskFixture(1)]);
    await expect
      .poll(() => dhtGet(stranger, recordKey("task", publicJob, 1)), { timeout: 15_000, interval: 500 })
      .toMatchObject({ job_id: publicJob });
    await expect
      .poll(() => dhtGet(stranger, boardKey(bot.peerId.toString())), { timeout: 15_000, interval: 500 })
      .toMatchObject({ jobs: [{ job_id: publicJob }] });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const key of [
      recordKey("task", jobId, 1),
      recordKey("task", jobId, 2),
      recordKey("result", jobId, 1),
      recordKey("status", jobId),
    ])
      expect(await dhtGet(stranger, key), key).toBeUndefined();
    const listed = (await dhtGet(stranger, boardKey(bot.peerId.toString()))) as { jobs: { job_id: string }[] };
    expect(listed.jobs.map((j) => j.job_id)).not.toContain(jobId);

    coordinator.removeJob(publicJob);
    coordinator.removeJob(jobId);
  });

  it("keeps the trusted-only marker across a restart (the board's snapshot)", () => {
    const board = JobBoard.withResults(newJobId(), "q", [taskFixture(1)], undefined, undefined, true);
    const restored = JobBoard.restore(JSON.parse(JSON.stringify(board.snapshot())));
    expect(restored.trustedOnly).toBe(true);
    expect(JobBoard.restore(new JobBoard(newJobId(), "q", [taskFixture(1)]).snapshot()).trustedOnly).toBe(false);
  });
});
