// Three volunteers on real libp2p nodes over loopback, one of them tampering with every file it
// returns (issue 22). Each worker runs the real path: TaskExecutor on node-llama-cpp (a random-weight
// GGUF whose greedy answers vary) and the real Docker sandbox. The coordinator checks each result as
// it arrives with the bot's own copy of the model: the job finishes with the honest workers' files,
// the tamperer is caught, blocked after two catches, and refused from then on.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { askCoordinator } from "../shared/swarm/coordinator-protocol.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { creditKey, openRecord, type RecordPayload } from "../shared/swarm/signed-record.js";
import { TaskExecutor } from "../worker/executor.js";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";
import { SwarmTaskBoard } from "../worker/swarm-task-board.js";
import { runWorkerLoop, type TaskSolver, type WorkerEvent } from "../worker/worker-loop.js";
import { GenerationVerifier, jobModelOf } from "../worker/verify/generation-verifier.js";
import { SwarmCoordinator, type CoordinatorEvent } from "../bot/swarm/coordinator.js";
import { Reputation } from "../bot/swarm/reputation.js";
import { resultVetting } from "../bot/swarm/result-vetting.js";
import { swarmWorkers } from "../bot/swarm/swarm-workers.js";
import { openStateDatabase } from "../bot/state/database.js";
import { taskFixture } from "./fixtures.js";
import { makeTinyModel } from "./gguf/tiny-model.js";

interface Peer {
  key: PrivateKey;
  node: SwarmNode;
  model: LlamaCodeModel;
}

let dir: string;
let modelPath: string;
let bot: SwarmNode;
let botModel: LlamaCodeModel;
let coordinator: SwarmCoordinator;
let reputation: Reputation;
const events: CoordinatorEvent[] = [];
const peers: Peer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-tamperer-"));
  modelPath = join(dir, "model.gguf");
  await makeTinyModel(modelPath, { seed: 4, chatTemplate: true, outputScale: 2 });
  botModel = await LlamaCodeModel.load({ model: modelPath, threads: 1, contextSize: 1024 });
  reputation = new Reputation(await openStateDatabase(":memory:"), { blockAfter: 2 });
  const botKey = await generateKeyPair("Ed25519");
  bot = await createSwarmNode({ privateKey: botKey });
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    vetting: resultVetting({ generation: new GenerationVerifier({ model: botModel }), reputation }),
    onEvent: (e) => events.push(e),
  });
  // Jobs name the bot's model: only workers running the same file and context get tasks.
  coordinator.requireModel(await jobModelOf(botModel));
  const address = bot.getMultiaddrs()[0]!.toString();
  for (let i = 0; i < 3; i++) {
    const key = await generateKeyPair("Ed25519");
    peers.push({
      key,
      node: await createSwarmNode({ privateKey: key, bootstrap: [address] }),
      model: await LlamaCodeModel.load({ model: modelPath, threads: 1, contextSize: 1024 }),
    });
  }
}, 120_000);

afterAll(async () => {
  await coordinator?.stop();
  await Promise.all([bot, ...peers.map((p) => p.node)].map((node) => node?.stop()));
  for (const model of [botModel, ...peers.map((p) => p.model)]) await model?.dispose();
  reputation?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A worker that changes every file after its model wrote it: one line added, the transcript kept. */
function tampering(executor: TaskExecutor): TaskSolver {
  return {
    async execute(item, onEvent, signal) {
      const honest = await executor.execute(item, onEvent, signal);
      const code = `import os  # ${item.task.file}\n${honest.code}`;
      return {
        ...honest,
        code,
        attempts: honest.attempts.map((a, i) => (i === honest.attempts.length - 1 ? { ...a, code } : a)),
      };
    },
  };
}

describe("three volunteers, one tampering", () => {
  it("finishes the job with the honest files, blocks the tamperer after two catches and refuses it after", async () => {
    const jobId = newJobId();
    const tasks = Array.from({ length: 6 }, (_, i) => taskFixture(i + 1));
    const [honestA, honestB, tamperer] = peers as [Peer, Peer, Peer];
    const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
    const stop = new AbortController();
    const workerEvents: WorkerEvent[] = [];
    const work = async (peer: Peer) => {
      const id = peer.node.peerId.toString();
      const board = await SwarmTaskBoard.join({
        node: peer.node,
        privateKey: peer.key,
        coordinator: bot.peerId.toString(),
      });
      board.runsModel({ sha256: await peer.model.modelSha256(), contextSize: peer.model.contextSize });
      const executor = new TaskExecutor({ model: peer.model, sandbox, workerId: id, repairAttempts: 0 });
      try {
        await runWorkerLoop({
          board,
          executor: peer === tamperer ? tampering(executor) : executor,
          workerId: id,
          pollMs: 200,
          signal: stop.signal,
          onEvent: (e) => workerEvents.push(e),
        });
        return "finished";
      } catch (error) {
        return (error as Error).message; // the tamperer's claims are refused once it is blocked
      } finally {
        await board.close();
      }
    };

    const job = swarmWorkers(coordinator).distribute(
      { id: jobId, query: "six small files", tasks },
      { timeoutMs: 150_000, onEvent: () => {} },
    );
    // The tamperer starts alone, so it is the one that meets the board first; the honest workers
    // join once it is blocked (or after 60 s), and the job must still finish.
    const tampererId = tamperer.node.peerId.toString();
    const tampererLoop = work(tamperer);
    for (let waited = 0; waited < 60_000 && !reputation.isBlocked(tampererId); waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const honestLoops = [honestA, honestB].map(work);
    const collected = await job;
    stop.abort();
    const outcomes = await Promise.all([...honestLoops, tampererLoop]);

    // Every task came back, each from an honest peer, checked to be the model's own answer.
    expect(collected.results.size).toBe(6);
    const honestIds = new Set([honestA, honestB].map((p) => p.node.peerId.toString()));
    for (const result of collected.results.values()) {
      expect(honestIds.has(result.producer!.peer)).toBe(true);
      expect(result.generation).toEqual({ status: "checked", by: "the bot" });
      expect(result.code).not.toMatch(/^import os {2}#/);
    }
    // The tamperer was caught twice, blocked, and told so; nothing of it was taken.
    const refusedResults = workerEvents.filter((e) => e.kind === "submit-refused" && e.workerId === tampererId);
    expect(refusedResults).toHaveLength(2);
    for (const refusal of refusedResults)
      expect(refusal).toMatchObject({ reason: expect.stringMatching(/not the model's answer/) });
    expect(reputation.get(tampererId)).toMatchObject({ results: 2, checked: 2, failedChecks: 2, standing: "blocked" });
    expect(outcomes[2]).toMatch(/blocked after failed generation checks/);
    // Blocked: a claim is refused, and so is a result it floods in (before its lease is even looked at).
    expect(
      await askCoordinator(tamperer.node, bot.peerId, {
        type: "submit",
        job_id: jobId,
        task_id: 1,
        lease_id: "00000000-0000-4000-8000-000000000000",
        record: Buffer.from("forged").toString("base64"),
      }),
    ).toMatchObject({ type: "refused", reason: expect.stringMatching(/blocked after failed generation checks/) });
    expect(await askCoordinator(tamperer.node, bot.peerId, { type: "claim", worker_id: tampererId })).toMatchObject({
      type: "refused",
      reason: expect.stringMatching(/blocked after failed generation checks/),
    });
    // Each volunteer can show what it did for this bot: its credit, signed by the bot, in the DHT
    // (written in the background: read until the latest one is there, 10 s at most).
    const creditOf = async (peer: Peer, until: (credit: RecordPayload<"credit">) => boolean) => {
      const key = creditKey(bot.peerId.toString(), peer.node.peerId.toString());
      for (let tries = 0; ; tries++) {
        const record = await honestA.node.contentRouting
          .get(new TextEncoder().encode(key), { signal: AbortSignal.timeout(2_000) })
          .then((bytes) => openRecord(key, bytes))
          .catch(() => undefined);
        if (record && until(record.payload as RecordPayload<"credit">)) return record;
        if (tries >= 20)
          throw new Error(
            `no current credit record for ${peer.node.peerId} (last: ${JSON.stringify(record?.payload)})`,
          );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    for (const peer of [honestA, honestB]) {
      const kept = reputation.get(peer.node.peerId.toString());
      if (!kept) continue; // the other honest worker did every task
      const record = await creditOf(peer, (credit) => credit.checked === kept.checked);
      expect(record.signer).toBe(bot.peerId.toString());
      expect(record.payload).toMatchObject({ credit: kept.credit, failed_checks: 0 });
      expect(kept.credit).toBeGreaterThan(0);
    }
    const blocked = await creditOf(tamperer, (credit) => credit.standing === "blocked");
    expect(blocked.payload).toMatchObject({ credit: 0, failed_checks: 2 });
    for (const peer of [honestA, honestB]) {
      const honest = reputation.get(peer.node.peerId.toString());
      if (honest) expect(honest).toMatchObject({ failedChecks: 0 });
    }
    coordinator.removeJob(jobId);
  }, 240_000);

  it("grants nothing to a worker running another model file, and tells it which one it needs", async () => {
    const otherPath = join(dir, "other.gguf");
    await makeTinyModel(otherPath, { seed: 5, chatTemplate: true, outputScale: 2 });
    const other = await LlamaCodeModel.load({ model: otherPath, threads: 1, contextSize: 1024 });
    const key = await generateKeyPair("Ed25519");
    const node = await createSwarmNode({ privateKey: key, bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
    const jobId = newJobId();
    coordinator.addJob(jobId, "one file", [taskFixture(1)]);
    try {
      const board = await SwarmTaskBoard.join({
        node,
        privateKey: key,
        coordinator: bot.peerId.toString(),
        claimWaitMs: 0,
      });
      board.runsModel({ sha256: await other.modelSha256(), contextSize: other.contextSize });
      await expect(board.claim(node.peerId.toString())).rejects.toThrow(
        new RegExp(`written by model \\(sha256 ${await botModel.modelSha256()}\\) with a 1024-token context`),
      );
      expect(coordinator.board(jobId)!.leaseOf(1)).toBeUndefined(); // never granted
      await board.close();
    } finally {
      coordinator.removeJob(jobId);
      await node.stop();
      await other.dispose();
    }
  }, 60_000);
});
