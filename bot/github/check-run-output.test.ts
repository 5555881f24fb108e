// What the check run says: the PR's body as the delivered verdict, bounded to GitHub's limit; the
// reason of a failure; where a running job is.
import { describe, expect, it } from "vitest";
import { githubJob } from "../../test/github-job-fixture.js";
import { bounded, deliveredOutput, endedOutput, MAX_OUTPUT_CHARS, progressOutput } from "./check-run-output.js";
import type { FileReport } from "../engine/job-record.js";

const file = (path: string, passed: boolean): FileReport => ({
  task_id: 1,
  path,
  worker: "w1",
  tests_passed: passed ? 1 : 0,
  tests_failed: passed ? 0 : 1,
  attempts: 1,
  change: "created",
  passed,
});

describe("check run output", () => {
  it("carries the PR's body whole when it fits, and cuts a longer one to 65,535 characters, saying so", () => {
    const job = githubJob("job-1", 7, 0, { files: [file("a.py", true)] });
    expect(deliveredOutput(job, "Closes #7\n\n| table |")).toEqual({
      conclusion: "success",
      output: { title: "1 of 1 files passed their tests", summary: "Closes #7\n\n| table |" },
    });
    const long = `Closes #7\n\n${"| `a.py` | ✅ passed |\n".repeat(4_000)}`;
    const { summary } = deliveredOutput(job, long).output;
    expect(long.length).toBeGreaterThan(MAX_OUTPUT_CHARS);
    expect(summary.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(summary.startsWith(long.slice(0, 60_000))).toBe(true);
    expect(summary).toMatch(/…\[cut at GitHub's 65,535-character limit: the pull request has all of it\]$/);
  });

  it("never ends a cut in the middle of a character outside the BMP", () => {
    const text = `a${"😀".repeat(200)}`;
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const limit of [200, 201]) {
      const cut = bounded(text, limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      expect(cut).toMatch(/^a(?:😀)+\n\n…\[cut/);
      expect(cut).not.toMatch(lone);
    }
  });

  it("fails on a failed file, says where a failed job stopped and why, and marks a stopped one cancelled", () => {
    const job = githubJob("job-1", 7, 0, { files: [file("a.py", true), file("b.py", false)] });
    expect(deliveredOutput(job, "body").conclusion).toBe("failure");
    const failed = githubJob("job-2", 7, 0, { stage: "failed", failed_in: "pushing", error: "push rejected\n(hook)" });
    const ended = endedOutput(failed);
    expect(ended.conclusion).toBe("failure");
    expect(ended.output.title).toBe("Failed while pushing: push rejected (hook)");
    expect(ended.output.summary).toContain("**Failed** while pushing: push rejected");
    const stopped = githubJob("job-3", 7, 0, { stage: "failed", failed_in: "distributing", stopped_by: "bob" });
    expect(endedOutput(stopped)).toMatchObject({
      conclusion: "cancelled",
      output: { title: "Stopped by @bob while distributing" },
    });
  });

  it("names the stage while the job runs, with its tasks done of those it runs", () => {
    const job = githubJob("job-1", 7, 0, { stage: "distributing", rerun: [2, 3] });
    expect(progressOutput(job, { done: 1, failed: 1 }).title).toBe(
      "1 of 2 tasks solved by the swarm (1 failed their tests)",
    );
    expect(progressOutput({ ...job, stage: "merging" }).title).toBe("Merging the results");
  });
});
