// `/dellm <instruction>` on an issue whose dellm PR is open: a follow-up job plans the instruction
// with the issue, its discussion and the PR's diff in view, and lands one more commit on the same
// branch and PR (real git with a bare remote, in-process workers; GitHub's API is nock).
import nock from "nock";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { followUpRequest, issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { API, captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { gitDataApi } from "../../test/fake-git-data.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const fixture = jobsFixture({ prefix: "dellm-follow-up-" });

/** `attempt`'s value once it stops throwing (every 100 ms, for up to 30 s). */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
    // Made through GitHub's API: the first job's commit and branch, then the follow-up's commit on
    // it, the branch checked where the first job left it and fast-forwarded (force: false).
    const calls = fixture.gitData.calls.map((c) => `${c.method} ${c.path} ${c.status}`);
    expect(calls.slice(calls.indexOf("POST git/refs 201"))).toEqual([
      "POST git/refs 201",
      // Asked for: the PR is open and its branch is there (pull-request-state.ts).
      "GET git/ref/heads/dellm/issue-7 200",
      "GET git/ref/heads/dellm/issue-7 200",
      "POST git/blobs 201",
      "POST git/trees 201",
      "POST git/commits 201",
      "PATCH git/refs/heads/dellm/issue-7 200",
      // Delivered: still open, still there (else the issue is told).
      "GET git/ref/heads/dellm/issue-7 200",
    ]);
    expect(fixture.gitData.of("trees")[1]!.body.base_tree).toBe(
      (await git.revparse([`${first.commit}^{tree}`])).trim(),
    );
    expect(fixture.gitData.of("commits")[1]!.body).toEqual({
      message: expect.stringMatching(/^Auto-generated by DELLM: /),
      tree: (await git.revparse([`${followUp.commit}^{tree}`])).trim(),
      parents: [first.commit],
    });
    expect(fixture.gitData.of("refs")[1]!.body).toEqual({ sha: followUp.commit, force: false });
    expect(await git.raw(["log", "--format=%an", "-2", "dellm/issue-7"])).toBe("dellm[bot]\ndellm[bot]\n");
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

  it("is refused, saying what to do, when the PR was merged or closed or its branch deleted meanwhile", async () => {
    captureComments();
    const model = new ScriptedCodeModel([
      { kind: "decompose", reply: JSON.stringify([jobTask(1, "core.py")]) },
      { kind: "summary", reply: "Wrote the app." },
    ]);
    const bot = fixture.githubJobs({ planner: async () => new Planner(model, { retries: 1 }) });
    pullRequestApi();
    const first = await settled(await bot.start(issueRequest()), bot);
    expect(first).toMatchObject({ stage: "done", pr_number: 12 });
    const ask = () => bot.followUp(followUpRequest("add a greeting module", { number: 12, requestedBy: "bob" }));
    for (const [pull, said] of [
      [{ state: "closed", merged: true }, /^pull request #12 was merged, .*add the `dellm` label to #7 again/],
      [{ state: "closed", merged: false }, /^pull request #12 is closed; reopen it and ask again/],
    ] as const) {
      nock.cleanAll();
      pullRequestApi({ pull });
      expect(await ask()).toEqual({ started: false, reason: expect.stringMatching(said) });
    }
    // Open again, but its branch deleted on GitHub.
    nock.cleanAll();
    pullRequestApi();
    gitDataApi(fixture.remote);
    await simpleGit(fixture.remote).raw(["update-ref", "-d", "refs/heads/dellm/issue-7"]);
    expect(await ask()).toEqual({
      started: false,
      reason: expect.stringMatching(/^the branch dellm\/issue-7 of pull request #12 was deleted; restore it/),
    });
    // Nothing was started: the first job stays the issue's latest.
    expect((await fixture.store.latestFor("octo", "demo", 7))!.id).toBe(first.id);
  }, 60_000);

  it("lands its commit and says so when the PR is merged while it runs", async () => {
    const comments = captureComments();
    const model = new ScriptedCodeModel([
      { kind: "decompose", when: "Follow-up request", reply: JSON.stringify([jobTask(1, "greeting.py")]) },
      { kind: "decompose", reply: JSON.stringify([jobTask(1, "core.py")]) },
      { kind: "summary", reply: "Wrote the app." },
    ]);
    // Open when the follow-up is asked for; merged by the time its commit is in.
    let asked = 0;
    pullRequestApi({
      pull: () => (asked++ < 1 ? { state: "open", merged: false } : { state: "closed", merged: true }),
    });
    nock(API)
      .persist()
      .get(/^\/repos\/octo\/demo\/issues\/\d+\/comments/)
      .query(true)
      .reply(200, []);
    const bot = fixture.githubJobs({ planner: async () => new Planner(model, { retries: 1 }) });
    const first = await settled(await bot.start(issueRequest()), bot);
    asked = 0;
    const followUp = await settled(
      await bot.followUp(followUpRequest("add a greeting module", { number: 12, requestedBy: "bob" })),
      bot,
    );
    expect(followUp.stage).toBe("done");
    expect((await simpleGit(fixture.remote).revparse(["dellm/issue-7"])).trim()).toBe(followUp.commit);
    expect(followUp.commit).not.toBe(first.commit);
    expect(followUp.notes.join("\n")).toContain(
      `While this job ran, pull request #12 was merged: its commit ${followUp.commit!.slice(0, 12)} is on the branch dellm/issue-7.`,
    );
    expect(comments.bodies.at(-1)).toContain("pull request #12 was merged");
  }, 60_000);

  it("asked while a job runs on the issue: queued and said, started when that job ends, on top of it; held across a restart", async () => {
    captureComments();
    pullRequestApi();
    nock(API)
      .persist()
      .get(/^\/repos\/octo\/demo\/issues\/\d+\/comments/)
      .query(true)
      .reply(200, []);
    const model = new ScriptedCodeModel([
      // "farewell" first: the second follow-up's prompt shows the PR's diff, greeting.py included.
      { kind: "decompose", when: "farewell", reply: JSON.stringify([jobTask(1, "farewell.py")]) },
      { kind: "decompose", when: "greeting", reply: JSON.stringify([jobTask(1, "greeting.py")]) },
      { kind: "decompose", reply: JSON.stringify([jobTask(1, "core.py")]) },
      { kind: "summary", reply: "Done." },
    ]);
    // The first job plans only once the gate opens: the follow-up arrives while it runs.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const planner = async () => {
      await gate;
      return new Planner(model, { retries: 1 });
    };
    const bot = fixture.githubJobs({ planner });
    const started = await bot.start(issueRequest());
    const asked = await bot.followUp(followUpRequest("add a greeting module", { number: 7, requestedBy: "bob" }));
    expect(asked).toEqual({
      started: false,
      queued: true,
      reason: expect.stringMatching(
        /^@bob your follow-up is queued: it starts when dellm job `job-[^`]+` for #7 ends\./,
      ),
    });
    open();
    const first = await settled(started, bot);
    expect(first.stage).toBe("done");
    // Started by the first job's end, on its branch and PR.
    const followUp = await eventually(async () => {
      const latest = await fixture.store.latestFor("octo", "demo", 7);
      if (latest?.follow_up === undefined || latest.stage !== "done") throw new Error("not yet");
      return latest;
    });
    expect(followUp).toMatchObject({ retry_of: first.id, branch: first.branch, follow_up: { by: "bob" } });
    expect((await simpleGit(fixture.remote).revparse([`${followUp.commit}^`])).trim()).toBe(first.commit);

    // Held on disk: a bot that restarts with a follow-up held starts it (its issue is free).
    fixture.store.holdFollowUp(
      "octo",
      "demo",
      7,
      followUpRequest("add a farewell module", { number: 7, requestedBy: "carol" }),
    );
    const restarted = fixture.githubJobs({ planner: async () => new Planner(model, { retries: 1 }) });
    await restarted.resume();
    const held = await eventually(async () => {
      const latest = await fixture.store.latestFor("octo", "demo", 7);
      if (latest?.follow_up?.by !== "carol" || latest.stage !== "done") throw new Error("not yet");
      return latest;
    });
    expect(held.files.map((f) => f.path)).toContain("app/farewell.py");
    expect(fixture.store.takeHeldFollowUp("octo", "demo", 7)).toBeUndefined();
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
