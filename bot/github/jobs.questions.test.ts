// Clarifying questions (issue 24): a planner that finds the issue too vague asks on the issue, the
// job waits (saved, holding no slot) for the issue's author or a writer to answer, a stranger's
// reply is ignored, the answer plans again, a restart keeps the job waiting, and the wait is bounded.
// Signed deliveries through the real Probot server, real GitHubJobs, git and SQLite store,
// in-process workers; GitHub's API is nock.
import { join } from "node:path";
import nock from "nock";
import { describe, expect, it } from "vitest";
import { issueRequest, jobsFixture, jobTask, retryRequest } from "../../test/github-jobs.js";
import {
  API,
  captureComments,
  commentPayload,
  installationTokens,
  labeledPayload,
  permission,
  pullRequestApi,
  settingsFile,
  startWebhookServer,
} from "../../test/github-webhooks.js";
import { readEnv } from "../../shared/config.js";
import { ScriptedCodeModel, type ScriptRule } from "../../worker/model/scripted-code-model.js";
import { Planner } from "../pipeline/planner.js";
import { GitHubJobStore, MAX_ANSWER_CHARS } from "./job-store.js";
import type { GitHubJobs } from "./jobs.js";
import { dellmApp } from "./webhooks.js";

const fixture = jobsFixture({ prefix: "dellm-questions-" });

const plan = JSON.stringify([jobTask(1, "parser.py"), jobTask(2, "cli.py")]);
const questions = JSON.stringify({
  questions: ["Which module should hold the parser?", "Should invalid input raise an error or return None?"],
});

/** A planner that asks until it sees an answer on the issue, then plans; `prompts` holds what it was asked. */
function askingPlanner(rules: ScriptRule[] = []) {
  const model = new ScriptedCodeModel([
    ...rules,
    { kind: "decompose", when: /Answer from @/, reply: plan },
    { kind: "decompose", reply: questions },
    { kind: "summary", reply: "Wrote the parser." },
  ]);
  return Object.assign(async () => new Planner(model, { retries: 1 }), { prompts: model.prompts });
}

/** The issue's comments as GitHub lists them (the planner is given them with the answer). */
function discussion(comments: { login: string; body: string; type?: string }[]): void {
  nock(API)
    .persist()
    .get("/repos/octo/demo/issues/7/comments")
    .query(true)
    .reply(
      200,
      comments.map((c, i) => ({
        created_at: `2026-12-07T10:0${i}:00Z`,
        user: { login: c.login, type: c.type ?? "User" },
        body: c.body,
      })),
    );
}

/** A comment on issue #7, opened by ivy. */
function replyPayload(body: string, login: string) {
  const payload = commentPayload(body, login);
  return { ...payload, issue: { ...payload.issue, user: { login: "ivy" } } };
}

async function waitingJob(
  bot: GitHubJobs,
  start = issueRequest({ title: "Make the parser better", body: "It is bad." }),
) {
  const outcome = await bot.start(start);
  if (!outcome.started) throw new Error(outcome.reason);
  return bot.settled(outcome.jobId)!;
}

describe("clarifying questions", () => {
  it("waits DELLM_QUESTION_WAIT_DAYS (7) days for answers unless told otherwise", () => {
    expect(readEnv({}).DELLM_QUESTION_WAIT_DAYS).toBe(7);
    expect(readEnv({ DELLM_QUESTION_WAIT_DAYS: "0.5" }).DELLM_QUESTION_WAIT_DAYS).toBe(0.5);
    expect(() => readEnv({ DELLM_QUESTION_WAIT_DAYS: "0" })).toThrow(/DELLM_QUESTION_WAIT_DAYS must be above 0/);
  });

  it("asks on a vague issue, ignores a stranger's reply, and plans with the author's answer into a PR", async () => {
    installationTokens();
    const comments = captureComments();
    const api = pullRequestApi();
    const planning = askingPlanner();
    const bot = fixture.githubJobs({ planner: planning });
    const server = await startWebhookServer(dellmApp(bot));
    try {
      // alice (a writer) labels ivy's issue.
      settingsFile(null);
      permission("alice", "write");
      const issue = { number: 7, title: "Make the parser better", body: "It is bad.", user: { login: "ivy" } };
      expect((await server.deliver("issues", labeledPayload("dellm", "alice", issue))).status).toBe(200);
      const id = (await fixture.store.latestFor("octo", "demo", 7))!.id;
      const waiting = await bot.settled(id)!;
      expect(waiting).toMatchObject({ stage: "waiting_for_answers", issue_author: "ivy", requested_by: "alice" });
      expect(waiting.questions).toEqual([
        {
          questions: ["Which module should hold the parser?", "Should invalid input raise an error or return None?"],
          asked_at: expect.any(Number),
          comment_id: expect.any(Number),
        },
      ]);
      expect((await fixture.store.get(id))?.stage).toBe("waiting_for_answers");
      // One comment asks the questions (besides the job's status comment, edited in place).
      const asked = comments.bodies.filter((b) => b.includes("needs more detail"));
      expect(asked).toHaveLength(1);
      expect(asked[0]).toContain("@alice @ivy dellm needs more detail before it can plan this issue.");
      expect(asked[0]).toContain(
        "1. Which module should hold the parser?\n2. Should invalid input raise an error or return None?",
      );
      expect(asked[0]).toContain(`resumes job \`${id}\` with the answers`);
      expect(asked[0]).toContain("The job waits 7 days; `/dellm stop` ends it sooner.");
      expect(api.edits.at(-1)).toMatch(/\*\*Waiting for answers\*\*: the planner asked 2 questions on this issue/);
      expect(api.edits.at(-1)).toContain("- [ ] plan");
      expect(api.checkRuns.at(-1)).toMatchObject({
        status: "in_progress",
        output: { title: "Waiting for answers to the planner's questions on the issue" },
      });
      expect(api.edits.at(-1)).toContain("@ivy (the issue's author) or of anyone with write access (such as @alice)");
      expect(api.created).toEqual([]);
      expect(bot.counts()).toMatchObject({ running: 0, queued: 0 });
      expect(planning.prompts.filter((p) => p.kind === "decompose")).toHaveLength(1);

      // A stranger's reply: no reaction, no job.
      const before = comments.bodies.length;
      const mallory = permission("mallory", "read");
      expect((await server.deliver("issue_comment", replyPayload("Use regexes everywhere!", "mallory"))).status).toBe(
        200,
      );
      expect(mallory.isDone()).toBe(true);
      expect(bot.settled(id)).toBeUndefined();
      expect((await fixture.store.get(id))?.stage).toBe("waiting_for_answers");
      expect(comments.bodies).toHaveLength(before);
      expect(planning.prompts.filter((p) => p.kind === "decompose")).toHaveLength(1);

      // The author answers (no permission look-up needed): the job plans again with the answer, to a PR.
      const answer = "Put it in app/parser.py; invalid input raises ValueError.";
      discussion([
        { login: "ivy", body: "It is bad." },
        { login: "dellm[bot]", type: "Bot", body: "dellm needs more detail" },
        { login: "ivy", body: answer },
      ]);
      expect((await server.deliver("issue_comment", replyPayload(answer, "ivy"))).status).toBe(200);
      const done = await bot.settled(id)!;
      expect(done.stage, done.error).toBe("done");
      expect(done.tasks.map((t) => t.file)).toEqual(["parser.py", "cli.py"]);
      expect(done.questions?.[0]?.answer).toMatchObject({ by: "ivy", body: answer, comment_id: 900 });
      expect(api.created).toHaveLength(1);
      expect(api.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "success" });
      expect(String(api.created[0]!.body)).toContain(
        "The planner asked 2 clarifying questions on the issue; @&#8203;ivy answered.",
      );
      const prompts = planning.prompts.filter((p) => p.kind === "decompose");
      expect(prompts).toHaveLength(2);
      const replanned = prompts[1]!.text;
      expect(replanned).toContain("Make the parser better");
      expect(replanned).toContain("Clarifying questions (round 1) asked on the issue:\n1. Which module should hold");
      expect(replanned).toContain(`Answer from @ivy (quoted as written):\n> ${answer}`);
      expect(replanned).toContain("The discussion so far (latest comments last):\n- @ivy: It is bad.");
      expect(replanned).not.toContain("dellm needs more detail");
      // One more round may be asked (at most two).
      expect(replanned).toContain("1 to 3 short, specific questions");
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("keeps a waiting job waiting across a restart; the answer then resumes it, bounded", async () => {
    captureComments();
    const api = pullRequestApi();
    const first = fixture.githubJobs({ planner: askingPlanner() });
    const waiting = await waitingJob(first);
    expect(waiting.stage).toBe("waiting_for_answers");
    await first.stop();

    // A new bot on the same database: the job is still waiting (not re-planned, no slot held).
    const planning = askingPlanner();
    const second = fixture.githubJobs({
      store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")),
      planner: planning,
    });
    expect(await second.resume()).toEqual([waiting.id]);
    expect(second.settled(waiting.id)).toBeUndefined();
    expect(second.counts()).toMatchObject({ running: 0, queued: 0 });
    expect(planning.prompts).toEqual([]);
    expect(await second.waitingForAnswers("octo", "demo", 7)).toBe(true);
    // Another label or retry is refused with what to do.
    expect(await second.retry(retryRequest())).toEqual({
      started: false,
      reason: `dellm job \`${waiting.id}\` for #7 is waiting for answers to the planner's questions on the issue; answer them there (the issue's author or anyone with write access), or comment \`/dellm stop\` to end it first.`,
    });

    // The answer (untrusted, far too long) is cut before the planner sees it.
    discussion([]);
    const long = `Put it in app/parser.py. ${"x".repeat(20_000)}`;
    const outcome = await second.answer({
      owner: "octo",
      repo: "demo",
      installationId: 42,
      number: 7,
      by: "alice",
      body: long,
    });
    expect(outcome).toEqual({ started: true, jobId: waiting.id });
    const done = await second.settled(waiting.id)!;
    expect(done.stage, done.error).toBe("done");
    expect(done.questions?.[0]?.answer?.body.length).toBeLessThan(MAX_ANSWER_CHARS + 100);
    expect(done.questions?.[0]?.answer?.body).toMatch(/…\[the rest of the reply was cut/);
    const replanned = planning.prompts.find((p) => p.kind === "decompose")!.text;
    expect(replanned).toContain("Answer from @alice (quoted as written):\n> Put it in app/parser.py.");
    expect(replanned).not.toContain("x".repeat(MAX_ANSWER_CHARS + 1));
    expect(api.created).toHaveLength(1);
    await second.stop();
  }, 60_000);

  it("ends a job that waited past the bound, saying so and how to start again; also after a restart", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    let now = Date.now();
    const clock = () => now;
    const bot = fixture.githubJobs({ planner: askingPlanner(), now: clock, questionWaitMs: 60_000 });
    const waiting = await waitingJob(bot);
    expect(comments.bodies.at(-1)).toContain("The job waits 1 minute;");
    now += 59_000;
    expect(await bot.expireWaiting()).toEqual([]);
    now += 2_000;
    expect(await bot.expireWaiting()).toEqual([waiting.id]);
    expect(await fixture.store.get(waiting.id)).toMatchObject({
      stage: "failed",
      failed_in: "waiting_for_answers",
      error: "no answer to the planner's questions came within 1 minute",
    });
    expect(comments.bodies.at(-1)).toBe(
      `dellm job \`${waiting.id}\` waited 1 minute for answers to the planner's questions and has ended without a plan. To start again, add the details to the issue, then comment \`/dellm retry\` (or remove the \`dellm\` label and add it again).`,
    );
    expect(api.edits.at(-1)).toContain(
      "**Failed** while waiting for answers: no answer to the planner's questions came within 1 minute",
    );
    // A late answer finds nothing waiting.
    expect(await bot.waitingForAnswers("octo", "demo", 7)).toBe(false);
    expect(
      await bot.answer({ owner: "octo", repo: "demo", installationId: 42, number: 7, by: "ivy", body: "late" }),
    ).toMatchObject({ started: false });

    // `/dellm retry` asks again (the unanswered round is dropped); a bot started after the bound ends it at start.
    const retried = await bot.retry(retryRequest());
    expect(retried.started).toBe(true);
    const again = await bot.settled(retried.started ? retried.jobId : "")!;
    expect(again).toMatchObject({ stage: "waiting_for_answers", retry_of: waiting.id });
    expect(again.questions).toHaveLength(1);
    await bot.stop();
    now += 61_000;
    const restarted = fixture.githubJobs({
      store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")),
      planner: askingPlanner(),
      now: clock,
      questionWaitMs: 60_000,
    });
    expect(await restarted.resume()).toEqual([again.id]);
    expect(await fixture.store.get(again.id)).toMatchObject({ stage: "failed", failed_in: "waiting_for_answers" });
    await restarted.stop();
  }, 60_000);

  it("asks when the plan is refused twice; a planner still refused after two rounds ends the job with the note", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    discussion([]);
    const planning = askingPlanner([{ kind: "decompose", reply: ["I would start with a function.", "[]"] }]);
    const bot = fixture.githubJobs({ planner: planning });
    const waiting = await waitingJob(bot);
    expect(waiting.stage).toBe("waiting_for_answers");
    expect(waiting.questions?.[0]?.questions[0]).toMatch(/^Which files should be created or changed/);
    expect(waiting.questions?.[0]?.reason).toMatch(/answer 1: the answer contains no JSON; answer 2: /);
    const asked = comments.bodies.at(-1)!;
    expect(asked).toMatch(
      /Its plans for it were refused twice \(answer 1: the answer contains no JSON; answer 2: .+\), so it asks/,
    );
    expect(asked).toContain("1. Which files should be created or changed");

    const answer = (body: string) =>
      bot.answer({ owner: "octo", repo: "demo", installationId: 42, number: 7, by: "ivy", body });
    // Round 2: still refused twice (the rule repeats its last answer) → the last round of questions.
    expect((await answer("app/parser.py")).started).toBe(true);
    const second = await bot.settled(waiting.id)!;
    expect(second.stage).toBe("waiting_for_answers");
    expect(second.questions).toHaveLength(2);
    expect(comments.bodies.at(-1)).toContain("this is the last round of questions");
    // After the second answer the planner must plan; refused again, the job ends with the note.
    expect((await answer("It parses INI files.")).started).toBe(true);
    const failed = await bot.settled(waiting.id)!;
    expect(failed).toMatchObject({ stage: "failed", failed_in: "planning", tasks: [] });
    expect(comments.bodies.at(-1)).toMatch(
      /failed while planning: the planner's answers were not a usable plan \(.+\)\. Make the issue more specific .*`\/dellm retry`/,
    );
    const last = planning.prompts.filter((p) => p.kind === "decompose").at(-1)!.text;
    expect(last).toContain("Questions cannot be asked any more");
    expect(last).toContain("Clarifying questions (round 2) asked on the issue:");
    expect(api.created).toEqual([]);
  }, 60_000);

  it("`/dellm stop` ends a waiting job and says so; nothing had run", async () => {
    const comments = captureComments();
    const api = pullRequestApi();
    const bot = fixture.githubJobs({ planner: askingPlanner() });
    const waiting = await waitingJob(bot);
    expect(await bot.stopJob({ owner: "octo", repo: "demo", number: 7, requestedBy: "alice" })).toEqual({
      stopped: true,
      jobId: waiting.id,
    });
    expect(await fixture.store.get(waiting.id)).toMatchObject({
      stage: "failed",
      failed_in: "waiting_for_answers",
      stopped_by: "alice",
    });
    expect(comments.bodies.at(-1)).toBe(
      `dellm stopped job \`${waiting.id}\` while waiting for answers, at @alice's request. It had no plan yet, so nothing had finished. Comment \`/dellm retry\` to start it again.`,
    );
    expect(api.edits.at(-1)).toContain("**Stopped** by @alice while waiting for answers.");
    expect(api.checkRuns.at(-1)).toMatchObject({ status: "completed", conclusion: "cancelled" });
  }, 60_000);
});
