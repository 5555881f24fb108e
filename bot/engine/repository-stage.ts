// A job's repository stage: the repository's own tests on the base commit and on the merged one
// (bot/pipeline/repository-check.ts), what the job notes of them, and, on regressions while
// integration_repairs allows, the repair round that hands the tasks the failing tests import back
// to the workers with the failure log. Also each file row's list of the repository tests it ran with.
import type { SourceFile, TestResult } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { repositoryTestsFor, type RepositoryView } from "../../shared/sandbox/task-run.js";
import type { MergeOutcome } from "../pipeline/merger.js";
import {
  checkRepository,
  repairTasks,
  repositoryRegressed,
  type RepositoryTests,
} from "../pipeline/repository-check.js";
import type { FileReport, JobRecord } from "./job-record.js";
import type { JobWorkspace } from "./job-workspace.js";

export interface RepositoryCheckContext {
  /** The bot's sandbox for the repository's tests (none: they are not run, and the report says so). */
  sandbox: Sandbox | undefined;
  /** Base-commit runs already made, shared across jobs (the base does not change between them). */
  baselines: Map<string, TestResult>;
  /** The repository's setup image, when it has one. */
  image: string | undefined;
  /** Stops the job: nothing of a run it interrupted is recorded. */
  signal: AbortSignal;
}

/**
 * Test the merged commit against the repository's tests and record the outcome on the job. True when
 * a repair round was set up (job.repairing, stage "distributing"): the caller saves, collects and
 * merges again.
 */
export async function checkJobRepository(
  job: JobRecord,
  workspace: JobWorkspace,
  merge: MergeOutcome,
  context: RepositoryCheckContext,
): Promise<boolean> {
  const previous = job.repository_tests;
  const { report, files } = await checkRepository({
    sandbox: context.sandbox,
    repoDir: workspace.dir,
    baseRef: workspace.baseRef,
    resultRef: merge.commit!,
    changed: merge.written.map((w) => w.path),
    testCommand: job.settings.test_command,
    timeoutSeconds: job.settings.test_timeout_seconds,
    snapshotLimitBytes: job.settings.snapshot_limit_mb * 2 ** 20,
    baselines: context.baselines,
    image: context.image,
  });
  context.signal.throwIfAborted();
  job.repository_tests = report;
  const rounds = job.repair_rounds ?? 0;
  const after = `After repair round ${rounds}:`;
  if (rounds > 0 && previous?.status === "compared" && job.notes.every((n) => !n.startsWith(after)))
    job.notes.push(`${after} ${describeRegressions(report)} (before it: ${describeRegressions(previous)}).`);
  if (!repositoryRegressed(report) || rounds >= job.settings.integration_repairs) return false;
  const repaired = repairTasks(report, files, job.tasks);
  if (repaired.length === 0) {
    job.notes.push("No task's file is imported by the repository tests that fail, so no repair round was run.");
    return false;
  }
  job.repair_rounds = rounds + 1;
  const ids = repaired.map((t) => t.id);
  job.notes.push(
    `Repair round ${job.repair_rounds}: ${describeRegressions(report)}; task(s) ${ids.join(", ")} (whose files those tests import) went back to the swarm with the failure log.`,
  );
  job.tasks = job.tasks.map((t) => repaired.find((r) => r.id === t.id) ?? t);
  job.repairing = ids;
  job.stage = "distributing";
  await workspace.deleteLocalBranch(job.branch);
  return true;
}

/** Each written file's row names the repository tests that ran with it (those that import it). */
export function withRepositoryTests(
  reports: FileReport[],
  view: RepositoryView | undefined,
  written: SourceFile[],
): FileReport[] {
  if (!view) return reports;
  return reports.map((report) =>
    report.change === "not written"
      ? report
      : { ...report, repository_tests: repositoryTestsFor(report.path, view, written) },
  );
}

function describeRegressions(report: RepositoryTests): string {
  if (report.after_broken && !report.before_broken) return "the repository's test run broke (it gave no verdict)";
  const n = report.regressions.length;
  return n === 0
    ? "no repository test regressed"
    : `${n} repository test(s) regressed (${report.regressions
        .map((r) => r.id)
        .slice(0, 5)
        .join(", ")})`;
}
