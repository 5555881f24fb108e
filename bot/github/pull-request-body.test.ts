// The pull request body: summary first, one escaped row per file, failure logs that cannot break
// out of their block, and GitHub's size limit respected.
import { describe, expect, it } from "vitest";
import type { FileReport } from "./job-store.js";
import { pullRequestBody } from "./pull-request-body.js";

const row = (over: Partial<FileReport>): FileReport => ({ task_id: 1, path: "a.py", worker: "w1", tests_passed: 2, tests_failed: 0, attempts: 1, change: "created", passed: true, ...over });

describe("pull request body", () => {
  it("puts the summary first, then a row per file in task order, and the failure logs collapsed", () => {
    const body = pullRequestBody({
      issueNumber: 7,
      jobId: "job-abc123",
      summary: "Added a and b.",
      files: [row({ task_id: 2, path: "b|c.py", passed: false, tests_passed: 0, tests_failed: 1, attempts: 3, log: "E   assert 1 == 2\n``` not the end" }), row({})],
      notes: ["The bot restarted once."],
    });
    expect(body.startsWith("Closes #7\n\nAdded a and b.\n\n### Files\n")).toBe(true);
    const rows = body.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows).toEqual(["| `a.py` | 1 | w1 | 2 | 0 | 1 | created | ✅ passed |", "| `b\\|c.py` | 2 | w1 | 0 | 1 | 3 | created | ❌ failed |"]);
    expect(body).toContain("<details><summary>Test log of b|c.py (task 2)</summary>\n\n````\nE   assert 1 == 2\n``` not the end\n````\n</details>");
    expect(body).toContain("### Notes\n\n- The bot restarted once.");
    expect(body).toContain("dellm job `job-abc123`");
  });

  it("names the reason a file was not written, and stays under GitHub's body limit", () => {
    const huge = "x".repeat(3_000);
    const files = Array.from({ length: 40 }, (_, i) => row({ task_id: i + 1, path: `f${i}.py`, passed: false, log: huge }));
    files.push(row({ task_id: 41, path: "../etc", change: "not written", passed: false, reason: "refusing path: '..' would leave the repository", worker: null }));
    const body = pullRequestBody({ issueNumber: 1, jobId: "job-x", summary: "", files });
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toContain("(test logs left out: the body would be too long)");
    expect(body).toContain("| `../etc` | 41 | — | 2 | 0 | 1 | not written: refusing path: '..' would leave the repository | ❌ failed |");
    expect(body).toContain("_(no summary: the planner did not answer)_");
  });
});
