// The pull request's body: the Query 5.7 summary, then one table row per file (task, worker, tests,
// attempts, created or modified) and the shortened test log of each failure, collapsed. Everything
// but the bot's own words comes from models, workers or the sandbox and goes through markdown-text,
// which keeps it from closing issues, mentioning people or linking anything; worker ids are shown
// in a safe alphabet. Only the bot's own `Closes #N` references the issue.
import { escapeHtml, safeId, showUntrusted } from "../../shared/display.js";
import type { TestVerdict } from "../../shared/schemas.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { FileReport } from "../engine/job-record.js";
import type { RepositoryTests } from "../pipeline/repository-check.js";
import { codeSpanCell, fencedBlock, markdownBlock, markdownCell, markdownInline } from "./markdown-text.js";

/** GitHub refuses bodies over 65 536 characters; logs are cut first. */
const MAX_BODY_CHARS = 60_000;
const MAX_LOG_CHARS = 3_000;

/** What the table says of a file that did not pass, by the sandbox's verdict. */
const VERDICT_WORDS: Record<TestVerdict, string> = {
  passed: "passed",
  failed: "failed",
  no_tests: "no tests ran",
  syntax_error: "syntax error",
  tampering: "verdict tampering",
  unknown: "no verdict",
  timed_out: "timed out",
  out_of_memory: "out of memory",
  killed: "killed",
  missing_dependency: "missing dependency",
  not_model_answer: "not the model's answer",
};

export interface PullRequestBodyInput {
  issueNumber: number;
  jobId: string;
  summary: string;
  files: FileReport[];
  notes?: string[];
  /** The planner's model (a Claude id, or local (<GGUF>)); absent on jobs saved before it was recorded. */
  plannerModel?: string;
  /** The repository's own tests before and after the change (absent: not run, e.g. jobs saved before). */
  repositoryTests?: RepositoryTests;
}

export function pullRequestBody({
  issueNumber,
  jobId,
  summary,
  files,
  notes = [],
  plannerModel,
  repositoryTests,
}: PullRequestBodyInput): string {
  const rows = [...files]
    .sort((a, b) => a.task_id - b.task_id)
    .map(
      (f) =>
        `| ${codeSpanCell(f.path)} | ${f.task_id} | ${f.worker ? codeSpanCell(safeId(f.worker)) : "—"} | ${f.tests_passed} | ${f.tests_failed} | ${f.attempts} | ${f.change === "not written" ? `not written: ${markdownCell(f.reason ?? "")}` : f.change} | ${f.passed ? "✅ passed" : `❌ ${VERDICT_WORDS[f.verdict ?? "failed"]}`} | ${generationCell(f.generation)} |`,
    );
  const head = [
    `Closes #${issueNumber}`,
    "",
    markdownBlock(summary.trim()) || "_(no summary: the planner did not answer)_",
    "",
    "### Files",
    "",
    "| File | Task | Worker | Tests passed | Tests failed | Attempts | Change | Result | Model's answer |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    ...testsRanLines(files),
    ...(repositoryTests ? repositorySection(repositoryTests) : []),
  ];
  const tail = [
    ...(notes.length ? ["", "### Notes", "", ...notes.map((n) => `- ${markdownInline(n)}`)] : []),
    "",
    "---",
    `dellm job \`${jobId}\`${plannerModel ? `, planned by ${codeSpanCell(plannerModel)}` : ""}. Failed or missing tasks can be re-run with a \`/dellm retry\` comment on the issue or here. To change something, comment \`/dellm <what to change>\` here, or in review comments on the lines it is about (write access); comments without \`/dellm\`, reviews included, are never acted on.`,
  ];
  const regressionLogs = (repositoryTests?.regressions ?? []).map(
    (r) =>
      `<details><summary>Regression: ${escapeHtml(showUntrusted(r.id))}</summary>\n\n${fencedBlock(r.log.slice(-MAX_LOG_CHARS))}\n</details>`,
  );
  const brokenLog = repositoryTests?.after_broken
    ? [
        `<details><summary>The repository's test run on the result</summary>\n\n${fencedBlock(repositoryTests.after_broken.slice(-MAX_LOG_CHARS))}\n</details>`,
      ]
    : [];
  const logs = files
    .filter((f) => !f.passed && f.log)
    .map(
      (f) =>
        `<details><summary>Test log of ${escapeHtml(showUntrusted(f.path))} (task ${f.task_id})</summary>\n\n${fencedBlock(f.log!.slice(-MAX_LOG_CHARS))}\n</details>`,
    );
  const failures = [...regressionLogs, ...brokenLog, ...logs];
  let body = [...head, ...(failures.length ? ["", "### Failures", "", ...failures] : []), ...tail].join("\n");
  if (body.length > MAX_BODY_CHARS)
    body = [...head, "", "_(test logs left out: the body would be too long)_", ...tail]
      .join("\n")
      .slice(0, MAX_BODY_CHARS);
  return body;
}

/** How the file was shown to be the named model's own answer (issue 22), in the table's last column. */
function generationCell(generation: GenerationStatus | undefined): string {
  if (!generation) return "not checked";
  if (generation.status === "checked")
    return `checked by ${markdownCell(generation.by)}${generation.caveat ? ` (${markdownCell(generation.caveat)})` : ""}`;
  if (generation.status === "failed") return `❌ not: ${markdownCell(generation.reason)}`;
  if (generation.status === "replicas_agree")
    return `${generation.agree} of ${generation.of} replicas agree (${markdownCell(generation.reason)})`;
  return `not checked: ${markdownCell(generation.reason)}`;
}

/** Which repository tests ran with each file, besides its own (the files that import it). */
function testsRanLines(files: FileReport[]): string[] {
  const withTests = files.filter((f) => f.repository_tests !== undefined);
  if (withTests.length === 0) return [];
  return [
    "",
    "Tests run with each file, besides its own:",
    ...withTests.map(
      (f) =>
        `- ${codeSpanCell(f.path)}: ${f.repository_tests!.length ? f.repository_tests!.map((t) => codeSpanCell(t)).join(", ") : "no repository test imports it"}`,
    ),
  ];
}

/** What the repository's own test suite said about the change, before against after. */
function repositorySection(report: RepositoryTests): string[] {
  const lines = ["", "### Repository tests", ""];
  const command = report.command ? ` (${codeSpanCell(report.command)})` : "";
  if (report.status !== "compared") {
    lines.push(`Not run${command}: ${markdownInline(report.reason ?? "")}`);
  } else {
    const regressed = report.regressions.length > 0 || (report.after_broken && !report.before_broken);
    const runs =
      report.before_run && report.after_run ? { before: report.before_run, after: report.after_run } : undefined;
    // Reports saved before the runs were recorded name the command once, for both branches.
    const named = runs ? "" : command;
    lines.push(
      regressed
        ? `❌ The repository's tests${named} got worse with this change: it stays a draft until they pass again.`
        : runs
          ? "✅ The repository's tests did not get worse with this change: no test regressed."
          : `✅ The repository's tests${named} ran on the base branch and on this branch: no test regressed.`,
    );
    if (runs)
      lines.push(
        "",
        `Ran on the base branch: ${runWords(runs.before, report.before_broken)}; on this branch: ${runWords(runs.after, report.after_broken)}.`,
      );
    if (report.before_broken)
      lines.push(
        "",
        `On the base branch they gave no verdict (${markdownInline(report.before_broken)}), so nothing could be compared.`,
      );
    if (report.after_broken)
      lines.push("", `On this branch they gave no verdict: ${markdownInline(report.after_broken.split("\n")[0]!)}`);
    const list = (title: string, ids: string[]) =>
      ids.length
        ? [
            "",
            `${title}:`,
            ...ids.slice(0, 30).map((id) => `- ${codeSpanCell(id)}`),
            ...(ids.length > 30 ? [`- … and ${ids.length - 30} more`] : []),
          ]
        : [];
    lines.push(
      "",
      `${runs ? "" : `${report.passing} passing on this branch, `}${report.regressions.length} newly failing, ${report.newly_passing.length} newly passing, ${report.failing_before_and_after.length} failing before and after.`,
      ...list(
        "Newly failing (regressions)",
        report.regressions.map((r) => r.id),
      ),
      ...list("Newly passing", report.newly_passing),
      ...list("Failing before and after", report.failing_before_and_after),
    );
  }
  if (report.left_out.length)
    lines.push(
      "",
      `Left out of the sandbox: ${report.left_out
        .slice(0, 20)
        .map((p) => codeSpanCell(p))
        .join(", ")}${report.left_out.length > 20 ? ` and ${report.left_out.length - 20} more` : ""}.`,
    );
  return lines;
}

/** One run of the repository's tests: its command (the test files on that branch) and its counts. */
function runWords(run: NonNullable<RepositoryTests["before_run"]>, broken: string | undefined): string {
  if (run.test_files === 0) return "none of these test files is there, so nothing ran";
  return `${codeSpanCell(run.command)}, ${broken ? "no verdict" : `${run.passed} passed, ${run.failed} failed`}`;
}
