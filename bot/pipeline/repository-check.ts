// A job's result against the repository's own test suite: the suite runs on the base commit and on
// the merged commit, and the two are compared test by test. Whatever stops a run (no sandbox, no
// tests, a repository over the size limit) becomes a report that says so: the job goes on.
import { z } from "zod";
import { reachableFiles } from "../../shared/python-imports.js";
import { repoRelativePath } from "../../shared/repo-path.js";
import { repositorySnapshot, SnapshotTooLargeError } from "../../shared/repository-snapshot.js";
import { LIMITS, type Task, type TestResult } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import {
  compareRuns,
  failureLogOf,
  hasRegressions,
  isTestFile,
  parseTestCommand,
  planRepositoryTests,
  runRepositoryTests,
  tally,
  testCommandText,
  testFileOf,
} from "./repository-tests.js";

/** One run of the repository's tests: what ran (test files there) and how many tests passed or failed. */
const TestRunSchema = z.object({
  command: z.string(),
  test_files: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});

export const RepositoryTestsSchema = z.object({
  /** compared: both runs happened; no_tests: nothing to run; not_run: something stopped it (see reason). */
  status: z.enum(["compared", "no_tests", "not_run"]),
  command: z.string().optional(),
  reason: z.string().optional(),
  regressions: z.array(z.object({ id: z.string(), log: z.string() })).default([]),
  newly_passing: z.array(z.string()).default([]),
  failing_before_and_after: z.array(z.string()).default([]),
  passing: z.number().int().nonnegative().default(0),
  /** The run on the result gave no per-test verdict (timed out, …): why. */
  after_broken: z.string().optional(),
  /** The run on the base commit gave none: nothing to compare with. */
  before_broken: z.string().optional(),
  /** The run on the base commit: only the test files it has (the job may add some). Absent in reports saved before. */
  before_run: TestRunSchema.optional(),
  /** The run on the result. */
  after_run: TestRunSchema.optional(),
  /** Tracked files not copied into the sandbox (binaries, links), "path (why)". */
  left_out: z.array(z.string()).default([]),
});
export type RepositoryTests = z.infer<typeof RepositoryTestsSchema>;

export interface RepositoryCheckInput {
  sandbox: Sandbox | undefined;
  repoDir: string;
  baseRef: string;
  resultRef: string;
  /** Paths the job wrote: the only files scanned for verdict tampering. */
  changed: string[];
  testCommand?: string;
  timeoutSeconds: number;
  snapshotLimitBytes: number;
  /** The repository's derived image (its `setup` installed), both runs use it; absent = the sandbox's own. */
  image?: string;
  /** Base-commit runs already made, by commit, image and command (a repair round reuses them). */
  baselines?: Map<string, TestResult>;
}

export interface RepositoryCheck {
  report: RepositoryTests;
  /** The result's files by path (for the import scan that picks the tasks to repair). */
  files: Map<string, string>;
}

export async function checkRepository(input: RepositoryCheckInput): Promise<RepositoryCheck> {
  const files = new Map<string, string>();
  const notRun = (reason: string, command?: string): RepositoryCheck => ({
    report: RepositoryTestsSchema.parse({ status: "not_run", reason, command }),
    files,
  });
  if (!input.sandbox)
    return notRun(
      "the bot runs without its own sandbox (no re-test configured), so the repository's tests were not run",
    );
  let base, result;
  try {
    [base, result] = [
      await repositorySnapshot(input.repoDir, input.baseRef, input.snapshotLimitBytes),
      await repositorySnapshot(input.repoDir, input.resultRef, input.snapshotLimitBytes),
    ];
  } catch (error) {
    if (error instanceof SnapshotTooLargeError) return notRun(`${error.message}`);
    throw error;
  }
  for (const file of result.files) files.set(file.path, file.content);
  const command = input.testCommand ? parseTestCommand(input.testCommand) : undefined;
  const plan = planRepositoryTests([...files.keys()], command);
  const left_out = result.leftOut.map((f) => `${f.path} (${f.reason})`);
  if (!plan)
    return {
      report: RepositoryTestsSchema.parse({
        status: "no_tests",
        command: command?.text,
        reason: command
          ? `test_command "${command.text}" names no test file (test_*.py or *_test.py) in the repository`
          : "the repository has no Python test files (test_*.py or *_test.py), so only each file's own tests ran",
        left_out,
      }),
      files,
    };
  const options = { timeoutSeconds: input.timeoutSeconds, ...(input.image ? { image: input.image } : {}) };
  const baseTargets = new Set(base.files.map((f) => f.path));
  const basePlan = { ...plan, targets: plan.targets.filter((t) => baseTargets.has(t)) };
  const key = `${base.commit} ${input.image ?? "sandbox"} ${plan.command} ${basePlan.targets.join(" ")}`;
  let before = input.baselines?.get(key);
  if (!before) {
    before = basePlan.targets.length
      ? await runRepositoryTests(input.sandbox, base.files, basePlan, { ...options, scanned: [] })
      : emptyRun();
    input.baselines?.set(key, before);
  }
  const after = await runRepositoryTests(input.sandbox, result.files, plan, {
    ...options,
    scanned: input.changed.filter((p) => p.endsWith(".py")),
  });
  const comparison = compareRuns(before, after);
  return {
    report: RepositoryTestsSchema.parse({
      status: "compared",
      command: plan.command,
      regressions: comparison.regressions.map((id) => ({ id, log: failureLogOf(after, id) })),
      newly_passing: comparison.newlyPassing,
      failing_before_and_after: comparison.failingBeforeAndAfter,
      passing: comparison.passingAfter,
      after_broken: comparison.afterBroken && `${comparison.afterBroken}\n${after.stdout.slice(-1_500)}`.trim(),
      before_broken: comparison.beforeBroken,
      // The base's own command when the job added test files: it must not name files the base lacks.
      before_run: {
        command:
          basePlan.targets.length === plan.targets.length ? plan.command : testCommandText(basePlan.targets, plan.args),
        test_files: basePlan.targets.length,
        ...tally(before),
      },
      after_run: { command: plan.command, test_files: plan.targets.length, ...tally(after) },
      left_out,
    }),
    files,
  };
}

/** Whether the result is worse than the base by the repository's tests. */
export function repositoryRegressed(report: RepositoryTests | undefined): boolean {
  if (!report || report.status !== "compared") return false;
  return hasRegressions({
    regressions: report.regressions.map((r) => r.id),
    newlyPassing: [],
    failingBeforeAndAfter: [],
    passingAfter: 0,
    afterBroken: report.after_broken,
    beforeBroken: report.before_broken,
  });
}

const REPAIR_MARK = "\n\nThe repository's own tests failed with your previous version of this file.";

/**
 * The tasks whose files the failing repository tests reach through imports, each with the failure
 * log in its context (replacing that of an earlier round), for the swarm to re-solve.
 */
export function repairTasks(report: RepositoryTests, files: Map<string, string>, tasks: Task[]): Task[] {
  // A run that broke as a whole (it hung, say) names no test: every test file is suspect.
  const failingFiles = report.after_broken
    ? [...files.keys()].filter(isTestFile)
    : [...new Set(report.regressions.map((r) => testFileOf(r.id)))];
  const reached = new Set(failingFiles.flatMap((test) => [test, ...reachableFiles(test, files)]));
  const log = report.after_broken ?? report.regressions.map((r) => `${r.id}:\n${r.log}`).join("\n\n");
  return tasks.flatMap((task) => {
    let path: string;
    try {
      path = repoRelativePath(task.directory, task.file);
    } catch {
      return [];
    }
    if (!reached.has(path)) return [];
    const context = task.context.split(REPAIR_MARK)[0]!;
    const note = `${REPAIR_MARK} Keep what they test working. Their failure:\n`;
    const room = LIMITS.contextChars - context.length - note.length;
    return room > 200 ? [{ ...task, context: `${context}${note}${log.slice(-Math.min(room, 6_000))}` }] : [];
  });
}

function emptyRun(): TestResult {
  return {
    success: true,
    stdout: "",
    stderr: "",
    tests_passed: 0,
    tests_failed: 0,
    execution_time: 0,
    verdict: "no_tests",
    test_outcomes: [],
  };
}
