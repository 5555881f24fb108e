// `dellm serve`'s GitHub clients keep GitHub's limits handled: the installation client a job gets
// from Probot's `auth(installationId)` waits out a secondary rate limit (GitHub's 403 with
// retry-after) and backs off from a 502, as the real App would, with the plugins' real timings.
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { API, installationTokens } from "../../test/github-webhooks.js";
import { secondaryRateLimit } from "../../test/github-limits.js";
import { appProbot, readAppEnv } from "./serve.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("dellm serve's installation clients", () => {
  it("retry a secondary rate limit after GitHub's retry-after, then a 502 with back-off", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const env = readAppEnv({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "s" });
    const lines: string[] = [];
    const App = appProbot(env, privateKey, (line) => lines.push(line));
    const octokit = await new App({ log: pino({ level: "silent" }) }).auth(42);
    installationTokens();
    const at: number[] = [];
    const list = nock(API)
      .get("/repos/octo/demo/pulls")
      .reply(...secondaryRateLimit(1))
      .get("/repos/octo/demo/pulls")
      .reply(502, { message: "Server Error" })
      .get("/repos/octo/demo/pulls")
      .reply(200, [{ number: 12 }]);
    list.on("request", () => at.push(Date.now()));

    const { data } = await octokit.rest.pulls.list({ owner: "octo", repo: "demo" });
    expect(data).toEqual([{ number: 12 }]);
    expect(list.isDone()).toBe(true);
    // 1 s as GitHub asked, then plugin-retry's first step (1² × 1 s).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(950);
    expect(lines).toEqual([
      expect.stringMatching(
        /GitHub's secondary rate limit on GET \/repos\/\{owner\}\/\{repo\}\/pulls: retrying in 1 s \(retry 1 of 3\)/,
      ),
    ]);
  }, 15_000);
});
