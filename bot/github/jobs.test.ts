// GitHubJobs without the webhook layer: one job per issue, failures reported on the issue with the
// fix, paths the repository forbids, restart and resume without a second PR. Real git (a bare
// repository as the remote), the real JobBoard with in-process workers; GitHub's API is nock.
import { join } from "node:path";
import nock from "nock";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import type { WorkItem } from "../../shared/schemas.js";
import { passingResult, stubFileSolver } from "../../test/fixtures.js";
import { issueRequest, jobsFixture, jobTask, retryRequest, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import type { Prompt } from "../../shared/prompts.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import type { TaskSolver } from "../../worker/worker-loop.js";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { GitHubJobStore } from "./job-store.js";
import type { GitHubJobs, GitHubJobsOptions, IssueRequest } from "./jobs.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const plan = [jobTask(1, "core.py"), jobTask(2, "extra.py")];

/** Solves every task at once with a passing result, as in-process worker local-1 (the sandbox has its own tests). */
const solver = stubFileSolver;

const fixture = jobsFixture({ prefix: "dellm-jobs-" });

/** A planner on a scripted model giving these plan answers in turn; `prompts` holds what it was asked. */
function planner(...answers: string[]): (() => Promise<Planner>) & { prompts: Prompt[] } {
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: answers.length ? answers : [JSON.stringify(plan)] },
    { kind: "summary", reply: "Wrote the app." },
  ]);
  return Object.assign(async () => new Planner(model, { retries: 1 }), { prompts: model.prompts });
}

function jobs(options: Partial<GitHubJobsOptions> = {}): GitHubJobs {
  return fixture.githubJobs({ planner: planner(), distribution: inProcessWorkers([solver]), ...options });
}

function request(settings: Partial<AppSettings> = {}): IssueRequest {
  return issueRequest({ settings: { ...DEFAULT_SETTINGS, ...settings } });
}

describe("GitHub jobs", () => {
  it("runs one job per issue at a time, one open PR per issue; a new one after it closed gets its own branch", async () => {
    const comments = captureComments();
    let pull: { state: "open" | "closed"; merged: boolean } = { state: "open", merged: false };
    const api = pullRequestApi({ pull: () => pull });
    const bot = jobs();
    const [a, b] = await Promise.all([bot.start(request()), bot.start(request())]);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    const refused = a.started ? b : a;
    expect(refused.started === false && refused.reason).toMatch(/already running for #7.*`\/dellm retry`/);
    const first = await settled(a.started ? a : b, bot);
    expect(first.stage, first.error).toBe("done");
    expect(first.branch).toBe("dellm/issue-7");
    expect(api.created).toHaveLength(1);
    expect(comments.bodies[0]).toContain(`job \`${first.id}\``);

    // One PR per issue: while the first job's PR is open, the label starts nothing and says what to do.
    expect(await bot.start(request())).toEqual({
      started: false,
      reason:
        "dellm's pull request https://github.com/octo/demo/pull/12 for #7 is still open. Comment `/dellm <what to change>` to add a commit to it, `/dellm retry` to re-run its failed tasks, or close it and add the label again to start afresh.",
    });
    // Once it is closed, the label starts a new job; the first job's branch is left as it is.
    pull = { state: "closed", merged: false };
    const second = await settled(await bot.start(request()), bot);
    expect(second.stage, second.error).toBe("done");
    expect(second.branch).toMatch(/^dellm\/issue-7-[a-z0-9]{10}$/);
    expect(api.created.map((pr) => pr.head)).toEqual(["dellm/issue-7", second.branch]);
    expect((await simpleGit(fixture.remote).revparse(["dellm/issue-7"])).trim()).toBe(first.commit);
  });

  it("reports a planner that never gives a valid plan, with what to do; a retry plans again", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    nock("https://api.github.com").persist().get("/repos/octo/demo/issues/7/comments").query(true).reply(200, []);
    const refused = ["I would start with a function.", "[]", "[]", "[]", "[]", "[]"];
    const bot = jobs({ planner: planner(...refused, JSON.stringify(plan)) });
    // A plan refused twice asks on the issue (bot/github/jobs.questions.test.ts), at most two rounds;
    // refused after both were answered, the job fails with what to do.
    const outcome = await bot.start(request());
    for (const round of [1, 2]) {
      expect(await settled(outcome, bot)).toMatchObject({ stage: "waiting_for_answers", questions: { length: round } });
      const answered = await bot.answer({ ...retryRequest(), by: "alice", body: `answer ${round}` });
      expect(answered.started).toBe(true);
    }
    const failed = await settled(outcome, bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "planning", tasks: [] });
    expect(comments.bodies.at(-1)).toMatch(
      /failed while planning: the planner's answers were not a usable plan \(.+\)\. Make the issue more specific .*`\/dellm retry`/,
    );
    expect(api.created).toEqual([]);

    const retried = await settled(await bot.retry(retryRequest({ requestedBy: "bob" })), bot);
    expect(retried).toMatchObject({ stage: "done", retry_of: failed.id, rerun: undefined, requested_by: "bob" });
    expect(retried.tasks.map((t) => t.id)).toEqual([1, 2]);
    expect(api.created).toHaveLength(1);
  });

  it("reports when no worker answers in time, naming how a worker joins, and keeps the plan for a retry", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    const hint = "dellm-worker --bootstrap /ip4/203.0.113.7/tcp/4001/p2p/12D3KooWabc --coordinator 12D3KooWabc";
    const bot = jobs({
      planner: planner(JSON.stringify([plan[0]])),
      distribution: inProcessWorkers([]),
      joinHint: hint,
    });
    const failed = await settled(await bot.start(request({ task_timeout_seconds: 10 })), bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "distributing", results: [] });
    expect(failed.tasks).toHaveLength(1);
    expect(comments.bodies.at(-1)).toContain("no worker sent a result for any of the 1 tasks within 10 s");
    expect(comments.bodies.at(-1)).toContain(hint);
    expect(api.created).toEqual([]);

    // With a worker there, the retry runs the kept plan (this planner would not give one).
    const again = jobs({ planner: planner("not a plan") });
    const retried = await settled(await again.retry(retryRequest()), again);
    expect(retried).toMatchObject({ stage: "done", rerun: [1] });
    expect(api.created).toHaveLength(1);
  }, 30_000);

  it("reports a branch GitHub refuses to create, without showing where it pushed, and keeps the results", async () => {
    fixture.gitData.refuseRefs =
      "Repository rule violations found: Cannot create ref due to creations being restricted.";
    const comments = captureComments();
    const api = pullRequestApi();
    const bot = jobs();
    const failed = await settled(await bot.start(request()), bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "pushing" });
    expect(failed.results).toHaveLength(2);
    // The commit GitHub made was never on the branch: the record names none.
    expect(failed.commit).toBeUndefined();
    expect(fixture.gitData.of("refs").map((c) => c.status)).toEqual([422]);
    expect(await simpleGit(fixture.remote).raw(["branch", "--list", "dellm/*"])).toBe("");
    const said = comments.bodies.at(-1)!;
    expect(said).toMatch(
      /pushing branch `dellm\/issue-7` was rejected \(GitHub refused to create branch dellm\/issue-7: Repository rule violations found: Cannot create ref due to creations being restricted\.\)/,
    );
    expect(said).toMatch(/delete it or lift the protection, then comment `\/dellm retry`; the results are kept/);
    expect(said).not.toContain(fixture.remote);
    expect(api.created).toEqual([]);
  });

  it("does not write where .github/dellm.yml does not allow it, and says so in the PR table", async () => {
    const api = pullRequestApi();
    captureComments();
    const outside = [jobTask(1, "core.py"), jobTask(2, "tool.py", "scripts/"), jobTask(3, "ci.py", ".github/")];
    const planning = planner(JSON.stringify(outside));
    const bot = jobs({ planner: planning });
    const done = await settled(await bot.start(request({ paths: ["app/"] })), bot);
    expect(done.stage, done.error).toBe("done");
    expect(done.files.map((f) => [f.path, f.change])).toEqual([
      ["app/core.py", "modified"],
      ["scripts/tool.py", "not written"],
      [".github/ci.py", "not written"],
    ]);
    const body = String(api.created[0]!.body);
    expect(body).toMatch(
      /\| `scripts\/tool\.py` \| 2 \| `local-1` \| 1 \| 0 \| 0 \| not written: refusing path "scripts\/tool\.py": outside the paths \.github\/dellm\.yml allows \(app\/\) \| ❌ failed \|/,
    );
    expect(body).toMatch(/`\.github\/ci\.py`.*allow_github_dir: true/);
    expect(await simpleGit(fixture.remote).raw(["ls-tree", "-r", "--name-only", "dellm/issue-7"])).toBe(
      "README.md\napp/core.py\n",
    );
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "failure" });
    // The planner was told where it may write.
    expect(planning.prompts[0]?.text).toContain("Only write files under: app/.");
  });

  it("resumes a job after a restart from the saved state, with one pull request", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    // First life: no worker comes; the bot stops while the job waits for results.
    const first = jobs({ distribution: inProcessWorkers([]) });
    const outcome = await first.start(request());
    expect(outcome.started).toBe(true);
    const id = outcome.started ? outcome.jobId : "";
    while ((await fixture.store.get(id))?.stage !== "distributing") await new Promise((r) => setTimeout(r, 50));
    await first.stop();
    expect((await fixture.store.get(id))?.stage).toBe("distributing");

    // Second life: the store read afresh from disk; resume picks the job up where it stood (not planned again).
    const second = jobs({
      store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")),
      planner: planner("the plan must not be asked for again"),
    });
    expect(await second.resume()).toEqual([id]);
    const done = await second.settled(id)!;
    expect(done.stage, done.error).toBe("done");
    expect(api.created).toHaveLength(1);
    expect(String(api.created[0]!.body)).toContain(
      "The bot restarted while this job was distributing; it resumed from there.",
    );
    expect(comments.bodies.filter((b) => b.includes(`job \`${id}\``)).length).toBeGreaterThanOrEqual(1);
  });

  it("finds the pull request a stopped bot opened but did not record, and updates it instead of opening another", async () => {
    const api = pullRequestApi({ openPulls: [{ number: 12, html_url: "https://github.com/octo/demo/pull/12" }] });
    captureComments();
    const bot = jobs();
    const done = await settled(await bot.start(request()), bot);
    expect(done).toMatchObject({ stage: "done", pr_number: 12 });
    expect(api.created).toEqual([]);
    expect(api.updated).toHaveLength(1);
    expect(String(api.updated[0]!.body)).toMatch(/^Closes #7/);
  });

  it("reports a planner that cannot be made (no API key, no local model) on the issue", async () => {
    const comments = captureComments();
    const bot = jobs({
      planner: async () => {
        throw new Error(
          "no ANTHROPIC_API_KEY is set, so the bot plans with its local model models/x.gguf, and it could not be loaded (ENOENT); set ANTHROPIC_API_KEY or MODEL_PATH in the bot's environment",
        );
      },
    });
    const failed = await settled(await bot.start(request()), bot);
    expect(failed).toMatchObject({ stage: "failed", failed_in: "planning" });
    expect(comments.bodies.at(-1)).toMatch(
      /failed while planning: no ANTHROPIC_API_KEY is set.*set ANTHROPIC_API_KEY or MODEL_PATH/,
    );
  });

  it("re-tests volunteer results in its own sandbox and marks each file by its own verdict, not the worker's claim", async () => {
    const api = pullRequestApi();
    captureComments();
    // A worker that says "passed" for code whose tests fail (for task 2), and honest code for task 1.
    const liar: TaskSolver = {
      execute: async (item: WorkItem) =>
        passingResult(
          item.jobId,
          item.task.id,
          "local-1",
          item.task.id === 1
            ? "def one():\n    return 1\n\n\ndef test_one():\n    assert one() == 1\n"
            : "def test_two():\n    assert 1 + 1 == 3\n",
        ),
    };
    const bot = jobs({ distribution: inProcessWorkers([liar]), verifier: new DockerSandbox() });
    const done = await settled(await bot.start(request()), bot);
    expect(done.stage, done.error).toBe("done");
    expect(done.files.map((f) => [f.path, f.passed, f.tests_passed, f.tests_failed])).toEqual([
      ["app/core.py", true, 1, 0],
      ["app/extra.py", false, 0, 1],
    ]);
    const body = String(api.created[0]!.body);
    expect(body).toMatch(/\| `app\/extra\.py` \| 2 \| `local-1` \| 0 \| 1 \| 0 \| created \| ❌ failed \|/);
    expect(body).toMatch(/Test log of app\/extra\.py[\s\S]*assert 1 \+ 1 == 3/);
    expect(body).toContain("The bot's own re-test overruled the workers on task(s) 2");
    expect(done.results.find((r) => r.task_id === 2)!.notes.at(-1)).toBe(
      "the worker reported passed; the bot's re-test failed",
    );
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "failure" });
  });

  it("bounds an issue body far over the budget and says so in the PR", async () => {
    const api = pullRequestApi();
    captureComments();
    const planning = planner();
    const bot = jobs({ planner: planning });
    const done = await settled(await bot.start({ ...request(), body: "Please build it. ".repeat(200_000) }), bot);
    expect(done.stage, done.error).toBe("done");
    expect(planning.prompts[0]!.text.length).toBeLessThan(45_000);
    expect(String(api.created[0]!.body)).toContain(
      "The issue body has 3400000 characters; the planner was given the first 16000.",
    );
  });
});
