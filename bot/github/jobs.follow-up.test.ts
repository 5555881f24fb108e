// `/dellm <instruction>` on an issue whose dellm PR is open: a follow-up job plans the instruction
// with the issue, its discussion and the PR's diff in view, and lands one more commit on the same
// branch and PR (real git with a bare remote, in-process workers; GitHub's API is nock).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Task } from "../../shared/schemas.js";
import { stubFileSolver } from "../../test/fixtures.js";
import { bareRepository } from "../../test/git-fixtures.js";
import { captureComments, installationOctokit, LOCAL, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";
import { GitHubJobs, type StartOutcome } from "./jobs.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const API = "https://api.github.com";
const task = (id: number, file: string): Task => ({
  id,
  description: `write ${file}`,
  file,
  dependencies: [],
  input_output_spec: "",
  directory: "app/",
  context: "",
});

let dir: string;
let remote: string;
let store: GitHubJobStore;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(LOCAL);
  dir = await mkdtemp(join(tmpdir(), "dellm-follow-up-"));
  remote = await bareRepository(dir, { "README.md": "# demo\n", "app/core.py": "x = 0\n" });
  store = await GitHubJobStore.open(join(dir, "dellm.db"));
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

async function settled(outcome: StartOutcome, bot: GitHubJobs): Promise<GitHubJob> {
  if (!outcome.started) throw new Error(`not started: ${outcome.reason}`);
  return bot.settled(outcome.jobId)!;
}

describe("a follow-up instruction", () => {
  it("lands one more commit on the same branch and PR, planned with the issue's discussion and the PR's diff", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    // The discussion: a person's comment on the issue and one on the PR; the bot's own are left out.
    nock(API)
      .persist()
      .get("/repos/octo/demo/issues/7/comments")
      .query(true)
      .reply(200, [
        {
          created_at: "2026-12-07T10:00:00Z",
          user: { login: "carol", type: "User" },
          body: "Keep the greeting short.",
        },
        { created_at: "2026-12-07T10:01:00Z", user: { login: "dellm[bot]", type: "Bot" }, body: "dellm finished job" },
      ]);
    nock(API)
      .persist()
      .get("/repos/octo/demo/issues/12/comments")
      .query(true)
      .reply(200, [
        { created_at: "2026-12-07T10:02:00Z", user: { login: "alice", type: "User" }, body: "Looks right so far." },
      ]);
    const model = new ScriptedCodeModel([
      { kind: "decompose", when: "Follow-up request", reply: JSON.stringify([task(1, "greeting.py")]) },
      { kind: "decompose", reply: JSON.stringify([task(1, "core.py"), task(2, "extra.py")]) },
      { kind: "summary", reply: "Wrote the app." },
    ]);
    const bot = new GitHubJobs({
      store,
      workDir: join(dir, "clones"),
      planner: async () => new Planner(model, { retries: 1 }),
      distribution: inProcessWorkers([stubFileSolver]),
      auth: async () => installationOctokit(),
      remoteUrl: () => remote,
      commentIntervalMs: 10,
    });
    const first = await settled(
      await bot.start({
        owner: "octo",
        repo: "demo",
        installationId: 42,
        issueNumber: 7,
        title: "Build the app",
        body: "core and extra",
        requestedBy: "alice",
        settings: DEFAULT_SETTINGS,
      }),
      bot,
    );
    expect(first).toMatchObject({ stage: "done", pr_number: 12, branch: "dellm/issue-7" });

    // Said on the PR (#12): the job is found through its PR.
    const followUp = await settled(
      await bot.followUp({
        owner: "octo",
        repo: "demo",
        installationId: 42,
        number: 12,
        instruction: "add a greeting module",
        requestedBy: "bob",
        settings: DEFAULT_SETTINGS,
      }),
      bot,
    );
    expect(followUp).toMatchObject({
      stage: "done",
      retry_of: first.id,
      branch: "dellm/issue-7",
      pr_number: 12,
      follow_up: { instruction: "add a greeting module", by: "bob" },
      rerun: [3],
    });
    expect(followUp.tasks.map((t) => [t.id, t.file])).toEqual([
      [1, "core.py"],
      [2, "extra.py"],
      [3, "greeting.py"],
    ]);
    expect(followUp.files.map((f) => f.path).sort()).toEqual(["app/core.py", "app/extra.py", "app/greeting.py"]);

    // One new commit on the same branch, on top of the first job's; the same PR updated, none opened.
    const git = simpleGit(remote);
    expect((await git.revparse(["dellm/issue-7"])).trim()).toBe(followUp.commit);
    expect((await git.revparse([`${followUp.commit}^`])).trim()).toBe(first.commit);
    expect((await git.raw(["diff", "--name-only", first.commit!, followUp.commit!])).trim()).toBe("app/greeting.py");
    expect(api.created).toHaveLength(1);
    expect(api.updated).toHaveLength(1);
    expect(String(api.updated.at(-1)!.body)).toContain("app/greeting.py");

    // The planner saw the instruction, the discussion without the bot's comments, and the PR's diff.
    const asked = model.prompts.filter((p) => p.kind === "decompose").at(-1)!.text;
    expect(asked).toContain("Follow-up request from @bob");
    expect(asked).toContain("add a greeting module");
    expect(asked).toContain("- @carol: Keep the greeting short.");
    expect(asked).toContain("- @alice: Looks right so far.");
    expect(asked).not.toContain("dellm finished job");
    expect(asked).toContain("app/extra.py");
    expect(comments.bodies.at(-1)).toContain(
      `Follow-up of @bob ("add a greeting module"): commit ${followUp.commit!.slice(0, 12)} changes \`app/greeting.py\` on https://github.com/octo/demo/pull/12.`,
    );
    expect(comments.bodies.at(-1)).toContain(`job \`${followUp.id}\``);
  }, 60_000);

  it("is refused where the issue has no dellm job yet, naming the label", async () => {
    const bot = new GitHubJobs({
      store,
      workDir: join(dir, "clones"),
      planner: async () => {
        throw new Error("not planned");
      },
      distribution: inProcessWorkers([]),
      auth: async () => installationOctokit(),
      remoteUrl: () => remote,
    });
    expect(
      await bot.followUp({
        owner: "octo",
        repo: "demo",
        installationId: 42,
        number: 9,
        instruction: "add a greeting module",
        requestedBy: "bob",
        settings: DEFAULT_SETTINGS,
      }),
    ).toEqual({
      started: false,
      reason: "there is no dellm pull request for #9 yet; add the `dellm` label to the issue to start one.",
    });
  });
});
