// The seed's fixed "Output Format" block that follows the Query 5.7 text. File names and reasons
// are shown escaped, so none can colour a line or add a fake "- file.py (passed tests)" row.
import { showUntrusted } from "../../shared/display.js";
import type { Result } from "../../shared/schemas.js";
import type { MergeOutcome } from "./merger.js";
import type { FileDetail } from "./run-report.js";
import { repositoryRegressed, type RepositoryTests } from "./repository-check.js";

export interface SummaryInput {
  repoPath: string;
  merge: MergeOutcome;
  results: Map<number, Result>;
  /** Per written path: new or edited, failing tests, where the log is (run-report.ts). */
  details?: Map<string, FileDetail>;
  /** What "To run" hands pytest (default: the written modules). */
  testTargets?: string[];
  /** The repository's own tests on the start and on the result. */
  repositoryTests?: RepositoryTests;
  /** What the job noted on the way (a repair that did not help, …). */
  notes?: string[];
}

export function resultsBlock({
  repoPath,
  merge,
  results,
  details,
  testTargets,
  repositoryTests,
  notes = [],
}: SummaryInput): string {
  // The repository's own tests count too: a file passing its tests while they regress is not done.
  const allPassed =
    merge.skipped.length === 0 && merge.written.every((f) => f.testPassed) && !repositoryRegressed(repositoryTests);
  const lines = [
    allPassed ? "Task completed!" : "Task finished with problems.",
    "",
    `Generated ${merge.written.length} files:`,
  ];
  for (const file of merge.written) {
    const detail = details?.get(file.path);
    // "edited (N lines)" says what the job did to an existing file; without it, that it was replaced.
    const overwrote =
      file.overwrote === "base"
        ? detail
          ? ""
          : ", replaced the existing file"
        : file.overwrote
          ? `, replaced task ${file.overwrote.taskId}'s version`
          : "";
    const verdict = file.testPassed
      ? "passed tests"
      : `FAILED tests - see ${detail?.logPath ? showUntrusted(detail.logPath) : "logs"}`;
    const change = detail ? `, ${detail.change}` : "";
    const failing = detail?.failing.length ? `; failing: ${detail.failing.map(showUntrusted).join(", ")}` : "";
    lines.push(`- ${showUntrusted(file.path)} (${verdict}${change}${overwrote}${failing})`);
  }
  for (const skip of merge.skipped)
    lines.push(`- ${showUntrusted(skip.path)} (NOT WRITTEN - ${showUntrusted(skip.reason)})`);
  let passed = 0;
  let failed = 0;
  for (const result of results.values()) {
    passed += result.tests_passed;
    failed += result.tests_failed;
  }
  lines.push("", `Location: ${repoPath}`);
  if (merge.commit) {
    lines.push(
      `Branch: ${merge.branch}`,
      `Commit: ${merge.commit}`,
      "",
      "To run:",
      `cd ${repoPath}`,
      `git checkout ${merge.branch}`,
    );
    const pytest = pytestCommand(testTargets ?? merge.written.map((f) => f.path));
    if (pytest) lines.push(pytest);
  } else {
    lines.push("Branch: (none: no file could be written, so no branch was created)", "Commit: (none)");
  }
  lines.push("", "Test Results Summary:", `- ${passed} tests passed`, `- ${failed} tests failed`);
  if (repositoryTests) lines.push(repositoryLine(repositoryTests));
  if (notes.length) lines.push("", "Notes:", ...notes.map((note) => `- ${showUntrusted(note)}`));
  return lines.join("\n");
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
