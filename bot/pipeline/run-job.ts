// `dellm run`'s and `dellm eval`'s side of the one job engine (bot/engine/job-engine.ts): the job is
// planned from the query against the repository as it stands, run by the same stages as the GitHub
// App's (collect and verify, merge, the repository's own tests before and after with repair rounds),
// and delivered as a local branch and a printed report made from the same per-file rows as the
// App's pull request. The record is saved beside the job's logs (`<logDir>/<id>/job.json`).
import { mkdir, realpath, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { newJobId, type Job, type Result } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { SetupFailedError, type SetupImages } from "../../shared/sandbox/setup-image.js";
import { JobEngine, type EngineEvent, type JobDelivery, type JobRun, type JobSaving } from "../engine/job-engine.js";
import { JobRecordSchema, type JobRecord } from "../engine/job-record.js";
import { JobWorkspace } from "../engine/job-workspace.js";
import { parseSettings } from "../github/app-settings.js";
import type { Reputation } from "../swarm/reputation.js";
import { plannerModelLabel } from "./claude-planner-model.js";
import type { Distribution } from "./distribution.js";
import type { GenerationVerifier } from "../../worker/verify/generation-verifier.js";
import { localSetupFailure, repositorySettingsAt } from "./local-setup.js";
import { jobStartPoint, openOrInitRepo } from "./merger.js";
import type { Planner } from "./planner.js";
import { repositoryContext, withCurrentContent, withRepositoryInstructions } from "./repo-context.js";
import { repositoryRegressed, type RepositoryTests } from "./repository-check.js";
import { resultsBlock } from "./summary.js";

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
  /** Volunteers solving each task independently (swarm distribution only); default: the repository's `replicas` (1). */
  replicas?: number;
  /** Seed: 120 s per task; the job waits at most this times the number of tasks. Default: the repository's `task_timeout_seconds`. */
  taskTimeoutSeconds?: number;
  /** The pipeline's events and each stage the job enters. */
  onEvent?: (event: EngineEvent) => void;
  signal?: AbortSignal;
  /** Builds the repository's `setup` (.github/dellm.yml) image that every test of the job runs in; omitted = no setup. */
  setupImages?: SetupImages;
  /**
   * Runs the repository's own tests on the start and on the result (default: the verifier); neither =
   * not run, and the report says so. Regressions get up to `integration_repairs` repair rounds.
   */
  repositorySandbox?: Sandbox;
  /** The job's record and its failed files' full test logs go to `<logDir>/<job id>/`, named in the report. */
  logDir?: string;
}

/** `dellm run`'s record: the engine's, with the query and the repository folder. */
export const LocalJobSchema = JobRecordSchema.extend({
  query: z.string().min(1),
  repo_path: z.string().min(1),
});
export type LocalJob = z.infer<typeof LocalJobSchema>;

export interface JobOutcome {
  job: LocalJob;
  results: Map<number, Result>;
  /** Tasks without a result (kept in the report, never silently dropped). */
  missing: number[];
  /** The Query 5.7 summary and the results block. */
  summary: string;
  /** Every file written and passing its tests, and the repository's own tests not regressed. */
  passed: boolean;
  /** The repository's own tests before and after (absent: the job wrote nothing). */
  repositoryTests?: RepositoryTests;
}

/** Characters of repository context given to the planner (the GitHub App's default). */
const REPOSITORY_CONTEXT_CHARS = 24_000;

export async function runJob(input: JobInput): Promise<JobOutcome> {
  const { planner, signal = new AbortController().signal } = input;
  const onEvent = input.onEvent ?? (() => {});
  const id = newJobId();
  const repoPath = resolve(input.repoPath);
  // Refuse an unusable repository before any model time is spent on the job; the branch starts from
  // where the repository stands now, whatever is checked out while the job runs.
  await openOrInitRepo(repoPath);
  const startPoint = await jobStartPoint(repoPath);
  // The repository's .github/dellm.yml, as the GitHub App reads it (its defaults without one).
  const own = await repositorySettingsAt(repoPath, startPoint);
  const settings = own ?? parseSettings({});
  const now = Date.now() / 1000;
  const job: LocalJob = {
    id,
    query: input.query,
    repo_path: repoPath,
    settings: {
      ...settings,
      task_timeout_seconds: input.taskTimeoutSeconds ?? settings.task_timeout_seconds,
      replicas: input.replicas ?? settings.replicas,
    },
    stage: "queued",
    tasks: [],
    results: [],
    branch: `dellm/${id}`,
    files: [],
    notes: [],
    created_at: now,
    updated_at: now,
  };
  const engine = new JobEngine({
    planner: async () => planner,
    distribution: input.distribution,
    verifier: input.verifier,
    generation: input.generation,
    reputation: input.reputation,
    repositorySandbox: input.repositorySandbox,
    ...(input.setupImages ? { setupImages: input.setupImages } : {}),
  });
  const pipelineJob = (status: Job["status"]): Job => ({ ...job, status });
  const run: JobRun<LocalJob> = {
    job,
    workspace: new JobWorkspace(repoPath, startPoint, `local:${await realpath(repoPath)}`),
    saving: recordFile(input.logDir),
    delivery: LOCAL_BRANCH,
    query: input.query,
    commitMessage: `Auto-generated by DELLM: ${input.query}`,
    plan: async (planSignal) => {
      // The repository's setup first: a setup that fails costs no model time.
      await engine.repositoryView(run);
      onEvent({ kind: "planning", job: pipelineJob("planning") });
      // The planner sees what the repository holds (as in the GitHub path), so it changes existing files where they fit.
      const context = await repositoryContext(repoPath, input.query, REPOSITORY_CONTEXT_CHARS);
      const planned = await planner.decompose(input.query, {
        signal: planSignal,
        repositoryContext: context.text,
        ...(own ? { maxTasks: own.max_tasks } : {}),
      });
      job.planner_model = plannerModelLabel(planner.model);
      // Workers see the files the tasks change as they are at the start, as in the GitHub path.
      const { tasks, notes } = await withCurrentContent(repoPath, planned, startPoint);
      job.tasks = await withRepositoryInstructions(repoPath, tasks);
      job.notes.push(...notes);
      job.stage = "distributing";
      onEvent({ kind: "planned", job: pipelineJob("running") });
    },
    onEvent,
    signal,
  };
  try {
    await engine.run(run);
  } catch (error) {
    throw error instanceof SetupFailedError ? localSetupFailure(error) : error;
  }
  const results = new Map(job.results.map((r) => [r.task_id, r] as const));
  const logPaths = input.logDir ? await writeFailedLogs(join(input.logDir, id), job, results) : undefined;
  const block = resultsBlock({
    repoPath,
    branch: job.branch,
    commit: job.commit,
    files: job.files,
    logPaths,
    repositoryTests: job.repository_tests,
    notes: job.notes,
  });
  const missing = job.tasks.map((t) => t.id).filter((taskId) => !results.has(taskId));
  return {
    job,
    results,
    missing,
    summary: job.summary ? `${job.summary}\n\n${block}` : block,
    passed: missing.length === 0 && job.files.every((f) => f.passed) && !repositoryRegressed(job.repository_tests),
    ...(job.repository_tests ? { repositoryTests: job.repository_tests } : {}),
  };
}

/** A local job is delivered as its branch in the repository: the merged commit is already there. */
const LOCAL_BRANCH: JobDelivery<JobRecord> = {
  // Nothing is published: every merge builds the branch from the start.
  delivered: async () => null,
  publish: async (job, merged) => {
    job.commit = merged;
  },
  // The report is printed by the caller once the job is done.
  deliver: async () => {},
};

/** The record as JSON in `<logDir>/<id>/job.json` (readable by its owner only: it holds the code); nowhere without a logDir. */
function recordFile(logDir: string | undefined): JobSaving<LocalJob> {
  return {
    save: async (job) => {
      if (!logDir) return;
      const dir = join(logDir, job.id);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, "job.json"), `${JSON.stringify({ ...job, updated_at: Date.now() / 1000 })}\n`, {
        mode: 0o600,
      });
    },
  };
}

/** Each failed file's full test log (the run behind its verdict), by path. */
async function writeFailedLogs(dir: string, job: LocalJob, results: Map<number, Result>): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const file of job.files) {
    const result = results.get(file.task_id);
    if (file.passed || file.change === "not written" || !result) continue;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${file.path.replace(/[^\w.-]+/g, "__")}.log`);
    await writeFile(path, `${result.error ? `${result.error}\n\n` : ""}${result.test_logs}\n`);
    paths.set(file.path, path);
  }
  return paths;
}
