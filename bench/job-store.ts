// The App's job store in SQLite (issue 23): the database's size after 1,000 jobs and the time of one
// save. Each job is built from an eval suite issue (its issue text, its reference plan as tasks, its
// reference files as the results' code, a failed first attempt and a passing repair with pytest
// output and answer transcripts) and saved as a real job is at three stages: queued, distributing and
// done. Then: one save with synchronous=NORMAL and with the old per-file store (writeFileAtomic) on
// the same records for comparison, the look-ups, and pruning the finished jobs.
// Alone: node bin/node22.cjs --import tsx bench/job-store.ts
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DatabaseSync } from "node:sqlite";
import { writeFileAtomic } from "../shared/atomic-file.js";
import type { Result, Task } from "../shared/schemas.js";
import { DEFAULT_SETTINGS } from "../bot/github/app-settings.js";
import { GitHubJobStore, type GitHubJob } from "../bot/github/job-store.js";
import { loadSuite, type EvalIssue } from "../bot/eval/suite.js";
import { openStateDatabase } from "../bot/state/database.js";
import { pruneState } from "../bot/state/pruning.js";

export interface JobStoreFigures {
  jobs: number;
  /** Mean bytes of a done job's record (compact JSON), and of the file the old store wrote for it. */
  recordBytes: number;
  oldFileBytes: number;
  /** The database file after a checkpoint, and what the old store's files took on disk (4 KiB blocks). */
  databaseMb: number;
  oldFilesMb: number;
  /** One save, milliseconds (median and 95th percentile): a queued job (small) and a done one (whole). */
  saveQueuedMs: Percentiles;
  saveDoneMs: Percentiles;
  /** A done job's save with synchronous=NORMAL, and with the old store's writeFileAtomic (file + folder fsync). */
  saveDoneNormalMs: Percentiles;
  saveDoneOldFileMs: Percentiles;
  /** Look-ups over the 1,000 jobs, milliseconds. */
  activeMs: number;
  latestForMs: number;
  allMs: number;
  /** Deleting the finished jobs (all but the active ones), milliseconds. */
  pruneMs: number;
}

interface Percentiles {
  median: number;
  p95: number;
}

export async function benchJobStore(options: { jobs?: number; compare?: number } = {}): Promise<JobStoreFigures> {
  const count = options.jobs ?? 1000;
  const compare = options.compare ?? 200;
  const issues = (await loadSuite()).filter((issue) => issue.tier !== "simple");
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-jobs-"));
  const opened: DatabaseSync[] = [];
  try {
    const db = await openStateDatabase(join(dir, "dellm.db"));
    opened.push(db);
    const store = new GitHubJobStore(db);
    const queued: number[] = [];
    const done: number[] = [];
    let recordBytes = 0;
    let oldFileBytes = 0;
    let oldFileBlocks = 0;
    for (let i = 0; i < count; i++) {
      const job = realisticJob(issues[i % issues.length]!, i);
      queued.push(await timed(() => store.save({ ...job, stage: "queued", tasks: [], results: [], files: [] })));
      await store.save({ ...job, stage: "distributing", results: [], files: [] });
      // Every hundredth job is still running: the active ones, which pruning keeps.
      const final = i % 100 === 0 ? { ...job, stage: "merging" as const } : job;
      done.push(await timed(() => store.save(final)));
      recordBytes += JSON.stringify(final).length;
      const file = JSON.stringify(final, null, 1).length;
      oldFileBytes += file;
      oldFileBlocks += Math.ceil(file / 4096);
    }
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const databaseMb = (await stat(join(dir, "dellm.db"))).size / 2 ** 20;

    const activeMs = await timed(() => store.active());
    const latestForMs = await timed(() => store.latestFor("octo", "demo", 500));
    const allMs = await timed(() => store.all());

    // The same done records saved again: with synchronous=NORMAL, and as the old store's files.
    const normal = await openStateDatabase(join(dir, "normal.db"));
    opened.push(normal);
    normal.exec("PRAGMA synchronous = NORMAL");
    const normalStore = new GitHubJobStore(normal);
    const saveDoneNormal: number[] = [];
    const saveDoneOldFile: number[] = [];
    for (let i = 0; i < compare; i++) {
      const job = realisticJob(issues[i % issues.length]!, i);
      saveDoneNormal.push(await timed(() => normalStore.save(job)));
      const text = JSON.stringify(job, null, 1);
      saveDoneOldFile.push(await timed(() => writeFileAtomic(join(dir, "github-jobs", `${job.id}.json`), text)));
    }

    const pruneMs = await timed(() => pruneState(db, { keepJobsDays: 1 }, Date.now() + 2 * 24 * 3600 * 1000));
    return {
      jobs: count,
      recordBytes: Math.round(recordBytes / count),
      oldFileBytes: Math.round(oldFileBytes / count),
      databaseMb: round(databaseMb),
      oldFilesMb: round((oldFileBlocks * 4096) / 2 ** 20),
      saveQueuedMs: percentiles(queued),
      saveDoneMs: percentiles(done),
      saveDoneNormalMs: percentiles(saveDoneNormal),
      saveDoneOldFileMs: percentiles(saveDoneOldFile),
      activeMs: round(activeMs),
      latestForMs: round(latestForMs),
      allMs: round(allMs),
      pruneMs: round(pruneMs),
    };
  } finally {
    for (const db of opened) db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Job `n` for an issue of the suite, as a finished job of the App records it. */
function realisticJob(issue: EvalIssue, n: number): GitHubJob {
  const id = `job-bench-${String(n).padStart(6, "0")}`;
  const created = Date.now() / 1000;
  const tasks: Task[] = issue.reference.plan;
  const results = tasks.map((task): Result => {
    const path = `${task.directory}${task.file}`;
    const code = issue.reference.files.find((f) => f.path === path)?.content ?? "x = 1\n";
    const broken = code.replace(/return /, "return None and ");
    return {
      job_id: id,
      task_id: task.id,
      code,
      test_passed: true,
      test_logs: pytestLog(path, 4, 0),
      execution_time: 14.2,
      worker_id: "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo",
      timestamp: created + 60,
      tests_passed: 4,
      tests_failed: 0,
      attempts: [
        { attempt: 1, code: broken, test: test(path, 3, 1), answer: answer(broken) },
        {
          attempt: 2,
          code,
          test: test(path, 4, 0),
          answer: { ...answer(code), failure_log: pytestLog(path, 3, 1).slice(0, 600) },
        },
      ],
      notes: ["retried an answer that was not valid Python"],
      model_sha256: "a".repeat(64),
      verdict: "passed",
      producer: { peer: "12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo", host: "203.0.113.7" },
      generation: { status: "checked", by: "qwen2.5-coder-1.5b-instruct-q8_0.gguf" },
    };
  });
  return {
    id,
    owner: "octo",
    repo: "demo",
    installation_id: 1,
    issue_number: n + 1,
    title: issue.title,
    body: issue.body,
    requested_by: "alice",
    settings: DEFAULT_SETTINGS,
    private: false,
    stage: "done",
    tasks,
    results,
    branch: `dellm/issue-${n + 1}`,
    base_branch: "main",
    commit: "0123456789abcdef0123456789abcdef01234567",
    pr_number: n + 5000,
    pr_url: `https://github.com/octo/demo/pull/${n + 5000}`,
    comment_id: 100_000 + n,
    files: tasks.map((task) => ({
      task_id: task.id,
      path: `${task.directory}${task.file}`,
      worker: "w1",
      tests_passed: 4,
      tests_failed: 0,
      attempts: 2,
      change: "created" as const,
      passed: true,
      verdict: "passed" as const,
      generation: { status: "checked" as const, by: "qwen2.5-coder-1.5b-instruct-q8_0.gguf" },
    })),
    summary: `Implemented ${issue.title}: ${tasks.map((t) => t.description).join(" ")}`.slice(0, 1500),
    planner_model: "claude-sonnet-4-6",
    notes: ["w1 retried task 1 once"],
    created_at: created,
    updated_at: created,
  };
}

function test(path: string, passed: number, failed: number) {
  return {
    success: failed === 0,
    stdout: pytestLog(path, passed, failed),
    stderr: "",
    tests_passed: passed,
    tests_failed: failed,
    execution_time: 6.8,
    verdict: failed === 0 ? ("passed" as const) : ("failed" as const),
    test_outcomes: Array.from({ length: passed + failed }, (_, i) => ({
      id: `${path}::test_case_${i}`,
      outcome: i < passed ? ("passed" as const) : ("failed" as const),
    })),
  };
}

function pytestLog(path: string, passed: number, failed: number): string {
  const head = `============================= test session starts ==============================\nplatform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0\nrootdir: /work\ncollected ${passed + failed} items\n\n${path} ${".".repeat(passed)}${"F".repeat(failed)}\n`;
  const failure = failed
    ? `\n=================================== FAILURES ===================================\n___________________________________ test_case_${passed} ___________________________________\n\n    def test_case_${passed}():\n>       assert compute(2, 3) == 5\nE       assert None == 5\nE        +  where None = compute(2, 3)\n\n${path}:42: AssertionError\n`
    : "";
  return `${head}${failure}========================= ${passed} passed${failed ? `, ${failed} failed` : ""} in 0.12s =========================\n`;
}

/** The model's answer behind `code`: about one token per 3.5 characters, as Qwen's tokenizer gives for Python. */
function answer(code: string) {
  const tokens = Array.from({ length: Math.ceil(code.length / 3.5) }, (_, i) => (i * 7919 + code.length) % 151_000);
  return { text: `\`\`\`python\n${code}\`\`\``, transcript: { tokens, stop: "end" as const } };
}

async function timed(run: () => unknown): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: round(at(0.5), 2), p95: round(at(0.95), 2) };
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(JSON.stringify(await benchJobStore(), null, 2));
  process.exit(0);
}
