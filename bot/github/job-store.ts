// The GitHub App's jobs on disk: one JSON file per job under <DELLM_STATE_DIR>/github-jobs, saved
// after every step, so a restarted bot knows what each issue asked, how far it got and what came back.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { GenerationStatusSchema } from "../../shared/model/answer-transcript.js";
import { readStateFile, removeLeftoverTemporaries, writeFileAtomic } from "../../shared/atomic-file.js";
import { JobIdSchema, ResultSchema, TaskSchema, TestVerdictSchema, type JobId } from "../../shared/schemas.js";
import { AppSettingsSchema } from "./app-settings.js";
import { RepositoryTestsSchema } from "../pipeline/repository-check.js";

export const JobStageSchema = z.enum(["queued", "planning", "distributing", "merging", "pushing", "done", "failed"]);
export type JobStage = z.infer<typeof JobStageSchema>;

/** One row of the pull request's table. */
export const FileReportSchema = z.object({
  task_id: z.number().int().positive(),
  path: z.string(),
  worker: z.string().nullable(),
  tests_passed: z.number().int().nonnegative(),
  tests_failed: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  /** Against the repository's base branch; "not written" carries the reason. */
  change: z.enum(["created", "modified", "not written"]),
  passed: z.boolean(),
  reason: z.string().optional(),
  /** Test output of a failure, shortened. */
  log: z.string().optional(),
  /** How the file's tests ended when not simply passed or failed (tampering, no verdict, timed out…). */
  verdict: TestVerdictSchema.optional(),
  /** The repository's test files that ran with this file (they import it). */
  repository_tests: z.array(z.string()).optional(),
  /** Whether the file was shown to be the named model's own answer (absent: jobs saved before). */
  generation: GenerationStatusSchema.optional(),
});
export type FileReport = z.infer<typeof FileReportSchema>;

export const GitHubJobSchema = z.object({
  id: JobIdSchema,
  /** The job whose failed and missing tasks this one re-runs. */
  retry_of: JobIdSchema.optional(),
  owner: z.string().min(1),
  repo: z.string().min(1),
  installation_id: z.number().int().positive(),
  issue_number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  requested_by: z.string(),
  settings: AppSettingsSchema,
  /** The repository is private: its tasks go only to DELLM_TRUSTED_WORKERS. Absent in jobs saved before it was recorded (public then). */
  private: z.boolean().optional(),
  stage: JobStageSchema,
  /** The stage a failed job stopped in. */
  failed_in: JobStageSchema.optional(),
  tasks: z.array(TaskSchema),
  /** Task ids this job hands out; absent = all (a retry lists the failed and missing ones). */
  rerun: z.array(z.number().int().positive()).optional(),
  /** Results in hand: kept from the job retried, then those collected. */
  results: z.array(ResultSchema),
  branch: z.string().min(1),
  base_branch: z.string().optional(),
  commit: z.string().optional(),
  pr_number: z.number().int().positive().optional(),
  pr_url: z.string().optional(),
  /** The issue comment that shows this job's progress. */
  comment_id: z.number().int().positive().optional(),
  files: z.array(FileReportSchema),
  summary: z.string().optional(),
  /** Which model planned: a Claude model id, or "local (<GGUF>)". Absent in jobs saved before it was recorded. */
  planner_model: z.string().optional(),
  notes: z.array(z.string()),
  /** The repository's own tests on the base commit and on the result, compared (absent until merged). */
  repository_tests: RepositoryTestsSchema.optional(),
  /** Repair rounds run for repository-test regressions (integration_repairs bounds them). */
  repair_rounds: z.number().int().nonnegative().optional(),
  /** Tasks handed back to the swarm in the repair round under way. */
  repairing: z.array(z.number().int().positive()).optional(),
  error: z.string().optional(),
  /** Who stopped the job with `/dellm stop` (it is then failed, its results kept for `/dellm retry`). */
  stopped_by: z.string().optional(),
  created_at: z.number(),
  updated_at: z.number(),
});
export type GitHubJob = z.infer<typeof GitHubJobSchema>;

export const isActive = (job: GitHubJob) => job.stage !== "done" && job.stage !== "failed";

export class GitHubJobStore {
  private readonly writes = new Map<JobId, Promise<void>>();
  /** The saved jobs, read from disk once; this process is their only writer, so saves keep it current. */
  private loaded: Promise<Map<JobId, GitHubJob>> | undefined;

  constructor(readonly dir: string) {}

  /** Save a copy of the job (saves of one job are serialised; the latest lands last). */
  async save(job: GitHubJob): Promise<void> {
    const text = JSON.stringify({ ...job, updated_at: Date.now() / 1000 }, null, 1);
    (await this.jobs()).set(job.id, JSON.parse(text) as GitHubJob);
    const previous = this.writes.get(job.id) ?? Promise.resolve();
    const next = previous.then(() => writeFileAtomic(this.path(job.id), text));
    this.writes.set(
      job.id,
      next.catch(() => {}),
    );
    return next;
  }

  async get(id: JobId): Promise<GitHubJob | undefined> {
    const job = (await this.jobs()).get(id);
    return job && structuredClone(job);
  }

  /** Every saved job, oldest first (copies: changing one changes nothing here). */
  async all(): Promise<GitHubJob[]> {
    return structuredClone([...(await this.jobs()).values()]).sort((a, b) => a.created_at - b.created_at);
  }

  /** The newest job for an issue, or for the issue whose pull request this is. */
  async latestFor(owner: string, repo: string, number: number): Promise<GitHubJob | undefined> {
    const jobs = (await this.all()).filter((j) => j.owner === owner && j.repo === repo);
    const issue = jobs.find((j) => j.pr_number === number)?.issue_number ?? number;
    return jobs.filter((j) => j.issue_number === issue).at(-1);
  }

  private jobs(): Promise<Map<JobId, GitHubJob>> {
    this.loaded ??= this.load().catch((error: unknown) => {
      this.loaded = undefined; // a damaged file, once moved aside, is read again on the next call
      throw error;
    });
    return this.loaded;
  }

  /** A damaged file (truncated, not JSON, not a job) is an error naming it, never skipped silently. */
  private async load(): Promise<Map<JobId, GitHubJob>> {
    // Temporary files of a write a crash interrupted: the job file itself is the old version, whole.
    await removeLeftoverTemporaries(this.dir);
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      throw error;
    });
    const jobs = new Map<JobId, GitHubJob>();
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const path = join(this.dir, name);
      const job = await readStateFile(path, GitHubJobSchema, {
        what: "job file",
        fix: "move it aside and restart",
      });
      if (job) jobs.set(job.id, job);
    }
    return jobs;
  }

  private path(id: JobId): string {
    return join(this.dir, `${id}.json`);
  }
}
