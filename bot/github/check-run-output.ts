// What the `dellm` check run says at each point of a job: where it is while it runs, the verdict
// with the pull request's table once delivered, the reason when it failed or was stopped. Pure:
// live-check-run.ts decides when to send it.
import type { GitHubJob } from "./job-store.js";
import { jobCommentBody, progressOf, type Progress } from "./job-comment.js";
import { repositoryRegressed, type RepositoryTests } from "../pipeline/repository-check.js";

/** GitHub refuses a check run's output.summary (and text) longer than this. */
export const MAX_OUTPUT_CHARS = 65_535;
/** Titles are one line in the PR's checks list; long ones are cut. */
const MAX_TITLE_CHARS = 250;

export type Conclusion = "success" | "failure" | "neutral" | "cancelled";
export interface CheckRunOutput {
  title: string;
  summary: string;
}

/** While the job runs: the stage (or `title`, for a step within it) and the job's checklist. */
export function progressOutput(job: GitHubJob, progress?: Progress, title?: string): CheckRunOutput {
  return { title: oneLine(title ?? stageTitle(job, progress)), summary: bounded(jobCommentBody(job, progress)) };
}

function stageTitle(job: GitHubJob, progress?: Progress): string {
  switch (job.stage) {
    case "queued":
      return "Starting";
    case "planning":
      return "Planning: splitting the issue into tasks";
    case "waiting_for_answers":
      return "Waiting for answers to the planner's questions on the issue";
    case "distributing": {
      const running = job.repairing?.length ?? job.rerun?.length ?? job.tasks.length;
      const { done, failed } = progress ?? progressOf(job);
      const round = job.repairing ? `Repair round ${job.repair_rounds ?? 1}: ` : "";
      return `${round}${done} of ${running} tasks solved by the swarm${failed ? ` (${failed} failed their tests)` : ""}`;
    }
    case "merging":
      return "Merging the results";
    case "pushing":
      return "Pushing the branch and opening the pull request";
    case "done":
      return "Done";
    case "failed":
      return `Failed while ${job.failed_in ?? "running"}`;
  }
}

/** The delivered job's verdict, as the check run always decided it, with the PR's body as summary. */
export function deliveredOutput(
  job: Pick<GitHubJob, "files" | "repository_tests">,
  pullRequestBody: string,
): { conclusion: Conclusion; output: CheckRunOutput } {
  const passed = job.files.filter((f) => f.passed).length;
  const repository = job.repository_tests;
  const conclusion =
    passed !== job.files.length || repositoryRegressed(repository)
      ? "failure"
      : repository && repository.status === "compared" && repository.before_broken
        ? "neutral"
        : "success";
  const title = `${passed} of ${job.files.length} files passed their tests${repository ? `; ${repositoryLine(repository)}` : ""}`;
  return { conclusion, output: { title: oneLine(title), summary: bounded(pullRequestBody) } };
}

/** A job that failed (with its reason) or was stopped (`/dellm stop`: cancelled). */
export function endedOutput(job: GitHubJob): { conclusion: Conclusion; output: CheckRunOutput } {
  const title = job.stopped_by
    ? `Stopped by @${job.stopped_by} while ${job.failed_in ?? "queued"}`
    : `Failed while ${job.failed_in ?? "running"}: ${job.error ?? "unknown error"}`;
  // The checklist ends with the reason, as the issue's comment shows it.
  const summary = bounded(jobCommentBody(job));
  return { conclusion: job.stopped_by ? "cancelled" : "failure", output: { title: oneLine(title), summary } };
}

/** The run left on the commit the job started from once it pushes its own (GitHub shows runs per commit). */
export function movedOutput(job: Pick<GitHubJob, "id" | "issue_number">, commit: string): CheckRunOutput {
  return {
    title: `Moved to ${commit.slice(0, 7)}, the commit this job pushed`,
    summary: `dellm job \`${job.id}\` for #${job.issue_number} pushed ${commit}; its check run goes on there.`,
  };
}

/** Cut to GitHub's limit, saying so (never in the middle of a surrogate pair). */
export function bounded(text: string, limit = MAX_OUTPUT_CHARS): string {
  if (text.length <= limit) return text;
  const note = `\n\n…[cut at GitHub's ${limit.toLocaleString("en-US")}-character limit: the pull request has all of it]`;
  let end = limit - note.length;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end) + note;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(line);
  return chars.length > MAX_TITLE_CHARS ? `${chars.slice(0, MAX_TITLE_CHARS - 1).join("")}…` : line;
}

/** The repository tests in a few words, for the check run's title. */
function repositoryLine(report: RepositoryTests): string {
  if (report.status === "no_tests") return "the repository has no tests to run";
  if (report.status === "not_run") return "the repository's tests were not run";
  if (report.after_broken && !report.before_broken) return "the repository's test run broke";
  if (report.before_broken) return "the repository's tests gave no verdict on the base commit";
  return report.regressions.length
    ? `${report.regressions.length} repository test(s) regressed`
    : "no repository test regressed";
}
