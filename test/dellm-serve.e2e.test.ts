// `dellm serve` as a process: the configuration it needs is named when missing; configured, it
// runs the swarm coordinator and Probot's webhook server, checks signatures and stops cleanly.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { startCommand, startServe, testEnv, type RunningProcess } from "./processes.js";

const running: RunningProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
});

describe("dellm serve", () => {
  it("names the missing GitHub App settings of a half-configured app and exits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-serve-"));
    const serve = startCommand(
      "bot/cli.ts",
      ["serve"],
      testEnv({
        DELLM_STATE_DIR: dir,
        APP_ID: "",
        WEBHOOK_SECRET: "",
        PRIVATE_KEY: "",
        PRIVATE_KEY_PATH: join(dir, "app.pem"),
      }),
    );
    running.push(serve);
    expect(await serve.exited).toBe(1);
    expect(serve.output()).toMatch(
      /the GitHub App is not configured: APP_ID is required: .*; WEBHOOK_SECRET is required: .*see \.env\.example/,
    );
  }, 60_000);

  it("serves signed webhooks, refuses wrongly signed ones, and stops on SIGTERM", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-serve-"));
    const { serve, port, url } = await startServe(dir, { secret: "s3cret" });
    running.push(serve);
    await serve.waitFor(
      /workers join with: dellm-worker --bootstrap \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+ --coordinator \S+/,
    );
    await serve.waitFor(new RegExp(`webhooks on http://127\\.0\\.0\\.1:${port}/api/github/webhooks \\(app 1234\\)`));

    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const post = async (signature: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": signature,
        },
        body,
      });
    expect((await post(await sign("wrong", body))).status).toBe(400);
    expect((await post(await sign("s3cret", body))).status).toBe(200);

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain("[github] stopping: running jobs are saved and resume on the next start");
  }, 60_000);
});
