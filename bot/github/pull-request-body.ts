// The pull request's body: the Query 5.7 summary, then one table row per file (task, worker, tests,
// attempts, created or modified) and the shortened test log of each failure, collapsed. Everything
// but the bot's own words comes from models, workers or the sandbox and goes through markdown-text.
import { showUntrusted } from "../../shared/display.js";
import type { FileReport } from "./job-store.js";
import { codeSpanCell, fencedBlock, markdownBlock, markdownCell, markdownInline } from "./markdown-text.js";

/** GitHub refuses bodies over 65 536 characters; logs are cut first. */
const MAX_BODY_CHARS = 60_000;
const MAX_LOG_CHARS = 3_000;

export interface PullRequestBodyInput {
  issueNumber: number;
  jobId: string;
  summary: string;
  files: FileReport[];
  notes?: string[];
  /** The planner's model (a Claude id, or local (<GGUF>)); absent on jobs saved before it was recorded. */
  plannerModel?: string;
}

export function pullRequestBody({
  issueNumber,
  jobId,
  summary,
  files,
  notes = [],
  plannerModel,
}: PullRequestBodyInput): string {
  const rows = [...files]
    .sort((a, b) => a.task_id - b.task_id)
    .map(
      (f) =>
        `| ${codeSpanCell(f.path)} | ${f.task_id} | ${markdownCell(f.worker ?? "—")} | ${f.tests_passed} | ${f.tests_failed} | ${f.attempts} | ${f.change === "not written" ? `not written: ${markdownCell(f.reason ?? "")}` : f.change} | ${f.passed ? "✅ passed" : "❌ failed"} |`,
    );
  const head = [
    `Closes #${issueNumber}`,
    "",
    markdownBlock(summary.trim()) || "_(no summary: the planner did not answer)_",
    "",
    "### Files",
    "",
    "| File | Task | Worker | Tests passed | Tests failed | Attempts | Change | Result |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ];
  const tail = [
    ...(notes.length ? ["", "### Notes", "", ...notes.map((n) => `- ${markdownInline(n)}`)] : []),
    "",
    "---",
    `dellm job \`${jobId}\`${plannerModel ? `, planned by ${codeSpanCell(plannerModel)}` : ""}. Failed or missing tasks can be re-run with a \`/dellm retry\` comment on the issue or here.`,
  ];
  const logs = files
    .filter((f) => !f.passed && f.log)
    .map(
      (f) =>
        `<details><summary>Test log of ${escapeHtml(showUntrusted(f.path))} (task ${f.task_id})</summary>\n\n${fencedBlock(f.log!.slice(-MAX_LOG_CHARS))}\n</details>`,
    );
  let body = [...head, ...(logs.length ? ["", "### Failures", "", ...logs] : []), ...tail].join("\n");
  if (body.length > MAX_BODY_CHARS)
    body = [...head, "", "_(test logs left out: the body would be too long)_", ...tail]
      .join("\n")
      .slice(0, MAX_BODY_CHARS);
  return body;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
