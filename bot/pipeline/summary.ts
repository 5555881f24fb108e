// The seed's fixed "Output Format" block that follows the Query 5.7 text. File names and reasons
// are shown escaped, so none can colour a line or add a fake "- file.py (passed tests)" row.
import { showUntrusted } from "../../shared/display.js";
import type { FileReport } from "../engine/job-record.js";
import { repositoryRegressed, type RepositoryTests } from "./repository-check.js";

export interface SummaryInput {
  repoPath: string;
  branch: string;
  /** The merged commit (absent: nothing could be written). */
  commit?: string;
  /** The job's rows, as the pull request's table has them (bot/engine/file-reports.ts). */
  files: FileReport[];
  /** Where each failed file's full test log was written, by path. */
  logPaths?: ReadonlyMap<string, string>;
  /** The repository's own tests on the start and on the result. */
  repositoryTests?: RepositoryTests;
  /** What the job noted on the way (a repair that did not help, …). */
  notes?: string[];
}

export function resultsBlock({
  repoPath,
  branch,
  commit,
  files,
  logPaths,
  repositoryTests,
  notes = [],
}: SummaryInput): string {
  const written = files.filter((f) => f.change !== "not written");
  // The repository's own tests count too: a file passing its tests while they regress is not done.
  const allPassed = files.every((f) => f.passed) && !repositoryRegressed(repositoryTests);
  const lines = [
    allPassed ? "Task completed!" : "Task finished with problems.",
    "",
    `Generated ${written.length} files:`,
  ];
  for (const file of written) {
    const logPath = logPaths?.get(file.path);
    const verdict = file.passed ? "passed tests" : `FAILED tests - see ${logPath ? showUntrusted(logPath) : "logs"}`;
    const replaced = file.replaced_task ? `, replaced task ${file.replaced_task}'s version` : "";
    const failing = file.failing_tests?.length ? `; failing: ${file.failing_tests.map(showUntrusted).join(", ")}` : "";
    lines.push(`- ${showUntrusted(file.path)} (${verdict}, ${changeWords(file)}${replaced}${failing})`);
  }
  for (const skip of files.filter((f) => f.change === "not written"))
    lines.push(`- ${showUntrusted(skip.path)} (NOT WRITTEN - ${showUntrusted(skip.reason ?? "")})`);
  const passed = files.reduce((sum, f) => sum + f.tests_passed, 0);
  const failed = files.reduce((sum, f) => sum + f.tests_failed, 0);
  lines.push("", `Location: ${repoPath}`);
  if (commit) {
    lines.push(`Branch: ${branch}`, `Commit: ${commit}`, "", "To run:", `cd ${repoPath}`, `git checkout ${branch}`);
    // The written modules (their own tests live in them), then the repository tests that import them.
    const targets = [...new Set([...written.map((f) => f.path), ...written.flatMap((f) => f.repository_tests ?? [])])];
    const pytest = pytestCommand(targets);
    if (pytest) lines.push(pytest);
  } else {
    lines.push("Branch: (none: no file could be written, so no branch was created)", "Commit: (none)");
  }
  lines.push("", "Test Results Summary:", `- ${passed} tests passed`, `- ${failed} tests failed`);
  if (repositoryTests) lines.push(repositoryLine(repositoryTests));
  if (notes.length) lines.push("", "Notes:", ...notes.map((note) => `- ${showUntrusted(note)}`));
  return lines.join("\n");
}

/** "new file", "edited (N lines)": what the job did to the file. */
function changeWords(file: FileReport): string {
  if (file.change === "created") return "new file";
  const n = file.lines_changed;
  return n === undefined ? "edited" : `edited (${n} line${n === 1 ? "" : "s"})`;
}

/** The repository's own tests, before and after the job: regressions named with their test ids. */
function repositoryLine(report: RepositoryTests): string {
  const command = report.command ? ` (${showUntrusted(report.command)})` : "";
  if (report.status === "no_tests") return "- Repository tests: none found";
  if (report.status === "not_run")
    return `- Repository tests${command}: not run (${showUntrusted(report.reason ?? "")})`;
  if (report.after_broken)
    return `- Repository tests${command}: the run on the result gave no verdict (${showUntrusted(report.after_broken)})`;
  const regressed = report.regressions.map((r) => showUntrusted(r.id));
  const parts = [`${report.passing} passing`];
  if (regressed.length)
    parts.push(
      `${regressed.length} REGRESSED (passed before the job, fail after it): ${regressed.slice(0, 10).join(", ")}${regressed.length > 10 ? ` and ${regressed.length - 10} more` : ""}`,
    );
  if (report.newly_passing.length) parts.push(`${report.newly_passing.length} newly passing`);
  if (report.failing_before_and_after.length)
    parts.push(`${report.failing_before_and_after.length} failing before and after`);
  return `- Repository tests${command}: ${parts.join("; ")}`;
}

/**
 * The tests live inside the generated modules (fibonacci.py, not test_fibonacci.py), which a bare
 * `python -m pytest` does not collect ("no tests ran"); named on the command line, pytest runs them.
 */
export function pytestCommand(paths: string[]): string | undefined {
  const modules = paths.filter((path) => path.endsWith(".py"));
  if (modules.length === 0) return undefined;
  return `python -m pytest ${modules.map((path) => showUntrusted(shellWord(path))).join(" ")}`;
}

/** A path as one shell word: as is when plain, else single-quoted. */
function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
