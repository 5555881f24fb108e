// The seed's fixed "Output Format" block that follows the Query 5.7 text.
import type { Result } from "../../shared/schemas.js";
import type { MergeOutcome } from "./merger.js";

export interface SummaryInput {
  repoPath: string;
  merge: MergeOutcome;
  results: Map<number, Result>;
}

export function resultsBlock({ repoPath, merge, results }: SummaryInput): string {
  const allPassed = merge.skipped.length === 0 && merge.written.every((f) => f.testPassed);
  const lines = [allPassed ? "Task completed!" : "Task finished with problems.", "", `Generated ${merge.written.length} files:`];
  for (const file of merge.written) {
    const overwrote = file.overwrote === "base" ? ", replaced the existing file" : file.overwrote ? `, replaced task ${file.overwrote.taskId}'s version` : "";
    lines.push(`- ${file.path} (${file.testPassed ? "passed tests" : "FAILED tests - see logs"}${overwrote})`);
  }
  for (const skip of merge.skipped) lines.push(`- ${skip.path} (NOT WRITTEN - ${skip.reason})`);
  let passed = 0;
  let failed = 0;
  for (const result of results.values()) {
    passed += result.tests_passed;
    failed += result.tests_failed;
  }
  lines.push(
    "",
    `Location: ${repoPath}`,
    `Branch: ${merge.branch}`,
    `Commit: ${merge.commit ?? "(none: no file was written)"}`,
    "",
    "To run:",
    `cd ${repoPath}`,
    `git checkout ${merge.branch}`,
    "python -m pytest",
    "",
    "Test Results Summary:",
    `- ${passed} tests passed`,
    `- ${failed} tests failed`,
  );
  return lines.join("\n");
}
