// A job against GitHub's limits: the installation client comes from Probot's `auth(42)` with the
// App's Octokit (octokit-limits.ts), so retry and throttling are the real plugins; GitHub is nock.
// The retry waits are cut to 20 ms per second GitHub asks for (retryAfterBaseValue) and the pacing
// of writes is off, so the tests take seconds (serve-limits.test.ts runs the real timings).
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { beforeEach, describe, expect, it } from "vitest";
import { jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { secondaryRateLimit, withoutWritePacing } from "../../test/github-limits.js";
import { API, captureComments, installationTokens, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { Planner } from "../pipeline/planner.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import type { Octokit } from "./job-comment.js";
import type { GitHubJobs } from "./jobs.js";
import { DEFAULT_LIMIT_RETRIES, limitedOctokit } from "./octokit-limits.js";

const BASE_MS = 20;
const plan = [jobTask(1, "core.py")];
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const fixture = jobsFixture({ prefix: "dellm-limits-" });
let limitLog: string[];
let octokit: Octokit;

beforeEach(async () => {
  limitLog = [];
  const App = Probot.defaults({
    appId: 1,
    privateKey,
    log: pino({ level: "silent" }),
    Octokit: withoutWritePacing(limitedOctokit({ retryAfterBaseValue: BASE_MS, log: (line) => limitLog.push(line) })),
  });
  octokit = await new App().auth(42);
  installationTokens();
});

function jobs(): GitHubJobs {
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: [JSON.stringify(plan)] },
    { kind: "summary", reply: "Wrote the app." },
  ]);
  return fixture.githubJobs({ planner: async () => new Planner(model, { retries: 1 }), auth: async () => octokit });
}

const where = { owner: "octo", repo: "demo", installationId: 42, requestedBy: "alice", settings: DEFAULT_SETTINGS };

/** PR creations GitHub refuses, in this order, before pullRequestApi's own answers; each one's time. */
function refusedCreations(...answers: ReturnType<typeof secondaryRateLimit>[]): number[] {
  const at: number[] = [];
  const scope = nock(API);
  for (const answer of answers) scope.post("/repos/octo/demo/pulls").reply(...answer);
  scope.on("request", () => at.push(Date.now()));
  return at;
}

describe("a job against GitHub's limits", () => {
  it("retries a secondary rate limit and then a 502 on PR creation, with back-off, and finishes with its PR", async () => {
    const refused = refusedCreations(secondaryRateLimit(1), [502, { message: "Server Error" }, {}]);
    const comments = captureComments();
    const api = pullRequestApi();
    const bot = jobs();
    const done = await settled(await bot.start({ ...where, issueNumber: 7, title: "Build it", body: "" }), bot);
    expect(done.stage, done.error).toBe("done");
    expect(done).toMatchObject({ pr_number: 12, pr_url: "https://github.com/octo/demo/pull/12" });
    expect(refused).toHaveLength(2);
    expect(api.created).toHaveLength(1);
    // Waited as asked: retry-after 1 (× BASE_MS), then plugin-retry's first back-off step (1² × BASE_MS).
    expect(refused[1]! - refused[0]!).toBeGreaterThanOrEqual(BASE_MS);
    expect(limitLog).toEqual([
      expect.stringMatching(
        /GitHub's secondary rate limit on POST \/repos\/\{owner\}\/\{repo\}\/pulls: retrying in 1 s/,
      ),
    ]);
    expect(comments.bodies.at(-1)).toBe(
      `dellm finished job \`${done.id}\`: https://github.com/octo/demo/pull/12 has 1 files, all passing their tests.`,
    );
  }, 60_000);

  it("says so on the issue when the limit persists, keeps the job, and `/dellm retry` then opens the PR", async () => {
    const limit = secondaryRateLimit(1);
    const refused = refusedCreations(...Array.from({ length: DEFAULT_LIMIT_RETRIES + 1 }, () => limit));
    const comments = captureComments();
    const api = pullRequestApi();
    const bot = jobs();
    const failed = await settled(await bot.start({ ...where, issueNumber: 7, title: "Build it", body: "" }), bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "pushing" });
    expect(refused).toHaveLength(DEFAULT_LIMIT_RETRIES + 1);
    expect(limitLog.at(-1)).toMatch(/giving up after 3 retries \(GitHub asks to wait 1 s\)/);
    const said = comments.bodies.at(-1)!;
    expect(said).toContain(`dellm job \`${failed.id}\` failed while pushing: GitHub's secondary rate limit refused`);
    expect(said).toContain(
      'GitHub said: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."',
    );
    expect(said).toMatch(
      /branch `dellm\/issue-7` is pushed and the results are kept\. Wait a minute, then comment `\/dellm retry`/,
    );
    expect(said).toContain("DELLM_MAX_JOBS");
    expect(api.created).toEqual([]);
    // The record stays, with what it pushed: the retry builds on it.
    expect(await fixture.store.get(failed.id)).toMatchObject({
      stage: "failed",
      commit: failed.commit,
      results: [{ task_id: 1 }],
    });

    const retried = await settled(await bot.retry({ ...where, number: 7, requestedBy: "bob" }), bot);
    expect(retried.stage, retried.error).toBe("done");
    expect(retried).toMatchObject({ retry_of: failed.id, branch: "dellm/issue-7", pr_number: 12 });
    expect(api.created).toHaveLength(1);
    // The branch's test report carries over to the PR the retry opens (here: no sandbox, so not run).
    expect(retried.repository_tests).toEqual(failed.repository_tests);
    expect(String(api.created[0]!.body)).toContain("Not run: the bot runs without its own sandbox");
  }, 60_000);
});
