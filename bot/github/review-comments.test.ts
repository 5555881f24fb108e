// The job side of review comments without GitHub or git: every commented file gets a task that
// carries its comments, each comment's reply says what became of its file, and the job record keeps
// at most MAX_REVIEW_COMMENTS of them.
import { describe, expect, it } from "vitest";
import { githubJob } from "../../test/github-job-fixture.js";
import { fileReport, jobTask } from "../../test/github-job-fixture.js";
import { GitHubJobSchema, MAX_REVIEW_COMMENTS, type ReviewCommentRecord } from "./job-store.js";
import { reviewCommentsText, reviewReplies, withCommentedFiles } from "./review-comments.js";

const onCore: ReviewCommentRecord = { id: 801, path: "app/core.py", line: 3, start_line: 1, body: "rename x" };
const onCoreAgain: ReviewCommentRecord = { id: 802, path: "app/core.py", line: 9, side: "LEFT", body: "keep this" };
const onNew: ReviewCommentRecord = { id: 803, path: "lib/new.py", body: "split it\ninto two" };
describe("review comments in a follow-up", () => {
  it("gives the task that writes a commented file its comments, and a file the planner left out a task of its own", () => {
    const planned = [jobTask(1, "core.py"), jobTask(2, "other.py")];
    const tasks = withCommentedFiles(planned, [onCore, onNew, onCoreAgain]);
    expect(tasks.map((t) => [t.id, t.directory + t.file])).toEqual([
      [1, "app/core.py"],
      [2, "app/other.py"],
      [3, "lib/new.py"],
    ]);
    expect(tasks[0]!.context).toBe(
      "review comment on app/core.py:1-3: rename x\nreview comment on app/core.py:9 (before the pull request's change): keep this",
    );
    expect(tasks[1]).toEqual(planned[1]);
    expect(tasks[2]).toMatchObject({
      description: "split it\ninto two",
      dependencies: [],
      context: "review comment on lib/new.py: split it\ninto two",
    });
    // No comments: the plan as it was.
    expect(withCommentedFiles(planned)).toEqual(planned);
  });

  it("shows the planner every comment's place and text, sharing a bounded space", () => {
    expect(reviewCommentsText([onCore, onNew])).toBe(
      "Review comments (each on a file of the pull request; the task that writes that file must do what its comments ask):\n" +
        "- app/core.py:1-3: rename x\n- lib/new.py: split it\n  into two",
    );
    const many = Array.from({ length: 20 }, (_, i) => ({ ...onCore, id: i + 1, body: "y".repeat(4_000) }));
    expect(reviewCommentsText(many).length).toBeLessThan(13_000);
  });

  it("replies done with the commit for a file that passed, and what failed otherwise", () => {
    const commit = "a".repeat(40);
    const job = githubJob("job-review-1", 7, 1, {
      pr_number: 12,
      commit,
      rerun: [3, 4, 5],
      tasks: [jobTask(1, "core.py"), jobTask(3, "core.py"), jobTask(4, "extra.py"), jobTask(5, "new.py", "lib/")],
      files: [
        fileReport(3, "app/core.py"),
        fileReport(4, "app/extra.py", { passed: false, tests_failed: 1, verdict: "timed_out" }),
        fileReport(5, "lib/new.py", { change: "not written", passed: false, reason: "outside the paths allowed" }),
      ],
      follow_up: {
        instruction: "x",
        by: "alice",
        review_comments: [onCore, { ...onCore, id: 804, path: "app/extra.py" }, onNew],
      },
    });
    expect(reviewReplies(job).map((r) => [r.comment.id, r.body])).toEqual([
      [801, `done in ${commit}`],
      [
        804,
        `Changed in ${commit}, but it did not pass: timed out. The pull request's table has the log; comment \`/dellm retry\` on the pull request to run it again.`,
      ],
      [803, "Not changed: outside the paths allowed. Comment `/dellm retry` on the pull request to run it again."],
    ]);

    // A retry of it answers only for the files it ran again.
    expect(reviewReplies({ ...job, rerun: [4] }).map((r) => r.comment.id)).toEqual([804]);
    // A job that failed before planning answers every comment with why.
    const failed = {
      ...job,
      stage: "failed" as const,
      failed_in: "planning" as const,
      error: "no plan",
      rerun: undefined,
    };
    expect(reviewReplies(failed).map((r) => r.body)).toEqual(
      Array(3).fill("Not changed: dellm job `job-review-1` failed while planning (no plan)."),
    );
  });

  it("keeps at most MAX_REVIEW_COMMENTS comments on a job record", () => {
    const comments = (n: number) => Array.from({ length: n }, (_, i) => ({ ...onCore, id: i + 1 }));
    const record = (n: number) =>
      githubJob("job-review-2", 7, 1, { follow_up: { instruction: "x", by: "alice", review_comments: comments(n) } });
    expect(GitHubJobSchema.safeParse(record(MAX_REVIEW_COMMENTS)).success).toBe(true);
    expect(GitHubJobSchema.safeParse(record(MAX_REVIEW_COMMENTS + 1)).success).toBe(false);
  });
});
