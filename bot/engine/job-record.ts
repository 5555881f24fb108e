// A job as the engine runs it (issue 23), whoever asked for it: the stage it stands in, its plan,
// the results in hand, the merged commit, one report row per file, the repository's own tests and
// what was noted on the way. It is saved after every stage. The GitHub App's record
// (bot/github/job-store.ts) adds who asked where; `dellm run`'s (bot/engine/local-job.ts) adds the
// query and the repository folder.
import { z } from "zod";
import { GenerationStatusSchema } from "../../shared/model/answer-transcript.js";
import { JobIdSchema, ResultSchema, TaskSchema, TestVerdictSchema } from "../../shared/schemas.js";
import { AppSettingsSchema } from "../github/app-settings.js";
import { RepositoryTestsSchema } from "../pipeline/repository-check.js";

export const JobStageSchema = z.enum([
  "queued",
  "planning",
  /** The planner asked clarifying questions on the issue; the job waits for the author's or a writer's reply. */
  "waiting_for_answers",
  "distributing",
  "merging",
  /** Delivering: the App publishes the commit and opens the PR; `dellm run` has its commit already. */
  "pushing",
  "done",
  "failed",
]);
export type JobStage = z.infer<typeof JobStageSchema>;

/** One file's row: the pull request's table and `dellm run`'s report are both made from it. */
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
  /** A modified file: lines added plus lines removed against the base (absent: jobs saved before). */
  lines_changed: z.number().int().nonnegative().optional(),
  /** The test ids that failed or errored in the run the verdict comes from (a few, then "and N more"). */
  failing_tests: z.array(z.string()).optional(),
  /** Another task of the job wrote this path first; this task's version replaced it. */
  replaced_task: z.number().int().positive().optional(),
});
export type FileReport = z.infer<typeof FileReportSchema>;

export const JobRecordSchema = z.object({
  id: JobIdSchema,
  /** The repository's .github/dellm.yml (its defaults where it has none). */
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
  /** The merged commit, where it is delivered (the App: GitHub's commit). */
  commit: z.string().optional(),
  files: z.array(FileReportSchema),
  summary: z.string().optional(),
  /** Which model planned: a Claude model id, or "local (<GGUF>)". Absent in jobs saved before it was recorded. */
  planner_model: z.string().optional(),
  notes: z.array(z.string()),
  /** The repository's own tests on the base commit and on the result, compared (absent until merged). */
  repository_tests: RepositoryTestsSchema.optional(),
  /** Repair rounds run for repository-test regressions (integration_repairs bounds them). */
  repair_rounds: z.number().int().nonnegative().optional(),
  /** Tasks handed back to the workers in the repair round under way. */
  repairing: z.array(z.number().int().positive()).optional(),
  error: z.string().optional(),
  created_at: z.number(),
  updated_at: z.number(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** The tasks this run of the job hands out: a retry's or follow-up's `rerun`, else all. */
export function runningTaskIds(job: Pick<JobRecord, "rerun" | "tasks">): Set<number> {
  return new Set(job.rerun ?? job.tasks.map((t) => t.id));
}
