// One job from query to commit: plan → collect (verify, choose replicas) → merge → summary. The
// GitHub App runs the same steps (bot/github/jobs.ts) with its own saving and delivery between them.
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
}

export interface JobOutcome {
  job: Job;
  results: Map<number, Result>;
  /** Tasks without a result (kept in the report, never silently dropped). */
  missing: number[];
  merge: MergeOutcome;
  summary: string;
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
  const { results } = await collectVerified(
    { ...job, repository },
    {
      distribution: input.distribution,
      verifier: input.verifier,
      generation: input.generation,
      reputation: input.reputation,
      timeoutMs,
      onEvent,
      signal,
      replicas: input.replicas,
    },
  );

  job.status = "merging";
  const merge = await mergeResults({
    repoPath: job.repo_path,
    branch: job.branch,
    message: `Auto-generated by DELLM: ${job.query}`,
    tasks: job.tasks,
    results,
    startPoint,
  });
  onEvent({ kind: "merged", merge });

  const summary = await summarizeJob(planner, job.query, job.tasks, signal);
  if (summary.failure) onEvent({ kind: "summary-failed", reason: summary.failure });
  job.status = "done";
  const block = resultsBlock({ repoPath: job.repo_path, merge, results });
  return {
    job,
    results,
    missing: job.tasks.map((t) => t.id).filter((taskId) => !results.has(taskId)),
    merge,
    summary: summary.text ? `${summary.text}\n\n${block}` : block,
  };
}
