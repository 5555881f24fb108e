// One row per task a merge handled, for the pull request's table and `dellm run`'s report alike:
// who solved the file, its tests (the failing ones named), attempts, whether it is new or how many
// lines it changes in the base, or why it was not written.
import { showUntrusted } from "../../shared/display.js";
import { repoRelativePath } from "../../shared/repo-path.js";
import type { Result, Task } from "../../shared/schemas.js";
import { keptAttempt } from "../../worker/verify/generation-verifier.js";
import type { MergeOutcome } from "../pipeline/merger.js";
import type { FileReport } from "./job-record.js";
import type { JobWorkspace } from "./job-workspace.js";

const MAX_REPORT_LOG_CHARS = 3_000;
/** Failing tests named per file; the rest are counted. */
const MAX_FAILING_NAMED = 5;

/** One row per task that ran in this merge. */
export async function fileReports(
  tasks: Task[],
  merge: MergeOutcome,
  results: Map<number, Result>,
  workspace: JobWorkspace,
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const written of merge.written) {
    const result = results.get(written.taskId)!;
    const modified = await workspace.baseHas(written.path);
    const lines = modified && merge.commit ? await workspace.linesChanged(written.path, merge.commit) : undefined;
    const failing = result.test_passed ? [] : failingTests(result);
    reports.push({
      ...fromResult(written.taskId, result),
      path: written.path,
      change: modified ? "modified" : "created",
      passed: result.test_passed,
      ...(lines !== undefined ? { lines_changed: lines } : {}),
      ...(failing.length ? { failing_tests: failing } : {}),
      ...(typeof written.overwrote === "object" && written.overwrote
        ? { replaced_task: written.overwrote.taskId }
        : {}),
    });
  }
  for (const skipped of merge.skipped) {
    const task = tasks.find((t) => t.id === skipped.taskId)!;
    let path: string;
    try {
      path = repoRelativePath(task.directory, task.file);
    } catch {
      // An unsafe path is reported as the plan wrote it, escaped: the check run shows it raw.
      path = showUntrusted(skipped.path);
    }
    reports.push({
      ...fromResult(skipped.taskId, results.get(skipped.taskId)),
      path,
      change: "not written",
      passed: false,
      reason: skipped.reason,
    });
  }
  return reports;
}

function fromResult(taskId: number, result: Result | undefined): Omit<FileReport, "path" | "change" | "passed"> {
  const log = result?.error ?? result?.test_logs;
  // The bot's re-test verdict when it ran, else the worker's last attempt's.
  const verdict = result?.verdict ?? result?.attempts.at(-1)?.test.verdict;
  return {
    ...(verdict && verdict !== "passed" && verdict !== "failed" ? { verdict } : {}),
    task_id: taskId,
    worker: result?.worker_id ?? null,
    tests_passed: result?.tests_passed ?? 0,
    tests_failed: result?.tests_failed ?? 0,
    attempts: result?.attempts.length ?? 0,
    ...(result?.generation ? { generation: result.generation } : {}),
    ...(result && !result.test_passed && log?.trim() ? { log: log.trim().slice(-MAX_REPORT_LOG_CHARS) } : {}),
  };
}

/** The failing test ids of the run behind the result's verdict (its kept attempt, or the bot's re-test). */
function failingTests(result: Result): string[] {
  const outcomes = keptAttempt(result)?.test.test_outcomes ?? [];
  const failing = outcomes.filter((o) => o.outcome === "failed" || o.outcome === "error").map((o) => o.id);
  return failing.length > MAX_FAILING_NAMED
    ? [...failing.slice(0, MAX_FAILING_NAMED), `and ${failing.length - MAX_FAILING_NAMED} more`]
    : failing;
}
