// The one job engine (issue 23). A job is a stage machine, saved after every stage:
//   planning → distributing (collect, re-test, check) → merging (the repository's own tests before
//   and after; regressions send a repair round back to distributing) → pushing (deliver) → done.
// `dellm run`, `dellm eval` (bot/engine/local-job.ts) and the GitHub App (bot/github/jobs.ts) all
// run it. What differs sits behind one interface each: where the job is saved (JobSaving), how it
// is delivered (JobDelivery: a local branch and a printed report; or a published commit, a pull
// request and a check run) and how it is planned from what was asked (JobRun.plan).
import type { Result, TestResult } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { SetupImages } from "../../shared/sandbox/setup-image.js";
import type { RepositoryView } from "../../shared/sandbox/task-run.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import { pinnedModel, refusedBySettings } from "../github/app-settings.js";
import { collectVerified } from "../pipeline/collect.js";
import type { Distribution, JobEvent } from "../pipeline/distribution.js";
import type { GenerationVerifier } from "../../worker/verify/generation-verifier.js";
import { mergeResults } from "../pipeline/merger.js";
import type { Planner } from "../pipeline/planner.js";
import { keepBetterResults } from "../pipeline/repair-round.js";
import { repositoryRegressed } from "../pipeline/repository-check.js";
import { repositoryViewAt } from "../pipeline/repository-view.js";
import { summarizeJob } from "../pipeline/summarize.js";
import type { Reputation } from "../swarm/reputation.js";
import { fileReports } from "./file-reports.js";
import { runningTaskIds, type JobRecord, type JobStage } from "./job-record.js";
import { jobSetupImage, setupNote } from "./job-setup.js";
import type { JobWorkspace } from "./job-workspace.js";
import { NoResultsError, NoTrustedResultsError } from "./no-results.js";
import { checkJobRepository, withRepositoryTests } from "./repository-stage.js";

/** What the engine reports as it goes: the pipeline's events, each stage entered, and the repository tests starting. */
export type EngineEvent = JobEvent | { kind: "stage"; stage: JobStage } | { kind: "repository-tests-running" };

/** Where a job is saved: the bot's database, or a file beside `dellm run`'s logs. */
export interface JobSaving<J extends JobRecord> {
  /** Saved (on disk) when it resolves. */
  save(job: J): Promise<void>;
}

/** A merge that adds one commit on the delivered branch (a retry's or follow-up's), not a branch from the base. */
export interface OnBranch {
  /** The delivered branch's commit, fetched. */
  startPoint: string;
  /** The tasks this commit carries. */
  only: ReadonlySet<number>;
  /** What the tasks were planned against (a follow-up: the branch; a retry: the base). */
  planBase: string;
}

/** How a job reaches whoever asked for it. */
export interface JobDelivery<J extends JobRecord> {
  /** Where the job's branch stands where it is delivered (null: not delivered yet). */
  delivered(job: J): Promise<string | null>;
  /** What this merge builds on, given where the branch stands (undefined: a branch from the base). */
  mergeBase?(job: J, delivered: string | null): Promise<OnBranch | undefined>;
  /** Puts the merged commit where it is delivered, the branch moved only from `expected`; `job.commit` is the delivered commit after. */
  publish(job: J, merged: string, expected: string | null): Promise<void>;
  /** Tells whoever asked, once the summary is written (the App: the pull request and the check run). */
  deliver(job: J): Promise<void>;
}

/** One run of one job. */
export interface JobRun<J extends JobRecord> {
  job: J;
  workspace: JobWorkspace;
  saving: JobSaving<J>;
  delivery: JobDelivery<J>;
  /** The request as the workers and the summary see it. */
  query: string;
  /** The merged commit's message. */
  commitMessage: string;
  /** Plans the tasks the request's own way; leaves the job in `distributing` (or `waiting_for_answers`). */
  plan(signal: AbortSignal): Promise<void>;
  /** The tree the tasks are tested in (default: the base; a follow-up's: its branch as the PR has it). */
  testedAt?: () => Promise<string>;
  onEvent?: (event: EngineEvent) => void;
  signal: AbortSignal;
  /** Whether an abort is a person's stop (what finished is kept in the record) rather than the process stopping. */
  stoppedByPerson?: () => boolean;
  /**
   * Nothing arrived, or nothing could be written: the job fails with NoResultsError (the App: there
   * is no pull request to open). Default false: the report says what was not written (`dellm run`).
   */
  requireFiles?: boolean;
}

/** What every job shares: the planner (for the summary), the workers, the bot's checks and sandboxes. */
export interface JobServices {
  /** The planner, made when first needed (the summary is its Query 5.7). */
  planner: () => Promise<Planner>;
  distribution: Distribution;
  /** Re-tests the collected results before merging (volunteers' claims are not trusted); omitted = trusted as sent. */
  verifier?: Sandbox;
  /** Checks with the bot's copy of the model that each re-tested file is the model's own answer (issue 22). */
  generation?: GenerationVerifier;
  /** Why results are not checked where `generation` is omitted (the report shows it). */
  unchecked?: string;
  /** Where the bot has no model: a volunteer's check of a swarm result. */
  volunteerCheck?: (result: Result) => Promise<GenerationStatus> | undefined;
  /** Volunteers' standing: the bot's re-tests count in each peer's record. */
  reputation?: Reputation;
  /** Runs the repository's own tests on the base and on the result (default: the verifier; neither = not run, and the report says so). */
  repositorySandbox?: Sandbox;
  /** Builds or reuses the repository's `setup` image (.github/dellm.yml); omitted = no setup is built. */
  setupImages?: SetupImages;
  /** Whether a repository's setup may reach the network here (DELLM_SETUP_NETWORK). Default true. */
  setupNetwork?: boolean;
}

export class JobEngine {
  /** The repository's test runs on base commits, shared by jobs and their repair rounds. */
  private readonly baselines = new Map<string, TestResult>();
  /** Each running job's repository snapshot (read once per run). */
  private readonly views = new Map<string, { view: RepositoryView | undefined }>();

  constructor(private readonly services: JobServices) {}

  /** Runs the job from the stage it was saved in to `done` (or to `waiting_for_answers`); throws where it fails. */
  async run<J extends JobRecord>(run: JobRun<J>): Promise<void> {
    const { job, signal } = run;
    try {
      if (job.stage === "queued" || job.stage === "planning") {
        await this.enter(run, "planning");
        await run.plan(signal);
        await run.saving.save(job);
        run.onEvent?.({ kind: "stage", stage: job.stage });
      }
      if (job.stage === "waiting_for_answers") return;
      signal.throwIfAborted();
      if (job.stage === "distributing") await this.collect(run);
      // A regression in the repository's tests asks for a repair round: collect again, then merge again.
      while ((job.stage === "merging" || job.stage === "pushing") && (await this.merge(run))) await this.collect(run);
      await this.enter(run, "done");
    } finally {
      this.views.delete(job.id);
    }
  }

  private async enter<J extends JobRecord>(run: JobRun<J>, stage: JobStage): Promise<void> {
    run.job.stage = stage;
    await run.saving.save(run.job);
    run.onEvent?.({ kind: "stage", stage });
  }

  /**
   * The base commit's tracked text files, in which in-process workers and the bot's re-test run each
   * file with the repository tests that import it (built in the repository's setup image, before any
   * task goes out); undefined (each file alone, as a note says) when the repository is over
   * snapshot_limit_mb.
   */
  async repositoryView<J extends JobRecord>(run: JobRun<J>): Promise<RepositoryView | undefined> {
    const { job, workspace } = run;
    const cached = this.views.get(job.id);
    if (cached) return cached.view;
    const setup = this.services.setupImages
      ? await jobSetupImage(
          job.settings,
          workspace.identity,
          workspace.dir,
          workspace.baseRef,
          this.services.setupImages,
          this.services.setupNetwork ?? true,
        )
      : undefined;
    if (setup) {
      const note = setupNote(setup, job.settings);
      if (!job.notes.some((n) => n.startsWith(note.slice(0, 40)))) job.notes.push(note);
    }
    const at = run.testedAt ? await run.testedAt() : workspace.baseRef;
    const { view, tooLarge } = await repositoryViewAt(workspace.dir, at, {
      limitBytes: job.settings.snapshot_limit_mb * 2 ** 20,
      testTimeoutSeconds: job.settings.test_timeout_seconds,
      ...(job.settings.test_command ? { testCommand: job.settings.test_command } : {}),
      ...(setup
        ? {
            setup: {
              image: setup.image,
              commands: { commands: job.settings.setup, network: job.settings.setup_network },
            },
          }
        : {}),
    });
    if (tooLarge) {
      const note = `Each file was tested alone, not inside the repository: ${tooLarge}.`;
      if (!job.notes.includes(note)) job.notes.push(note);
    }
    this.views.set(job.id, { view });
    return view;
  }

  /** Hands the running tasks (or a repair round's) to the workers, and keeps what comes back re-tested and checked. */
  private async collect<J extends JobRecord>(run: JobRun<J>): Promise<void> {
    const { job, signal } = run;
    const { services } = this;
    const repairing = job.repairing ? new Set(job.repairing) : undefined;
    const running = repairing ?? runningTaskIds(job);
    const kept = new Map(job.results.filter((r) => !running.has(r.task_id)).map((r) => [r.task_id, r] as const));
    const timeoutSeconds = job.settings.task_timeout_seconds * Math.max(1, running.size);
    // The board counts kept results as done; the progress counts this run's own.
    const keptFailed = [...kept.values()].filter((r) => !r.test_passed).length;
    const onEvent = (event: JobEvent) =>
      run.onEvent?.(
        event.kind === "progress"
          ? { ...event, done: event.done - kept.size, failed: event.failed - keptFailed }
          : event,
      );
    const request = {
      id: job.id,
      query: run.query,
      tasks: job.tasks,
      repository: await this.repositoryView(run),
      private: job.private ?? false,
      // The repository's own model pin (.github/dellm.yml `model`): only its runners get the tasks.
      ...(pinnedModel(job.settings) ? { model: pinnedModel(job.settings) } : {}),
    };
    const { results, disagreed } = await collectVerified(request, {
      distribution: services.distribution,
      verifier: services.verifier,
      generation: services.generation,
      volunteerCheck: services.volunteerCheck,
      reputation: services.reputation,
      unchecked: services.unchecked,
      only: running,
      timeoutMs: timeoutSeconds * 1000,
      onEvent,
      signal,
      kept,
      replicas: job.settings.replicas,
    });
    if (signal.aborted && run.stoppedByPerson?.()) {
      // A person's stop: what finished is kept, for the report and for a retry.
      if (repairing) this.keepBetterResults(job, results, repairing);
      else job.results = [...results.values()];
    }
    signal.throwIfAborted();
    if (disagreed.length)
      job.notes.push(
        `The bot's own re-test overruled the workers on task(s) ${disagreed.join(", ")}; the table shows the bot's verdict.`,
      );
    if (repairing) {
      this.keepBetterResults(job, results, repairing);
      job.repairing = undefined;
      await this.enter(run, "merging");
      return;
    }
    job.results = [...results.values()];
    const arrived = [...running].filter((id) => results.has(id)).length;
    if (run.requireFiles && arrived === 0 && running.size > 0)
      throw job.private
        ? new NoTrustedResultsError(
            `no trusted worker sent a result for any of the ${running.size} tasks within ${timeoutSeconds} s`,
          )
        : new NoResultsError(`no worker sent a result for any of the ${running.size} tasks within ${timeoutSeconds} s`);
    await this.enter(run, "merging");
  }

  /** A repair's result replaces the earlier one only when it passes its own tests (nothing is lost otherwise). */
  private keepBetterResults(job: JobRecord, results: Map<number, Result>, repairing: Set<number>): void {
    const earlier = new Map(job.results.map((r) => [r.task_id, r] as const));
    const better = keepBetterResults(earlier, results, repairing, job.repair_rounds ?? 0);
    job.notes.push(...better.notes);
    job.results = [...better.results.values()];
  }

  /** Merge, test against the repository, publish and deliver; true when a repair round should run first. */
  private async merge<J extends JobRecord>(run: JobRun<J>): Promise<boolean> {
    const { job, workspace, delivery, signal } = run;
    signal.throwIfAborted();
    await this.enter(run, "merging");
    const delivered = await delivery.delivered(job);
    // An earlier run of this job delivered already (stopped after it): go on to telling.
    if (!(job.commit && delivered === job.commit)) {
      const running = runningTaskIds(job);
      const results = new Map(job.results.map((r) => [r.task_id, r] as const));
      const onBranch = await delivery.mergeBase?.(job, delivered);
      const merge = await mergeResults({
        repoPath: workspace.dir,
        branch: job.branch,
        message: run.commitMessage,
        tasks: job.tasks,
        results,
        startPoint: onBranch?.startPoint ?? workspace.baseRef,
        only: onBranch?.only,
        planBase: onBranch?.planBase,
        refusePath: (path) => refusedBySettings(job.settings, path),
      });
      run.onEvent?.({ kind: "merged", merge });
      const fresh = withRepositoryTests(
        await fileReports(job.tasks, merge, results, workspace),
        await this.repositoryView(run),
        merge.written.map((w) => ({ path: w.path, content: results.get(w.taskId)?.code ?? "" })),
      );
      // One row per path: a later commit's new version of a file replaces the row of the task that wrote it first.
      const rewritten = new Set(fresh.filter((f) => f.change !== "not written").map((f) => f.path));
      job.files = onBranch
        ? [...job.files.filter((f) => !running.has(f.task_id) && !rewritten.has(f.path)), ...fresh]
        : fresh;
      if (!merge.commit) {
        if (onBranch && delivered) job.commit = delivered;
        else if (run.requireFiles)
          throw new NoResultsError(
            `none of the ${job.tasks.length} tasks produced a file that could be written (${merge.skipped.map((s) => `${s.path}: ${s.reason}`).join("; ")})`,
          );
      } else {
        run.onEvent?.({ kind: "repository-tests-running" });
        const repair = await checkJobRepository(job, workspace, merge, {
          sandbox: this.services.repositorySandbox ?? this.services.verifier,
          baselines: this.baselines,
          image: (await this.repositoryView(run))?.image,
          signal,
        });
        if (job.repository_tests) run.onEvent?.({ kind: "repository-tests", report: job.repository_tests });
        if (repair) {
          // A repair round: the tasks the failing tests import go back to the workers with the log.
          run.onEvent?.({ kind: "repair-round", round: job.repair_rounds ?? 1, tasks: job.repairing ?? [] });
          await run.saving.save(job);
          run.onEvent?.({ kind: "stage", stage: job.stage });
          return true;
        }
        await this.enter(run, "pushing");
        await delivery.publish(job, merge.commit, onBranch ? delivered : null);
        await run.saving.save(job); // the delivered commit
      }
    }
    if (job.stage !== "pushing") await this.enter(run, "pushing");
    job.summary ??= await this.summarize(run);
    // Saved with the job's end (run() enters `done` next); the App's delivery saves its PR itself.
    await delivery.deliver(job);
    return false;
  }

  /** Query 5.7, told what did not work out, so the summary never says it added a file that failed or was not written. */
  private async summarize<J extends JobRecord>(run: JobRun<J>): Promise<string> {
    const { job } = run;
    const problems = job.files
      .filter((f) => !f.passed)
      .map((f) => `${f.path} (${f.change === "not written" ? "not written" : "failed its tests"})`);
    if (repositoryRegressed(job.repository_tests)) problems.push("the repository's own tests regressed");
    const summary = await summarizeJob(await this.services.planner(), run.query, job.tasks, undefined, problems);
    if (summary.failure) {
      job.notes.push(`The planner could not write the summary (${summary.failure}).`);
      run.onEvent?.({ kind: "summary-failed", reason: summary.failure });
    }
    return summary.text;
  }
}
