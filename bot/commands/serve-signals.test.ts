// Stopping the bot as a hosting platform does: a SIGTERM to `npm run dellm -- serve` (npm → sh →
// bin/node22.cjs → node) must stop every process of the tree and free the port, and the launcher
// must pass signals on and exit with its child's code. Real processes, no GitHub (nothing is delivered).
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { isRunning, processTree, startServe } from "../../test/processes.js";

const LAUNCHER = fileURLToPath(new URL("../../bin/node22.cjs", import.meta.url));
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (isRunning(pid)) process.kill(pid, "SIGKILL");
});

async function gone(pids: number[], withinMs: number): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  while (pids.some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isRunning);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("dellm serve under npm", () => {
  it("answers /health, and a SIGTERM to npm stops the launcher and the server too and frees the port", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-serve-signals-"));
    const { serve, port } = await startServe(dir, {
      secret: "s3cret",
      via: "npm",
      env: { DELLM_MAX_JOBS: "3", DELLM_VERIFY_RESULTS: "false" },
    });
    const tree = processTree(serve.child.pid!);
    leftovers.push(...tree);
    // npm, the launcher and the server at least (a shell between npm and the launcher, tsx's esbuild).
    expect(tree.length).toBeGreaterThanOrEqual(3);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: "ok",
      queued: 0,
      running: 0,
      max_jobs: 3,
      uptime_s: expect.any(Number),
    });

    serve.child.kill("SIGTERM");
    expect(await gone(tree, 20_000)).toEqual([]);
    expect(await portFree(port)).toBe(true);
    await serve.exited;
    expect(serve.output()).toContain(
      "[github] stopping: running jobs are saved and resume on the next start (SIGTERM)",
    );
  }, 60_000);

  it("the launcher passes SIGTERM, SIGINT and SIGHUP on to its child and exits with the child's code", async () => {
    for (const [signal, code] of [
      ["SIGTERM", 3],
      ["SIGINT", 4],
      ["SIGHUP", 5],
    ] as const) {
      // The child says it is ready, then exits with `code` on the signal (its stdin is not a terminal).
      const child = spawn(
        process.execPath,
        [
          LAUNCHER,
          "-e",
          `process.on("${signal}", () => process.exit(${code})); console.log("ready"); setInterval(() => {}, 1000);`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      leftovers.push(child.pid!);
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      const tree = processTree(child.pid!);
      expect(tree).toHaveLength(2);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
      child.kill(signal);
      expect(await exited, signal).toBe(code);
      expect(await gone(tree, 5_000)).toEqual([]);
    }
  });
});
