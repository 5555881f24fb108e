// GitHub's rate-limit errors told apart from its other refusals, as Octokit throws them (nock
// answers a client with no retries), and what the issue is then told.
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { secondaryRateLimit } from "../../test/github-limits.js";
import { API, installationOctokit } from "../../test/github-webhooks.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import { explain } from "./job-failures.js";
import type { GitHubJob } from "./job-store.js";
import { rateLimited } from "./octokit-limits.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** The error Octokit throws for this answer to a PR list. */
async function refusal(status: number, body: object, headers: Record<string, string> = {}): Promise<unknown> {
  nock(API).get("/repos/octo/demo/pulls").reply(status, body, headers);
  return installationOctokit()
    .rest.pulls.list({ owner: "octo", repo: "demo" })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
}

const job = { branch: "dellm/issue-7", stage: "pushing", commit: "abc", settings: DEFAULT_SETTINGS } as GitHubJob;

describe("GitHub's rate limits", () => {
  it("recognises a secondary rate limit, with GitHub's words and the wait it asked for", async () => {
    const error = await refusal(...secondaryRateLimit(90));
    expect(rateLimited(error)).toEqual({
      secondary: true,
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      waitSeconds: 90,
    });
    expect(explain(error, job, undefined)).toMatch(
      /^GitHub's secondary rate limit refused the bot's requests, still after its retries \(GitHub said: "You have exceeded.*"\)\. Nothing is lost: branch `dellm\/issue-7` is pushed and the results are kept\. Wait about 2 minutes, then comment `\/dellm retry`; it goes on from there\./,
    );
  });

  it("recognises a used-up primary limit by its headers, waiting until its reset", async () => {
    const now = Date.now();
    const reset = String(Math.floor(now / 1000) + 600);
    const error = await refusal(
      403,
      { message: "API rate limit exceeded for installation ID 42." },
      { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
    );
    const limit = rateLimited(error, now);
    expect(limit).toMatchObject({ secondary: false, message: "API rate limit exceeded for installation ID 42." });
    expect(limit!.waitSeconds).toBeGreaterThanOrEqual(599);
    expect(explain(error, { ...job, stage: "distributing" }, undefined)).toMatch(
      /^GitHub's API rate limit for this app's installation refused .* Nothing is lost: the results so far are kept\. Wait about 10 minutes, then comment `\/dellm retry`/,
    );
  });

  it("leaves GitHub's other refusals alone: a permission 403, a 404, a 502", async () => {
    for (const answer of [
      [403, { message: "Resource not accessible by integration" }],
      [404, { message: "Not Found" }],
      [502, { message: "Server Error" }],
    ] as const) {
      const error = await refusal(answer[0], answer[1]);
      expect(error, String(answer[0])).toBeInstanceOf(Error);
      expect(rateLimited(error), String(answer[0])).toBeUndefined();
    }
    expect(rateLimited(new Error("You have exceeded a secondary rate limit"))).toBeUndefined();
  });
});
