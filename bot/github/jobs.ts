// The GitHub App's jobs: an issue (or a retry) becomes a job that is planned with the repository in
// view, handed to the swarm, merged on a branch of a fresh clone, published through GitHub's API
// (api-commits.ts: signed as the App), and answered with a pull request and a check run. Every
// step is saved first, so a restarted bot resumes where it stopped.
// Jobs wait in a fair queue (job-queue.ts) for one of DELLM_MAX_JOBS slots; `/dellm stop` takes one
// off the queue or stops it where it stands.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Result } from "../../shared/schemas.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { AppSettings } from "./app-settings.js";
import { CLOSED_MEANWHILE, followUpProblem, pullRequestEnded } from "./pull-request-state.js";
import { Checkout, githubRemote, type RemoteUrl } from "./checkout.js";
import { publishCommits } from "./api-commits.js";
import {
  MAX_ANSWER_CHARS,
  MAX_QUESTION_ROUNDS,
  type GitHubJob,
  type GitHubJobStore,
  type QuestionRound,
  type ReviewCommentRecord,
} from "./job-store.js";
import { commentOnIssue, installationToken, openOrUpdatePullRequest } from "./github-api.js";
import { CHECK_RUN_INTERVAL_MS, LiveCheckRun } from "./live-check-run.js";
import { followUpJob, newIssueJob, retryJob } from "./job-records.js";
import { discussionOf, followUpQuery, renumberAfter } from "./follow-up.js";
import { replyToReviewComments, withCommentedFiles } from "./review-comments.js";
import { LiveComment, type Octokit, type QueuePlace } from "./job-comment.js";
import { JobQueue } from "./job-queue.js";
import { markStopped, stopReport } from "./job-stop.js";
import { DEFAULT_MAX_JOBS } from "../../shared/config.js";
import { explain } from "./job-failures.js";
import { setupFailureDetails } from "./job-setup.js";
import { SetupImages } from "../../shared/sandbox/setup-image.js";
import type { Distribution } from "../pipeline/distribution.js";
import { JobEngine, type JobDelivery, type JobRun } from "../engine/job-engine.js";
import { runningTaskIds } from "../engine/job-record.js";
import { JobWorkspace } from "../engine/job-workspace.js";
import { repositoryRegressed } from "../pipeline/repository-check.js";
import { ClarificationNeeded, issueRequest, type Planner } from "../pipeline/planner.js";
import { summarizeProblems } from "../pipeline/plan-validation.js";
import { clarificationText } from "../../shared/prompts.js";
import { plannerModelLabel } from "../pipeline/claude-planner-model.js";
import { pullRequestBody } from "./pull-request-body.js";
import { finalCommentBody } from "./final-comment.js";
import { NO_MODEL_TO_CHECK, type GenerationVerifier } from "../../worker/verify/generation-verifier.js";
import type { Reputation } from "../swarm/reputation.js";
import { markdownInline } from "./markdown-text.js";
import { repositoryContext, withCurrentContent, withRepositoryInstructions } from "../pipeline/repo-context.js";

/** Issue bodies beyond this are cut before planning (and the cut is noted). */
const MAX_ISSUE_CHARS = 16_000;

/** How long a job waits for answers to its clarifying questions by default (DELLM_QUESTION_WAIT_DAYS: 7). */
export const DEFAULT_QUESTION_WAIT_MS = 7 * 24 * 3_600_000;
/** Waiting jobs are checked against the bound at most this often (and on every start). */
const QUESTION_SWEEP_MS = 3_600_000;

export interface IssueRequest {
  owner: string;
  repo: string;
  installationId: number;
  issueNumber: number;
  title: string;
  body: string;
  requestedBy: string;
  settings: AppSettings;
  /** The repository is private (webhook's repository.private): only trusted workers see the job. */
  private?: boolean;
  /** Who opened the issue (their reply answers the planner's questions, as a writer's does). */
  author?: string;
}

/** A reply to a job's clarifying questions (the webhook has checked that its author may answer). */
export interface AnswerRequest {
  owner: string;
  repo: string;
  installationId: number;
  /** The issue the job waits on. */
  number: number;
  /** Who replied: the issue's author or someone with write access. */
  by: string;
  /** The reply, untrusted; cut to MAX_ANSWER_CHARS here too. */
  body: string;
  commentId?: number;
}

export interface RetryRequest {
  owner: string;
  repo: string;
  installationId: number;
  /** The issue, or the pull request a job opened for it. */
  number: number;
  requestedBy: string;
  settings: AppSettings;
  /** As the repository is now; a job once private stays private on retry (it may have turned private since). */
  private?: boolean;
}

export interface FollowUpRequest {
  owner: string;
  repo: string;
  installationId: number;
  /** The issue, or the pull request a job opened for it. */
  number: number;
  /** What to change, as the person wrote it after `/dellm` (at most MAX_INSTRUCTION_CHARS). */
  instruction: string;
  requestedBy: string;
  settings: AppSettings;
  private?: boolean;
  /** From a review: its `/dellm` comments, each answered in its thread once the commit is in. */
  reviewComments?: ReviewCommentRecord[];
}

export interface StopRequest {
  owner: string;
  repo: string;
  /** The issue, or the pull request a job opened for it. */
  number: number;
  requestedBy: string;
}

/** `queued`: not started yet, but held to start later (a follow-up behind the issue's running job); `reason` says so. */
export type StartOutcome = { started: true; jobId: string } | { started: false; reason: string; queued?: true };
export type StopOutcome = { stopped: true; jobId: string } | { stopped: false; reason: string };

/** What the webhook handlers need from the job side (tests may stand in for it). */
export interface JobStarter {
  start(request: IssueRequest): Promise<StartOutcome>;
  retry(request: RetryRequest): Promise<StartOutcome>;
  /** `/dellm <instruction>`: one more commit on the issue's dellm branch and PR, planned from the instruction. */
  followUp(request: FollowUpRequest): Promise<StartOutcome>;
  /** Whether `number` is the pull request of the latest dellm job in the repository (reviews elsewhere are ignored). */
  openedPullRequest(owner: string, repo: string, number: number): Promise<boolean>;
  /** `/dellm stop`: take the issue's job off the queue, or stop it where it stands (its results are kept). */
  stopJob(request: StopRequest): Promise<StopOutcome>;
  /** Whether the issue's latest job waits for answers to the planner's questions (absent: never). */
  waitingForAnswers?(owner: string, repo: string, number: number): Promise<boolean>;
  /** A reply to those questions, from the issue's author or a writer: the job plans again with it. */
  answer?(request: AnswerRequest): Promise<StartOutcome>;
}

/** What the health endpoint shows. */
export interface QueueCounts {
  queued: number;
  running: number;
  max_jobs: number;
}

export interface GitHubJobsOptions {
  store: GitHubJobStore;
  /** Clones live here, one folder per job. */
  workDir: string;
  /** The planner, made when first needed (a local model loads only then; a failure is reported on the issue). */
  planner: () => Promise<Planner>;
  distribution: Distribution;
  /** An Octokit authenticated as the installation (Probot: `app.auth(installationId)`). */
  auth(installationId: number): Promise<Octokit>;
  remoteUrl?: RemoteUrl;
  /** Characters of repository context given to the planner (file list and likely files). */
  repositoryContextChars?: number;
  /** The progress comment is edited at most this often. */
  commentIntervalMs?: number;
  /** The check run is updated at most this often (default CHECK_RUN_INTERVAL_MS). */
  checkRunIntervalMs?: number;
  /** Re-tests volunteer results before merging (the bot's verdict marks each file); omitted = results trusted as sent. */
  verifier?: Sandbox;
  /**
   * Checks with the bot's copy of the model that each re-tested file is the model's own answer
   * (issue 22); omitted: the PR table says "not checked" (DELLM_CHECK_MODEL unset).
   */
  generation?: GenerationVerifier;
  /** Where the bot has no model: a volunteer's check of a swarm result (SwarmCoordinator.volunteerCheck). */
  volunteerCheck?: (result: Result) => Promise<GenerationStatus> | undefined;
  /** Volunteers' standing: the bot's re-tests count in each peer's record. */
  reputation?: Reputation;
  /** Runs the repository's own tests on the base and on the result (default: the verifier; neither = not run, said in the PR). */
  repositorySandbox?: Sandbox;
  /** Builds and reuses repositories' derived images (`setup` in dellm.yml); default: from the default sandbox image. */
  setupImages?: SetupImages;
  /** Whether a repository's setup may reach the network here (DELLM_SETUP_NETWORK). Default true. */
  setupNetwork?: boolean;
  /** How a volunteer joins this bot's swarm, quoted when no worker answered. */
  joinHint?: string;
  /** Jobs running at once (DELLM_MAX_JOBS); the others wait in the queue. */
  maxJobs?: number;
  /** Takes a stopped job's tasks off the swarm, so volunteers stop solving them. */
  withdraw?: (jobId: string) => void;
  /** How long a job waits for answers to its clarifying questions, then ends (DELLM_QUESTION_WAIT_DAYS; default 7 days). */
  questionWaitMs?: number;
  /** The clock (ms) the wait for answers is measured on (default Date.now). */
  now?: () => number;
  log?: (line: string) => void;
}

export class GitHubJobs implements JobStarter {
  private readonly running = new Map<string, Promise<GitHubJob>>();
  /** Issues with a job starting, queued or running; set before any await, so two webhooks cannot both start one. */
  private readonly busy = new Set<string>();
  private readonly jobOfIssue = new Map<string, string>();
  private readonly queue: JobQueue;
  /** Queued jobs' records, by id. */
  private readonly waiting = new Map<string, GitHubJob>();
  /** Each running job's own stop (`/dellm stop`); the bot's own stop is `stopping`. */
  private readonly controllers = new Map<string, AbortController>();
  /** Who stopped each job being stopped. */
  private readonly stoppedBy = new Map<string, string>();
  /** The "queued" comment being posted: a job's progress edits it only once it exists. */
  private readonly acknowledgments = new Map<string, Promise<void>>();
  /** Each queued or running job's final state. */
  private readonly ends = new Map<string, Deferred<GitHubJob>>();
  private readonly stopping = new AbortController();
  private readonly log: (line: string) => void;
  /** Runs each job's stages (the same engine as `dellm run`'s). */
  private readonly engine: JobEngine;

  private readonly setupImages: SetupImages;
  private readonly now: () => number;
  private readonly questionWaitMs: number;
  /** Ends jobs that waited too long for answers (started by resume()). */
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: GitHubJobsOptions) {
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
    this.questionWaitMs = options.questionWaitMs ?? DEFAULT_QUESTION_WAIT_MS;
    this.setupImages = options.setupImages ?? new SetupImages();
    this.queue = new JobQueue(options.maxJobs ?? DEFAULT_MAX_JOBS);
    this.engine = new JobEngine({
      planner: options.planner,
      distribution: options.distribution,
      verifier: options.verifier,
      generation: options.generation,
      unchecked: `${NO_MODEL_TO_CHECK} (DELLM_CHECK_MODEL)`,
      volunteerCheck: options.volunteerCheck,
      reputation: options.reputation,
      repositorySandbox: options.repositorySandbox,
      setupImages: this.setupImages,
      setupNetwork: options.setupNetwork,
    });
  }

  counts(): QueueCounts {
    return { queued: this.queue.queued, running: this.queue.running, max_jobs: this.queue.limit };
  }

  async start(request: IssueRequest): Promise<StartOutcome> {
    return this.claimIssue(request.owner, request.repo, request.issueNumber, async () => {
      // One pull request per issue: while the last job's is open, a new label changes nothing.
      const open = await this.openPullRequestOf(request);
      if (open)
        return `dellm's pull request ${open} for #${request.issueNumber} is still open. Comment \`/dellm <what to change>\` to add a commit to it, \`/dellm retry\` to re-run its failed tasks, or close it and add the label again to start afresh.`;
      return newIssueJob(request);
    });
  }

  /** The URL of the open pull request of the issue's latest job, or undefined (none, closed, merged, unreadable). */
  private async openPullRequestOf(request: IssueRequest): Promise<string | undefined> {
    const latest = await this.options.store.latestFor(request.owner, request.repo, request.issueNumber);
    if (latest?.pr_number === undefined) return undefined;
    try {
      const octokit = await this.options.auth(request.installationId);
      const { data } = await octokit.rest.pulls.get({
        owner: request.owner,
        repo: request.repo,
        pull_number: latest.pr_number,
      });
      return data.state === "open" ? (latest.pr_url ?? `#${latest.pr_number}`) : undefined;
    } catch (error) {
      // Unknown: a new job on its own branch is the safe side (nothing is overwritten).
      this.log(`[github] could not read pull request #${latest.pr_number}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Re-run the failed and missing tasks of the issue's latest job on the same branch and PR. */
  async retry(request: RetryRequest): Promise<StartOutcome> {
    const latest = await this.options.store.latestFor(request.owner, request.repo, request.number);
    if (!latest)
      return {
        started: false,
        reason: `there is no dellm job for #${request.number} yet; add the \`${request.settings.label}\` label to the issue to start one.`,
      };
    return this.claimIssue(latest.owner, latest.repo, latest.issue_number, async () => retryJob(latest, request));
  }

  async followUp(request: FollowUpRequest): Promise<StartOutcome> {
    const latest = await this.options.store.latestFor(request.owner, request.repo, request.number);
    if (!latest)
      return {
        started: false,
        reason: `there is no dellm pull request for #${request.number} yet; add the \`${request.settings.label}\` label to the issue to start one.`,
      };
    // A job runs (or waits its turn) on the issue: the follow-up is held, on disk, and starts when
    // that job ends, on top of what it did.
    const key = issueKey(latest.owner, latest.repo, latest.issue_number);
    const running = this.jobOfIssue.get(key);
    if (running) {
      const held = this.options.store.holdFollowUp(latest.owner, latest.repo, latest.issue_number, request);
      this.log(`[github] follow-up of @${request.requestedBy} on #${latest.issue_number} held behind job ${running}`);
      return {
        started: false,
        queued: true,
        reason: `@${request.requestedBy} your follow-up is queued: it starts when dellm job \`${running}\` for #${latest.issue_number} ends${held > 1 ? ` (${held} follow-ups are waiting, in order)` : ""}. \`/dellm stop\` stops that job and drops what waits.`,
      };
    }
    // A merged or closed pull request, or a deleted branch: nothing to land the commit on.
    if (latest.pr_number !== undefined) {
      const problem = await followUpProblem(
        await this.options.auth(request.installationId),
        { ...latest, pr_number: latest.pr_number },
        request.settings.label,
        this.log,
      );
      if (problem) return { started: false, reason: problem };
    }
    return this.claimIssue(latest.owner, latest.repo, latest.issue_number, async () => followUpJob(latest, request));
  }

  async openedPullRequest(owner: string, repo: string, number: number): Promise<boolean> {
    return (await this.options.store.latestFor(owner, repo, number))?.pr_number === number;
  }

  /**
   * Pick up the jobs a stopped bot left unfinished (call once at start): those that had started
   * first, then the queue in the order it was saved (oldest first), all through the queue.
   */
  async resume(): Promise<string[]> {
    const unfinished = await this.options.store.active();
    // A job waiting for answers holds no slot: the answer (or the wait's end) moves it on.
    const waitingForAnswers = unfinished.filter((j) => j.stage === "waiting_for_answers");
    for (const job of waitingForAnswers)
      this.log(
        `[github] job ${job.id} (${job.owner}/${job.repo}#${job.issue_number}) waits for answers to its questions`,
      );
    const ordered = [
      ...unfinished.filter((j) => j.stage !== "queued" && j.stage !== "waiting_for_answers"),
      ...unfinished.filter((j) => j.stage === "queued"),
    ];
    for (const job of ordered) {
      const key = issueKey(job.owner, job.repo, job.issue_number);
      if (this.busy.has(key)) continue;
      this.busy.add(key);
      if (job.stage !== "queued")
        job.notes.push(`The bot restarted while this job was ${job.stage}; it resumed from there.`);
      this.log(`[github] resuming job ${job.id} (${job.owner}/${job.repo}#${job.issue_number}) at ${job.stage}`);
      // One that had started takes a slot before any that had not, so the database never shows more running than the limit.
      this.enqueue(job, key, job.stage !== "queued");
    }
    this.pump();
    // Follow-ups held behind jobs that ended while the bot was down start now.
    for (const { owner, repo, issue_number } of this.options.store.heldFollowUpIssues())
      await this.startHeldFollowUp(owner, repo, issue_number);
    if (waitingForAnswers.length) await this.expireWaiting();
    this.sweep ??= setInterval(
      () => void this.expireWaiting(),
      Math.max(1_000, Math.min(QUESTION_SWEEP_MS, this.questionWaitMs)),
    ).unref();
    return unfinished.map((j) => j.id);
  }

  /** Whether the issue's (or its PR's) latest job waits for answers to the planner's questions. */
  async waitingForAnswers(owner: string, repo: string, number: number): Promise<boolean> {
    return (await this.options.store.latestFor(owner, repo, number))?.stage === "waiting_for_answers";
  }

  /**
   * A reply to the job's clarifying questions, from the issue's author or a writer (the webhook
   * checks who): it is recorded (cut to MAX_ANSWER_CHARS) and the job is queued to plan again.
   */
  async answer(request: AnswerRequest): Promise<StartOutcome> {
    const job = await this.options.store.latestFor(request.owner, request.repo, request.number);
    if (job?.stage !== "waiting_for_answers")
      return { started: false, reason: `no dellm job waits for answers on #${request.number}.` };
    const key = issueKey(job.owner, job.repo, job.issue_number);
    if (this.busy.has(key)) return { started: false, reason: `job \`${job.id}\` is already moving on.` };
    this.busy.add(key);
    const round = job.questions?.at(-1);
    try {
      if (this.overdue(job) || !round || round.answer) {
        await this.endUnanswered(job);
        this.busy.delete(key);
        return { started: false, reason: `job \`${job.id}\` waited too long for answers and has ended.` };
      }
      const body = boundedAnswer(request.body);
      round.answer = {
        by: request.by,
        body,
        ...(request.commentId ? { comment_id: request.commentId } : {}),
        at: this.now() / 1000,
      };
      job.stage = "queued";
      job.installation_id = request.installationId;
      job.notes.push(
        `The planner asked ${round.questions.length === 1 ? "a clarifying question" : `${round.questions.length} clarifying questions`} on the issue; @${request.by} answered.`,
      );
      await this.options.store.save(job);
    } catch (error) {
      this.busy.delete(key);
      throw error;
    }
    this.log(`[github] job ${job.id} resumes with @${request.by}'s answer (${round.answer.body.length} characters)`);
    this.enqueue(job, key);
    this.pump();
    return { started: true, jobId: job.id };
  }

  /** Ends the jobs that waited for answers longer than the bound, each with a comment saying how to start again. */
  async expireWaiting(): Promise<string[]> {
    const ended: string[] = [];
    try {
      for (const job of await this.options.store.active()) {
        if (job.stage !== "waiting_for_answers" || !this.overdue(job)) continue;
        const key = issueKey(job.owner, job.repo, job.issue_number);
        if (this.busy.has(key)) continue;
        this.busy.add(key);
        try {
          // Read again now that the issue is held: an answer may have moved it on meanwhile.
          const current = await this.options.store.get(job.id);
          if (current?.stage !== "waiting_for_answers") continue;
          await this.endUnanswered(current);
          ended.push(job.id);
        } finally {
          this.busy.delete(key);
        }
      }
    } catch (error) {
      this.log(`[github] could not end the jobs that waited too long for answers: ${(error as Error).message}`);
    }
    return ended;
  }

  private overdue(job: GitHubJob): boolean {
    const asked = job.questions?.at(-1)?.asked_at ?? job.updated_at;
    return this.now() - asked * 1000 >= this.questionWaitMs;
  }

  /** The wait for answers is over: the job fails where it stood, and the issue is told how to start again. */
  private async endUnanswered(job: GitHubJob): Promise<void> {
    const waited = waitWords(this.questionWaitMs);
    job.failed_in = "waiting_for_answers";
    job.stage = "failed";
    job.error = `no answer to the planner's questions came within ${waited}`;
    await this.options.store.save(job);
    this.log(`[github] job ${job.id} ended: ${job.error}`);
    let octokit: Octokit;
    try {
      octokit = await this.options.auth(job.installation_id);
    } catch (error) {
      this.log(`[github] could not report the end of ${job.id}: ${(error as Error).message}`);
      return;
    }
    await new LiveComment(octokit, 0, (reason) =>
      this.log(`[github] could not update the progress comment of ${job.id}: ${reason}`),
    ).flush(job);
    await this.comment(
      octokit,
      job,
      `dellm job \`${job.id}\` waited ${waited} for answers to the planner's questions and has ended without a plan. To start again, add the details to the issue, then comment \`/dellm retry\` (or remove the \`${job.settings.label}\` label and add it again).`,
    );
    await new LiveCheckRun(octokit, 0, (j) => this.options.store.save(j), this.log).ended(job);
  }

  /** Resolves once the job's queued comment is posted (or refused); undefined when none is pending. */
  acknowledged(jobId: string): Promise<void> | undefined {
    return this.acknowledgments.get(jobId);
  }

  /** The job's final state once it ends (undefined when it is neither queued nor running). */
  settled(jobId: string): Promise<GitHubJob> | undefined {
    return this.ends.get(jobId)?.promise;
  }

  /** Stop running jobs where they stand and start no more (their saved state resumes them on the next start). */
  async stop(): Promise<void> {
    this.stopping.abort(new Error("the bot is stopping"));
    clearInterval(this.sweep);
    await Promise.allSettled([...this.running.values(), ...this.acknowledgments.values()]);
    // Queued jobs stay queued on disk; whoever waits on one gets it as it stands.
    for (const [id, job] of this.waiting) this.ends.get(id)?.resolve(job);
  }

  async stopJob(request: StopRequest): Promise<StopOutcome> {
    const latest = await this.options.store.latestFor(request.owner, request.repo, request.number);
    // Stop means stop: follow-ups held behind the job go too.
    if (latest) {
      const dropped = this.options.store.dropHeldFollowUps(latest.owner, latest.repo, latest.issue_number);
      if (dropped) this.log(`[github] ${dropped} follow-up(s) held on #${latest.issue_number} dropped by /dellm stop`);
    }
    const id = latest && this.jobOfIssue.get(issueKey(latest.owner, latest.repo, latest.issue_number));
    if (!id && latest?.stage === "waiting_for_answers") return this.stopWaiting(latest, request.requestedBy);
    if (!id) return { stopped: false, reason: `no dellm job is queued or running for #${request.number}.` };
    const queued = this.waiting.get(id);
    if (queued && this.queue.remove(id)) {
      this.waiting.delete(id);
      markStopped(queued, request.requestedBy);
      this.log(`[github] job ${id} taken off the queue by @${request.requestedBy}`);
      await this.options.store.save(queued);
      await this.acknowledgments.get(id);
      await this.tellStopped(queued);
      this.settle(queued, queued);
      return { stopped: true, jobId: id };
    }
    const control = this.controllers.get(id);
    if (!control) return { stopped: false, reason: `job \`${id}\` is finishing; there is nothing left to stop.` };
    if (this.stoppedBy.has(id)) return { stopped: false, reason: `job \`${id}\` is already stopping.` };
    // The run notices at its next step (or at once, where it waits on the swarm or the planner) and reports.
    this.stoppedBy.set(id, request.requestedBy);
    this.log(`[github] job ${id} stopped by @${request.requestedBy}`);
    control.abort(new Error(`stopped by @${request.requestedBy}`));
    return { stopped: true, jobId: id };
  }

  /**
   * Start the oldest follow-up held for the issue (its job ended, or the bot restarted). One that
   * cannot start now (its pull request merged meanwhile, say) is answered on the issue, and the next
   * held one is tried.
   */
  private async startHeldFollowUp(owner: string, repo: string, issueNumber: number): Promise<void> {
    if (this.busy.has(issueKey(owner, repo, issueNumber))) return;
    const request = this.options.store.takeHeldFollowUp(owner, repo, issueNumber) as FollowUpRequest | undefined;
    if (!request) return;
    const outcome = await this.followUp(request).catch((error: Error): StartOutcome => ({
      started: false,
      reason: error.message,
    }));
    if (outcome.started || outcome.queued) return;
    try {
      const octokit = await this.options.auth(request.installationId);
      await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body: `dellm did not start the follow-up @${request.requestedBy} asked for while a job ran: ${outcome.reason}`,
      });
    } catch (error) {
      this.log(
        `[github] could not say why a held follow-up on #${issueNumber} did not start: ${(error as Error).message}`,
      );
    }
    await this.startHeldFollowUp(owner, repo, issueNumber);
  }

  /** `/dellm stop` on a job waiting for answers: it ends there (nothing had run; `/dellm retry` plans again). */
  private async stopWaiting(job: GitHubJob, by: string): Promise<StopOutcome> {
    const key = issueKey(job.owner, job.repo, job.issue_number);
    if (this.busy.has(key)) return { stopped: false, reason: `job \`${job.id}\` is already moving on.` };
    this.busy.add(key);
    try {
      markStopped(job, by);
      this.log(`[github] job ${job.id} (waiting for answers) stopped by @${by}`);
      await this.options.store.save(job);
      await this.tellStopped(job);
      const octokit = await this.options.auth(job.installation_id).catch(() => undefined);
      if (octokit) await new LiveCheckRun(octokit, 0, (j) => this.options.store.save(j), this.log).ended(job);
    } finally {
      this.busy.delete(key);
    }
    return { stopped: true, jobId: job.id };
  }

  private async claimIssue(
    owner: string,
    repo: string,
    issueNumber: number,
    create: () => Promise<GitHubJob | string>,
  ): Promise<StartOutcome> {
    const key = issueKey(owner, repo, issueNumber);
    const refusal = (id?: string): StartOutcome => ({
      started: false,
      reason: `a dellm job${id ? ` (\`${id}\`)` : ""} is already ${id && this.waiting.has(id) ? "queued" : "running"} for #${issueNumber}; wait for it to finish, then comment \`/dellm retry\` if it leaves failures (or \`/dellm stop\` to stop it).`,
    });
    if (this.queue.queued >= this.queue.capacity)
      return {
        started: false,
        reason: `${this.queue.queued} dellm jobs are already waiting for this bot; try again when some have finished.`,
      };
    if (this.busy.has(key)) return refusal(this.jobOfIssue.get(key));
    this.busy.add(key);
    let job: GitHubJob | string;
    try {
      const active = await this.options.store.activeFor(owner, repo, issueNumber);
      if (active) {
        this.busy.delete(key);
        if (active.stage === "waiting_for_answers")
          return {
            started: false,
            reason: `dellm job \`${active.id}\` for #${issueNumber} is waiting for answers to the planner's questions on the issue; answer them there (the issue's author or anyone with write access), or comment \`/dellm stop\` to end it first.`,
          };
        return refusal(active.id);
      }
      job = await create();
      if (typeof job === "string") {
        this.busy.delete(key);
        return { started: false, reason: job };
      }
      await this.options.store.save(job);
    } catch (error) {
      this.busy.delete(key);
      throw error;
    }
    // Saved as queued before it is queued: a restart from here on resumes it.
    const place = { ahead: this.enqueue(job, key), running: this.queue.running, limit: this.queue.limit };
    // Registered before the job can start and edit it; not waited for: the webhook is answered once
    // the job is saved and queued (GitHub's write throttling can hold a comment for seconds).
    void this.acknowledge(job, place);
    this.pump();
    return { started: true, jobId: job.id };
  }

  /** Puts the saved job in the queue; returns how many queued jobs go before it. `resumed`: it had started before a restart. */
  private enqueue(job: GitHubJob, key: string, resumed = false): number {
    const ahead = this.queue.enqueue(
      { id: job.id, installation: job.installation_id, repository: `${job.owner}/${job.repo}`.toLowerCase() },
      { evenIfFull: true, resumed },
    );
    this.waiting.set(job.id, job);
    this.jobOfIssue.set(key, job.id);
    const end = deferred<GitHubJob>();
    end.promise.catch(() => {}); // nobody need wait on it; the run logs its own errors
    this.ends.set(job.id, end);
    return ahead;
  }

  /** Posts the job's comment with its place in the queue (in the background); the progress comment later edits it. */
  private acknowledge(job: GitHubJob, place: QueuePlace): Promise<void> {
    const posted = (async () => {
      try {
        const octokit = await this.options.auth(job.installation_id);
        await new LiveComment(octokit, 0, (reason) =>
          this.log(`[github] could not post the queued comment of ${job.id}: ${reason}`),
        ).flush(job, undefined, place);
        await this.options.store.save(job); // its comment_id, so a restart edits the same comment
      } catch (error) {
        // The run reports what it can; a comment GitHub refused now must not lose the job.
        this.log(`[github] could not acknowledge job ${job.id}: ${(error as Error).message}`);
      }
    })();
    this.acknowledgments.set(job.id, posted);
    return posted;
  }

  /** Starts queued jobs while slots are free (never once the bot is stopping). */
  private pump(): void {
    if (this.stopping.signal.aborted) return;
    for (let entry = this.queue.next(); entry; entry = this.queue.next()) {
      const job = this.waiting.get(entry.id)!;
      this.waiting.delete(entry.id);
      this.launch(job);
    }
  }

  private launch(job: GitHubJob): void {
    const control = new AbortController();
    this.controllers.set(job.id, control);
    const run = this.run(job, AbortSignal.any([this.stopping.signal, control.signal]));
    this.running.set(job.id, run);
    run.then(
      (final) => this.settle(job, final),
      (error: unknown) => {
        this.log(`[github] job ${job.id} ended with an error: ${(error as Error).message}`);
        this.settle(job, undefined, error);
      },
    );
  }

  /** The job ended (or left the queue): its slot and its issue are free, the next job starts. */
  private settle(job: GitHubJob, final: GitHubJob | undefined, error?: unknown): void {
    const key = issueKey(job.owner, job.repo, job.issue_number);
    this.running.delete(job.id);
    this.controllers.delete(job.id);
    this.stoppedBy.delete(job.id);
    this.acknowledgments.delete(job.id);
    this.queue.finished(job.id);
    if (this.jobOfIssue.get(key) === job.id) {
      this.jobOfIssue.delete(key);
      this.busy.delete(key);
      // A follow-up held behind this job starts now, on top of what it did.
      void this.startHeldFollowUp(job.owner, job.repo, job.issue_number);
    }
    const end = this.ends.get(job.id);
    this.ends.delete(job.id);
    if (final) end?.resolve(final);
    else end?.reject(error);
    this.pump();
  }

  private async tellStopped(job: GitHubJob, octokit?: Octokit, comment?: LiveComment): Promise<void> {
    try {
      octokit ??= await this.options.auth(job.installation_id);
    } catch (error) {
      this.log(`[github] could not report the stop of ${job.id}: ${(error as Error).message}`);
      return;
    }
    comment ??= new LiveComment(octokit, 0, (reason) =>
      this.log(`[github] could not update the progress comment of ${job.id}: ${reason}`),
    );
    await comment.flush(job);
    await this.comment(octokit, job, stopReport(job));
    await replyToReviewComments(octokit, job, this.log);
  }

  private async run(job: GitHubJob, signal: AbortSignal): Promise<GitHubJob> {
    const save = () => this.options.store.save(job);
    let octokit: Octokit;
    try {
      octokit = await this.options.auth(job.installation_id);
    } catch (error) {
      return this.fail(
        job,
        `could not act as the app on ${job.owner}/${job.repo}: ${(error as Error).message}. Check that the app is still installed there.`,
        undefined,
      );
    }
    const cloneDir = join(this.options.workDir, job.id);
    const check = new LiveCheckRun(octokit, this.options.checkRunIntervalMs ?? CHECK_RUN_INTERVAL_MS, save, this.log);
    const comment = new LiveComment(
      octokit,
      this.options.commentIntervalMs ?? 3_000,
      (reason) => this.log(`[github] could not update the progress comment of ${job.id}: ${reason}`),
      check,
    );
    try {
      // The queued comment first: the progress edits it rather than posting a second one.
      await this.acknowledgments.get(job.id);
      await comment.flush(job);
      await save();
      signal.throwIfAborted();
      const remoteUrl = this.options.remoteUrl ?? githubRemote;
      const checkout = await Checkout.clone(cloneDir, async () =>
        remoteUrl(job.owner, job.repo, await installationToken(octokit)),
      );
      job.base_branch = checkout.baseBranch;
      await check.start(job, checkout);
      // The one engine (bot/engine/job-engine.ts) runs the stages; this side plans from the issue and delivers to GitHub.
      const run: JobRun<GitHubJob> = {
        job,
        workspace: new JobWorkspace(checkout.dir, checkout.baseBranch, `github.com/${job.owner}/${job.repo}`),
        saving: this.options.store,
        delivery: this.delivery(checkout, octokit, check),
        query: issueQuery(job),
        commitMessage: `Auto-generated by DELLM: ${job.title} (#${job.issue_number})`,
        plan: (planSignal) => this.plan(run, checkout, octokit, planSignal),
        // A follow-up's tasks are tested in the branch as the PR has it (its earlier files included).
        testedAt: async () => (job.follow_up ? await checkout.fetchBranch(job.branch) : checkout.baseBranch),
        onEvent: (event) => {
          if (event.kind === "stage" && event.stage !== "pushing" && event.stage !== "done") comment.update(job);
          else if (event.kind === "progress") comment.update(job, { done: event.done, failed: event.failed });
          else if (event.kind === "repository-tests-running") check.repositoryTests(job);
        },
        signal,
        stoppedByPerson: () => this.stoppedBy.has(job.id),
        requireFiles: true,
      };
      await this.engine.run(run);
      if (job.stage === "waiting_for_answers") {
        // The slot is free while the issue answers; the answer queues the job again (answer()).
        await comment.flush(job);
        await check.flush(job);
        this.log(`[github] job ${job.id} waits for answers to the planner's questions on the issue`);
        return job;
      }
      await comment.flush(job);
      await this.finalComment(octokit, job);
      this.log(`[github] job ${job.id} done: ${job.pr_url ?? "no pull request"}`);
      return job;
    } catch (error) {
      const by = this.stoppedBy.get(job.id);
      if (by) {
        markStopped(job, by);
        await save();
        this.options.withdraw?.(job.id);
        await this.tellStopped(job, octokit, comment);
        await check.ended(job);
        return job;
      }
      if (signal.aborted) {
        await save();
        return job;
      }
      await this.fail(job, explain(error, job, this.options.joinHint), octokit, comment, setupFailureDetails(error));
      await check.ended(job);
      return job;
    } finally {
      check.cancel();
      // Everything worth keeping is in the job store; a later run clones afresh.
      await rm(cloneDir, { recursive: true, force: true });
    }
  }

  /** The planning stage: from the issue (and the answers to its questions), or from a follow-up's instruction. */
  private async plan(run: JobRun<GitHubJob>, checkout: Checkout, octokit: Octokit, signal: AbortSignal): Promise<void> {
    const { job } = run;
    // The repository (and its setup image) first: a setup that fails costs no planner call.
    await this.engine.repositoryView(run);
    // A new job never writes over a branch that already exists (an earlier job's, or a person's).
    if (!job.retry_of && (await checkout.remoteBranch(job.branch)) !== null)
      job.branch = `dellm/issue-${job.issue_number}-${job.id.slice(-10)}`;
    // A follow-up plans the instruction's tasks against the branch as the PR has it.
    const followingUp = job.follow_up !== undefined && job.rerun === undefined;
    if (job.tasks.length === 0 || followingUp) {
      const head = followingUp ? await checkout.fetchBranch(job.branch) : undefined;
      const rounds = job.questions ?? [];
      const query = head
        ? await followUpQuery(job, octokit, checkout, head, issueQuery(job), (line) => this.log(line))
        : rounds.some((r) => r.answer)
          ? await this.withAnswers(job, octokit)
          : issueQuery(job);
      if (job.body.length > MAX_ISSUE_CHARS)
        job.notes.push(
          `The issue body has ${job.body.length} characters; the planner was given the first ${MAX_ISSUE_CHARS}.`,
        );
      const planner = await this.options.planner();
      // A private repository's code goes to a third-party planner only when its owner said so.
      const service = planner.model.service;
      const withhold = job.private === true && service !== undefined && !job.settings.share_code_with_planner;
      if (withhold)
        job.notes.push(
          `The planner (${plannerModelLabel(planner.model)} through ${service}) was shown the issue and the file list but no file's content: this is a private repository. Set \`share_code_with_planner: true\` in .github/dellm.yml to let it read the files it plans changes to.`,
        );
      const context = await repositoryContext(
        checkout.dir,
        query,
        this.options.repositoryContextChars ?? 24_000,
        !withhold,
      );
      const paths = job.settings.paths.some((p) => p === "" || p === "/")
        ? ""
        : `\n\nOnly write files under: ${job.settings.paths.join(", ")}.`;
      let planned;
      try {
        planned = await planner.decompose(query, {
          signal,
          repositoryContext: context.text + paths,
          maxTasks: job.settings.max_tasks,
          // A new issue's planner may ask on the issue (issue 24), at most MAX_QUESTION_ROUNDS times.
          questions: head ? false : rounds.length < MAX_QUESTION_ROUNDS ? true : "no-more",
        });
      } catch (error) {
        if (!(error instanceof ClarificationNeeded)) throw error;
        job.planner_model = plannerModelLabel(planner.model);
        await this.askQuestions(job, octokit, error);
        return;
      }
      // Read after planning: a model retired mid-run may have been replaced by the newest Sonnet.
      job.planner_model = plannerModelLabel(planner.model);
      // A review's commented files each get a task, whatever the planner left out.
      const tasks = head
        ? renumberAfter(job.tasks, withCommentedFiles(planned, job.follow_up?.review_comments))
        : planned;
      const { tasks: withContent, notes } = await withCurrentContent(checkout.dir, tasks, head);
      const ready = await withRepositoryInstructions(checkout.dir, withContent);
      job.notes.push(...notes);
      if (head) {
        job.tasks = [...job.tasks, ...ready];
        job.rerun = ready.map((t) => t.id);
      } else job.tasks = ready;
    }
    job.stage = "distributing";
  }

  /** The issue, its discussion and the answers to the planner's questions: what the planner plans from after an answer. */
  private async withAnswers(job: GitHubJob, octokit: Octokit): Promise<string> {
    const discussion = await discussionOf(job, octokit).catch((error: Error) => {
      this.log(
        `[github] could not read the discussion of ${job.owner}/${job.repo}#${job.issue_number}: ${error.message}`,
      );
      return "(the discussion could not be read)";
    });
    return [
      issueQuery(job),
      "",
      "The discussion so far (latest comments last):",
      discussion,
      "",
      clarificationText(job.questions ?? []),
    ].join("\n");
  }

  /** The planner needs answers: the questions go on the issue and the job waits (saved) for a reply. */
  private async askQuestions(job: GitHubJob, octokit: Octokit, asked: ClarificationNeeded): Promise<void> {
    const reason = asked.refused ? summarizeProblems(asked.refused).slice(0, 2_000) : undefined;
    const round: QuestionRound = {
      questions: asked.questions,
      asked_at: this.now() / 1000,
      ...(reason ? { reason } : {}),
    };
    job.questions = [...(job.questions ?? []), round];
    job.stage = "waiting_for_answers";
    await this.options.store.save(job);
    try {
      const { data } = await octokit.rest.issues.createComment({
        owner: job.owner,
        repo: job.repo,
        issue_number: job.issue_number,
        body: questionsCommentBody(job, round, waitWords(this.questionWaitMs)),
      });
      round.comment_id = data.id;
      await this.options.store.save(job);
    } catch (error) {
      // The status comment still says the job waits for answers; a reply there resumes it all the same.
      this.log(`[github] could not post the questions of ${job.id}: ${(error as Error).message}`);
    }
  }

  /** How a job reaches GitHub: its commit published on the branch, then the pull request and the check run. */
  private delivery(checkout: Checkout, octokit: Octokit, check: LiveCheckRun): JobDelivery<GitHubJob> {
    return {
      delivered: (job) => checkout.remoteBranch(job.branch),
      // A retry or follow-up adds a commit on its branch with only the re-run tasks; otherwise the branch starts at the base.
      mergeBase: async (job, delivered) => {
        if (job.retry_of === undefined || delivered === null) return undefined;
        const startPoint = await checkout.fetchBranch(job.branch);
        // A follow-up's tasks were planned against the branch; a retry's against the base.
        return { startPoint, only: runningTaskIds(job), planBase: job.follow_up ? startPoint : checkout.baseBranch };
      },
      publish: (job, _merged, expected) => this.publish(job, checkout, octokit, expected),
      deliver: (job) => this.openPullRequest(job, octokit, check),
    };
  }

  /** The pull request (a draft when the repository's tests regressed) and the check run on the delivered commit. */
  private async openPullRequest(job: GitHubJob, octokit: Octokit, check: LiveCheckRun): Promise<void> {
    await check.moveTo(job, job.commit!);
    const body = pullRequestBody({
      issueNumber: job.issue_number,
      jobId: job.id,
      summary: job.summary ?? "",
      files: job.files,
      notes: job.notes,
      plannerModel: job.planner_model,
      repositoryTests: job.repository_tests,
    });
    const draft = repositoryRegressed(job.repository_tests);
    // A follow-up whose pull request was merged or closed while it ran: the commit is on the branch
    // all the same, and the issue is told where.
    if (job.follow_up && job.pr_number !== undefined) {
      const ended = await pullRequestEnded(octokit, { ...job, pr_number: job.pr_number }, this.log);
      const note = `${CLOSED_MEANWHILE} #${job.pr_number} was ${ended}: its commit ${job.commit?.slice(0, 12)} is on the branch ${job.branch}.`;
      // Once, also when a restarted bot delivers again.
      if (ended && !job.notes.includes(note)) job.notes.push(note);
    }
    Object.assign(job, await openOrUpdatePullRequest(octokit, job, body, { draft }));
    await this.options.store.save(job);
    // The verdict is also in the PR body: a check run GitHub refuses (permission not granted) is only logged.
    await check.delivered(job, body);
  }

  /**
   * The merged commit onto GitHub through its API (signed as the App there), the branch moved only
   * from `expected`; `job.commit` is GitHub's commit from then on, and the clone's branch points at it.
   */
  private async publish(job: GitHubJob, checkout: Checkout, octokit: Octokit, expected: string | null): Promise<void> {
    try {
      job.commit = await publishCommits(octokit, {
        owner: job.owner,
        repo: job.repo,
        branch: job.branch,
        git: checkout.git,
        expected,
        // Saved before the branch moves: a bot restarted after the move finds it there and goes on to the PR.
        beforeRefMoves: async (commit) => {
          job.commit = commit;
          await this.options.store.save(job);
        },
      });
    } catch (error) {
      // Nothing of this run reached the branch: the record does not say otherwise.
      job.commit = undefined;
      throw error;
    }
    await checkout.adopt(job.branch, job.commit);
  }

  private async finalComment(octokit: Octokit, job: GitHubJob): Promise<void> {
    await this.comment(octokit, job, finalCommentBody(job));
    await replyToReviewComments(octokit, job, this.log);
  }

  private async fail(
    job: GitHubJob,
    reason: string,
    octokit: Octokit | undefined,
    comment?: LiveComment,
    /** Shown below the reason in the issue comment only (a setup's log). */
    details?: string,
  ): Promise<GitHubJob> {
    if (job.stage !== "failed") job.failed_in = job.stage;
    job.stage = "failed";
    job.error = reason;
    this.log(`[github] job ${job.id} failed in ${job.failed_in}: ${reason}`);
    await this.options.store.save(job);
    if (octokit) {
      await comment?.flush(job);
      // The reason can quote the model or a worker: inert, as in the job's comment.
      const body = `dellm job \`${job.id}\` failed while ${job.failed_in}: ${markdownInline(reason)}`;
      await this.comment(octokit, job, details ? `${body}\n\n${details}` : body);
      await replyToReviewComments(octokit, job, this.log);
    }
    return job;
  }

  private async comment(octokit: Octokit, job: GitHubJob, body: string): Promise<void> {
    await commentOnIssue(octokit, job, body).catch((error: Error) => {
      this.log(`[github] could not comment on ${job.owner}/${job.repo}#${job.issue_number}: ${error.message}`);
    });
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

const issueKey = (owner: string, repo: string, issue: number) => `${owner}/${repo}#${issue}`.toLowerCase();

/** The reply to the questions, cut to MAX_ANSWER_CHARS (it is untrusted and goes to the planner). */
function boundedAnswer(body: string): string {
  const text = body.trim();
  return text.length > MAX_ANSWER_CHARS
    ? `${text.slice(0, MAX_ANSWER_CHARS)}\n…[the rest of the reply was cut: it is longer than ${MAX_ANSWER_CHARS} characters]`
    : text;
}

/** "7 days", "1 day", "2 hours", "30 seconds": how long the wait for answers is. */
function waitWords(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return unit(ms / 86_400_000, "day");
  if (ms >= 3_600_000) return unit(Math.round(ms / 3_600_000), "hour");
  if (ms >= 60_000) return unit(Math.round(ms / 60_000), "minute");
  return unit(Math.max(1, Math.round(ms / 1000)), "second");
}

/** The comment that asks the planner's questions on the issue: inert text, numbered, and who may answer. */
function questionsCommentBody(job: GitHubJob, round: QuestionRound, wait: string): string {
  const round2 = (job.questions?.length ?? 1) > 1;
  const people = [
    job.requested_by,
    ...(job.issue_author && job.issue_author !== job.requested_by ? [job.issue_author] : []),
  ];
  const why = round.reason
    ? ` Its plans for it were refused twice (${markdownInline(round.reason)}), so it asks instead of guessing again.`
    : "";
  return [
    `${people.map((p) => `@${p}`).join(" ")} dellm needs ${round2 ? "a little more" : "more"} detail before it can plan this issue.${why}`,
    "",
    ...round.questions.map((q, i) => `${i + 1}. ${markdownInline(q)}`),
    "",
    `Answer in one comment on this issue: the next comment of the issue's author or of anyone with write access to the repository resumes job \`${job.id}\` with the answers${round2 ? " (this is the last round of questions: the planner then plans with what it has)" : ""}. The job waits ${wait}; \`/dellm stop\` ends it sooner.`,
  ].join("\n");
}

/** The request as the planner sees it: title and body, bounded. */
function issueQuery(job: GitHubJob): string {
  const body =
    job.body.length > MAX_ISSUE_CHARS
      ? `${job.body.slice(0, MAX_ISSUE_CHARS)}\n…[the rest of the issue was cut: it is longer than ${MAX_ISSUE_CHARS} characters]`
      : job.body;
  return issueRequest({ title: job.title, body });
}
