// A review with `/dellm` comments on two files of dellm's pull request, from the signed webhook
// through the real Probot server into the real job: one follow-up job, one task per commented file
// (the one the planner left out is added), one more commit on the same PR, and each comment answered
// in its thread with that commit (real git with a bare remote, in-process workers; GitHub is nock).
import nock from "nock";
import { simpleGit } from "simple-git";
import { afterEach, expect, it } from "vitest";
import type { Task } from "../../shared/schemas.js";
import { passingResult } from "../../test/fixtures.js";
import { issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import {
  API,
  captureComments,
  installationTokens,
  permission,
  pullRequestApi,
  settingsFile,
  startWebhookServer,
  type WebhookServer,
} from "../../test/github-webhooks.js";
import { captureReplies, reviewComment, reviewCommentsApi, reviewPayload } from "../../test/github-reviews.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { dellmApp } from "./webhooks.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";

const fixture = jobsFixture({ prefix: "dellm-review-" });
let server: WebhookServer | undefined;

afterEach(async () => {
  await server?.stop();
});

it("a review's two `/dellm` comments on two files make one follow-up: a task per file, one commit, each thread answered", async () => {
  const api = pullRequestApi();
  captureComments(7);
  nock(API)
    .persist()
    .get(/^\/repos\/octo\/demo\/issues\/(7|12)\/comments/)
    .reply(200, []);
  // The follow-up's planner leaves extra.py out: the bot adds its task from the comment.
  const model = new ScriptedCodeModel([
    {
      kind: "decompose",
      when: "Follow-up request",
      reply: JSON.stringify([jobTask(1, "core.py", "app/", "rename x to total")]),
    },
    { kind: "decompose", reply: JSON.stringify([jobTask(1, "core.py"), jobTask(2, "extra.py")]) },
    { kind: "summary", reply: "Wrote the app." },
  ]);
  const seen: Task[] = [];
  const bot = fixture.githubJobs({
    planner: async () => new Planner(model, { retries: 1 }),
    // Each file says which task wrote it, so the follow-up's commit changes both.
    distribution: inProcessWorkers([
      {
        execute: async (item) => {
          seen.push(item.task);
          return passingResult(item.jobId, item.task.id, "local-1", `# ${item.task.description.replace(/\n/g, " ")}\n`);
        },
      },
    ]),
  });
  const first = await settled(await bot.start(issueRequest()), bot);
  expect(first).toMatchObject({ stage: "done", pr_number: 12 });

  server = await startWebhookServer(dellmApp(bot));
  installationTokens();
  settingsFile(null);
  permission("alice", "write");
  const replies = captureReplies();
  reviewCommentsApi(600, [
    reviewComment({
      id: 801,
      path: "app/core.py",
      line: 3,
      start_line: 1,
      review: 600,
      body: "/dellm rename x to total",
    }),
    reviewComment({ id: 802, path: "app/extra.py", line: 1, review: 600, body: "/dellm add a docstring\nplease" }),
    reviewComment({ id: 803, path: "app/core.py", line: 1, review: 600, body: "Nice." }),
  ]);
  expect((await server.deliver("pull_request_review", reviewPayload({ id: 600 }))).status).toBe(200);

  const queued = (await fixture.store.latestFor("octo", "demo", 12))!;
  expect(queued.id).not.toBe(first.id);
  // The comments are on the record before the job runs: a restart still answers them.
  expect(queued.follow_up?.review_comments?.map((c) => [c.id, c.path])).toEqual([
    [801, "app/core.py"],
    [802, "app/extra.py"],
  ]);
  const job = await bot.settled(queued.id)!;
  expect(job).toMatchObject({ stage: "done", pr_number: 12, branch: "dellm/issue-7", rerun: [3, 4] });
  expect((await fixture.store.all()).map((j) => j.id)).toEqual([first.id, job.id]);

  // One task per commented file, each told its comment; the planner was shown both.
  const [core, extra] = job.tasks.slice(2);
  expect(core).toMatchObject({ id: 3, file: "core.py", description: "rename x to total" });
  expect(core!.context).toBe("review comment on app/core.py:1-3: rename x to total");
  expect(extra).toMatchObject({ id: 4, file: "extra.py", directory: "app/", description: "add a docstring\nplease" });
  expect(
    seen
      .slice(-2)
      .map((t) => t.id)
      .sort(),
  ).toEqual([3, 4]);
  const asked = model.prompts.filter((p) => p.kind === "decompose").at(-1)!.text;
  expect(asked).toContain("Review comments");
  expect(asked).toContain("- app/core.py:1-3: rename x to total");
  expect(asked).toContain("- app/extra.py:1: add a docstring\n  please");
  expect(asked).not.toContain("Nice.");

  // One commit on top of the first job's, changing both files; the same PR updated.
  const git = simpleGit(fixture.remote);
  expect((await git.revparse(["dellm/issue-7"])).trim()).toBe(job.commit);
  expect((await git.revparse([`${job.commit}^`])).trim()).toBe(first.commit);
  expect((await git.raw(["diff", "--name-only", first.commit!, job.commit!])).trim().split("\n")).toEqual([
    "app/core.py",
    "app/extra.py",
  ]);
  expect(api.created).toHaveLength(1);

  // Each comment answered in its own thread with the commit.
  expect(replies).toEqual([
    { comment: 801, body: `done in ${job.commit}` },
    { comment: 802, body: `done in ${job.commit}` },
  ]);
}, 60_000);
