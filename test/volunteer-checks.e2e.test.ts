// Volunteers checking each other (issue 22) for a bot that holds no copy of the job's model: real
// libp2p nodes over loopback, workers on node-llama-cpp (a random-weight GGUF) and the real Docker
// sandbox. A producer's result is accepted unchecked and left to a volunteer; another worker running
// the same model file claims with checks on, is handed the task and the result, checks it and sends
// its verdict. An honest file is "checked by <that peer>"; a tampered one fails, is never merged,
// and counts against its producer. Nobody checks its own work. (All peers share one host here, so
// the coordinator is told to allow checkers on the producer's host.)
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import type { PrivateKey } from "@libp2p/interface";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId, type Result } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { TaskExecutor } from "../worker/executor.js";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";
import { SwarmTaskBoard, type SwarmBoardEvent } from "../worker/swarm-task-board.js";
import { runWorkerLoop, type TaskSolver } from "../worker/worker-loop.js";
import { GenerationVerifier, jobModelOf } from "../worker/verify/generation-verifier.js";
import { collectVerified } from "../bot/pipeline/collect.js";
import { SwarmCoordinator } from "../bot/swarm/coordinator.js";
import { Reputation } from "../bot/swarm/reputation.js";
import { recordVerdict, resultVetting } from "../bot/swarm/result-vetting.js";
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
let bot: SwarmNode;
let coordinator: SwarmCoordinator;
let reputation: Reputation;
const models: LlamaCodeModel[] = [];
let address: string;
/** The one volunteer the bot trusts with private repositories (DELLM_TRUSTED_WORKERS). */
let trustedKey: PrivateKey;
const sandbox = new DockerSandbox({ timeoutSeconds: 20 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-volunteer-checks-"));
  const modelPath = join(dir, "model.gguf");
  await makeTinyModel(modelPath, { seed: 4, chatTemplate: true, outputScale: 2 });
  reputation = new Reputation(await openStateDatabase(":memory:"), { blockAfter: 3 });
  const botKey = await generateKeyPair("Ed25519");
  bot = await createSwarmNode({ privateKey: botKey });
  trustedKey = await generateKeyPair("Ed25519");
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    trustedPeers: [peerIdFromPrivateKey(trustedKey).toString()],
    // No model on the bot: every result is left to a volunteer.
    vetting: resultVetting({ reputation, volunteers: true }),
    volunteerChecks: { sameHost: true, onVerdict: recordVerdict(reputation), timeoutMs: 8_000 },
  });
  address = bot.getMultiaddrs()[0]!.toString();
  for (let i = 0; i < 2; i++)
    models.push(await LlamaCodeModel.load({ model: modelPath, threads: 1, contextSize: 1024 }));
  // The jobs name the volunteers' model (the bot knows its hash, not its weights).
  coordinator.requireModel(await jobModelOf(models[0]!));
}, 120_000);

afterAll(async () => {
  await coordinator?.stop();
  await bot?.stop();
  for (const model of models) await model.dispose();
  reputation?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A worker loop on `peer` (solving with `solver`, checking others' answers with its own model) until `stop`. */
async function volunteer(peer: Peer, solver: TaskSolver | undefined, stop: AbortSignal, events: SwarmBoardEvent[]) {
  const id = peer.node.peerId.toString();
  const board = await SwarmTaskBoard.join({
    node: peer.node,
    privateKey: peer.key,
    coordinator: bot.peerId.toString(),
    claimWaitMs: 500,
    checker: new GenerationVerifier({ model: peer.model, by: id }),
    onEvent: (e) => events.push(e),
  });
  board.runsModel({ sha256: await peer.model.modelSha256(), contextSize: peer.model.contextSize });
  const executor = solver ?? new TaskExecutor({ model: peer.model, sandbox, workerId: id, repairAttempts: 0 });
  try {
    await runWorkerLoop({ board, executor, workerId: id, pollMs: 200, signal: stop });
  } finally {
    await board.close();
  }
}

/** One task solved by `producer` alone, then checked by `checker`; what the bot's collect step keeps. */
async function solveAndCheck(solver: (executor: TaskExecutor) => TaskSolver, { privateJob = false } = {}) {
  // Two fresh volunteers (new peer ids) with the same model file; a private job's producer is the trusted one.
  const [producer, checker] = (await Promise.all(
    models.map(async (model, i): Promise<Peer> => {
      const key = privateJob && i === 0 ? trustedKey : await generateKeyPair("Ed25519");
      return { key, node: await createSwarmNode({ privateKey: key, bootstrap: [address] }), model };
    }),
  )) as [Peer, Peer];
  const producerEvents: SwarmBoardEvent[] = [];
  const checkerEvents: SwarmBoardEvent[] = [];
  const stop = new AbortController();
  const task = taskFixture(1);
  const producerId = producer.node.peerId.toString();
  const executor = new TaskExecutor({ model: producer.model, sandbox, workerId: producerId, repairAttempts: 0 });
  const loops = [volunteer(producer, solver(executor), stop.signal, producerEvents)];
  // The checker joins once the result is in, so the task is surely the producer's.
  const collecting = collectVerified(
    { id: newJobId(), query: "one small file", tasks: [task], private: privateJob },
    {
      distribution: {
        distribute: async (request, options) => {
          const collected = await swarmWorkers(coordinator).distribute(request, options);
          loops.push(volunteer(checker, undefined, stop.signal, checkerEvents));
          return collected;
        },
      },
      verifier: sandbox,
      volunteerCheck: (result) => coordinator.volunteerCheck(result),
      timeoutMs: 90_000,
      onEvent: () => {},
    },
  );
  const { results } = await collecting;
  stop.abort();
  await Promise.all(loops);
  await Promise.all([producer.node.stop(), checker.node.stop()]);
  return {
    result: results.get(1)!,
    producerEvents,
    checkerEvents,
    producerId,
    checkerId: checker.node.peerId.toString(),
  };
}

describe("volunteers checking each other's answers", () => {
  it("a private repository's answer is never handed to an untrusted checker: it ends not checked", async () => {
    const { result, checkerEvents } = await solveAndCheck((e) => e, { privateJob: true });
    expect(result.generation).toEqual({
      status: "not_checked",
      reason: "no volunteer with the job's model checked it within 8 s",
    });
    expect(checkerEvents.some((e) => e.kind === "answer-checked")).toBe(false);
  }, 180_000);

  it("an honest file is checked by another volunteer, never by its producer", async () => {
    const { result, producerEvents, checkerEvents, producerId, checkerId } = await solveAndCheck((e) => e);
    expect(result.producer?.peer).toBe(producerId);
    expect(result.generation).toEqual({ status: "checked", by: checkerId });
    expect(result.code.trim()).not.toBe("");
    expect(checkerEvents.filter((e) => e.kind === "answer-checked")).toEqual([
      { kind: "answer-checked", jobId: result.job_id, taskId: 1, status: "checked", reason: "" },
    ]);
    expect(producerEvents.some((e) => e.kind === "answer-checked")).toBe(false);
    expect(reputation.get(producerId)).toMatchObject({ checked: 1, failedChecks: 0 });
  }, 180_000);

  it("a file changed after generation fails the volunteer's check: never merged, counted against its producer", async () => {
    const tampering = (executor: TaskExecutor): TaskSolver => ({
      async execute(item, onEvent, signal) {
        const honest: Result = await executor.execute(item, onEvent, signal);
        const code = `import os  # ${item.task.file}\n${honest.code}`;
        return {
          ...honest,
          code,
          attempts: honest.attempts.map((a, i) => (i === honest.attempts.length - 1 ? { ...a, code } : a)),
        };
      },
    });
    const { result, producerId, checkerId } = await solveAndCheck(tampering);
    expect(result.generation).toEqual({
      status: "failed",
      by: checkerId,
      reason: "the file is not the code of the model's answer",
    });
    expect(result.code).toBe("");
    expect(result.verdict).toBe("not_model_answer");
    expect(reputation.get(producerId)).toMatchObject({ checked: 1, failedChecks: 1 });
  }, 180_000);
});
