// GitHubJobs' queue: a burst of labelled issues never runs more than DELLM_MAX_JOBS at once, each
// issue is told its place at once (and that comment becomes the progress), `/dellm stop` of a queued
// and of a running job, and a restart resuming the queue in its order. Real git (a bare repository
// as the remote) and the real JobBoard with in-process workers; GitHub's API is nock.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { passingResult, stubFileSolver } from "../../test/fixtures.js";
import { issueRequest, jobsFixture, jobTask, retryRequest } from "../../test/github-jobs.js";
import { captureComments, installationOctokit, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";
import type { GitHubJobs, GitHubJobsOptions, IssueRequest } from "./jobs.js";
import type { Distribution } from "../pipeline/distribution.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const plan = [jobTask(1, "core.py"), jobTask(2, "extra.py")];
const ACTIVE: GitHubJob["stage"][] = ["planning", "distributing", "merging", "pushing"];

// Each test opens its own WatchedStore.
const fixture = jobsFixture({ prefix: "dellm-queue-", store: false });
const octokit = installationOctokit();

/**
 * A job store that watches every save: how many jobs are past "queued" and not yet ended at once
 * (the most ever seen), and the order in which jobs first left the queue.
 */
class WatchedStore extends GitHubJobStore {
  readonly stages = new Map<string, GitHubJob["stage"]>();
  readonly startOrder: string[] = [];
  most = 0;
  override async save(job: GitHubJob): Promise<void> {
    this.stages.set(job.id, job.stage);
    if (ACTIVE.includes(job.stage) && !this.startOrder.includes(job.id)) this.startOrder.push(job.id);
    this.most = Math.max(this.most, [...this.stages.values()].filter((s) => ACTIVE.includes(s)).length);
    return super.save(job);
  }
}

/** In-process workers behind a gate: a job waits at the gate (or until it is stopped) before its tasks are solved. */
function gated(): Distribution & { open(): void; waiting: number } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const inner = inProcessWorkers([stubFileSolver]);
  const distribution = {
    waiting: 0,
    open: () => open(),
    async distribute(request, options) {
      distribution.waiting++;
      const aborted = new Promise<void>((resolve) => options.signal?.addEventListener("abort", () => resolve()));
      await Promise.race([gate, aborted]);
      distribution.waiting--;
      if (options.signal?.aborted) return { results: new Map(), timedOut: false };
      return inner.distribute(request, options);
    },
  } satisfies Distribution & { open(): void; waiting: number };
  return distribution;
}

function planner(): () => Promise<Planner> {
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: [JSON.stringify(plan)] },
    { kind: "summary", reply: "Wrote the app." },
  ]);
  return async () => new Planner(model, { retries: 1 });
}

function jobs(store: GitHubJobStore, options: Partial<GitHubJobsOptions>): GitHubJobs {
  return fixture.githubJobs({ store, planner: planner(), auth: async () => octokit, ...options });
}

const request = (issueNumber: number): IssueRequest =>
  issueRequest({ issueNumber, title: `Build part ${issueNumber}` });

/** Labels the issues all at once (`burst`) or one after the other, so that the queue's order is known. */
async function startAll(bot: GitHubJobs, issues: number[], burst = false): Promise<string[]> {
  const outcomes = burst
    ? await Promise.all(issues.map((n) => bot.start(request(n))))
    : await issues.reduce<Promise<Awaited<ReturnType<GitHubJobs["start"]>>[]>>(
        async (done, n) => [...(await done), await bot.start(request(n))],
        Promise.resolve([]),
      );
  return outcomes.map((o) => {
    if (!o.started) throw new Error(`not started: ${o.reason}`);
    return o.jobId;
  });
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
  expect(await check()).toBe(true);
}

describe("GitHub jobs in the queue", () => {
  it("runs at most DELLM_MAX_JOBS of a burst at once, tells each issue its place, and edits that comment into the progress", async () => {
    const issues = [7, 8, 9, 10, 11];
    const comments = new Map(issues.map((n) => [n, captureComments(n, n * 100)]));
    pullRequestApi();
    const store = await WatchedStore.open(join(fixture.dir, "dellm.db"));
    const distribution = gated();
    const bot = jobs(store, { maxJobs: 2, distribution });
    const ids = await startAll(bot, issues, true);
    // start() returns once the job is saved and queued (the webhook is answered then); each issue's
    // queued comment follows in the background, before the job can edit it into its progress.
    await Promise.all(ids.map((id) => bot.acknowledged(id)));

    // Every issue was told it is queued, with its place.
    const first = issues.map((n) => comments.get(n)!.bodies[0]);
    expect(first.every((b) => b?.includes("Queued: "))).toBe(true);
    expect(first.filter((b) => b?.includes("Queued: starting now; at most 2 run at a time."))).toHaveLength(2);
    expect(first.filter((b) => b?.includes("ahead of this one and 2 running; at most 2 run at a time"))).toHaveLength(
      3,
    );
    expect(first.some((b) => b?.includes("Queued: 2 jobs ahead of this one and 2 running"))).toBe(true);

    await until(() => distribution.waiting === 2);
    expect(bot.counts()).toEqual({ queued: 3, running: 2, max_jobs: 2 });
    const stages = await Promise.all(ids.map(async (id) => (await store.get(id))!.stage));
    expect(stages.filter((s) => s === "queued")).toHaveLength(3);

    distribution.open();
    const done = await Promise.all(ids.map((id) => bot.settled(id)!));
    expect(done.map((j) => j.stage)).toEqual(["done", "done", "done", "done", "done"]);
    expect(store.most).toBe(2);
    expect(bot.counts()).toEqual({ queued: 0, running: 0, max_jobs: 2 });
    // One progress comment per issue: the queued one, edited (the second is the final summary).
    for (const job of done) {
      expect(job.comment_id).toBe(job.issue_number * 100);
      expect(comments.get(job.issue_number)!.bodies).toHaveLength(2);
    }
  });

  it("`/dellm stop` takes a queued job off the queue: it never starts, its comment and record say who stopped it", async () => {
    const a = captureComments(7, 700);
    const b = captureComments(8, 800);
    const api = pullRequestApi();
    const store = await WatchedStore.open(join(fixture.dir, "dellm.db"));
    const distribution = gated();
    const withdrawn: string[] = [];
    const bot = jobs(store, { maxJobs: 1, distribution, withdraw: (id) => withdrawn.push(id) });
    const [first, second] = await startAll(bot, [7, 8]);
    await until(() => distribution.waiting === 1);
    expect(b.bodies[0]).toMatch(
      /Queued: 0 jobs ahead of this one and 1 running; at most 1 runs at a time\. Comment `\/dellm stop`/,
    );

    const ending = bot.settled(second!)!;
    expect(await bot.stopJob({ owner: "octo", repo: "demo", number: 8, requestedBy: "bob" })).toEqual({
      stopped: true,
      jobId: second,
    });
    expect(await ending).toMatchObject({ stage: "failed", failed_in: "queued", stopped_by: "bob" });
    const record = (await store.get(second!))!;
    expect(record).toMatchObject({ stage: "failed", failed_in: "queued", stopped_by: "bob", tasks: [] });
    expect(bot.counts()).toEqual({ queued: 0, running: 1, max_jobs: 1 });
    expect(record.error).toMatch(/stopped by @bob with `\/dellm stop` before it started/);
    expect(store.startOrder).not.toContain(second);
    expect(b.bodies.at(-1)).toMatch(/took job `.+` off the queue at @bob's request; none of it had run/);
    expect(api.edits.some((e) => e.includes("**Stopped** by @bob while queued"))).toBe(true);
    expect(withdrawn).toEqual([]); // it never reached the swarm
    // Nothing left to stop on that issue now.
    expect(await bot.stopJob({ owner: "octo", repo: "demo", number: 8, requestedBy: "bob" })).toMatchObject({
      stopped: false,
      reason: expect.stringMatching(/no dellm job is queued or running for #8/),
    });

    distribution.open();
    expect((await bot.settled(first!))!.stage).toBe("done");
    expect(a.bodies.at(-1)).toMatch(/dellm finished job/);
  });

  it("`/dellm stop` of a running job aborts it where it stands, keeps and reports what finished, starts the next; `/dellm retry` continues", async () => {
    const a = captureComments(7, 700);
    captureComments(8, 800);
    const api = pullRequestApi();
    const store = await WatchedStore.open(join(fixture.dir, "dellm.db"));
    // The first job gets task 1 back, then waits for task 2 until it is stopped; later jobs get everything.
    let calls = 0;
    const signals: AbortSignal[] = [];
    const distribution: Distribution = {
      async distribute(request, { signal }) {
        if (calls++ > 0)
          return inProcessWorkers([stubFileSolver]).distribute(request, { timeoutMs: 10_000, onEvent() {} });
        signals.push(signal!);
        const one = passingResult(request.id, 1, "local-1", "# core.py\n");
        await new Promise((resolve) => signal!.addEventListener("abort", resolve));
        return { results: new Map([[1, one]]), timedOut: false };
      },
    };
    const withdrawn: string[] = [];
    const bot = jobs(store, { maxJobs: 1, distribution, withdraw: (id) => withdrawn.push(id) });
    const [running, next] = await startAll(bot, [7, 8]);
    await until(() => signals.length === 1);
    expect(store.stages.get(next!)).toBe("queued");

    expect(await bot.stopJob({ owner: "octo", repo: "demo", number: 7, requestedBy: "alice" })).toEqual({
      stopped: true,
      jobId: running,
    });
    expect(signals[0]!.aborted).toBe(true);
    const stopped = (await bot.settled(running!))!;
    expect(stopped).toMatchObject({ stage: "failed", failed_in: "distributing", stopped_by: "alice" });
    expect(stopped.results.map((r) => r.task_id)).toEqual([1]);
    expect((await store.get(running!))!.results.map((r) => r.task_id)).toEqual([1]);
    expect(withdrawn).toEqual([running]);
    const report = a.bodies.at(-1)!;
    expect(report).toMatch(/stopped job `.+` while distributing, at @alice's request/);
    expect(report).toMatch(/Finished before the stop \(kept in the job\): task 1 `app\/core\.py` \(passed its tests\)/);
    expect(report).toMatch(/Not finished: task 2 `app\/extra\.py`/);
    expect(report).toMatch(/`\/dellm retry` to continue/);
    expect(api.created).toEqual([]);

    // The slot freed: the queued job ran.
    expect((await bot.settled(next!))!.stage).toBe("done");

    // The retry runs only the unfinished task and keeps task 1's result.
    const retry = await bot.retry(retryRequest());
    if (!retry.started) throw new Error(retry.reason);
    const retried = (await bot.settled(retry.jobId))!;
    expect(retried).toMatchObject({ stage: "done", retry_of: running, rerun: [2] });
    expect(retried.files.map((f) => f.path).sort()).toEqual(["app/core.py", "app/extra.py"]);
  });

  it("a restart resumes the job that was running first, then the queue in the order it was saved", async () => {
    const issues = [7, 8, 9];
    for (const n of issues) captureComments(n, n * 100);
    pullRequestApi();
    const distribution = gated();
    const first = jobs(await WatchedStore.open(join(fixture.dir, "dellm.db")), { maxJobs: 1, distribution });
    const ids = await startAll(first, issues);
    await until(() => distribution.waiting === 1);
    await first.stop();

    const store = await WatchedStore.open(join(fixture.dir, "dellm.db"));
    const saved = await store.all();
    expect(saved.map((j) => [j.id, j.stage])).toEqual([
      [ids[0], "distributing"],
      [ids[1], "queued"],
      [ids[2], "queued"],
    ]);
    // The queued jobs' comments were saved, so the next life edits them.
    expect(saved.map((j) => j.comment_id)).toEqual([700, 800, 900]);

    const second = jobs(store, { maxJobs: 1 });
    expect(await second.resume()).toEqual(ids);
    const done = await Promise.all(ids.map((id) => second.settled(id)!));
    expect(done.map((j) => j.stage)).toEqual(["done", "done", "done"]);
    expect(store.startOrder).toEqual(ids);
    expect(store.most).toBe(1);
    expect(done.map((j) => j.comment_id)).toEqual([700, 800, 900]);
  });
});
