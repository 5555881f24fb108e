// One job from query to commit: plan → collect (verify, choose replicas) → merge → the repository's
// own tests before and after (a repair round on regressions) → summary. The GitHub App runs the same
// steps (bot/github/jobs.ts) with its own saving and delivery between them.
import { resolve } from "node:path";
import { newJobId, type Job, type Result } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { collectVerified } from "./collect.js";
import type { Distribution, JobEvent } from "./distribution.js";
import { jobStartPoint, mergeResults, openOrInitRepo, type MergeOutcome } from "./merger.js";
import type { Planner } from "./planner.js";
import { repositoryContext, withCurrentContent, withRepositoryInstructions } from "./repo-context.js";
import { summarizeJob } from "./summarize.js";
import { repositoryViewAt } from "./repository-view.js";
import { resultsBlock } from "./summary.js";
import { localSetupImage, repositorySettingsAt } from "./local-setup.js";
import type { SetupImages } from "../../shared/sandbox/setup-image.js";
import type { GenerationVerifier } from "./generation-verifier.js";
import type { Reputation } from "../swarm/reputation.js";
import { simpleGit } from "simple-git";
import type { TestResult } from "../../shared/schemas.js";
import { parseSettings } from "../github/app-settings.js";
import { checkRepository, repairTasks, repositoryRegressed, type RepositoryTests } from "./repository-check.js";
import { keepBetterResults } from "./repair-round.js";
import { fileDetails } from "./run-report.js";

export interface JobInput {
  query: string;
  repoPath: string;
  planner: Planner;
  distribution: Distribution;
  /** Re-tests the collected results in the bot's own sandbox before merging (volunteers' claims are not trusted). */
  verifier?: Sandbox;
  /** Checks with the bot's copy of the model that each re-tested file is the model's own answer (issue 22). */
  generation?: GenerationVerifier;
  /** Volunteers' standing: the bot's re-tests count in each peer's record. */
  reputation?: Reputation;
  /** Volunteers solving each task independently (swarm distribution only); the best result is kept. */
  replicas?: number;
  /** Seed: 120 s per task; the job waits at most this times the number of tasks. */
  taskTimeoutSeconds?: number;
  onEvent?: (event: JobEvent) => void;
  signal?: AbortSignal;
  /** Builds the repository's `setup` (.github/dellm.yml) image that every test of the job runs in; omitted = no setup. */
  setupImages?: SetupImages;
  /**
   * Runs the repository's own tests on the start and on the result (default: the verifier); neither =
   * not run, and the report says so. Regressions get up to `integration_repairs` repair rounds.
   */
  repositorySandbox?: Sandbox;
  /** Failed files' full test logs are written to `<logDir>/<job id>/` and named in the report. */
  logDir?: string;
}

export interface JobOutcome {
  job: Job;
  results: Map<number, Result>;
  /** Tasks without a result (kept in the report, never silently dropped). */
  missing: number[];
  merge: MergeOutcome;
  summary: string;
  /** The repository's own tests before and after (absent: the job wrote nothing). */
  repositoryTests?: RepositoryTests;
}

/** Characters of repository context given to the planner (the GitHub App's default). */
const REPOSITORY_CONTEXT_CHARS = 24_000;

export async function runJob(input: JobInput): Promise<JobOutcome> {
  const { planner, onEvent = () => {}, signal } = input;
  const id = newJobId();
  const job: Job = {
    id,
    query: input.query,
    repo_path: resolve(input.repoPath),
    branch: `dellm/${id}`,
    status: "planning",
    tasks: [],
    created_at: Date.now() / 1000,
  };
  // Refuse an unusable repository before any model time is spent on the job; the branch starts from
  // where the repository stands now, whatever is checked out while the job runs.
  await openOrInitRepo(job.repo_path);
  const startPoint = await jobStartPoint(job.repo_path);
  const settings = await repositorySettingsAt(job.repo_path, startPoint);
  const setup =
    input.setupImages && settings
      ? await localSetupImage(job.repo_path, startPoint, settings, input.setupImages)
      : undefined;
  onEvent({ kind: "planning", job });
  // The planner sees what the repository holds (as in the GitHub path), so it changes existing files where they fit.
  const context = await repositoryContext(job.repo_path, input.query, REPOSITORY_CONTEXT_CHARS);
  // Workers see the files the tasks change as they are at the base, as in the GitHub path.
  job.tasks = await withRepositoryInstructions(
    job.repo_path,
    (
      await withCurrentContent(
        job.repo_path,
        await planner.decompose(input.query, { signal, repositoryContext: context.text }),
        startPoint,
      )
    ).tasks,
  );
  job.status = "running";
  onEvent({ kind: "planned", job });

  const timeoutMs = (input.taskTimeoutSeconds ?? 120) * 1000 * job.tasks.length;
  // Over the size limit, or no commit yet: each file is tested alone.
  const repository = (
    await repositoryViewAt(job.repo_path, startPoint, {
      // What picks and times the repository's tests, as the GitHub App reads it.
      ...(settings
        ? {
            limitBytes: settings.snapshot_limit_mb * 2 ** 20,
            testTimeoutSeconds: settings.test_timeout_seconds,
            ...(settings.test_command ? { testCommand: settings.test_command } : {}),
          }
        : {}),
      ...(setup ? { setup: { image: setup.image.image, commands: setup.commands } } : {}),
    }).catch(() => ({ view: undefined }))
  ).view;
  const collectOptions = {
    distribution: input.distribution,
    verifier: input.verifier,
    generation: input.generation,
    reputation: input.reputation,
    timeoutMs,
    onEvent,
    signal,
    replicas: input.replicas,
  };
  let { results } = await collectVerified({ ...job, repository }, collectOptions);
  const notes: string[] = [];

  job.status = "merging";
  const mergeAll = () =>
    mergeResults({
      repoPath: job.repo_path,
      branch: job.branch,
      message: `Auto-generated by DELLM: ${job.query}`,
      tasks: job.tasks,
      results,
      startPoint,
    });
  let merge = await mergeAll();
  onEvent({ kind: "merged", merge });

  // The repository's own tests on the start and on the result; regressions send the tasks the failing
  // tests import back to the workers with the failure log, as the GitHub App does.
  const defaults = settings ?? parseSettings({});
  const baselines = new Map<string, TestResult>();
  let repositoryTests: RepositoryTests | undefined;
  for (let round = 1; merge.commit; round++) {
    const check = await checkRepository({
      sandbox: input.repositorySandbox ?? input.verifier,
      repoDir: job.repo_path,
      baseRef: startPoint,
      resultRef: merge.commit,
      changed: merge.written.map((w) => w.path),
      testCommand: defaults.test_command,
      timeoutSeconds: defaults.test_timeout_seconds,
      snapshotLimitBytes: defaults.snapshot_limit_mb * 2 ** 20,
      baselines,
      image: setup?.image.image,
    });
    repositoryTests = check.report;
    onEvent({ kind: "repository-tests", report: check.report });
    if (!repositoryRegressed(check.report) || round > defaults.integration_repairs) break;
    const repaired = repairTasks(check.report, check.files, job.tasks);
    if (repaired.length === 0) break;
    const ids = new Set(repaired.map((t) => t.id));
    onEvent({ kind: "repair-round", round, tasks: [...ids] });
    job.tasks = job.tasks.map((t) => repaired.find((r) => r.id === t.id) ?? t);
    const kept = new Map([...results].filter(([id]) => !ids.has(id)));
    const again = await collectVerified(
      { ...job, repository },
      { ...collectOptions, only: ids, kept, timeoutMs: (input.taskTimeoutSeconds ?? 120) * 1000 * ids.size },
    );
    const better = keepBetterResults(results, again.results, ids, round);
    results = better.results;
    notes.push(...better.notes);
    // The branch is built again from the start with the repaired files.
    await simpleGit(job.repo_path).raw(["branch", "-D", "--", job.branch]);
    merge = await mergeAll();
    onEvent({ kind: "merged", merge });
  }

  // The summary is told which files did not make it, so it never says it added them.
  const problems = [
    ...merge.written.filter((w) => !w.testPassed).map((w) => `${w.path} (failed its tests)`),
    ...merge.skipped.map((s) => `${s.path} (not written)`),
    ...(repositoryRegressed(repositoryTests) ? ["the repository's own tests regressed"] : []),
  ];
  const summary = await summarizeJob(planner, job.query, job.tasks, signal, problems);
  if (summary.failure) onEvent({ kind: "summary-failed", reason: summary.failure });
  job.status = "done";
  const { details, testTargets } = await fileDetails({
    repoPath: job.repo_path,
    startPoint,
    merge,
    results,
    jobId: job.id,
    logDir: input.logDir,
    repository,
  });
  const block = resultsBlock({ repoPath: job.repo_path, merge, results, details, testTargets, repositoryTests, notes });
  return {
    job,
    results,
    missing: job.tasks.map((t) => t.id).filter((taskId) => !results.has(taskId)),
    merge,
    summary: summary.text ? `${summary.text}\n\n${block}` : block,
    ...(repositoryTests ? { repositoryTests } : {}),
  };
}
