// `/dellm <instruction>` on an issue whose dellm PR is open: a follow-up job plans the instruction
// with the issue, its discussion and the PR's diff in view, and lands one more commit on the same
// branch and PR (real git with a bare remote, in-process workers; GitHub's API is nock).
import nock from "nock";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { followUpRequest, issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { API, captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const fixture = jobsFixture({ prefix: "dellm-follow-up-" });

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
      { kind: "decompose", when: "Follow-up request", reply: JSON.stringify([jobTask(1, "greeting.py")]) },
      { kind: "decompose", reply: JSON.stringify([jobTask(1, "core.py"), jobTask(2, "extra.py")]) },
      { kind: "summary", reply: "Wrote the app." },
    ]);
    const bot = fixture.githubJobs({ planner: async () => new Planner(model, { retries: 1 }) });
    const first = await settled(await bot.start(issueRequest()), bot);
    expect(first).toMatchObject({ stage: "done", pr_number: 12, branch: "dellm/issue-7" });

    // Said on the PR (#12): the job is found through its PR.
    const followUp = await settled(
      await bot.followUp(followUpRequest("add a greeting module", { number: 12, requestedBy: "bob" })),
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
    const git = simpleGit(fixture.remote);
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
    const bot = fixture.githubJobs({
      planner: async () => {
        throw new Error("not planned");
      },
      distribution: inProcessWorkers([]),
      commentIntervalMs: undefined,
    });
    expect(await bot.followUp(followUpRequest("add a greeting module", { number: 9, requestedBy: "bob" }))).toEqual({
      started: false,
      reason: "there is no dellm pull request for #9 yet; add the `dellm` label to the issue to start one.",
    });
  });
});
