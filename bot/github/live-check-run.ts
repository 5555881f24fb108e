// The job's `dellm` check run, live: created in_progress once the job has a commit to name, updated
// as the job moves (throttled, as the progress comment is), moved to the commit the job pushes (a
// check run belongs to one commit, and the PR shows its head's), concluded with the PR's table or
// the failure's reason. The PR and the comment carry the same news, so a check run is a courtesy:
// GitHub refusing it (403: the installation has not granted Checks: write) never fails a job.
import type { Checkout } from "./checkout.js";
import type { GitHubJob } from "./job-store.js";
import type { Octokit, Progress, ProgressView } from "./job-comment.js";
import { Throttle } from "./throttle.js";
import {
  deliveredOutput,
  endedOutput,
  movedOutput,
  progressOutput,
  type CheckRunOutput,
  type Conclusion,
} from "./check-run-output.js";

/** The check run is updated at most this often while the job runs (its conclusion is sent at once). */
export const CHECK_RUN_INTERVAL_MS = 5_000;
const NAME = "dellm";
const REPOSITORY_TESTS = "Running the repository's tests on the merged commit";

type Update = Parameters<Octokit["rest"]["checks"]["update"]>[0];
type Shown = { job: GitHubJob; progress?: Progress; title?: string };

export class LiveCheckRun implements ProgressView {
  private readonly shown: Throttle<Shown>;
  /** GitHub refused this job a check run (403): nothing more is asked of it. */
  private refused = false;
  /** Concluded: progress that arrives late is not shown. */
  private concluded = false;

  constructor(
    private readonly octokit: Octokit,
    intervalMs: number,
    /** Saves the job once it names a new check run, so a restart updates that one. */
    private readonly save: (job: GitHubJob) => Promise<void>,
    private readonly log: (line: string) => void,
  ) {
    this.shown = new Throttle(intervalMs, (s) =>
      this.patch(s.job, { status: "in_progress", output: progressOutput(s.job, s.progress, s.title) }),
    );
  }

  /**
   * The job starts working: it goes on with the run its record names (a restarted bot), else creates
   * one on the commit it can name now: its PR's head for a retry or follow-up (the PR shows it there),
   * else the base branch's head (no PR exists yet; the run moves to the job's commit when it pushes).
   */
  async start(job: GitHubJob, checkout: Checkout): Promise<void> {
    if (job.check_run) return;
    let head: string;
    try {
      const branch = job.retry_of ? await checkout.remoteBranch(job.branch) : null;
      head = branch ?? (await checkout.git.revparse(["HEAD"])).trim();
    } catch (error) {
      this.log(`[github] no check run for ${job.id}: ${(error as Error).message}`);
      return;
    }
    await this.shown.replace(() => this.create(job, head));
  }

  /** Show the job's stage and tasks done soon (throttled). */
  update(job: GitHubJob, progress?: Progress, title?: string): void {
    if (this.refused || this.concluded || !job.check_run) return;
    this.shown.update({ job, progress, title });
  }

  /** Show the job's stage now: a job that stops to wait for answers leaves its run in progress, saying so. */
  async flush(job: GitHubJob): Promise<void> {
    if (this.refused || this.concluded || !job.check_run) return;
    await this.shown.flush({ job });
  }

  /** The merged commit is being tested against the repository's own tests. */
  repositoryTests(job: GitHubJob): void {
    this.update(job, undefined, REPOSITORY_TESTS);
  }

  /**
   * The job pushed `commit`: a new run there (the PR's head from now on) goes on with the job, and
   * the one on the commit it started from is concluded neutral, pointing at it.
   */
  async moveTo(job: GitHubJob, commit: string): Promise<void> {
    const from = job.check_run;
    if (this.refused || from?.head_sha === commit) return;
    await this.shown.replace(async () => {
      await this.create(job, commit);
      if (from && job.check_run !== from)
        await this.call(job, "conclude the earlier", () =>
          this.octokit.rest.checks.update({
            ...where(job),
            check_run_id: from.id,
            status: "completed",
            conclusion: "neutral",
            completed_at: new Date().toISOString(),
            output: movedOutput(job, commit),
          }),
        );
    });
  }

  /** The PR is open or updated: the verdict, as the check run always decided it, with the PR's body. */
  delivered(job: GitHubJob, pullRequestBody: string): Promise<void> {
    const { conclusion, output } = deliveredOutput(job, pullRequestBody);
    return this.conclude(job, conclusion, output);
  }

  /** The job failed (the reason) or was stopped (cancelled). */
  ended(job: GitHubJob): Promise<void> {
    const { conclusion, output } = endedOutput(job);
    return this.conclude(job, conclusion, output);
  }

  /** Drop a pending update (the job is over, or the bot stops; a restart goes on with the saved run). */
  cancel(): void {
    this.shown.cancel();
  }

  private conclude(job: GitHubJob, conclusion: Conclusion, output: CheckRunOutput): Promise<void> {
    this.concluded = true;
    return this.shown.replace(() =>
      this.patch(job, { status: "completed", conclusion, completed_at: new Date().toISOString(), output }),
    );
  }

  private async create(job: GitHubJob, head: string): Promise<void> {
    const created = await this.call(job, "create", () =>
      this.octokit.rest.checks.create({
        ...where(job),
        name: NAME,
        head_sha: head,
        status: "in_progress",
        started_at: new Date().toISOString(),
        external_id: job.id,
        output: progressOutput(job),
      }),
    );
    if (!created) return;
    job.check_run = { id: created.data.id, head_sha: head };
    await this.save(job).catch((error: Error) =>
      this.log(`[github] could not save the check run of ${job.id}: ${error.message}`),
    );
  }

  private async patch(job: GitHubJob, update: Omit<Update, "owner" | "repo" | "check_run_id">): Promise<void> {
    const run = job.check_run;
    if (!run) return;
    await this.call(job, "update", () =>
      this.octokit.rest.checks.update({ ...where(job), check_run_id: run.id, ...update }),
    );
  }

  /** One REST call; a failure is logged, and a refusal (403) ends the job's check runs, logged once. */
  private async call<T>(job: GitHubJob, what: string, request: () => Promise<T>): Promise<T | undefined> {
    if (this.refused) return undefined;
    try {
      return await request();
    } catch (error) {
      const message = (error as Error).message;
      // A rate limit's 403 is a wait (octokit-limits.ts waits it out), not a refusal.
      if ((error as { status?: number }).status === 403 && !/rate limit/i.test(message)) {
        this.refused = true;
        this.shown.cancel();
        this.log(
          `[github] GitHub refused the check run of job ${job.id} on ${job.owner}/${job.repo} (403: ${message}); the job goes on without one. Grant the App "Checks: read and write" to show it.`,
        );
      } else this.log(`[github] could not ${what} the check run of job ${job.id}: ${message}`);
      return undefined;
    }
  }
}

const where = (job: GitHubJob) => ({ owner: job.owner, repo: job.repo });
