// GET /health on a plain HTTP server (serve-signals.test.ts asks the real `dellm serve` for it).
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { healthHandler } from "./serve-health.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: ReturnType<typeof healthHandler>): Promise<string> {
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404).end("not mine");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

describe("the health endpoint", () => {
  it("answers the queue's counts and the uptime as JSON, read at each request", async () => {
    let counts = { queued: 3, running: 2, max_jobs: 2 };
    const url = await serve(healthHandler(() => counts, Date.now() - 65_000));
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ status: "ok", queued: 3, running: 2, max_jobs: 2, uptime_s: 65 });
    counts = { queued: 0, running: 1, max_jobs: 2 };
    expect(await (await fetch(`${url}/health?probe=1`)).json()).toMatchObject({ queued: 0, running: 1 });
  });

  it("answers HEAD without a body, refuses other methods, and leaves other paths to the next handler", async () => {
    const url = await serve(healthHandler(() => ({ queued: 0, running: 0, max_jobs: 1 })));
    const head = await fetch(`${url}/health`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    const post = await fetch(`${url}/health`, { method: "POST" });
    expect([post.status, post.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
    const other = await fetch(`${url}/healthz`);
    expect([other.status, await other.text()]).toEqual([404, "not mine"]);
  });
});
