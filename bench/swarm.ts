// Swarm benchmarks on loopback, all nodes in this process (real libp2p, kad-dht, gossipsub and
// coordinator protocol; the model and sandbox are replaced by fixed-duration stand-ins so only
// the swarm is measured):
// - published → claimed latency with 10 workers (goal p50 < 50 ms, p99 < 1 s);
// - throughput with fixed-duration tasks for 1, 3, 6, 10 workers (goal: efficiency ≥ 0.9 at 10);
// - orchestration overhead of a 3-task job, plan to commit, without model or test time (< 1 s).
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inProcessWorkers, runJob, swarmWorkers } from "../bot/job-runner.js";
import { Planner } from "../bot/planner.js";
import { SwarmCoordinator, type CoordinatorEvent } from "../bot/swarm-coordinator.js";
import { newJobId, type Result, type Task, type WorkItem } from "../shared/schemas.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { ScriptedCodeModel } from "../worker/scripted-code-model.js";
import { SwarmTaskBoard } from "../worker/swarm-task-board.js";
import { runWorkerLoop } from "../worker/worker-loop.js";

const task = (id: number, dependencies: number[] = []): Task => ({
  id,
  description: `task ${id}`,
  file: `t${id}.py`,
  dependencies,
  input_output_spec: "",
  directory: "",
  context: "",
});

/** Stands in for model + sandbox: takes `ms`, returns a passing result. */
function fixedDurationExecutor(workerId: string, ms: number) {
  return {
    async execute(item: WorkItem): Promise<Result> {
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return {
        job_id: item.jobId,
        task_id: item.task.id,
        code: `VALUE = ${item.task.id}\n\n\ndef test_value():\n    assert VALUE == ${item.task.id}\n`,
        test_passed: true,
        test_logs: "",
        execution_time: ms / 1000,
        worker_id: workerId,
        timestamp: Date.now() / 1000,
        tests_passed: 1,
        tests_failed: 0,
        attempts: [],
        notes: [],
      };
    },
  };
}

interface Swarm {
  coordinator: SwarmCoordinator;
  events: EventTarget;
  stop(): Promise<void>;
}

/** A coordinator and `workers` worker nodes with their loops, each task taking `taskMs`. */
async function startSwarm(workers: number, taskMs: number): Promise<Swarm> {
  const botKey = await generateKeyPair("Ed25519");
  const bot = await createSwarmNode({ privateKey: botKey });
  const events = new EventTarget();
  const coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    onEvent: (event) => events.dispatchEvent(new CustomEvent<CoordinatorEvent>("event", { detail: event })),
  });
  const address = bot.getMultiaddrs()[0]!.toString();
  const stop = new AbortController();
  const nodes: SwarmNode[] = [];
  const loops: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const key = await generateKeyPair("Ed25519");
    const node = await createSwarmNode({ privateKey: key, bootstrap: [address] });
    nodes.push(node);
    const board = await SwarmTaskBoard.join({ node, privateKey: key, coordinator: bot.peerId.toString() });
    const workerId = `w${i + 1}`;
    loops.push(runWorkerLoop({ board, executor: fixedDurationExecutor(workerId, taskMs), workerId, pollMs: 2_000, signal: stop.signal }));
  }
  // Let gossipsub build its mesh (heartbeat 1 s) before measuring.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  return {
    coordinator,
    events,
    async stop() {
      stop.abort();
      await Promise.allSettled(loops);
      await coordinator.stop();
      await Promise.all([bot, ...nodes].map((node) => node.stop()));
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function claimLatency(rounds: number): Promise<{ rounds: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  const swarm = await startSwarm(10, 0);
  const latencies: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const jobId = newJobId();
      const claimed = new Promise<number>((resolve) => {
        const onEvent = (event: Event) => {
          const detail = (event as CustomEvent<CoordinatorEvent>).detail;
          if (detail.kind === "claimed" && detail.jobId === jobId) {
            swarm.events.removeEventListener("event", onEvent);
            resolve(performance.now());
          }
        };
        swarm.events.addEventListener("event", onEvent);
      });
      const published = performance.now();
      const board = swarm.coordinator.addJob(jobId, "latency", [task(1)]);
      latencies.push((await claimed) - published);
      await board.waitForResults(10_000);
      swarm.coordinator.removeJob(jobId);
      // Idle workers between rounds, as when jobs arrive one by one.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await swarm.stop();
  }
  latencies.sort((a, b) => a - b);
  return { rounds, p50Ms: round1(percentile(latencies, 50)), p99Ms: round1(percentile(latencies, 99)), maxMs: round1(latencies.at(-1)!) };
}

async function throughput(workers: number, tasks: number, taskMs: number): Promise<{ workers: number; tasks: number; seconds: number; tasksPerMinute: number }> {
  const swarm = await startSwarm(workers, taskMs);
  try {
    const started = performance.now();
    const board = swarm.coordinator.addJob(newJobId(), "throughput", Array.from({ length: tasks }, (_, i) => task(i + 1)));
    const { timedOut } = await board.waitForResults(600_000);
    if (timedOut) throw new Error("throughput job did not finish");
    const seconds = (performance.now() - started) / 1000;
    return { workers, tasks, seconds: round3(seconds), tasksPerMinute: round1((tasks / seconds) * 60) };
  } finally {
    await swarm.stop();
  }
}

/** Plan (scripted, instant) → swarm → collect → merge into a fresh repo → summary, with 3 chained tasks. */
async function orchestrationOverhead(runs: number): Promise<{ runs: number; swarmMedianMs: number; inProcessMedianMs: number }> {
  const plan = [task(1), task(2, [1]), task(3, [2])];
  const planner = () =>
    new Planner(
      new ScriptedCodeModel([
        { when: "break it down into subproblems", reply: JSON.stringify(plan) },
        { when: "Keep response under 200 words", reply: "done" },
      ]),
    );
  const swarm = await startSwarm(3, 0);
  const swarmTimes: number[] = [];
  const localTimes: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const [times, distribution] of [
        [swarmTimes, swarmWorkers(swarm.coordinator)],
        [localTimes, inProcessWorkers([0, 1, 2].map((n) => fixedDurationExecutor(`local-${n}`, 0)))],
      ] as const) {
        const repoPath = join(await mkdtemp(join(tmpdir(), "dellm-bench-swarm-")), "repo");
        const started = performance.now();
        const outcome = await runJob({ query: "three chained tasks", repoPath, planner: planner(), distribution });
        if (outcome.missing.length > 0) throw new Error("overhead job lost tasks");
        times.push(performance.now() - started);
      }
    }
  } finally {
    await swarm.stop();
  }
  const median = (xs: number[]) => round1([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
  return { runs, swarmMedianMs: median(swarmTimes), inProcessMedianMs: median(localTimes) };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export async function benchSwarm(log: (line: string) => void = console.log) {
  const latency = await claimLatency(200);
  log(`[swarm] published → claimed, 10 workers, ${latency.rounds} rounds: p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms (goal p50 < 50, p99 < 1000)`);

  const taskMs = 500;
  const tasks = 30;
  const runs = [];
  for (const workers of [1, 3, 6, 10]) {
    const run = await throughput(workers, tasks, taskMs);
    runs.push(run);
    log(`[swarm] ${workers} worker(s): ${tasks} tasks of ${taskMs} ms in ${run.seconds} s = ${run.tasksPerMinute} tasks/min`);
  }
  const single = runs[0]!.tasksPerMinute;
  const scaling = runs.map((r) => ({ ...r, efficiency: round3(r.tasksPerMinute / (r.workers * single)), idealSeconds: (Math.ceil(tasks / r.workers) * taskMs) / 1000 }));
  for (const r of scaling) log(`[swarm] scaling efficiency at ${r.workers}: ${r.efficiency} (ideal ${r.idealSeconds} s)`);

  const overhead = await orchestrationOverhead(5);
  log(`[swarm] 3-task chained job, plan → commit without model/test time: swarm ${overhead.swarmMedianMs} ms, in-process ${overhead.inProcessMedianMs} ms (goal < 1000)`);
  return { latency, throughput: scaling, overhead };
}
