// The seed's fixed "Output Format" block that follows the Query 5.7 text. File names and reasons
// are shown escaped, so none can colour a line or add a fake "- file.py (passed tests)" row.
import { showUntrusted } from "../../shared/display.js";
import type { Result } from "../../shared/schemas.js";
import type { MergeOutcome } from "./merger.js";

export interface SummaryInput {
  repoPath: string;
  merge: MergeOutcome;
  results: Map<number, Result>;
}

export function resultsBlock({ repoPath, merge, results }: SummaryInput): string {
  const allPassed = merge.skipped.length === 0 && merge.written.every((f) => f.testPassed);
  const lines = [
    allPassed ? "Task completed!" : "Task finished with problems.",
    "",
    `Generated ${merge.written.length} files:`,
  ];
  for (const file of merge.written) {
    const overwrote =
      file.overwrote === "base"
        ? ", replaced the existing file"
        : file.overwrote
          ? `, replaced task ${file.overwrote.taskId}'s version`
          : "";
    lines.push(
      `- ${showUntrusted(file.path)} (${file.testPassed ? "passed tests" : "FAILED tests - see logs"}${overwrote})`,
    );
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
    const pytest = pytestCommand(merge.written.map((f) => f.path));
    if (pytest) lines.push(pytest);
  } else {
    lines.push("Branch: (none: no file could be written, so no branch was created)", "Commit: (none)");
  }
  lines.push("", "Test Results Summary:", `- ${passed} tests passed`, `- ${failed} tests failed`);
  return lines.join("\n");
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
