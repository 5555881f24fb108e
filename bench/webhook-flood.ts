// Forged webhook flood benchmark (security issue, item 1): `dellm serve` as a process on loopback,
// one POST of 200 MB with a wrong signature (declared length, then chunked), and what it cost the
// bot: the answer, resident memory before and at its peak, and the bytes it logged. Before the
// intake guard this took the bot from ~94 MB to ~3.1 GB and wrote ~600 MB of log.
// Alone: node bin/node22.cjs --import tsx bench/webhook-flood.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startServe } from "../test/processes.js";
import { forgedDelivery, rssKb } from "../test/forged-webhook.js";

const MB = 1024 * 1024;

export interface FloodFigures {
  bodyMb: number;
  chunked: boolean;
  /** The HTTP status answered, or "reset" when the connection closed unanswered. */
  answer: number | "reset";
  /** Megabytes the client had sent when answered (or cut off). */
  sentMb: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  bytesLogged: number;
  seconds: number;
}

export async function benchWebhookFlood(options: { bodyMb?: number } = {}): Promise<FloodFigures[]> {
  const bodyMb = options.bodyMb ?? 200;
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-flood-"));
  const { serve, port } = await startServe(dir, { secret: "bench-secret" });
  try {
    const pid = serve.child.pid!;
    const figures: FloodFigures[] = [];
    for (const chunked of [false, true]) {
      await quiet(serve.output, 1000, 10_000);
      const logged = serve.output().length;
      const rssBefore = rssMb(pid);
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 10);
      const started = performance.now();
      const { answer, sentBytes } = await forgedDelivery(port, bodyMb * MB, { chunked });
      const sentMb = round(sentBytes / MB);
      await quiet(serve.output, 1000, 60_000); // the log written after the answer counts too
      clearInterval(sampler);
      figures.push({
        bodyMb,
        chunked,
        answer,
        sentMb,
        rssBeforeMb: round(rssBefore),
        rssPeakMb: round(Math.max(peak, rssMb(pid))),
        bytesLogged: serve.output().length - logged,
        seconds: round((performance.now() - started) / 1000),
      });
    }
    return figures;
  } finally {
    serve.child.kill("SIGKILL");
    await serve.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

function rssMb(pid: number): number {
  return rssKb(pid) / 1024;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Resolves once `output` has not grown for `ms` (at most `limitMs`). */
async function quiet(output: () => string, ms: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  let length = -1;
  while (Date.now() < deadline && output().length !== length) {
    length = output().length;
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figures of await benchWebhookFlood()) console.log(JSON.stringify(figures));
  process.exit(0);
}
