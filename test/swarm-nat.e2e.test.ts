// The swarm on a network like the real one (issue 25), built in network namespaces by NetLab: the
// bot and a bootstrap node on an "internet" segment, volunteers each behind its own NAT router with
// 50 ms round trips to the bot and the bootstrap node, and one volunteer with a public address.
// Real processes, real libp2p; model and sandbox are fixed-duration stand-ins.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetLab, netLabUnavailable, type NattedHost } from "./netlab/netlab.js";
import {
  LAB_SWARM_PORT,
  startLabBootstrap,
  startLabCoordinator,
  startLabWorker,
  type LabCoordinator,
  type LabEvent,
  type LabProcess,
} from "./netlab/lab-swarm.js";

const unavailable = await netLabUnavailable();
if (unavailable) console.warn(`[network lab] skipped: ${unavailable}`);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isEvent =
  (name: string, extra: (event: LabEvent) => boolean = () => true) =>
  (event: LabEvent) =>
    event.event === name && extra(event);

describe.skipIf(unavailable !== undefined)("the swarm behind NATs (network lab)", () => {
  let lab: NetLab;
  let dir: string;
  let bootstrap: LabCoordinator;
  let bot: LabCoordinator;
  const workers: LabProcess[] = [];
  let natted: NattedHost[];

  const startBot = (leaseSeconds: number) =>
    startLabCoordinator(lab, lab.host("bot"), {
      keyFile: join(dir, "bot.key"),
      databasePath: join(dir, "dellm.db"),
      leaseSeconds,
      bootstrap: [bootstrap.address],
    });
  const startWorker = async (host: string, workerId: string, taskMs: number, bootstrapAt = bootstrap.address) => {
    const worker = await startLabWorker(lab, lab.host(host), {
      bootstrap: [bootstrapAt],
      coordinator: bot.peer,
      workerId,
      taskMs,
      dht: "auto",
    });
    workers.push(worker);
    return worker;
  };
  /** Publish a job of `tasks` tasks and wait for the bot to report it finished. */
  const runJob = async (tasks: number, timeoutMs = 60_000) => {
    const before = bot.events().filter(isEvent("published")).length;
    bot.send(JSON.stringify({ cmd: "job", tasks }));
    await bot.waitForEvent(() => bot.events().filter(isEvent("published")).length > before, 10_000);
    const job = bot.events().filter(isEvent("published")).at(-1)!.job as string;
    const finished = await bot.waitForEvent(
      isEvent("finished", (e) => e.job === job),
      timeoutMs,
    );
    return { job, finished };
  };
  const accepted = (job: string) => bot.events().filter(isEvent("accepted", (e) => e.job === job));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dellm-netlab-"));
    lab = await NetLab.create({
      publicHosts: ["bot", "bootstrap", "public"],
      natted: 3,
      rttMs: 50,
      delayed: [
        { host: "bot", port: LAB_SWARM_PORT },
        { host: "bootstrap", port: LAB_SWARM_PORT },
      ],
    });
    natted = lab.natted;
    bootstrap = await startLabBootstrap(lab, lab.host("bootstrap"), join(dir, "bootstrap"));
    bot = await startBot(8);
  }, 180_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  it("NATed volunteers stay DHT clients, read their tasks from the DHT and finish a job; a public one is dialled back and serves", async () => {
    const [w1, w2] = [await startWorker("w1", "w1", 200), await startWorker("w2", "w2", 200)];
    const open = await startWorker("public", "public", 200);
    for (const [worker, host] of [
      [w1, natted[0]!],
      [w2, natted[1]!],
    ] as const) {
      const joined = worker.events().find(isEvent("joined"))!;
      expect(joined.dht).toMatchObject({ mode: "client", observed: host.publicAddress });
      expect(String((joined.dht as { reason: string }).reason)).toMatch(/NAT/);
    }
    expect(open.events().find(isEvent("joined"))!.dht).toMatchObject({ mode: "server", observed: "198.18.0.4" });
    // No route in: the bot cannot open a connection to a NATed volunteer's address.
    expect(await lab.canConnect(lab.host("bot"), natted[0]!.address, 4001)).toBe(false);

    const { job, finished } = await runJob(6);
    expect(finished.timedOut).toBe(false);
    expect((finished.results as unknown[]).length).toBe(6);
    expect(
      accepted(job)
        .map((e) => e.task)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    const records = [w1, w2, open].flatMap((w) => w.events().filter(isEvent("task-record")));
    expect(records.length).toBe(6);
    expect(records.map((e) => (e.detail as { from: string }).from)).toEqual(Array(6).fill("dht"));
  });

  /** The worker that claimed `job`'s task `task` (from the bot's claimed event and the workers' peer ids). */
  const claimerOf = async (job: string, task = 1) => {
    const claimed = await bot.waitForEvent(
      isEvent("claimed", (e) => e.job === job && e.task === task),
      20_000,
    );
    const worker = workers.find((w) => w.events().find(isEvent("joined"))?.peer === claimed.peer)!;
    // Each lab worker's id is the name of its host.
    return { worker, host: lab.host(worker.events().find(isEvent("joined"))!.worker!) as NattedHost };
  };
  const publish = async (tasks: number, taskMs: number) => {
    const before = bot.events().filter(isEvent("published")).length;
    bot.send(JSON.stringify({ cmd: "job", tasks, taskMs }));
    await bot.waitForEvent(() => bot.events().filter(isEvent("published")).length > before, 10_000);
    return bot.events().filter(isEvent("published")).at(-1)!.job as string;
  };
  const finishedOf = (job: string, timeoutMs = 60_000) =>
    bot.waitForEvent(
      isEvent("finished", (e) => e.job === job),
      timeoutMs,
    );

  it("a volunteer whose link drops for less than its lease keeps its task and delivers it", async () => {
    // The public volunteer sits the fault tests out, so the NATed ones take the tasks.
    await workers[2]!.stop();
    const job = await publish(1, 6_000);
    const { worker, host } = await claimerOf(job);
    // 3 s without a packet, inside the 8 s lease (renewed every ~2.7 s).
    await lab.cut(host);
    await pause(3_000);
    await lab.restore(host);
    const finished = await finishedOf(job);
    expect(finished.results).toEqual([{ task: 1, worker: worker.events().find(isEvent("joined"))!.worker }]);
    expect(accepted(job)).toHaveLength(1);
    expect(bot.events().filter(isEvent("lease-expired", (e) => e.job === job))).toEqual([]);
  });

  it("a volunteer gone longer than its lease loses the task to another, and the task is merged once", async () => {
    const job = await publish(1, 3_000);
    const { worker: first, host } = await claimerOf(job);
    await lab.cut(host);
    // The lease (8 s) lapses; the other volunteer is granted the task and delivers it.
    await bot.waitForEvent(
      isEvent("lease-expired", (e) => e.job === job),
      20_000,
    );
    const finished = await finishedOf(job, 30_000);
    const firstId = first.events().find(isEvent("joined"))!.worker;
    expect((finished.results as { worker: string }[])[0]!.worker).not.toBe(firstId);
    // Back on line, the first volunteer's late result is refused: one merged result.
    await lab.restore(host);
    await first.waitForEvent(isEvent("submit-refused"), 45_000);
    expect(accepted(job)).toHaveLength(1);
  });

  it("volunteers behind NATs ride out a restart of the bot and carry on without being restarted", async () => {
    const [w1, w2] = workers;
    bot.running.child.kill("SIGKILL");
    await bot.running.exited;
    for (const worker of [w1!, w2!]) await worker.waitForEvent(isEvent("coordinator-unreachable"), 40_000);
    await pause(2_000);
    bot = await startBot(8);
    const job = await publish(4, 200);
    const finished = await finishedOf(job, 60_000);
    expect((finished.results as unknown[]).length).toBe(4);
    for (const worker of [w1!, w2!]) {
      expect(worker.running.child.exitCode).toBeNull();
      expect(worker.events().some(isEvent("coordinator-found"))).toBe(true);
    }
  });

  it("with the bootstrap node gone, joined volunteers keep working, a new one joins through the bot, and volunteers may leave mid-job", async () => {
    await bootstrap.stop();
    const job = await publish(6, 1_500);
    await bot.waitForEvent(
      isEvent("claimed", (e) => e.job === job),
      20_000,
    );
    // A newcomer joins through the bot's own address, and a volunteer leaves (its task is released).
    const newcomer = await startWorker("w3", "w3", 200, bot.address);
    await workers[0]!.stop();
    const finished = await finishedOf(job, 60_000);
    expect((finished.results as unknown[]).length).toBe(6);
    expect(accepted(job)).toHaveLength(6);
    expect(newcomer.events().some(isEvent("claimed", (e) => e.job === job))).toBe(true);
  });
});
