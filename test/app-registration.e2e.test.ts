// `dellm serve` with no GitHub App yet, as a process: it serves Probot's setup flow (the page that
// posts app.yml's manifest to GitHub, the callback that converts GitHub's code), writes .env and
// the key, then serves webhooks as the new App; a second start reads that .env. GitHub is a local
// server here (GHE_HOST/GHE_PROTOCOL), answering the manifest conversion at its HTTP boundary.
import { generateKeyPairSync } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, startCommand, testEnv, type RunningProcess } from "./processes.js";

const running: RunningProcess[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const close of closers.splice(0)) close();
});

/** GitHub's manifest conversion: a fresh app's id, key and secrets for a code it issued (after `delayMs`). */
async function fakeGitHub(code: string, app: { id: number; pem: string; webhook_secret: string }, delayMs = 0) {
  const conversions: string[] = [];
  const server = createServer(async (req, res) => {
    const route = `${req.method} ${req.url}`;
    if (route.startsWith("POST /api/v3/app-manifests/")) {
      conversions.push(route);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const known = route === `POST /api/v3/app-manifests/${code}/conversions`;
      res.writeHead(known ? 201 : 404, { "content-type": "application/json" });
      return res.end(
        JSON.stringify(
          known
            ? {
                ...app,
                slug: "dellm-test",
                html_url: `http://${host}/apps/dellm-test`,
                client_id: "Iv1.abc",
                client_secret: "client-secret",
              }
            : { message: "Not Found" },
        ),
      );
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(() => server.close());
  return { host, conversions };
}

function rsaKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

const unescape = (html: string) => html.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));

describe("dellm serve without a GitHub App", () => {
  it("registers one from app.yml through GitHub's manifest flow, writes .env, and serves as it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-register-"));
    const { privateKey: pem } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const github = await fakeGitHub("code-from-github", { id: 4242, pem, webhook_secret: "hook-secret-from-github" });
    const port = await freePort();
    const env = testEnv({
      DELLM_STATE_DIR: join(dir, "state"),
      APP_ID: "",
      PRIVATE_KEY: "",
      PRIVATE_KEY_PATH: "",
      WEBHOOK_SECRET: "",
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "warn",
    });
    const serve = startCommand("bot/cli.ts", ["serve", "--listen", "/ip4/127.0.0.1/tcp/0"], env, { cwd: dir });
    running.push(serve);
    const [, link] = await serve.waitFor(/open (http:\/\/127\.0\.0\.1:\d+\/probot\?setup=\w+) in a browser/);
    const base = `http://127.0.0.1:${port}`;

    // The page needs the printed one-time link; with it, it posts the manifest to GitHub.
    expect((await fetch(`${base}/probot`)).status).toBe(403);
    const page = await (await fetch(link!)).text();
    const action = unescape(page.match(/<form action="([^"]+)"/)![1]!);
    expect(action).toMatch(new RegExp(`^http://${github.host}/settings/apps/new\\?state=\\w+$`));
    const manifest = JSON.parse(unescape(page.match(/name="manifest" value="([^"]+)"/)![1]!)) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      name: "dellm",
      default_events: ["issues", "issue_comment", "pull_request_review", "pull_request_review_comment"],
      default_permissions: { contents: "write", issues: "write", pull_requests: "write", checks: "write" },
      hook_attributes: { url: `${base}/api/github/webhooks` },
      redirect_url: `${base}/probot/setup`,
    });
    expect(page).toContain("GitHub cannot deliver webhooks to http://127.0.0.1"); // loopback is named as unreachable
    const state = new URL(action).searchParams.get("state")!;

    // A callback without the state GitHub got from this page is refused before any conversion.
    expect((await fetch(`${base}/probot/setup?code=code-from-github&state=${"0".repeat(32)}`)).status).toBe(403);
    expect((await fetch(`${base}/probot/setup?code=code-from-github&state=forged`)).status).toBe(400);
    expect(github.conversions).toEqual([]);

    // GitHub sends the browser back with the code: converted, saved, and on to installing the app.
    const callback = await fetch(`${base}/probot/setup?code=code-from-github&state=${state}`, { redirect: "manual" });
    expect(callback.status).toBe(302);
    expect(callback.headers.get("location")).toBe(`http://${github.host}/apps/dellm-test/installations/new`);
    expect(github.conversions).toEqual(["POST /api/v3/app-manifests/code-from-github/conversions"]);
    const written = parseEnv(await readFile(join(dir, ".env"), "utf8"));
    expect(written).toMatchObject({
      APP_ID: "4242",
      WEBHOOK_SECRET: "hook-secret-from-github",
      GITHUB_CLIENT_ID: "Iv1.abc",
    });
    expect(await readFile(written.PRIVATE_KEY_PATH!, "utf8")).toBe(pem);
    expect((await stat(join(dir, ".env"))).mode & 0o777).toBe(0o600);
    expect((await stat(written.PRIVATE_KEY_PATH!)).mode & 0o777).toBe(0o600);

    // Then the same process serves as the App: webhooks signed with GitHub's secret are taken.
    await serve.waitFor(new RegExp(`webhooks on http://127\\.0\\.0\\.1:${port}/api/github/webhooks \\(app 4242\\)`));
    const body = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
    const post = async (signature: string) =>
      fetch(`${base}/api/github/webhooks`, {
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
    expect((await post(await sign("hook-secret-from-github", body))).status).toBe(200);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);

    // A restart in that folder reads .env and serves at once, registering nothing (variables set,
    // even empty, would win over .env, so the restart's environment leaves them out).
    const { APP_ID: _id, PRIVATE_KEY: _key, PRIVATE_KEY_PATH: _path, WEBHOOK_SECRET: _secret, ...withoutApp } = env;
    const again = startCommand("bot/cli.ts", ["serve", "--listen", "/ip4/127.0.0.1/tcp/0"], withoutApp, { cwd: dir });
    running.push(again);
    await again.waitFor(new RegExp(`webhooks on http://127\\.0\\.0\\.1:${port}/api/github/webhooks \\(app 4242\\)`));
    expect(again.output()).not.toContain("no GitHub App is configured");
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  }, 120_000);
  it("resists a reused link, a forged X-Forwarded-Host, racing callbacks and a pre-existing key file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-register-"));
    closers.push(() => void rm(dir, { recursive: true, force: true }));
    // A slow conversion, so that two callbacks are both in flight.
    const github = await fakeGitHub("code-1", { id: 77, pem: rsaKey(), webhook_secret: "s1" }, 500);
    const stateDir = join(dir, "state");
    // A state folder and key file left readable by others (an earlier tool, a copied backup).
    await mkdir(stateDir, { mode: 0o755 });
    await chmod(stateDir, 0o755);
    await writeFile(join(stateDir, "github-app.private-key.pem"), "old key\n", { mode: 0o644 });
    await chmod(join(stateDir, "github-app.private-key.pem"), 0o644);
    const port = await freePort();
    const serve = startCommand(
      "bot/cli.ts",
      ["serve", "--listen", "/ip4/127.0.0.1/tcp/0"],
      testEnv({
        DELLM_STATE_DIR: stateDir,
        APP_ID: "",
        PRIVATE_KEY: "",
        PRIVATE_KEY_PATH: "",
        WEBHOOK_SECRET: "",
        PORT: String(port),
        HOST: "127.0.0.1",
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        LOG_LEVEL: "warn",
      }),
      { cwd: dir },
    );
    running.push(serve);
    const [, link] = await serve.waitFor(/open (http:\/\/127\.0\.0\.1:\d+\/probot\?setup=\w+) in a browser/);
    const base = `http://127.0.0.1:${port}`;

    // Soft: each attack's outcome is reported, not only the first that succeeds.
    // A client's X-Forwarded-Host does not become the app's redirect or webhook URL.
    const page = await (await fetch(link!, { headers: { "x-forwarded-host": "evil.example" } })).text();
    const manifest = JSON.parse(unescape(page.match(/name="manifest" value="([^"]+)"/)![1]!)) as {
      redirect_url: string;
      hook_attributes: { url: string };
    };
    expect.soft(manifest.redirect_url).toBe(`${base}/probot/setup`);
    expect.soft(manifest.hook_attributes.url).toBe(`${base}/api/github/webhooks`);
    expect.soft(page).not.toContain("evil.example");
    const state = new URL(unescape(page.match(/<form action="([^"]+)"/)![1]!)).searchParams.get("state")!;

    // The printed link works once.
    expect.soft((await fetch(link!)).status).toBe(403);

    // Two callbacks with the page's state at once: one converts, the other is refused.
    const callbacks = await Promise.all(
      [1, 2].map(() =>
        fetch(`${base}/probot/setup?code=code-1&state=${state}`, { redirect: "manual" }).then(
          (r) => r.status,
          () => "closed unanswered",
        ),
      ),
    );
    expect.soft(callbacks.sort()).toEqual([302, 403]);
    expect.soft(github.conversions).toEqual(["POST /api/v3/app-manifests/code-1/conversions"]);

    // The key is replaced and owner-only, as is the state folder.
    await serve.waitFor(/webhooks on http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks \(app 77\)/);
    const written = parseEnv(await readFile(join(dir, ".env"), "utf8"));
    expect(written.APP_ID).toBe("77");
    expect(await readFile(written.PRIVATE_KEY_PATH!, "utf8")).toContain("PRIVATE KEY");
    expect.soft((await stat(written.PRIVATE_KEY_PATH!)).mode & 0o777).toBe(0o600);
    expect.soft((await stat(stateDir)).mode & 0o777).toBe(0o700);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  }, 120_000);
});
