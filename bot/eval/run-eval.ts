// Runs suite issues through the real pipeline (planner → local swarm → sandbox → merge) or the
// one-shot baseline, then the issue's hidden acceptance tests in the sandbox against what was
// merged (and, for an issue asked against an existing repository, that repository's own tests),
// and times each stage the way the seed's latency targets name them.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";
import type { Result, SourceFile, TestResult } from "../../shared/schemas.js";
import { budgetFor } from "../../shared/token-budget.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { EngineEvent } from "../engine/job-engine.js";
import { runJob } from "../pipeline/run-job.js";
import { swarmWorkers } from "../swarm/swarm-workers.js";
import { issueRequest, type Planner } from "../pipeline/planner.js";
import type { CoordinatorEvent } from "../swarm/coordinator.js";
import { baselinePrompt, parseFileBlocks } from "./baseline.js";
import type { LocalSwarm } from "./local-swarm.js";
import type { IssueOutcome, StageTimes } from "./report.js";
import type { EvalIssue } from "./suite.js";
import { overlay } from "../../shared/repository-snapshot.js";

export const HIDDEN_TEST_PATH = "test_hidden_acceptance.py";

/** Coordinator events with the time they happened, by job: the swarm's side of the stage times. */
export class SwarmTimeline {
  private readonly events = new Map<string, { at: number; event: CoordinatorEvent }[]>();

  record = (event: CoordinatorEvent): void => {
    if (!("jobId" in event)) return;
    const list = this.events.get(event.jobId) ?? [];
    list.push({ at: Date.now(), event });
    this.events.set(event.jobId, list);
  };

  of(jobId: string): { at: number; event: CoordinatorEvent }[] {
    return this.events.get(jobId) ?? [];
  }
}

export interface PipelineRun {
  planner: Planner;
  swarm: LocalSwarm;
  timeline: SwarmTimeline;
  sandbox: Sandbox;
  workDir: string;
  taskTimeoutSeconds: number;
}

export async function runPipelineIssue(issue: EvalIssue, run: PipelineRun): Promise<IssueOutcome> {
  const repo = await freshRepository(run.workDir, issue);
  const marks = new Map<EngineEvent["kind"], number>();
  let jobId = "";
  const started = Date.now();
  try {
    const outcome = await runJob({
      query: issueRequest(issue),
      repoPath: repo,
      planner: run.planner,
      distribution: swarmWorkers(run.swarm.coordinator),
      taskTimeoutSeconds: run.taskTimeoutSeconds,
      onEvent: (event) => {
        if (!marks.has(event.kind)) marks.set(event.kind, Date.now());
        if (event.kind === "planning") jobId = event.job.id;
      },
    });
    const files = await filesOnBranch(repo, outcome.job.commit ? outcome.job.branch : null);
    const hidden = await hiddenTests(run.sandbox, files, issue);
    const repository = await repositoryTests(run.sandbox, files, issue);
    const results = [...outcome.results.values()];
    return {
      ...judged(issue, hidden, repository),
      tasks: outcome.job.tasks.length,
      files: { total: outcome.job.tasks.length, passed: results.filter((r) => r.test_passed).length },
      stages: {
        decompose_s: span(marks.get("planning"), marks.get("planned")),
        ...swarmStages(outcome.job.tasks, results, run.timeline.of(jobId), marks.get("published")),
        merge_s: span(marks.get("collected"), marks.get("merged")),
        total_s: span(started, marks.get("merged")),
      },
    };
  } catch (error) {
    return failedOutcome(issue, (error as Error).message, {
      decompose_s: span(marks.get("planning"), marks.get("planned")),
      total_s: (Date.now() - started) / 1000,
    });
  }
}

/** Baseline: one prompt for the whole solution, no decomposition and no repair; files tested as they came. */
export async function runBaselineIssue(issue: EvalIssue, model: CodeModel, sandbox: Sandbox): Promise<IssueOutcome> {
  const started = Date.now();
  try {
    const answer = await model.complete(baselinePrompt(issueRequest(issue), issue.repository), {
      maxTokens: budgetFor(model.contextSize).output,
    });
    const generated = Date.now();
    const { files } = parseFileBlocks(answer);
    // Whatever the answer holds is laid over the repository the issue was asked against.
    const tree = overlay(issue.repository ?? [], files);
    const testTimes: number[] = [];
    let passedFiles = 0;
    for (const file of files) {
      const result = await sandbox.run({ files: tree, testTargets: [file.path] });
      testTimes.push(result.execution_time);
      if (result.success) passedFiles++;
    }
    const hidden = await hiddenTests(sandbox, tree, issue);
    const repository = await repositoryTests(sandbox, tree, issue);
    return {
      ...judged(issue, hidden, repository),
      tasks: null,
      files: { total: files.length, passed: passedFiles },
      stages: {
        generate_s: (generated - started) / 1000,
        test_s: mean(testTimes),
        total_s: (Date.now() - started) / 1000,
      },
    };
  } catch (error) {
    return failedOutcome(issue, (error as Error).message, { total_s: (Date.now() - started) / 1000 });
  }
}

/**
 * The issue's verdict: passed only when its hidden tests ran and all passed, and the repository's
 * own tests (when it has any) all pass on the result.
 */
function judged(
  issue: EvalIssue,
  hidden: TestResult | null,
  repository: TestResult | null = null,
): Pick<IssueOutcome, "id" | "tier" | "title" | "passed" | "hidden" | "repository"> {
  const hiddenPassed = hidden !== null && hidden.success && hidden.tests_passed > 0;
  const summary = hidden ? { passed: hidden.tests_passed, failed: hidden.tests_failed } : { passed: 0, failed: 0 };
  const reason =
    hidden && !hiddenPassed ? (hidden.failure_reason ?? lastLines(`${hidden.stdout}\n${hidden.stderr}`)) : undefined;
  const kept = issue.repositoryTests?.length ? repositoryOutcome(repository) : undefined;
  return {
    id: issue.id,
    tier: issue.tier,
    title: issue.title,
    passed: hiddenPassed && (kept === undefined || kept.kept),
    hidden: { ...summary, ...(reason ? { reason } : {}) },
    ...(kept ? { repository: kept } : {}),
  };
}

/**
 * What the repository's own tests said of the result: every test that did not pass is a regression
 * (they all pass on the repository as the suite keeps it: validate.sh checks that).
 */
function repositoryOutcome(run: TestResult | null): NonNullable<IssueOutcome["repository"]> {
  if (run === null) return { kept: false, passed: 0, failed: 0, regressions: [], reason: "not run: the job failed" };
  const regressions = (run.test_outcomes ?? [])
    .filter((t) => t.outcome === "failed" || t.outcome === "error" || t.outcome === "unfinished")
    .map((t) => t.id);
  const judgedRun = run.verdict === "passed" || run.verdict === "failed";
  const kept = run.success && run.verdict === "passed" && regressions.length === 0 && run.tests_passed > 0;
  return {
    kept,
    passed: run.tests_passed,
    failed: run.tests_failed,
    regressions,
    ...(kept
      ? {}
      : {
          reason:
            regressions.length > 0
              ? `regression: ${regressions.slice(0, 3).join(", ")}${regressions.length > 3 ? ` (and ${regressions.length - 3} more)` : ""}`
              : judgedRun
                ? (run.failure_reason ?? "the repository's tests failed")
                : `no verdict: ${run.failure_reason ?? run.verdict ?? "the run gave none"}`,
        }),
  };
}

/** The job itself failed (no plan, say): nothing was merged, so no hidden test ran. */
function failedOutcome(issue: EvalIssue, error: string, stages: StageTimes): IssueOutcome {
  return { ...judged(issue, null), tasks: null, files: { total: 0, passed: 0 }, stages, error };
}

/**
 * The swarm's stages, averaged over tasks: distribute = ready (published, or its last dependency's
 * result in) → claimed; generate = the worker's time less its sandbox runs; test = one sandbox
 * run; collect = the worker's result → accepted by the bot.
 */
function swarmStages(
  tasks: { id: number; dependencies: number[] }[],
  results: Result[],
  timeline: { at: number; event: CoordinatorEvent }[],
  published: number | undefined,
): StageTimes {
  const claimedAt = new Map<number, number>();
  const acceptedAt = new Map<number, number>();
  for (const { at, event } of timeline) {
    if (event.kind === "claimed" && !claimedAt.has(event.taskId)) claimedAt.set(event.taskId, at);
    if (event.kind === "result-accepted") acceptedAt.set(event.taskId, at);
  }
  const waits: number[] = [];
  for (const task of tasks) {
    const claimed = claimedAt.get(task.id);
    const ready = Math.max(published ?? 0, ...task.dependencies.map((d) => acceptedAt.get(d) ?? 0));
    if (claimed !== undefined && ready > 0) waits.push((claimed - ready) / 1000);
  }
  const testRuns = results.flatMap((r) => r.attempts.map((a) => a.test.execution_time));
  const generate = results.map((r) =>
    Math.max(0, r.execution_time - r.attempts.reduce((sum, a) => sum + a.test.execution_time, 0)),
  );
  const collect = results.flatMap((r) =>
    acceptedAt.has(r.task_id) ? [Math.max(0, acceptedAt.get(r.task_id)! - r.timestamp * 1000) / 1000] : [],
  );
  return { distribute_s: mean(waits), generate_s: mean(generate), test_s: mean(testRuns), collect_s: mean(collect) };
}

/** A git repository holding the issue's repository/ (or only a README), committed as the job's base. */
async function freshRepository(workDir: string, issue: EvalIssue): Promise<string> {
  await mkdir(workDir, { recursive: true });
  const repo = await mkdtemp(join(workDir, `${issue.id.replace(/[^a-z0-9-]/gi, "-")}-`));
  const git = simpleGit(repo, { config: ["user.name=dellm eval", "user.email=eval@dellm.invalid"] });
  await git.init();
  const files = issue.repository?.length ? issue.repository : [{ path: "README.md", content: `# ${issue.title}\n` }];
  for (const file of files) {
    await mkdir(dirname(join(repo, file.path)), { recursive: true });
    await writeFile(join(repo, file.path), file.content);
  }
  await git.add(files.map((f) => f.path)).commit("Start");
  return repo;
}

/** The tracked files of the merged branch, or of the base when nothing was merged. */
async function filesOnBranch(repo: string, branch: string | null): Promise<SourceFile[]> {
  const git = simpleGit(repo);
  const ref = branch ?? "HEAD";
  const paths = (await git.raw(["ls-tree", "-r", "--name-only", ref])).split("\n").filter(Boolean);
  return Promise.all(paths.map(async (path) => ({ path, content: await git.show([`${ref}:${path}`]) })));
}

async function hiddenTests(sandbox: Sandbox, files: SourceFile[], issue: EvalIssue): Promise<TestResult> {
  const tree = [
    ...files.filter((f) => f.path !== HIDDEN_TEST_PATH),
    { path: HIDDEN_TEST_PATH, content: issue.hiddenTest },
  ];
  return sandbox.run({ files: tree, testTargets: [HIDDEN_TEST_PATH] });
}

/**
 * The repository's own tests, as repository/ has them (a job that rewrote one does not get to judge
 * itself by its own version), against the result; null when the issue has none or nothing merged.
 */
async function repositoryTests(sandbox: Sandbox, files: SourceFile[], issue: EvalIssue): Promise<TestResult | null> {
  const paths = issue.repositoryTests ?? [];
  if (paths.length === 0) return null;
  const tests = (issue.repository ?? []).filter((f) => paths.includes(f.path));
  return sandbox.run({
    files: overlay(
      files.filter((f) => f.path !== HIDDEN_TEST_PATH),
      tests,
    ),
    testTargets: paths,
    // The repository's tests are the suite's own: only the code they test is scanned for tampering.
    checkPaths: files.filter((f) => f.path.endsWith(".py") && !paths.includes(f.path)).map((f) => f.path),
    pytestArgs: ["--continue-on-collection-errors"],
  });
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-5).join("\n").slice(-1_000);
}

function span(from: number | undefined, to: number | undefined): number | undefined {
  return from !== undefined && to !== undefined ? (to - from) / 1000 : undefined;
}

function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}
