// The pull request's body: the Query 5.7 summary, then one table row per file (task, worker, tests,
// attempts, created or modified) and the shortened test log of each failure, collapsed.
import type { FileReport } from "./job-store.js";

/** GitHub refuses bodies over 65 536 characters; logs are cut first. */
const MAX_BODY_CHARS = 60_000;
const MAX_LOG_CHARS = 3_000;

export interface PullRequestBodyInput {
  issueNumber: number;
  jobId: string;
  summary: string;
  files: FileReport[];
  notes?: string[];
}

export function pullRequestBody({ issueNumber, jobId, summary, files, notes = [] }: PullRequestBodyInput): string {
  const rows = [...files]
    .sort((a, b) => a.task_id - b.task_id)
    .map((f) =>
      `| \`${cell(f.path)}\` | ${f.task_id} | ${cell(f.worker ?? "—")} | ${f.tests_passed} | ${f.tests_failed} | ${f.attempts} | ${f.change === "not written" ? `not written: ${cell(f.reason ?? "")}` : f.change} | ${f.passed ? "✅ passed" : "❌ failed"} |`,
    );
  const head = [
    `Closes #${issueNumber}`,
    "",
    summary.trim() || "_(no summary: the planner did not answer)_",
    "",
    "### Files",
    "",
    "| File | Task | Worker | Tests passed | Tests failed | Attempts | Change | Result |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ];
  const tail = [
    ...(notes.length ? ["", "### Notes", "", ...notes.map((n) => `- ${n}`)] : []),
    "",
    "---",
    `dellm job \`${jobId}\`. Failed or missing tasks can be re-run with a \`/dellm retry\` comment on the issue or here.`,
  ];
  const logs = files
    .filter((f) => !f.passed && f.log)
    .map((f) => `<details><summary>Test log of ${escapeHtml(f.path)} (task ${f.task_id})</summary>\n\n${fenced(f.log!.slice(-MAX_LOG_CHARS))}\n</details>`);
  let body = [...head, ...(logs.length ? ["", "### Failures", "", ...logs] : []), ...tail].join("\n");
  if (body.length > MAX_BODY_CHARS) body = [...head, "", "_(test logs left out: the body would be too long)_", ...tail].join("\n").slice(0, MAX_BODY_CHARS);
  return body;
}

/** A table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A code block whose fence is longer than any backtick run inside, so a log cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}
