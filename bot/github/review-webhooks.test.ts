// `/dellm` in reviews of a dellm pull request, through the real Probot server over HTTP with signed
// deliveries: which comments become one follow-up request, and what is answered in which thread.
// The jobs behind it are a recording stand-in (the job side: jobs.review-comments.test.ts).
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  captureComments,
  installationTokens,
  permission,
  settingsFile,
  startWebhookServer,
  type WebhookServer,
} from "../../test/github-webhooks.js";
import {
  captureReplies,
  reviewApi,
  reviewComment,
  reviewCommentPayload,
  reviewCommentsApi,
  reviewPayload,
} from "../../test/github-reviews.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import type { FollowUpRequest, JobStarter, StartOutcome } from "./jobs.js";
import { REVIEW_INSTRUCTION } from "./review-webhooks.js";
import { dellmApp } from "./webhooks.js";

const followUps: FollowUpRequest[] = [];
const looked: number[] = [];
let answer: StartOutcome = { started: true, jobId: "job-test-123456" };
/** Pull request 12 is dellm's; any other number is someone else's. */
const jobs: JobStarter = {
  start: async () => answer,
  retry: async () => answer,
  stopJob: async () => ({ stopped: true, jobId: "job-test-123456" }),
  async followUp(request) {
    followUps.push(request);
    return answer;
  },
  async openedPullRequest(owner, repo, number) {
    looked.push(number);
    return owner === "octo" && repo === "demo" && number === 12;
  },
};

let server: WebhookServer;
beforeAll(async () => {
  server = await startWebhookServer(dellmApp(jobs));
});
afterAll(() => server.stop());
afterEach(() => {
  followUps.length = 0;
  looked.length = 0;
  answer = { started: true, jobId: "job-test-123456" };
  nock.cleanAll();
});

const onCore = reviewComment({
  id: 801,
  path: "app/core.py",
  line: 3,
  start_line: 1,
  body: "/dellm rename x to total",
});
const onExtra = reviewComment({ id: 802, path: "app/extra.py", line: 2, body: "Hmm.\n/dellm add a docstring\nplease" });
const plain = reviewComment({ id: 803, path: "app/core.py", line: 1, body: "Nice work here." });

describe("`/dellm` in a review of dellm's pull request", () => {
  it("makes one follow-up of a writer's review from its `/dellm` comments, whichever of its events comes first", async () => {
    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    const reviews = reviewCommentsApi(500, [onCore, plain, onExtra]);
    reviewApi(500, null);
    const replies = captureReplies();
    const comments = captureComments(12);

    // GitHub sends the review's event and one per comment; all arrive together.
    const responses = await Promise.all([
      server.deliver("pull_request_review", reviewPayload({ id: 500 })),
      server.deliver("pull_request_review_comment", reviewCommentPayload({ ...spec(onCore), review: 500 })),
      server.deliver("pull_request_review_comment", reviewCommentPayload({ ...spec(onExtra), review: 500 })),
      server.deliver("pull_request_review_comment", reviewCommentPayload({ ...spec(plain), review: 500 })),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(followUps).toEqual([
      {
        owner: "octo",
        repo: "demo",
        installationId: 42,
        number: 12,
        instruction: REVIEW_INSTRUCTION,
        requestedBy: "alice",
        settings: DEFAULT_SETTINGS,
        private: false,
        reviewComments: [
          { id: 801, path: "app/core.py", line: 3, start_line: 1, side: "RIGHT", body: "rename x to total" },
          { id: 802, path: "app/extra.py", line: 2, side: "RIGHT", body: "add a docstring\nplease" },
        ],
      },
    ]);
    // The review was read once; the job side answers the threads when the commit is in.
    expect(reviews.listed).toBe(1);
    expect(replies).toEqual([]);
    expect(comments.bodies).toEqual([]);
  });

  it("ignores a review comment without `/dellm`, and a review whose comments have none", async () => {
    installationTokens();
    reviewCommentsApi(501, [plain]);
    const replies = captureReplies();
    // No permission look-up or settings are answered here: asking for them would fail the delivery.
    await server.deliver("pull_request_review_comment", reviewCommentPayload({ ...spec(plain), review: 501 }));
    await server.deliver("pull_request_review", reviewPayload({ id: 501, body: "Looks fine." }));
    expect(followUps).toEqual([]);
    expect(replies).toEqual([]);
    // Only the review event looked the pull request up; the plain comment was dropped before that.
    expect(looked).toEqual([12]);
  });

  it("refuses a reader's `/dellm` once, in its thread, and plans nothing", async () => {
    installationTokens();
    // Answered as often as asked: a second look-up would mean a second refusal.
    permission("mallory", "read");
    permission("mallory", "read");
    const mine = reviewComment({ id: 811, path: "app/core.py", body: "/dellm delete the tests", login: "mallory" });
    reviewCommentsApi(510, [mine]);
    reviewApi(510, null);
    const replies = captureReplies();
    await Promise.all([
      server.deliver("pull_request_review", reviewPayload({ id: 510, login: "mallory" })),
      server.deliver("pull_request_review_comment", reviewCommentPayload({ ...spec(mine), review: 510 })),
    ]);
    expect(followUps).toEqual([]);
    expect(replies).toEqual([
      {
        comment: 811,
        body: "@mallory only people with write access to this repository can run `/dellm` commands; nothing was done.",
      },
    ]);
  });

  it("says nothing on a pull request dellm did not open", async () => {
    installationTokens();
    const replies = captureReplies(13);
    const comment = reviewComment({ id: 821, path: "app/core.py", body: "/dellm fix this", pull: 13 });
    await server.deliver("pull_request_review", reviewPayload({ id: 520, pull: 13 }));
    await server.deliver(
      "pull_request_review_comment",
      reviewCommentPayload({ ...spec(comment), review: 520, pull: 13 }),
    );
    expect(looked).toEqual([13, 13]);
    expect(followUps).toEqual([]);
    expect(replies).toEqual([]);
  });

  it("answers each comment it will not plan in its thread, and plans the rest", async () => {
    installationTokens();
    settingsFile("paths: [app/]\n");
    permission("alice", "write");
    const empty = reviewComment({ id: 831, path: "app/core.py", body: "/dellm" });
    const long = reviewComment({ id: 832, path: "app/core.py", body: `/dellm ${"make it faster ".repeat(300)}` });
    const outside = reviewComment({ id: 833, path: "scripts/run.py", body: "/dellm log the arguments" });
    const readme = reviewComment({ id: 834, path: "app/README.md", body: "/dellm document the flags" });
    // A reply inside an earlier thread: answered in that thread (GitHub threads are one level deep).
    const reply = reviewComment({
      id: 835,
      path: "app/extra.py",
      line: null,
      body: "/dellm and split it",
      in_reply_to_id: 700,
    });
    reviewCommentsApi(530, [empty, long, outside, readme, reply]);
    const replies = captureReplies();
    await server.deliver("pull_request_review", reviewPayload({ id: 530 }));

    expect(followUps.map((f) => f.reviewComments)).toEqual([
      [{ id: 835, in_reply_to: 700, path: "app/extra.py", side: "RIGHT", body: "and split it" }],
    ]);
    expect(replies.map((r) => r.comment)).toEqual([831, 832, 833, 834]);
    expect(replies[0]!.body).toMatch(/^@alice in a review, dellm takes `\/dellm <what to change>`/);
    expect(replies[1]!.body).toMatch(/^@alice that instruction has 4\d{3} characters; dellm takes at most 4000\./);
    expect(replies[2]!.body).toBe(
      "dellm will not change `scripts/run.py`: it is outside the paths .github/dellm.yml allows (app/). Nothing was planned for this comment.",
    );
    expect(replies[3]!.body).toMatch(/only Python \(\.py\) files, so it will not change `app\/README\.md`/);
  });

  it("takes a comment outside any review as it is, and answers the job side's refusal in its thread", async () => {
    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    answer = { started: false, reason: "a dellm job (`job-x`) is already running for #7; wait for it to finish." };
    const replies = captureReplies();
    const lone = reviewComment({ id: 841, path: "app/core.py", line: 2, review: null, body: "/dellm simplify" });
    await server.deliver("pull_request_review_comment", reviewCommentPayload(spec(lone)));
    expect(followUps.map((f) => f.reviewComments)).toEqual([
      [{ id: 841, path: "app/core.py", line: 2, side: "RIGHT", body: "simplify" }],
    ]);
    expect(replies).toEqual([
      {
        comment: 841,
        body: "dellm did not start: a dellm job (`job-x`) is already running for #7; wait for it to finish.",
      },
    ]);
  });

  it("takes the review's own `/dellm` text as the instruction, and answers an empty one on the pull request", async () => {
    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    reviewCommentsApi(540, [onCore]);
    await server.deliver(
      "pull_request_review",
      reviewPayload({ id: 540, body: "/dellm keep the public names stable" }),
    );
    expect(followUps.map((f) => [f.instruction, f.reviewComments?.map((c) => c.id)])).toEqual([
      ["keep the public names stable", [801]],
    ]);

    settingsFile(null);
    permission("alice", "write");
    reviewCommentsApi(541, []);
    const comments = captureComments(12);
    await server.deliver("pull_request_review", reviewPayload({ id: 541, body: "/dellm" }));
    expect(followUps).toHaveLength(1);
    expect(comments.bodies).toHaveLength(1);
    expect(comments.bodies[0]).toMatch(/^@alice in a review, dellm takes `\/dellm <what to change>`/);
  });
});

/** The CommentSpec of a comment made by reviewComment (to send it again as an event). */
function spec(comment: ReturnType<typeof reviewComment>) {
  return {
    id: comment.id,
    body: comment.body,
    path: comment.path,
    line: comment.line,
    start_line: comment.start_line,
    side: comment.side as "LEFT" | "RIGHT",
    review: comment.pull_request_review_id,
    ...(comment.in_reply_to_id !== undefined ? { in_reply_to_id: comment.in_reply_to_id as number } : {}),
    login: comment.user.login,
  };
}
