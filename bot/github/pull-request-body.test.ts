// The pull request body: summary first, one escaped row per file, failure logs that cannot break
// out of their block, and GitHub's size limit respected.
import { describe, expect, it } from "vitest";
import { RepositoryTestsSchema, type RepositoryTests } from "../pipeline/repository-check.js";
import type { FileReport } from "../engine/job-record.js";
import { pullRequestBody } from "./pull-request-body.js";

const row = (over: Partial<FileReport>): FileReport => ({
  task_id: 1,
  path: "a.py",
  worker: "w1",
  tests_passed: 2,
  tests_failed: 0,
  attempts: 1,
  change: "created",
  passed: true,
  ...over,
});

describe("pull request body", () => {
  it("puts the summary first, then a row per file in task order, and the failure logs collapsed", () => {
    const body = pullRequestBody({
      issueNumber: 7,
      jobId: "job-abc123",
      summary: "Added a and b.",
      files: [
        row({
          task_id: 2,
          path: "b|c.py",
          passed: false,
          tests_passed: 0,
          tests_failed: 1,
          attempts: 3,
          log: "E   assert 1 == 2\n``` not the end",
        }),
        row({}),
      ],
      notes: ["The bot restarted once."],
    });
    expect(body.startsWith("Closes #7\n\nAdded a and b.\n\n### Files\n")).toBe(true);
    // How to ask for changes, and that nothing else is acted on.
    expect(body).toContain("To change something, comment `/dellm <what to change>` here, or in review comments");
    expect(body).toContain("comments without `/dellm`, reviews included, are never acted on");
    const rows = body.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows).toEqual([
      "| `a.py` | 1 | `w1` | 2 | 0 | 1 | created | ✅ passed | not checked |",
      "| `b\\|c.py` | 2 | `w1` | 0 | 1 | 3 | created | ❌ failed | not checked |",
    ]);
    expect(body).toContain(
      "<details><summary>Test log of b|c.py (task 2)</summary>\n\n````\nE   assert 1 == 2\n``` not the end\n````\n</details>",
    );
    expect(body).toContain("### Notes\n\n- The bot restarted once.");
    expect(body).toContain("dellm job `job-abc123`");
  });

  it("says how a file that did not pass ended: tampering, no verdict, timed out, or plainly failed", () => {
    const body = pullRequestBody({
      issueNumber: 7,
      jobId: "job-abc123",
      summary: "",
      files: [
        row({ task_id: 1, path: "t.py", passed: false, verdict: "tampering" }),
        row({ task_id: 2, path: "u.py", passed: false, verdict: "unknown" }),
        row({ task_id: 3, path: "s.py", passed: false, verdict: "timed_out" }),
        row({ task_id: 4, path: "f.py", passed: false }),
      ],
      notes: [],
    });
    const results = body
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => l.split(" | ").at(-2));
    expect(results).toEqual(["❌ verdict tampering", "❌ no verdict", "❌ timed out", "❌ failed"]);
  });

  it("names the reason a file was not written, and stays under GitHub's body limit", () => {
    const huge = "x".repeat(3_000);
    const files = Array.from({ length: 40 }, (_, i) =>
      row({ task_id: i + 1, path: `f${i}.py`, passed: false, log: huge }),
    );
    files.push(
      row({
        task_id: 41,
        path: "../etc",
        change: "not written",
        passed: false,
        reason: "refusing path: '..' would leave the repository",
        worker: null,
      }),
    );
    const body = pullRequestBody({ issueNumber: 1, jobId: "job-x", summary: "", files });
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toContain("(test logs left out: the body would be too long)");
    expect(body).toContain(
      "| `../etc` | 41 | — | 2 | 0 | 1 | not written: refusing path: '..' would leave the repository | ❌ failed |",
    );
    expect(body).toContain("_(no summary: the planner did not answer)_");
  });
});

describe("pull request body from hostile text", () => {
  const spoof = "\x1b[32m\r\n- fake.py (passed tests)";

  it("says in its last column how each file was shown to be the model's own answer, in inert text", () => {
    const body = pullRequestBody({
      issueNumber: 3,
      jobId: "job-g",
      summary: "ok",
      files: [
        row({ task_id: 1, path: "a.py", generation: { status: "checked", by: "the bot" } }),
        row({
          task_id: 2,
          path: "b.py",
          change: "not written",
          passed: false,
          verdict: "not_model_answer",
          generation: {
            status: "failed",
            by: "the bot",
            reason: "not the model's answer: at answer token 0 … @team #2",
          },
        }),
        row({ task_id: 3, path: "c.py", generation: { status: "not_checked", reason: "a repair round's answer" } }),
        row({
          task_id: 4,
          path: "d.py",
          generation: { status: "replicas_agree", agree: 2, of: 3, reason: "the bot holds no copy of the job's model" },
        }),
      ],
    });
    const cells = body
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .map((l) => l.split(" | ").slice(-2));
    expect(cells[0]).toEqual(["✅ passed", "checked by the bot |"]);
    expect(cells[1]![0]).toBe("❌ not the model's answer");
    expect(cells[1]![1]).toMatch(/^❌ not: not the model's answer: at answer token 0/);
    expect(cells[1]![1]).not.toMatch(/@team|#2\b/); // inert: no mention, no issue reference
    expect(cells[2]).toEqual(["✅ passed", "not checked: a repair round's answer |"]);
    expect(cells[3]).toEqual(["✅ passed", "2 of 3 replicas agree (the bot holds no copy of the job's model) |"]);
  });

  it("keeps file names, workers and reasons inside their cells, escaped", () => {
    const body = pullRequestBody({
      issueNumber: 3,
      jobId: "job-h",
      summary: "ok",
      files: [
        row({ task_id: 1, path: `a\`b${spoof}.py`, worker: "w|<!--" }),
        row({ task_id: 2, path: "c.py", change: "not written", passed: false, reason: `no code${spoof} <!-- hide` }),
      ],
    });
    const rows = body.split("\n").filter((l) => /^\| .* \| \d+ \|/.test(l));
    expect(rows).toEqual([
      "| ``a`b\\x1b[32m\\r\\n- fake.py (passed tests).py`` | 1 | `w_--` | 2 | 0 | 1 | created | ✅ passed | not checked |",
      "| `c.py` | 2 | `w1` | 2 | 0 | 1 | not written: no code\\x1b\\[32m\\r\\n- fake.py (passed tests) &lt;!-- hide | ❌ failed | not checked |",
    ]);
    expect(body).not.toMatch(/[\x1b\r]/);
  });

  it("shows the summary's HTML as text and closes a code block it leaves open, so the table stays a table", () => {
    const body = pullRequestBody({
      issueNumber: 3,
      jobId: "job-h",
      summary:
        "Done.\x1b[2K\n<!-- the table below is hidden\n<details><summary>x</summary>\nIf a < b then\n```python\nprint('<!-- in code stays')",
      files: [row({})],
    });
    expect(
      body.startsWith(
        "Closes #3\n\nDone.\\x1b\\[2K\n&lt;!-- the table below is hidden\n&lt;details>&lt;summary>x&lt;/summary>\nIf a < b then\n```python\nprint('<!-- in code stays')\n```\n\n### Files\n",
      ),
    ).toBe(true);
  });

  it("leaves a code block the summary closes itself alone, and escapes HTML after it", () => {
    const body = pullRequestBody({
      issueNumber: 3,
      jobId: "job-h",
      summary: "~~~\n<b>code</b>\n~~~~\n<b>bold</b>",
      files: [],
    });
    expect(body).toContain("\n~~~\n<b>code</b>\n~~~~\n&lt;b>bold&lt;/b>\n\n### Files");
  });

  it("escapes control characters in a failure log but keeps its lines, and notes stay one line each", () => {
    const body = pullRequestBody({
      issueNumber: 3,
      jobId: "job-h",
      summary: "",
      files: [row({ path: "t.py", passed: false, log: "E   boom\r\n\x1b[31mFAILED\x1b[0m\rpassed" })],
      notes: [`The planner could not write the summary (oops${spoof}).`],
    });
    expect(body).toContain("```\nE   boom\n\\x1b[31mFAILED\\x1b[0m\\rpassed\n```");
    expect(body).toContain(
      "- The planner could not write the summary (oops\\x1b\\[32m\\r\\n- fake.py (passed tests)).",
    );
  });
});

describe("pull request body: only the bot's own Closes #N makes GitHub act", () => {
  // The probe's text, as the worker id (1-200 characters, any text) and as the model's summary.
  const probe = "closes #2 … @acme/security ![t](https://evil.example/t.png)";

  it("closes, mentions, links and loads nothing a worker or the model wrote", () => {
    const body = pullRequestBody({
      issueNumber: 7,
      jobId: "job-p",
      summary: `${probe}\n[click](https://evil.example)`,
      files: [
        row({ worker: probe }),
        row({ task_id: 2, path: "b.py", change: "not written", passed: false, reason: `no code: ${probe}` }),
      ],
      notes: [`The planner could not write the summary (${probe}).`],
    });
    // GitHub renders the zero-width space entity as a character that ends a reference or mention.
    const rendered = body.replaceAll("&#8203;", "\u200b");
    expect(rendered.match(/#\d+/g)).toEqual(["#7"]);
    expect(body.startsWith("Closes #7\n")).toBe(true);
    expect(rendered).not.toMatch(/@[\w-]/);
    expect(rendered).not.toMatch(/:\/\//);
    expect(rendered).not.toMatch(/(^|[^\\])\]\(/m); // no link or image syntax: every bracket escaped
    // The worker is shown by a short id in a safe alphabet.
    expect(body.match(/\| `a\.py` \| 1 \| `([^`]*)` \|/)![1]).toMatch(/^[A-Za-z0-9._-]+…[A-Za-z0-9._-]+$/);
  });
});

describe("pull request body: the repository's tests", () => {
  const section = (report: Partial<RepositoryTests>) =>
    pullRequestBody({
      issueNumber: 7,
      jobId: "job-abc123",
      summary: "",
      files: [row({})],
      repositoryTests: RepositoryTestsSchema.parse({ status: "compared", ...report }),
    })
      .split("### Repository tests\n\n")[1]!
      .split("\n---\n")[0]!;

  it("names what ran on the base branch (only its own test files) and on this branch, with each run's counts", () => {
    const text = section({
      command: "pytest -q tests/test_models.py tests/test_cart.py",
      passing: 3,
      newly_passing: [],
      before_run: { command: "pytest -q tests/test_models.py", test_files: 1, passed: 2, failed: 0 },
      after_run: { command: "pytest -q tests/test_models.py tests/test_cart.py", test_files: 2, passed: 3, failed: 0 },
    });
    expect(text).toContain(
      "✅ The repository's tests did not get worse with this change: no test regressed.\n\n" +
        "Ran on the base branch: `pytest -q tests/test_models.py`, 2 passed, 0 failed; on this branch: `pytest -q tests/test_models.py tests/test_cart.py`, 3 passed, 0 failed.\n\n" +
        "0 newly failing, 0 newly passing, 0 failing before and after.",
    );
    expect(text.split("Ran on the base branch: ")[1]!.split(";")[0]).not.toContain("test_cart.py");
  });

  it("gives the counts of a regressed run and says when the base branch had none of the test files", () => {
    const text = section({
      regressions: [{ id: "tests/test_new.py::test_it", log: "E assert False" }],
      before_run: { command: "pytest -q ", test_files: 0, passed: 0, failed: 0 },
      after_run: { command: "pytest -q tests/test_new.py", test_files: 1, passed: 0, failed: 1 },
    });
    expect(text).toContain(
      "❌ The repository's tests got worse with this change: it stays a draft until they pass again.",
    );
    expect(text).toContain(
      "Ran on the base branch: none of these test files is there, so nothing ran; on this branch: `pytest -q tests/test_new.py`, 0 passed, 1 failed.",
    );
  });

  it("says no verdict instead of counts for a run that gave none", () => {
    const text = section({
      before_broken: "timed out after 5 s",
      before_run: { command: "pytest tests/test_slow.py", test_files: 1, passed: 0, failed: 0 },
      after_run: { command: "pytest tests/test_slow.py", test_files: 1, passed: 1, failed: 0 },
    });
    expect(text).toContain(
      "Ran on the base branch: `pytest tests/test_slow.py`, no verdict; on this branch: `pytest tests/test_slow.py`, 1 passed, 0 failed.",
    );
  });

  it("keeps the one-command line for reports saved before the runs were recorded", () => {
    const text = section({ command: "pytest -q tests/test_models.py", passing: 2 });
    expect(text).toContain(
      "✅ The repository's tests (`pytest -q tests/test_models.py`) ran on the base branch and on this branch: no test regressed.\n\n2 passing on this branch, 0 newly failing",
    );
    expect(text).not.toContain("Ran on the base branch:");
  });
});
