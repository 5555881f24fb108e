// The rows of the pull request's table for the tasks a merge handled: who solved each file, its
// tests, attempts, whether it is new or changes the base branch, or why it was not written.
import { showUntrusted } from "../../shared/display.js";
import { repoRelativePath } from "../../shared/repo-path.js";
import type { Result } from "../../shared/schemas.js";
import type { Checkout } from "./checkout.js";
import type { FileReport, GitHubJob } from "./job-store.js";
import type { MergeOutcome } from "../pipeline/merger.js";

const MAX_REPORT_LOG_CHARS = 3_000;

/** One row per task that ran in this merge. */
export async function fileReports(
  job: GitHubJob,
  merge: MergeOutcome,
  results: Map<number, Result>,
  checkout: Checkout,
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const written of merge.written) {
    const result = results.get(written.taskId)!;
    reports.push({
      ...fromResult(written.taskId, result),
      path: written.path,
      change: (await checkout.baseHas(written.path)) ? "modified" : "created",
      passed: result.test_passed,
    });
  }
  for (const skipped of merge.skipped) {
    const task = job.tasks.find((t) => t.id === skipped.taskId)!;
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
