// `npm run bench -- netlab`: the swarm behind NATs (issue 25), in the network lab (test/netlab):
// the bot and a bootstrap node on the lab's internet segment, 20 volunteers each behind its own NAT
// router with 50 ms round trips to both, measured three ways in one run:
// - loopback: the same processes on 127.0.0.0/8, no lab (the peer the others are compared with);
// - NAT, client mode: volunteers decide their DHT mode by dial-back (they stay clients);
// - NAT, server mode: every volunteer forced to serve the DHT (--dht-server, dellm before issue 25).
// Figures: join → first claim (goal < 5 s), published → claimed p50/p99 over 20-task jobs (goal
// p50 < 150 ms, p99 < 1 s; the worker's claim includes its DHT read of the task record), the task
// record's DHT read, the bot's DHT put, failed dials, tasks lost and results merged twice; then a
// volunteer's link cut for 30 s mid-task, with a lease longer and shorter than the cut.
// Model and sandbox are fixed-duration stand-ins; needs root (skips otherwise).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NetLab, netLabUnavailable, type LabHost } from "../test/netlab/netlab.js";
import {
  LAB_SWARM_PORT,
  startLabBootstrap,
  startLabCoordinator,
  startLabWorker,
  type LabEvent,
  type LabProcess,
} from "../test/netlab/lab-swarm.js";

const WORKERS = 20;
const RTT_MS = 50;
const ROUNDS = 5;
const SINGLE_ROUNDS = 30;
/** Workers started at once (each is a Node process with tsx; the machine may have 2 cores). */
const START_BATCH = 4;

type Setup = "loopback" | "nat-client" | "nat-server";

interface SetupFigures {
  setup: Setup;
  workers: number;
  joinToFirstClaimMs: { p50: number; max: number };
  /** One-task jobs, 20 volunteers waiting. */
  publishedToClaimedMs: { samples: number; p50: number; p99: number; max: number };
  /** Jobs of 20 tasks: every volunteer claims at once. */
  burstPublishedToClaimedMs: { samples: number; p50: number; p99: number; max: number };
  taskRecordReadMs: { p50: number; p99: number; fallbacks: number };
  dhtPutMs: { p50: number; max: number };
  failedDials: { workers: number; bot: number };
  dhtServers: number;
  tasksLost: number;
  mergedTwice: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;
const spread = (values: number[]) => ({
  samples: values.length,
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});
const is = (name: string) => (event: LabEvent) => event.event === name;

async function measure(setup: Setup, log: (line: string) => void): Promise<SetupFigures> {
  const dir = await mkdtemp(join(tmpdir(), `dellm-bench-netlab-${setup}-`));
  const lab =
    setup === "loopback"
      ? undefined
      : await NetLab.create({
          publicHosts: ["bot", "bootstrap"],
          natted: WORKERS,
          rttMs: RTT_MS,
          delayed: [
            { host: "bot", port: LAB_SWARM_PORT },
            { host: "bootstrap", port: LAB_SWARM_PORT },
          ],
        });
  // Loopback runs the same processes without namespaces; NetLab.node spawns them directly then.
  const runner = lab ?? (await NetLab.create({ publicHosts: [], natted: 0 }));
  const host = (name: string, loopback: string): LabHost =>
    lab ? lab.host(name) : NetLab.loopbackHost(name, loopback);
  try {
    const bootstrap = await startLabBootstrap(runner, host("bootstrap", "127.0.0.2"), join(dir, "bootstrap"));
    const bot = await startLabCoordinator(runner, host("bot", "127.0.0.1"), {
      keyFile: join(dir, "bot.key"),
      databasePath: join(dir, "dellm.db"),
      leaseSeconds: 60,
      bootstrap: [bootstrap.address],
    });
    // A job waits before anyone joins: each worker's first claim measures join → first claim.
    bot.send(JSON.stringify({ cmd: "job", tasks: WORKERS, taskMs: 100 }));
    const workers: LabProcess[] = [];
    for (let i = 0; i < WORKERS; i += START_BATCH) {
      const batch = Array.from({ length: Math.min(START_BATCH, WORKERS - i) }, (_, k) =>
        startLabWorker(runner, host(`w${i + k + 1}`, "127.0.0.1"), {
          bootstrap: [bootstrap.address],
          coordinator: bot.peer,
          workerId: `w${i + k + 1}`,
          taskMs: 0,
          dht: setup === "nat-server" ? "server" : "auto",
        }),
      );
      workers.push(...(await Promise.all(batch)));
    }
    await bot.waitForEvent((e) => e.event === "finished", 120_000);
    const joinToClaim = workers.flatMap((worker) => {
      const joined = worker.events().find(is("joined"));
      const claimed = worker.events().find(is("claimed"));
      return joined && claimed ? [claimed.at! - (joined.startedAt as number)] : [];
    });
    log(
      `[netlab] ${setup}: ${workers.length} workers joined; measuring ${SINGLE_ROUNDS} one-task jobs and ${ROUNDS} jobs of ${WORKERS} tasks`,
    );

    let lost = 0;
    let mergedTwice = 0;
    /** Publish a job of `tasks` tasks, wait for it, and return each claim's latency (at the worker, after its DHT read). */
    const runJob = async (tasks: number): Promise<number[]> => {
      const before = bot.events().filter(is("published")).length;
      bot.send(JSON.stringify({ cmd: "job", tasks, taskMs: 0 }));
      await bot.waitForEvent(() => bot.events().filter(is("published")).length > before, 10_000);
      const published = bot.events().filter(is("published")).at(-1)!;
      const finished = await bot.waitForEvent((e) => e.event === "finished" && e.job === published.job, 120_000);
      const accepted = bot.events().filter((e) => e.event === "accepted" && e.job === published.job);
      lost += tasks - new Set(accepted.map((e) => e.task)).size;
      mergedTwice += accepted.length - new Set(accepted.map((e) => e.task)).size;
      if (finished.timedOut) log(`[netlab] ${setup}: a job timed out`);
      // Idle volunteers between jobs, as when issues come one by one.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return workers.flatMap((worker) =>
        worker
          .events()
          .filter((e) => e.event === "claimed" && e.job === published.job)
          .map((claimed) => claimed.at! - published.at!),
      );
    };
    // One task at a time: what a volunteer waits, with 20 NATed volunteers listening.
    const single: number[] = [];
    for (let i = 0; i < SINGLE_ROUNDS; i++) single.push(...(await runJob(1)));
    // 20 tasks at once: every volunteer claims and reads its task record together (on this machine
    // that is 20 processes waking on its cores at once, so CPU adds to the network here).
    const latencies: number[] = [];
    for (let i = 0; i < ROUNDS; i++) latencies.push(...(await runJob(WORKERS)));

    bot.send(JSON.stringify({ cmd: "puts", count: 10 }));
    const puts = (await bot.waitForEvent(is("puts"), 120_000)).times as number[];
    bot.send(JSON.stringify({ cmd: "stats" }));
    const botStats = await bot.waitForEvent(is("stats"), 10_000);
    for (const worker of workers) worker.send("stats");
    const stats = await Promise.all(workers.map((worker) => worker.waitForEvent(is("stats"), 10_000)));
    const records = workers.flatMap((worker) => worker.events().filter(is("task-record")));
    const recordMs = records.map((e) => (e.detail as { ms: number }).ms);
    const figures: SetupFigures = {
      setup,
      workers: workers.length,
      joinToFirstClaimMs: { p50: round(percentile(joinToClaim, 50)), max: round(Math.max(...joinToClaim)) },
      publishedToClaimedMs: spread(single),
      burstPublishedToClaimedMs: spread(latencies),
      taskRecordReadMs: {
        p50: percentile(recordMs, 50),
        p99: percentile(recordMs, 99),
        fallbacks: records.filter((e) => (e.detail as { from: string }).from === "grant").length,
      },
      dhtPutMs: { p50: percentile(puts, 50), max: Math.max(...puts) },
      failedDials: {
        workers: stats.reduce((sum, s) => sum + (s.failedDials as number), 0),
        bot: botStats.failedDials as number,
      },
      dhtServers: stats.filter((s) => s.dhtMode === "server").length,
      tasksLost: lost,
      mergedTwice,
    };
    log(
      `[netlab] ${setup}: join → first claim p50 ${figures.joinToFirstClaimMs.p50} ms (max ${figures.joinToFirstClaimMs.max}); ` +
        `published → claimed p50 ${figures.publishedToClaimedMs.p50} ms, p99 ${figures.publishedToClaimedMs.p99} ms (${single.length} one-task jobs), ` +
        `in bursts of ${WORKERS}: p50 ${figures.burstPublishedToClaimedMs.p50} ms, p99 ${figures.burstPublishedToClaimedMs.p99} ms; ` +
        `task record read p50 ${figures.taskRecordReadMs.p50} ms, ${figures.taskRecordReadMs.fallbacks} fallbacks; DHT put p50 ${figures.dhtPutMs.p50} ms; ` +
        `failed dials: workers ${figures.failedDials.workers}, bot ${figures.failedDials.bot}; ${figures.dhtServers} workers serve the DHT; ` +
        `lost ${lost}, merged twice ${mergedTwice}`,
    );
    await Promise.all(workers.map((worker) => worker.stop()));
    await bot.stop();
    await bootstrap.stop();
    return figures;
  } finally {
    await runner.destroy();
  }
}

interface CutFigures {
  leaseSeconds: number;
  cutSeconds: number;
  taskSeconds: number;
  /** Whether the cut volunteer's lease lasted (it delivered) or lapsed (another volunteer did). */
  deliveredBy: "the cut volunteer" | "another volunteer";
  leaseExpired: boolean;
  acceptedResults: number;
  tasksLost: number;
  mergedTwice: number;
  seconds: number;
}

/**
 * A volunteer's link cut for 30 s in the middle of its task, behind a NAT at 50 ms: with a lease
 * longer than the cut (its renewals resume and it delivers) and shorter (the task is granted again).
 */
export async function linkCuts(log: (line: string) => void): Promise<CutFigures[]> {
  const lab = await NetLab.create({
    publicHosts: ["bot", "bootstrap"],
    natted: 2,
    rttMs: RTT_MS,
    delayed: [
      { host: "bot", port: LAB_SWARM_PORT },
      { host: "bootstrap", port: LAB_SWARM_PORT },
    ],
  });
  const figures: CutFigures[] = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), "dellm-bench-netlab-cuts-"));
    const bootstrap = await startLabBootstrap(lab, lab.host("bootstrap"), join(dir, "bootstrap"));
    for (const [leaseSeconds, taskSeconds] of [
      [60, 40],
      [20, 10],
    ] as const) {
      const cutSeconds = 30;
      const bot = await startLabCoordinator(lab, lab.host("bot"), {
        keyFile: join(dir, `bot-${leaseSeconds}.key`),
        databasePath: join(dir, `dellm-${leaseSeconds}.db`),
        leaseSeconds,
        bootstrap: [bootstrap.address],
      });
      const workers = await Promise.all(
        lab.natted.map((host) =>
          startLabWorker(lab, host, {
            bootstrap: [bootstrap.address],
            coordinator: bot.peer,
            workerId: host.name,
            taskMs: 0,
            dht: "auto",
          }),
        ),
      );
      const started = performance.now();
      bot.send(JSON.stringify({ cmd: "job", tasks: 1, taskMs: taskSeconds * 1000 }));
      const claimed = await bot.waitForEvent(is("claimed"), 30_000);
      const cut = workers.findIndex((w) => w.events().find(is("joined"))?.peer === claimed.peer);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await lab.cut(lab.natted[cut]!);
      await new Promise((resolve) => setTimeout(resolve, cutSeconds * 1000));
      await lab.restore(lab.natted[cut]!);
      const finished = await bot.waitForEvent(is("finished"), 120_000);
      // Give a late result from the cut volunteer its chance to be (wrongly) taken.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const accepted = bot.events().filter(is("accepted"));
      const results = finished.results as { task: number; worker: string }[];
      const figure: CutFigures = {
        leaseSeconds,
        cutSeconds,
        taskSeconds,
        deliveredBy: results[0]?.worker === lab.natted[cut]!.name ? "the cut volunteer" : "another volunteer",
        leaseExpired: bot.events().some(is("lease-expired")),
        acceptedResults: accepted.length,
        tasksLost: results.length === 1 ? 0 : 1,
        mergedTwice: Math.max(0, accepted.length - 1),
        seconds: round((performance.now() - started) / 1000),
      };
      figures.push(figure);
      log(
        `[netlab] link cut ${cutSeconds} s mid-task, lease ${leaseSeconds} s: delivered by ${figure.deliveredBy}` +
          `${figure.leaseExpired ? " (the lease lapsed, the task was granted again)" : ""}; accepted ${accepted.length}, ` +
          `lost ${figure.tasksLost}, merged twice ${figure.mergedTwice}; ${figure.seconds} s`,
      );
      await Promise.all(workers.map((worker) => worker.stop()));
      await bot.stop();
    }
    await bootstrap.stop();
  } finally {
    await lab.destroy();
  }
  return figures;
}

export async function benchNetLab(log: (line: string) => void = console.log) {
  const unavailable = await netLabUnavailable();
  if (unavailable) {
    log(`[netlab] skipped: ${unavailable}`);
    return { skipped: unavailable };
  }
  const setups: SetupFigures[] = [];
  for (const setup of ["loopback", "nat-client", "nat-server"] as const) setups.push(await measure(setup, log));
  const cuts = await linkCuts(log);
  return { workers: WORKERS, rttMs: RTT_MS, singleRounds: SINGLE_ROUNDS, burstRounds: ROUNDS, setups, cuts };
}
