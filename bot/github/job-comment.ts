// The issue comment that shows a job moving: posted when the job is queued (with its place in the
// queue), then edited in place (at most every few seconds, always on the final state) so people see
// planning, tasks done, the PR.
import type { ProbotOctokit } from "probot";
import type { GitHubJob } from "./job-store.js";
import { codeSpanCell, markdownInline } from "./markdown-text.js";
import { Throttle } from "./throttle.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

/** This job's own results so far (the task count comes from the job). */
export interface Progress {
  done: number;
  failed: number;
}

/** Where a queued job stands: queued jobs that start before it, jobs running, and how many may run at once. */
export interface QueuePlace {
  ahead: number;
  running: number;
  limit: number;
}

/** The comment's text for the job's current stage (`place`: while it is queued). */
export function jobCommentBody(job: GitHubJob, progress?: Progress, place?: QueuePlace): string {
  const run = job.rerun ? `${job.rerun.length} re-run (of ${job.tasks.length})` : `${job.tasks.length}`;
  const lines = [
    `**dellm** job \`${job.id}\`${job.retry_of ? ` (retry of \`${job.retry_of}\`)` : ""}, started by @${job.requested_by}`,
    "",
  ];
  const check = (done: boolean) => (done ? "- [x]" : "- [ ]");
  const after = (stage: GitHubJob["stage"]) => order.indexOf(job.failed_in ?? job.stage) > order.indexOf(stage);
  // Which model planned, so a maintainer can tell (absent on jobs saved before it was recorded).
  const by = job.planner_model ? ` (planner ${codeSpanCell(job.planner_model)})` : "";
  lines.push(`${check(after("planning"))} plan${job.tasks.length ? `: ${job.tasks.length} tasks` : ""}${by}`);
  const counted = progress ?? progressOf(job);
  lines.push(
    `${check(after("distributing"))} tasks solved by the swarm${job.tasks.length ? `: ${counted.done} of ${run}${counted.failed ? ` (${counted.failed} failed their tests)` : ""}` : ""}`,
  );
  lines.push(`${check(after("merging"))} files merged on \`${job.branch}\``);
  lines.push(
    `${check(job.stage === "done" && job.pr_url !== undefined)} pull request${job.pr_url ? `: ${job.pr_url}` : ""}`,
  );
  lines.push("", headline(job, place));
  return lines.join("\n");
}

/** Results this job collected itself (a retry's kept results do not count). */
export function progressOf(job: GitHubJob): Progress {
  const running = new Set(job.rerun ?? job.tasks.map((t) => t.id));
  const mine = job.results.filter((r) => running.has(r.task_id));
  return { done: mine.length, failed: mine.filter((r) => !r.test_passed).length };
}

// Waiting for answers comes before planning: the plan is not ticked while the issue is asked.
const order: GitHubJob["stage"][] = [
  "queued",
  "waiting_for_answers",
  "planning",
  "distributing",
  "merging",
  "pushing",
  "done",
];

/** A stage as a sentence says it ("while waiting for answers"). */
export function stageWords(stage: GitHubJob["stage"] | undefined, otherwise: string): string {
  return stage === undefined ? otherwise : stage === "waiting_for_answers" ? "waiting for answers" : stage;
}

function headline(job: GitHubJob, place?: QueuePlace): string {
  switch (job.stage) {
    case "queued": {
      if (!place) return "Queued: starting shortly.";
      const at = `at most ${place.limit} ${place.limit === 1 ? "runs" : "run"} at a time`;
      if (place.ahead === 0 && place.running < place.limit) return `Queued: starting now; ${at}.`;
      const jobs = (n: number) => `${n} ${n === 1 ? "job" : "jobs"}`;
      return `Queued: ${jobs(place.ahead)} ahead of this one and ${place.running} running; ${at}. Comment \`/dellm stop\` to take it off the queue.`;
    }
    case "planning":
      return "Planning: reading the repository and splitting the issue into tasks…";
    case "waiting_for_answers": {
      const round = job.questions?.at(-1);
      const asked = round
        ? `${round.questions.length === 1 ? "a question" : `${round.questions.length} questions`}`
        : "questions";
      return `**Waiting for answers**: the planner asked ${asked} on this issue (see the comment above). The next comment of ${job.issue_author ? `@${job.issue_author} (the issue's author)` : "the issue's author"} or of anyone with write access (such as @${job.requested_by}) resumes the job with the answers; \`/dellm stop\` ends it.`;
    }
    case "distributing":
      return "Waiting for volunteer workers to solve and test the tasks…";
    case "merging":
    case "pushing":
      return "Merging the results and pushing the branch…";
    case "done": {
      const failed = job.files.filter((f) => !f.passed).length;
      return failed
        ? `Done with problems: ${failed} of ${job.files.length} files failed or were not written (see the pull request). Comment \`/dellm retry\` to re-run only those.`
        : `Done: all ${job.files.length} files passed their tests.`;
    }
    case "failed":
      if (job.stopped_by)
        return `**Stopped** by @${job.stopped_by} while ${stageWords(job.failed_in, "queued")}. Comment \`/dellm retry\` to continue: finished tasks are kept.`;
      // The error can quote a model (a refused plan) or a worker: one line, no HTML.
      return `**Failed** while ${stageWords(job.failed_in, "running")}: ${markdownInline(job.error ?? "unknown error")}`;
  }
}

/** Where else the job's progress is shown as it moves (the live check run). */
export interface ProgressView {
  update(job: GitHubJob, progress?: Progress): void;
}

/** Posts the job's comment once, then edits it: at most every `intervalMs`, always when flushed. */
export class LiveComment {
  private readonly shown: Throttle<{ job: GitHubJob; progress?: Progress; place?: QueuePlace }>;

  constructor(
    private readonly octokit: Octokit,
    intervalMs: number,
    private readonly onFailure: (reason: string) => void,
    /** Also told each update, so the check run moves with the comment. */
    private readonly also?: ProgressView,
  ) {
    this.shown = new Throttle(intervalMs, (s) => this.write(s.job, s.progress, s.place));
  }

  /** Show this state soon (throttled). */
  update(job: GitHubJob, progress?: Progress): void {
    this.shown.update({ job, progress });
    this.also?.update(job, progress);
  }

  /** Show the latest state now; creates the comment (and sets job.comment_id) the first time. */
  flush(job?: GitHubJob, progress?: Progress, place?: QueuePlace): Promise<void> {
    return job ? this.shown.flush({ job, progress, place }) : this.shown.flush();
  }

  private async write(job: GitHubJob, progress?: Progress, place?: QueuePlace): Promise<void> {
    const body = jobCommentBody(job, progress, place);
    const where = { owner: job.owner, repo: job.repo };
    try {
      if (job.comment_id === undefined) {
        const { data } = await this.octokit.rest.issues.createComment({
          ...where,
          issue_number: job.issue_number,
          body,
        });
        job.comment_id = data.id;
      } else {
        await this.octokit.rest.issues.updateComment({ ...where, comment_id: job.comment_id, body });
      }
    } catch (error) {
      // Progress is a courtesy: GitHub being slow must not stop the job.
      this.onFailure((error as Error).message);
    }
  }
}
