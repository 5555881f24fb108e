// `npm run bench -- checks`: what generation checks cost the swarm's throughput (issue 22). One
// volunteer on a real libp2p node over loopback runs the worker's real path (TaskExecutor on
// node-llama-cpp with a random-weight tiny GGUF, the real Docker sandbox, greedy decoding) and the
// coordinator vets each result as it arrives: with no checks, with every result checked (a new
// peer's standing), and at the spot-check rate (a peer with a clean record: 10 %). The bot checks
// with its own copy of the model, one thread each, so the two run side by side on this 2-core
// machine as on two machines. A result's submit waits for its check, so a check adds its time to
// the worker's loop; tasks/min measures that.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenerationVerifier, jobModelOf } from "../worker/verify/generation-verifier.js";
import { SwarmCoordinator } from "../bot/swarm/coordinator.js";
import { DEFAULT_REPUTATION_POLICY, Reputation } from "../bot/swarm/reputation.js";
import { resultVetting } from "../bot/swarm/result-vetting.js";
import { swarmWorkers } from "../bot/swarm/swarm-workers.js";
import { openStateDatabase } from "../bot/state/database.js";
import { newJobId } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { createSwarmNode } from "../shared/swarm/swarm-node.js";
import { taskFixture } from "../test/fixtures.js";
import { makeTinyModel } from "../test/gguf/tiny-model.js";
import { TaskExecutor } from "../worker/executor.js";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";
import { SwarmTaskBoard } from "../worker/swarm-task-board.js";
import { runWorkerLoop } from "../worker/worker-loop.js";

/** One-task jobs measured per policy. */
const TASKS = 12;
type Policy = "none" | "spot" | "all";

interface PolicyFigure {
  policy: Policy;
  tasks: number;
  seconds: number;
  tasksPerMinute: number;
  /** Results the bot checked with its model. */
  checked: number;
  failedChecks: number;
}

export async function benchSwarmChecks(log: (line: string) => void = console.log) {
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-checks-"));
  const modelPath = join(dir, "model.gguf");
  await makeTinyModel(modelPath, { seed: 4, chatTemplate: true, outputScale: 2 });
  const load = () => LlamaCodeModel.load({ model: modelPath, threads: 1, contextSize: 2048 });
  const [botModel, workerModel] = [await load(), await load()];
  const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
  const figures: PolicyFigure[] = [];
  try {
    for (const policy of ["none", "spot", "all"] as const) {
      const figure = await measure(policy, botModel, workerModel, sandbox);
      figures.push(figure);
      log(
        `[checks] ${policy === "none" ? "no checks" : policy === "all" ? "every result checked" : "spot checks (10 %, clean record)"}: ` +
          `${figure.tasks} tasks in ${figure.seconds} s = ${figure.tasksPerMinute} tasks/min; ${figure.checked} checked, ${figure.failedChecks} failed`,
      );
    }
  } finally {
    await botModel.dispose();
    await workerModel.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  const none = figures.find((f) => f.policy === "none")!.tasksPerMinute;
  const ofNone = Object.fromEntries(
    figures.map((f) => [f.policy, Math.round((f.tasksPerMinute / none) * 1000) / 1000]),
  );
  log(`[checks] throughput against no checks: spot ${ofNone.spot}, every result ${ofNone.all}`);
  return { tasks: TASKS, figures, ofNone };
}

async function measure(
  policy: Policy,
  botModel: LlamaCodeModel,
  workerModel: LlamaCodeModel,
  sandbox: DockerSandbox,
): Promise<PolicyFigure> {
  const db = await openStateDatabase(":memory:");
  const reputation = new Reputation(db, {
    ...DEFAULT_REPUTATION_POLICY,
    spotCheckRate: policy === "all" ? 1 : DEFAULT_REPUTATION_POLICY.spotCheckRate,
  });
  const botKey = await generateKeyPair("Ed25519");
  const bot = await createSwarmNode({ privateKey: botKey });
  const coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    vetting: resultVetting({
      ...(policy === "none" ? {} : { generation: new GenerationVerifier({ model: botModel }) }),
      unchecked: "no checks in this run",
      reputation,
    }),
  });
  coordinator.requireModel(await jobModelOf(botModel));
  const key = await generateKeyPair("Ed25519");
  const node = await createSwarmNode({ privateKey: key, bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
  const peer = node.peerId.toString();
  // A volunteer with a clean record is spot-checked; a new one is checked every time.
  if (policy === "spot")
    for (let i = 0; i < DEFAULT_REPUTATION_POLICY.cleanChecksToSpot; i++) reputation.recordCheck(peer, true, 100);
  const board = await SwarmTaskBoard.join({ node, privateKey: key, coordinator: bot.peerId.toString() });
  board.runsModel({ sha256: await workerModel.modelSha256(), contextSize: workerModel.contextSize });
  const executor = new TaskExecutor({ model: workerModel, sandbox, workerId: peer, repairAttempts: 0 });
  const stop = new AbortController();
  const loop = runWorkerLoop({ board, executor, workerId: peer, pollMs: 200, signal: stop.signal });
  try {
    // One-task jobs, one after another (a job's plan is in every prompt, so many tasks per job would
    // outgrow the tiny model's context); each job's result is vetted as it arrives.
    const run = async (jobs: number) => {
      const started = performance.now();
      for (let job = 0; job < jobs; job++) {
        const collected = await swarmWorkers(coordinator).distribute(
          { id: newJobId(), query: "a small file", tasks: [taskFixture(1)] },
          { timeoutMs: 600_000, onEvent: () => {} },
        );
        if (collected.results.size !== 1) throw new Error("a job ended without its result");
        for (const result of collected.results.values())
          if (result.error) throw new Error(`the task failed before testing: ${result.error}`);
      }
      return (performance.now() - started) / 1000;
    };
    await run(2); // warm-up: the model's first prompts, the sandbox's first container
    const before = reputation.get(peer);
    const seconds = await run(TASKS);
    const after = reputation.get(peer);
    return {
      policy,
      tasks: TASKS,
      seconds: Math.round(seconds * 10) / 10,
      tasksPerMinute: Math.round((TASKS / seconds) * 60 * 10) / 10,
      checked: (after?.checked ?? 0) - (before?.checked ?? 0),
      failedChecks: (after?.failedChecks ?? 0) - (before?.failedChecks ?? 0),
    };
  } finally {
    stop.abort();
    await loop.catch(() => undefined);
    await board.close();
    await coordinator.stop();
    await Promise.all([bot.stop(), node.stop()]);
    reputation.close();
  }
}
