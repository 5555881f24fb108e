// The worker works from the bot-signed task record in the DHT (issue 25), on real libp2p nodes over
// loopback: the record wins over the grant's copy; a record signed by anyone else, a missing one or
// a grant naming another key falls back to the grant's copy, with the reason.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId, type Task } from "../shared/schemas.js";
import type { CoordinatorResponse } from "../shared/swarm/coordinator-protocol.js";
import { recordKey, signRecord } from "../shared/swarm/signed-record.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { taskFixture } from "../test/fixtures.js";
import { taskOfGrant } from "./task-record.js";

let botKey: PrivateKey;
let bot: SwarmNode;
let worker: SwarmNode;

beforeAll(async () => {
  botKey = await generateKeyPair("Ed25519");
  bot = await createSwarmNode({ privateKey: botKey });
  worker = await createSwarmNode({ dhtMode: "client", bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
  await new Promise((resolve) => setTimeout(resolve, 300)); // identify: the worker learns the bot serves the DHT
});

afterAll(async () => {
  await Promise.all([bot, worker].map((node) => node.stop()));
});

function grantOf(jobId: string, task: Task, taskRecord: string | undefined = recordKey("task", jobId, task.id)) {
  return {
    type: "granted",
    job_id: jobId,
    task_id: task.id,
    lease_id: crypto.randomUUID(),
    expires_at: Date.now() + 60_000,
    user_query: "q",
    plan: [task],
    task,
    dependency_files: [],
    ...(taskRecord ? { task_record: taskRecord } : {}),
  } satisfies Extract<CoordinatorResponse, { type: "granted" }>;
}

async function publish(signer: PrivateKey, jobId: string, task: Task): Promise<void> {
  const key = recordKey("task", jobId, task.id);
  const bytes = await signRecord(signer, key, { job_id: jobId, task });
  await bot.contentRouting.put(new TextEncoder().encode(key), bytes);
}

describe("the task a worker works on", () => {
  it("comes from the coordinator's signed record in the DHT, even where the grant's copy says otherwise", async () => {
    const jobId = newJobId();
    const task = taskFixture(1);
    await publish(botKey, jobId, task);
    const source = await taskOfGrant(worker, bot.peerId, grantOf(jobId, { ...task, description: "something else" }));
    expect(source).toMatchObject({ from: "dht", task });
  });

  it("falls back to the grant's copy when the record is signed by someone other than the coordinator", async () => {
    const jobId = newJobId();
    const task = taskFixture(1);
    await publish(await generateKeyPair("Ed25519"), jobId, { ...task, description: "rm -rf the tests" });
    const source = await taskOfGrant(worker, bot.peerId, grantOf(jobId, task));
    expect(source.from).toBe("grant");
    expect(source.task).toEqual(task);
    expect((source as { reason: string }).reason).toMatch(/signed by .*not by the coordinator/);
  });

  it("falls back when there is no record, and when the grant names another record's key", async () => {
    const jobId = newJobId();
    const task = taskFixture(2);
    const missing = await taskOfGrant(worker, bot.peerId, grantOf(jobId, task));
    expect(missing).toMatchObject({ from: "grant", task, reason: expect.stringMatching(/DHT read failed/) });
    const elsewhere = await taskOfGrant(worker, bot.peerId, grantOf(jobId, task, recordKey("task", jobId, 3)));
    expect(elsewhere).toMatchObject({ from: "grant", reason: expect.stringMatching(/names the record/) });
  });

  it("is the grant's copy for a private job, which has no record", async () => {
    const task = taskFixture(1);
    expect(await taskOfGrant(worker, bot.peerId, grantOf(newJobId(), task, ""))).toEqual({
      from: "private-grant",
      task,
      ms: 0,
    });
  });
});
