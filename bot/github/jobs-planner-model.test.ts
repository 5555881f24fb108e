// The planner's model as a GitHub job sees it: a Claude model retired while the bot runs fails the
// job on the issue with the explanation (the job kept, `/dellm retry` working once the setting is
// fixed), and the progress comment and the pull request name the model that planned. Claude is the
// real SDK against a local Messages/Models API; git is a bare repository; GitHub's API is nock.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { fakeModel, FakeAnthropicApi } from "../../test/fake-anthropic-api.js";
import { stubFileSolver } from "../../test/fixtures.js";
import { issueRequest, jobsFixture, jobTask, retryRequest, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { openPlannerSource } from "../pipeline/choose-planner.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner, type PlannerModel } from "../pipeline/planner.js";
import { GitHubJobStore } from "./job-store.js";
import type { GitHubJobs } from "./jobs.js";

const KEY = "sk-ant-test";
const plan = JSON.stringify([jobTask(1, "core.py"), jobTask(2, "extra.py")]);
const solver = stubFileSolver;
/** Claude's answers: the plan to prompt 5.1, a summary to 5.7. */
const answer = (prompt: string) => (prompt.includes("break it down into subproblems") ? plan : "Wrote the app.");

// nock lets this machine through: the fake Anthropic API.
const fixture = jobsFixture({ prefix: "dellm-jobs-model-", files: { "README.md": "# demo\n" } });
let api: FakeAnthropicApi;

beforeEach(async () => {
  api = await FakeAnthropicApi.start({
    apiKey: KEY,
    reply: answer,
    models: [
      fakeModel("claude-haiku-4-5", "2025-10-15T00:00:00Z"),
      fakeModel("claude-sonnet-4-6", "2026-02-17T00:00:00Z"),
      fakeModel("claude-opus-4-7", "2026-04-16T00:00:00Z"),
      fakeModel("claude-sonnet-4-5-20250929", "2025-09-29T00:00:00Z"),
    ],
  });
});
afterEach(async () => {
  await api.close();
});

/** A bot as `dellm serve` makes it from these settings (its planner checked at start). */
async function bot(variables: Record<string, string>): Promise<GitHubJobs> {
  const env = readEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: api.baseURL, ...variables });
  const planning = await openPlannerSource(env, "unused: Claude plans", () => {});
  return botWith(planning.planner);
}

function botWith(planner: () => Promise<Planner>): GitHubJobs {
  return fixture.githubJobs({ planner, distribution: inProcessWorkers([solver]) });
}

const issue = issueRequest();

describe("the planner's model in GitHub jobs", () => {
  it("a configured model retired mid-run fails the job on the issue with the models the key can use; after the fix, /dellm retry plans and the PR names the model", async () => {
    const comments = captureComments();
    const github = pullRequestApi();
    const pinned = await bot({ DELLM_CLAUDE_MODEL: "claude-sonnet-4-6" }); // checked at start: listed
    api.retire("claude-sonnet-4-6", "2026-09-01");

    const failed = await settled(await pinned.start(issue), pinned);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "planning", tasks: [] });
    expect(failed.planner_model).toBeUndefined();
    const said = comments.bodies.at(-1)!;
    expect(said).toMatch(
      /failed while planning: DELLM_CLAUDE_MODEL=claude-sonnet-4-6 was retired by Anthropic on 2026-09-01; set DELLM_CLAUDE_MODEL to one of them, or unset it to use the newest Sonnet\./,
    );
    expect(said).toContain("Models this key can use: claude-opus-4-7, claude-haiku-4-5, claude-sonnet-4-5-20250929");
    expect(said).toMatch(/Fix the bot's setting and restart it, then comment `\/dellm retry`; the job is kept\.$/);
    expect(github.created).toEqual([]);
    expect((await fixture.store.get(failed.id))?.stage).toBe("failed");

    // The maintainer unsets DELLM_CLAUDE_MODEL and restarts: the newest Sonnet still listed plans the retry.
    const fixed = await bot({});
    const retried = await settled(await fixed.retry(retryRequest()), fixed);
    expect(retried.stage, retried.error).toBe("done");
    expect(retried).toMatchObject({ retry_of: failed.id, planner_model: "claude-sonnet-4-5-20250929" });
    expect(api.requests.filter((r) => r.path === "/v1/messages").map((r) => r.body!.model)).toEqual([
      "claude-sonnet-4-6",
      "claude-sonnet-4-5-20250929",
      "claude-sonnet-4-5-20250929",
    ]);
    expect(String(github.created[0]!.body)).toContain("planned by `claude-sonnet-4-5-20250929`");
    expect(github.edits.at(-1)).toMatch(/- \[x\] plan: 2 tasks \(planner `claude-sonnet-4-5-20250929`\)/);
    // Saved with the job, so a restarted bot still knows.
    expect((await (await GitHubJobStore.open(join(fixture.dir, "dellm.db"))).get(retried.id))?.planner_model).toBe(
      "claude-sonnet-4-5-20250929",
    );
  });

  it("a job planned by the local model says local and the GGUF name", async () => {
    const github = pullRequestApi();
    captureComments();
    const gguf: PlannerModel = {
      name: "qwen2.5-1.5b-instruct-q8_0.gguf",
      complete: async (prompt: Parameters<PlannerModel["complete"]>[0]) => answer(JSON.stringify(prompt)),
    };
    const local = botWith(async () => new Planner(gguf));
    const done = await settled(await local.start(issue), local);
    expect(done.stage, done.error).toBe("done");
    expect(done.planner_model).toBe("local (qwen2.5-1.5b-instruct-q8_0.gguf)");
    expect(String(github.created[0]!.body)).toContain("planned by `local (qwen2.5-1.5b-instruct-q8_0.gguf)`");
  });
});
