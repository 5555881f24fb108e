// `dellm serve` under forged webhook deliveries, as a process: a body over GitHub's 25 MB cap is
// refused while it streams (413, declared or chunked), a wrong signature costs one short log line
// (400), and neither grows the process's memory by the body's size. Before the guard, a 5 MB
// forged body wrote ~15 MB of log and a 200 MB one took the bot to 3 GB.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { startServe, type RunningProcess } from "./processes.js";
import { forgedDelivery, rssKb } from "./forged-webhook.js";

const MB = 1024 * 1024;
const running: RunningProcess[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** The status and the worst resident-memory growth (MB) seen while `attack` ran. */
async function measured<T>(pid: number, attack: () => Promise<T>): Promise<{ result: T; grewMb: number }> {
  const before = rssKb(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 10);
  try {
    const result = await attack();
    await new Promise((resolve) => setTimeout(resolve, 200)); // logging and buffers settle
    peak = Math.max(peak, rssKb(pid));
    return { result, grewMb: (peak - before) / 1024 };
  } finally {
    clearInterval(sampler);
  }
}

describe("dellm serve under forged webhook floods", () => {
  it("refuses oversized bodies while streaming and logs no more than a line per forged delivery", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-flood-"));
    folders.push(dir);
    const { serve, port } = await startServe(dir, { secret: "s3cret" });
    running.push(serve);
    const pid = serve.child.pid!;

    const attacks = [
      // Declared: refused on its headers. Chunked: read up to the 25 MB cap, then cut off.
      { name: "100 MB declared", size: 100 * MB, chunked: false, status: 413, maxGrowthMb: 15 },
      { name: "100 MB chunked", size: 100 * MB, chunked: true, status: 413, maxGrowthMb: 25 + 15 },
      // Under the cap: read once (the signature needs it), never copied into the log.
      { name: "5 MB under the cap", size: 5 * MB, chunked: false, status: 400, maxGrowthMb: 5 + 15 },
    ];
    for (const attack of attacks) {
      const logged = serve.output().length;
      const { result, grewMb } = await measured(pid, () =>
        forgedDelivery(port, attack.size, { chunked: attack.chunked }),
      );
      const log = serve.output().slice(logged);
      // Soft: every attack's outcome is reported, not only the first that fails.
      expect
        .soft({ attack: attack.name, status: result.answer })
        .toEqual({ attack: attack.name, status: attack.status });
      expect.soft(log.length, `${attack.name}: bytes logged; first ones:\n${log.slice(0, 600)}`).toBeLessThan(1024);
      expect.soft(grewMb, `${attack.name}: MB of memory grown`).toBeLessThan(attack.maxGrowthMb);
    }

    // GitHub's own deliveries still go through.
    const body = JSON.stringify({ zen: "Approachable is better than simple.", hook_id: 1 });
    const signed = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign("s3cret", body),
      },
      body,
    });
    expect(signed.status).toBe(200);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  }, 120_000);
});
