// The live `dellm` check run of a GitHub job: created in_progress on the commit the job starts from,
// updated as it moves, moved to the commit it pushes and concluded there with the PR's table; a
// failure concluded with its reason; a refusal (403) that never fails the job; a restart that goes
// on with the same run. Real git (a bare repository as the remote), in-process workers; GitHub is nock.
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { beforeEach, describe, expect, it } from "vitest";
import { issueRequest, jobsFixture, jobTask, retryRequest, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi, type CheckRunCall } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { GitHubJobStore } from "./job-store.js";
import type { GitHubJobs, GitHubJobsOptions, IssueRequest } from "./jobs.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const plan = [jobTask(1, "core.py"), jobTask(2, "extra.py")];

const fixture = jobsFixture({ prefix: "dellm-check-run-" });
let base: string;
let logs: string[];

beforeEach(async () => {
  base = (await simpleGit(fixture.remote).revparse(["main"])).trim();
  logs = [];
});

function jobs(options: Partial<GitHubJobsOptions> = {}): GitHubJobs {
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: JSON.stringify(plan) },
    { kind: "summary", reply: "Wrote the app." },
  ]);
  return fixture.githubJobs({
    planner: async () => new Planner(model, { retries: 1 }),
    // Every progress step is sent (nothing waits on a timer): the sequence is the same on every run.
    checkRunIntervalMs: 0,
    log: (line) => logs.push(line),
    ...options,
  });
}

function request(settings: Partial<AppSettings> = {}): IssueRequest {
  return issueRequest({ settings: { ...DEFAULT_SETTINGS, ...settings } });
}

const output = (call: CheckRunCall | undefined) => call?.body.output as { title: string; summary: string };
const progressTitle =
  /^(Starting|Planning: splitting the issue into tasks|\d of 2 tasks solved by the swarm|Merging the results|Running the repository's tests on the merged commit|Pushing the branch and opening the pull request)$/;

describe("the live check run", () => {
  it("runs on the base commit while the job works, then on the pushed commit, concluded with the PR's table", async () => {
    captureComments();
    const api = pullRequestApi();
    const bot = jobs();
    const done = await settled(await bot.start(request()), bot);
    expect(done.stage, done.error).toBe("done");
    const calls = api.checkRunCalls;
    const [first, ...rest] = calls;

    // Created in_progress on the base branch's head: no PR exists yet, and the job has no commit of its own.
    expect(first).toMatchObject({
      method: "POST",
      id: 5,
      body: { name: "dellm", head_sha: base, status: "in_progress", external_id: done.id },
    });
    // Updated as the job moved.
    const moved = rest.findIndex((c) => c.method === "POST");
    const progress = rest.slice(0, moved);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const call of progress) {
      expect(call).toMatchObject({ method: "PATCH", id: 5, body: { status: "in_progress" } });
      expect(output(call).title).toMatch(progressTitle);
    }
    expect(progress.map((c) => output(c).title)).toContain("Planning: splitting the issue into tasks");

    // At the push: a run on the pushed commit (the PR's head), the first one pointing at it, then the verdict.
    expect(rest.slice(moved)).toMatchObject([
      { method: "POST", id: 6, body: { head_sha: done.commit, status: "in_progress", external_id: done.id } },
      { method: "PATCH", id: 5, body: { status: "completed", conclusion: "neutral" } },
      { method: "PATCH", id: 6, body: { status: "completed", conclusion: "success" } },
    ]);
    expect(output(calls[moved + 2]).title).toBe(`Moved to ${done.commit!.slice(0, 7)}, the commit this job pushed`);
    expect(output(calls.at(-1))).toEqual({
      title: "2 of 2 files passed their tests; the repository's tests were not run",
      summary: api.created[0]!.body,
    });
    expect(output(calls.at(-1)).summary).toMatch(/\| `app\/extra\.py` \| 2 \|.*✅ passed \|/);
    // The record names the run on the job's commit.
    expect((await fixture.store.get(done.id))?.check_run).toEqual({ id: 6, head_sha: done.commit });
  });

  it("concludes a failed job's run as failure with the reason, on the commit it started from", async () => {
    fixture.gitData.refuseRefs = "branch protection: pushes to dellm/* need a review";
    captureComments();
    const api = pullRequestApi();
    const bot = jobs();
    const failed = await settled(await bot.start(request()), bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "pushing" });
    const calls = api.checkRunCalls;
    expect(calls.filter((c) => c.method === "POST")).toMatchObject([{ id: 5, body: { head_sha: base } }]);
    expect(calls.slice(1, -1).length).toBeGreaterThanOrEqual(1);
    for (const call of calls.slice(1, -1))
      expect(call).toMatchObject({ method: "PATCH", id: 5, body: { status: "in_progress" } });
    expect(calls.at(-1)).toMatchObject({
      method: "PATCH",
      id: 5,
      body: { status: "completed", conclusion: "failure" },
    });
    expect(output(calls.at(-1)).title).toMatch(
      /^Failed while pushing: pushing branch `dellm\/issue-7` was rejected \(.*branch protection/,
    );
    expect(output(calls.at(-1)).summary).toMatch(/\*\*Failed\*\* while pushing: .*branch protection/);
  });

  it("never fails a job over a check run GitHub refuses (403): logged once, no more asked", async () => {
    captureComments();
    const api = pullRequestApi({ refuseCheckRuns: true });
    const bot = jobs();
    const done = await settled(await bot.start(request()), bot);
    expect(done.stage, done.error).toBe("done");
    expect(api.created).toHaveLength(1);
    expect(done.check_run).toBeUndefined();
    expect(api.checkRunCalls).toMatchObject([{ method: "POST", body: { head_sha: base } }]);
    const said = logs.filter((l) => /check run/.test(l));
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(`refused the check run of job ${done.id} on octo/demo \\(403: Resource not accessible`),
      ),
    ]);
  });

  it("goes on updating the same run after a restart", async () => {
    captureComments();
    const api = pullRequestApi();
    const first = jobs({ distribution: inProcessWorkers([]) });
    const outcome = await first.start(request());
    const id = outcome.started ? outcome.jobId : "";
    while ((await fixture.store.get(id))?.stage !== "distributing") await new Promise((r) => setTimeout(r, 50));
    await first.stop();
    expect((await fixture.store.get(id))?.check_run).toEqual({ id: 5, head_sha: base });
    const before = api.checkRunCalls.length;

    const second = jobs({ store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")) });
    await second.resume();
    const done = await second.settled(id)!;
    expect(done.stage, done.error).toBe("done");
    const after = api.checkRunCalls.slice(before);
    // No second run on the base commit: the saved one was updated, then moved from.
    expect(after.filter((c) => c.method === "POST")).toMatchObject([{ id: 6, body: { head_sha: done.commit } }]);
    expect(after).toContainEqual(expect.objectContaining({ method: "PATCH", id: 5 }));
    expect(api.checkRuns.map((r) => [r.head_sha, r.conclusion])).toEqual([
      [base, "neutral"],
      [done.commit, "success"],
    ]);
  });

  it("starts a retry's run on its PR's head, where the PR shows it", async () => {
    captureComments();
    const api = pullRequestApi();
    const planned = [jobTask(1, "core.py"), jobTask(2, "tool.py", "scripts/")];
    const model = () =>
      new ScriptedCodeModel([
        { kind: "decompose", reply: JSON.stringify(planned) },
        { kind: "summary", reply: "Wrote the app." },
      ]);
    const bot = jobs({ planner: async () => new Planner(model(), { retries: 1 }) });
    // scripts/tool.py is outside the paths allowed: the job is done with a failed row, the retry re-runs it.
    const first = await settled(await bot.start(request({ paths: ["app/"] })), bot);
    expect(first.stage, first.error).toBe("done");
    const retried = await settled(
      await bot.retry(retryRequest({ settings: { ...DEFAULT_SETTINGS, paths: ["app/"] } })),
      bot,
    );
    expect(retried.stage, retried.error).toBe("done");
    // Nothing new to push: the run stays on the PR's head and carries the verdict there.
    expect(api.checkRuns.filter((r) => r.external_id === retried.id)).toMatchObject([
      { head_sha: first.commit, status: "completed", conclusion: "failure" },
    ]);
    expect(retried.check_run?.head_sha).toBe(first.commit);
    expect(first.commit).not.toBe(base);
  });
});
