// A good citizen on the volunteer's machine: the worker's defaults take half the cores for the model
// and a lower CPU priority for the whole process (every thread, including those started later), and
// the flags that change them. The priority is checked on real processes: a child that lowers its
// own, and a real `dellm-worker` right after it started.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { DEFAULT_WORKER_NICE, defaultWorkerThreads } from "./good-citizen.js";
import { parseWorkerArgs, WORKER_USAGE } from "./worker-command.js";
import { startCommand, testEnv } from "../test/processes.js";

const env = readEnv({});
const workerArgs = ["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", "12D3KooWpeer"];

/** The nice value of every thread of a process (Linux: field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceValues(pid: number | "self"): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

describe("dellm-worker's share of the machine", () => {
  it("defaults to half the cores (at least 1) and nice 10, and says so in the usage text", () => {
    expect([1, 2, 3, 4, 16].map((cores) => defaultWorkerThreads(cores))).toEqual([1, 1, 1, 2, 8]);
    expect(parseWorkerArgs(workerArgs, env)).toMatchObject({
      threads: Math.max(1, Math.floor(availableParallelism() / 2)),
      nice: DEFAULT_WORKER_NICE,
    });
    expect(DEFAULT_WORKER_NICE).toBe(10);
    expect(WORKER_USAGE).toMatch(/--threads <n>[\s\S]*half this\s+machine's cores/);
    expect(WORKER_USAGE).toMatch(/--nice <n>[\s\S]*default 10/);
    expect(WORKER_USAGE).toContain("--normal-priority");
  });

  it("takes --threads, a MODEL_THREADS that is really set, --nice and --normal-priority", () => {
    expect(parseWorkerArgs([...workerArgs, "--threads", "3"], env).threads).toBe(3);
    const set = { MODEL_THREADS: "5" };
    expect(parseWorkerArgs(workerArgs, readEnv(set), set).threads).toBe(5);
    expect(parseWorkerArgs([...workerArgs, "--threads", "2"], readEnv(set), set).threads).toBe(2);
    expect(parseWorkerArgs([...workerArgs, "--nice", "19"], env).nice).toBe(19);
    expect(parseWorkerArgs([...workerArgs, "--normal-priority"], env).nice).toBe(0);
    expect(() => parseWorkerArgs([...workerArgs, "--nice", "20"], env)).toThrow(/--nice must be 0 \(normal\) to 19/);
    expect(() => parseWorkerArgs([...workerArgs, "--threads", "0"], env)).toThrow(/--threads must be above 0/);
  });

  it.runIf(process.platform === "linux")(
    "lowerPriority lowers every thread of the process, and threads started afterwards inherit it",
    async () => {
      // In a child: the test runner's own priority stays as it was.
      const script = `
        import { lowerPriority } from "./worker/good-citizen.ts";
        import { readdirSync, readFileSync } from "node:fs";
        import { pbkdf2 } from "node:crypto";
        import { Worker } from "node:worker_threads";
        const before = readdirSync("/proc/self/task").length;
        const applied = lowerPriority(10);
        // New threads: libuv's pool (pbkdf2) and a worker thread.
        await Promise.all(Array.from({ length: 4 }, () => new Promise((r) => pbkdf2("x", "y", 1000, 32, "sha256", r))));
        const worker = new Worker("setTimeout(() => {}, 1000)", { eval: true });
        await new Promise((r) => worker.once("online", r));
        const threads = readdirSync("/proc/self/task").map((tid) => {
          const stat = readFileSync("/proc/self/task/" + tid + "/stat", "utf8");
          return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
        });
        console.log(JSON.stringify({ before, applied, threads }));
        await worker.terminate();
      `;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        { timeout: 30_000 },
      );
      const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
        before: number;
        applied: number;
        threads: number[];
      };
      expect(report.applied).toBe(10);
      expect(report.threads.length).toBeGreaterThan(report.before); // some threads started after lowering
      expect(report.threads.every((nice) => nice === 10)).toBe(true);
    },
  );

  describe.runIf(process.platform === "linux")("a real dellm-worker", () => {
    // A bootstrap "peer" that accepts the connection and never answers: the worker waits there (up to
    // its 10 s dial limit), started and reniced, which is when its threads are read.
    let silent: Server;
    const sockets: Array<{ destroy(): void }> = [];
    afterAll(() => {
      for (const socket of sockets) socket.destroy();
      silent?.close();
    });

    it("runs at nice 10 on every thread after start; --normal-priority keeps 0", async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const port = (silent.address() as { port: number }).port;
      const peer = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
      const niceAfterStart = async (extra: string[]): Promise<{ line: string; nice: number[] }> => {
        const worker = startCommand(
          "worker/cli.ts",
          [
            "--bootstrap",
            `/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`,
            "--coordinator",
            peer,
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--model",
            "script:scripts/demo-fibonacci.script.json",
            ...extra,
          ],
          testEnv({ MODEL_THREADS: "" }),
        );
        try {
          const [line] = await worker.waitFor(/^\[worker\] running.*$/m, 30_000);
          return { line, nice: threadNiceValues(worker.child.pid!) };
        } finally {
          worker.child.kill("SIGKILL");
        }
      };
      const lowered = await niceAfterStart([]);
      expect(lowered.line).toContain("at lower CPU priority (nice 10)");
      expect(lowered.line).toContain(`the model on ${defaultWorkerThreads()} of ${availableParallelism()} cores`);
      expect(lowered.nice.length).toBeGreaterThan(1);
      expect(lowered.nice.every((nice) => nice === 10)).toBe(true);
      const normal = await niceAfterStart(["--normal-priority", "--threads", "2"]);
      expect(normal.line).toContain("at normal CPU priority, the model on 2 of");
      expect(normal.nice.every((nice) => nice === threadNiceValues("self")[0])).toBe(true);
    }, 90_000);
  });
});
