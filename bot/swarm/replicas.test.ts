// Redundancy (the seed's V2 voting): with `replicas: 2` two different volunteers solve each task on
// real libp2p nodes; no peer gets both replicas of a task; the bot re-tests every replica in its
// sandbox and keeps a passing one, so one lying volunteer cannot decide a file.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { afterEach, describe, expect, it } from "vitest";
import { newJobId, type Job, type Task, type WorkItem } from "../../shared/schemas.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { passingResult, taskFixture } from "../../test/fixtures.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { SwarmTaskBoard } from "../../worker/swarm-task-board.js";
import { runWorkerLoop, type TaskSolver } from "../../worker/worker-loop.js";
import { swarmWorkers } from "./swarm-workers.js";
import { pickReplica, sameCode, verifyResults } from "../pipeline/result-verifier.js";
import { SwarmCoordinator, type CoordinatorEvent } from "./coordinator.js";

const honestCode = (id: number) =>
  `def f${id}():\n    return ${id}\n\n\ndef test_f${id}():\n    assert f${id}() == ${id}\n`;
/** Says "passed" for code whose tests fail. */
const lyingCode = (id: number) =>
  `def f${id}():\n    return -1\n\n\ndef test_f${id}():\n    assert f${id}() == ${id}\n`;

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function swarm(solvers: Record<string, (item: WorkItem) => string>) {
  const key = await generateKeyPair("Ed25519");
  const bot = await createSwarmNode({ privateKey: key });
  const events: CoordinatorEvent[] = [];
  const coordinator = await SwarmCoordinator.start({ node: bot, privateKey: key, onEvent: (e) => events.push(e) });
  const stopping = new AbortController();
  stops.push(async () => {
    await coordinator.stop();
    await bot.stop();
  });
  const nodes: SwarmNode[] = [];
  for (const [workerId, write] of Object.entries(solvers)) {
    const workerKey = await generateKeyPair("Ed25519");
    const node = await createSwarmNode({ privateKey: workerKey, bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
    nodes.push(node);
    const board = await SwarmTaskBoard.join({
      node,
      privateKey: workerKey,
      coordinator: bot.peerId.toString(),
      claimWaitMs: 1_000,
    });
    const solver: TaskSolver = {
      execute: async (item) => passingResult(item.jobId, item.task.id, workerId, write(item)),
    };
    const loop = runWorkerLoop({ board, executor: solver, workerId, pollMs: 200, signal: stopping.signal });
    stops.push(async () => {
      stopping.abort();
      await loop.catch(() => {});
      await board.close();
      await node.stop();
    });
  }
  return { coordinator, events };
}

const job = (tasks: Task[]): Job => ({
  id: newJobId(),
  query: "q",
  repo_path: "/tmp/x",
  branch: "b",
  status: "running",
  tasks,
  created_at: 0,
});

describe("replicas", () => {
  it("has each task solved by two different volunteers and keeps the one that passes the bot's re-test", async () => {
    const { coordinator, events } = await swarm({
      honest: (item) => honestCode(item.task.id),
      liar: (item) => lyingCode(item.task.id),
    });
    const plan = job([taskFixture(1), taskFixture(2, [1])]);
    const collected = await swarmWorkers(coordinator).distribute(plan, {
      timeoutMs: 30_000,
      onEvent: () => {},
      replicas: 2,
    });
    expect(collected.timedOut).toBe(false);
    for (const taskId of [1, 2]) {
      expect(
        collected
          .replicas!.get(taskId)!
          .map((r) => r.worker_id)
          .sort(),
      ).toEqual(["honest", "liar"]);
      // Two different peers took the two replicas of the task.
      const peers = events
        .filter((e) => e.kind === "claimed" && e.taskId === taskId)
        .map((e) => (e as { peer: string }).peer);
      expect(new Set(peers).size).toBe(2);
    }
    const { results } = await verifyResults(plan.tasks, collected.results, new DockerSandbox(), {
      replicas: collected.replicas,
    });
    for (const taskId of [1, 2]) {
      expect(results.get(taskId)).toMatchObject({ worker_id: "honest", test_passed: true, code: honestCode(taskId) });
      expect(results.get(taskId)!.notes.at(-1)).toMatch(
        /^2 replicas \((honest, liar|liar, honest)\): 1 passed the bot's re-test; kept honest's$/,
      );
    }
    expect(coordinator.jobIds()).toEqual([]);
  }, 60_000);

  it("never gives one volunteer both replicas of a task: alone, it solves one and the other waits", async () => {
    const { coordinator, events } = await swarm({ alone: (item) => honestCode(item.task.id) });
    const collected = await swarmWorkers(coordinator).distribute(job([taskFixture(1)]), {
      timeoutMs: 3_000,
      onEvent: () => {},
      replicas: 2,
    });
    expect(collected.timedOut).toBe(true);
    expect(collected.results.get(1)?.worker_id).toBe("alone");
    expect(collected.replicas!.get(1)).toHaveLength(1);
    expect(events.filter((e) => e.kind === "claimed")).toHaveLength(1);
  }, 30_000);
});

describe("voting among replicas", () => {
  it("keeps the code most passing results agree on, else the first passing, else the first", () => {
    const r = (worker: string, code: string, passed: boolean) => ({
      ...passingResult("job-abcdef", 1, worker, code),
      test_passed: passed,
    });
    expect(pickReplica([r("a", "x = 1", true), r("b", "x = 2", true), r("c", "x = 2\n", true)]).worker_id).toBe("b");
    expect(pickReplica([r("a", "x = 1", false), r("b", "x = 2", true)]).worker_id).toBe("b");
    expect(pickReplica([r("a", "x = 1", false), r("b", "x = 2", false)]).worker_id).toBe("a");
  });

  it("counts files that differ only in line ends and trailing blanks as the same, never a change of indentation", () => {
    expect(sameCode("def f():\r\n    return 1   \n\n")).toBe(sameCode("def f():\n    return 1"));
    expect(sameCode("if x:\n    a()\nb()")).not.toBe(sameCode("if x:\n    a()\n    b()"));
  });

  it("says how many greedy replicas wrote the kept file when the model could not check it", async () => {
    const code = honestCode(1);
    const replica = (worker: string, text: string) => ({
      ...passingResult("job-abcdef", 1, worker, text),
      generation: { status: "not_checked" as const, reason: "the bot holds no copy of the job's model" },
    });
    const candidates = [
      replica("a", code),
      replica("b", `${code.replace(/\n/g, "  \n")}\n`),
      replica("c", lyingCode(1)),
    ];
    const { results } = await verifyResults([taskFixture(1)], new Map([[1, candidates[0]!]]), new DockerSandbox(), {
      replicas: new Map([[1, candidates]]),
    });
    expect(results.get(1)!.generation).toEqual({
      status: "replicas_agree",
      agree: 2,
      of: 3,
      reason: "the bot holds no copy of the job's model",
    });
  }, 60_000);
});
