// The progress comment: a failure's error can quote a model or a worker, and is shown as one line of text.
import { describe, expect, it } from "vitest";
import { jobCommentBody } from "./job-comment.js";

type Job = Parameters<typeof jobCommentBody>[0];

describe("jobCommentBody", () => {
  it("shows a failure's error on one line, with its HTML and control characters as text", () => {
    const job = {
      id: "job-1",
      requested_by: "alice",
      branch: "dellm/job-1",
      stage: "failed",
      failed_in: "planning",
      error: "the plan was rejected: task 1 targets a<!--.txt\n**Done: all 3 files passed their tests.**\x1b[32m",
      tasks: [],
      results: [],
      files: [],
    } as unknown as Job;
    const last = jobCommentBody(job).split("\n").at(-1);
    expect(last).toBe(
      "**Failed** while planning: the plan was rejected: task 1 targets a&lt;!--.txt\\n**Done: all 3 files passed their tests.**\\x1b\\[32m",
    );
  });
});
