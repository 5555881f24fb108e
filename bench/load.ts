// Load benchmark (issue 23): `dellm serve`'s GitHub App side under a burst. `dellm serve` runs as
// a process on loopback against a local stand-in for GitHub (bench/load-github.ts: 20 repositories
// under 4 installations, each a real bare git remote through DELLM_GIT_URL), with DELLM_MAX_JOBS=2,
// a scripted planner (MODEL_PATH=script:…) and two `dellm-worker` processes with the same scripted
// model and the real Docker sandbox; the bot's own re-test is off (DELLM_VERIFY_RESULTS=false) so
// the figures are the App's, not the sandbox's. 100 signed `issues.labeled` deliveries (5 issues in
// each repository) are sent within 10 s, then 10 of them are redelivered with the same
// X-GitHub-Delivery id (GitHub's "Redeliver"), which must start nothing.
//
// Measured: each delivery's response time (p50/p99; the goal is p99 < 100 ms), delivery → the
// issue's first comment (the acknowledgment; p99 < 2 s), the bot's peak RSS (< 500 MB) and its CPU
// share over the burst, the most jobs running at once (polled from the state database and from
// GET /health; never above DELLM_MAX_JOBS), jobs done or reported failed, and duplicates (a second
// job, pull request or acknowledgment for an issue; must be 0).
// Alone: node bin/node22.cjs --import tsx bench/load.ts [jobs-deadline-seconds]
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { fibonacciIssueLabeled, postDelivery } from "../test/signed-delivery.js";
import { stateDatabasePath } from "../bot/state/database.js";
import { bareRepository } from "../test/git-fixtures.js";
import { rssKb } from "../test/forged-webhook.js";
import { isRunning, processTree, startCommand, startServe, testEnv, type RunningProcess } from "../test/processes.js";
import { startLoadGitHub } from "./load-github.js";
import { fibonacciJobScript } from "../test/fibonacci-job.js";

const SECRET = "bench-load-secret";
const OWNERS = 4;
const REPOS_PER_OWNER = 5;
const ISSUES_PER_REPO = 5;
const BURST_MS = 10_000;
const MAX_JOBS = 2;
const WORKERS = 2;
const REDELIVERIES = 10;
const RUNNING_STAGES = ["planning", "distributing", "merging", "pushing"];

const SCRIPT = fibonacciJobScript();

export interface LoadFigures {
  deliveries: number;
  repositories: number;
  burstSeconds: number;
  maxJobs: number;
  workers: number;
  webhook: { p50Ms: number; p99Ms: number; maxMs: number; statuses: Record<string, number> };
  acknowledgment: { acknowledged: number; p50Ms: number; p99Ms: number; maxMs: number };
  bot: {
    rssBeforeMb: number;
    rssPeakBurstMb: number;
    rssPeakMb: number;
    /** CPU seconds / wall seconds over the burst (1 = one core; the machine's cores in `cores`). */
    cpuShareBurst: number;
    cpuShareRun: number;
    cores: number;
  };
  jobs: {
    created: number;
    done: number;
    failed: number;
    /** done or failed with the outcome commented on the issue */
    reported: number;
    unfinished: number;
    pullRequests: number;
    maxRunningDb: number;
    maxRunningHealth: number;
    secondsToFinish: number | null;
    deadlineSeconds: number;
    failures: Record<string, number>;
  };
  duplicates: { jobs: number; pullRequests: number; acknowledgments: number; redeliveryJobs: number };
  githubRequests: Record<string, number>;
  /** Writes GitHub received per second: over the run, and the most in any 10 s window. */
  githubWrites: { total: number; perSecondRun: number; perSecondPeak10s: number };
  unknownRoutes: string[];
}

export async function benchLoad(options: { deadlineSeconds?: number } = {}): Promise<LoadFigures> {
  const deadlineSeconds = options.deadlineSeconds ?? 540;
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-load-"));
  const github = await startLoadGitHub((owner, repo) => join(dir, "remotes", owner, repo, "remote.git"));
  const processes: RunningProcess[] = [];
  let db: DatabaseSync | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    // 20 repositories, each a bare remote with a README, under 4 owners (one installation each).
    const repositories: { owner: string; repo: string; installation: number }[] = [];
    for (let o = 0; o < OWNERS; o++)
      for (let r = 0; r < REPOS_PER_OWNER; r++) {
        const owner = `load-org-${o}`;
        const repo = `repo-${o * REPOS_PER_OWNER + r}`;
        await bareRepository(join(dir, "remotes", owner, repo), { "README.md": `# ${repo}\n` });
        repositories.push({ owner, repo, installation: 100 + o });
      }
    const script = join(dir, "script.json");
    await writeFile(script, JSON.stringify(SCRIPT));
    await mkdir(join(dir, "state"), { recursive: true });

    const { serve, port, url } = await startServe(dir, {
      secret: SECRET,
      env: {
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        DELLM_GIT_URL: join(dir, "remotes", "{owner}", "{repo}", "remote.git"),
        DELLM_MAX_JOBS: String(MAX_JOBS),
        DELLM_VERIFY_RESULTS: "false",
        MODEL_PATH: `script:${script}`,
      },
    });
    processes.push(serve);
    const pid = serve.child.pid!;
    const join_ = await serve.waitFor(/--bootstrap (\S+) --coordinator (\S+)/);
    for (let w = 0; w < WORKERS; w++) {
      const worker = startCommand(
        "worker/cli.ts",
        [
          ...["--bootstrap", join_[1]!, "--coordinator", join_[2]!, "--worker-id", `load-w${w}`],
          ...["--model", `script:${script}`, "--repairs", "0", "--listen", "/ip4/127.0.0.1/tcp/0"],
        ],
        testEnv(),
      );
      processes.push(worker);
    }
    for (const worker of processes.slice(1)) await worker.waitFor(/waiting for tasks/, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // let start-up settle before the burst

    // Samplers: the bot's memory, the jobs running (database and /health).
    db = new DatabaseSync(stateDatabasePath(join(dir, "state")), { readOnly: true });
    const running = db.prepare(
      `SELECT COUNT(*) AS n FROM jobs WHERE stage IN (${RUNNING_STAGES.map(() => "?").join(", ")})`,
    );
    const rssBefore = rssKb(pid) / 1024;
    let rssPeak = rssBefore;
    let maxRunningDb = 0;
    let maxRunningHealth = 0;
    timers.push(
      setInterval(() => {
        if (isRunning(pid)) rssPeak = Math.max(rssPeak, rssKb(pid) / 1024);
        try {
          maxRunningDb = Math.max(maxRunningDb, Number((running.get(...RUNNING_STAGES) as { n: number }).n));
        } catch {
          // busy for a moment: the next poll reads it
        }
      }, 25),
    );
    let polling = false;
    timers.push(
      setInterval(() => {
        if (polling) return;
        polling = true;
        fetch(`http://127.0.0.1:${port}/health`)
          .then(async (res) => {
            const health = (await res.json()) as { running: number };
            maxRunningHealth = Math.max(maxRunningHealth, health.running);
          })
          .catch(() => {})
          .finally(() => (polling = false));
      }, 50),
    );

    // The burst: delivery i at i × 100 ms, each answered on its own connection's time.
    const deliveries = repositories.flatMap((repository) =>
      Array.from({ length: ISSUES_PER_REPO }, (_, i) => ({ ...repository, number: i + 1, id: crypto.randomUUID() })),
    );
    // Interleave repositories, as issues from many repositories arrive mixed.
    deliveries.sort((a, b) => a.number - b.number);
    const sentAt = new Map<string, number>();
    const responseMs: number[] = [];
    const statuses: Record<string, number> = {};
    const post = async (d: (typeof deliveries)[number]) => {
      const started = performance.now();
      const issue = `${d.owner}/${d.repo}#${d.number}`;
      if (!sentAt.has(issue)) sentAt.set(issue, started);
      const status = await postDelivery(url, SECRET, { event: "issues", id: d.id, payload: fibonacciIssueLabeled(d) });
      const key = status === 0 ? "error" : String(status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      return performance.now() - started;
    };
    const cpuBefore = cpuSeconds(pid);
    const runStart = performance.now();
    const burstStart = performance.now();
    rssPeak = rssBefore;
    const answers = deliveries.map(
      (d, i) =>
        new Promise<number>((resolve) =>
          setTimeout(() => void post(d).then(resolve), (i * BURST_MS) / deliveries.length),
        ),
    );
    responseMs.push(...(await Promise.all(answers)));
    // The burst ends when every delivery is answered and acknowledged (or 10 s later at most).
    const acknowledgedBy = performance.now() + 10_000;
    while (performance.now() < acknowledgedBy && firstComments(github.comments).size < deliveries.length)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const cpuBurst = cpuSeconds(pid) - cpuBefore;
    const rssPeakBurst = rssPeak;

    // GitHub's "Redeliver": the same delivery ids again must start nothing.
    const jobsBefore = jobCount(db);
    for (const d of deliveries.slice(0, REDELIVERIES)) await post(d);
    const redeliveryJobs = jobCount(db) - jobsBefore;

    // The jobs: until every one is done or failed, or the deadline.
    const deadline = runStart + deadlineSeconds * 1000;
    let finishedAt: number | null = null;
    let lastLine = 0;
    while (performance.now() < deadline) {
      const stages = stageCounts(db);
      const ended = (stages.done ?? 0) + (stages.failed ?? 0);
      if (performance.now() - lastLine > 30_000) {
        lastLine = performance.now();
        console.log(
          `[load] ${Math.round((performance.now() - runStart) / 1000)} s: ${JSON.stringify(stages)}, rss peak ${Math.round(rssPeak)} MB`,
        );
      }
      if (ended >= deliveries.length) {
        finishedAt = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const cpuRun = cpuSeconds(pid) - cpuBefore;
    const wallRun = (performance.now() - runStart) / 1000;
    const runSeconds = ((finishedAt ?? performance.now()) - runStart) / 1000;
    // The last outcome comments (paced by the App's write throttle): every ended job's, 15 s at most.
    const commentsBy = performance.now() + 15_000;
    while (performance.now() < commentsBy && !everyEndedReported(db, github.comments))
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const timer of timers.splice(0)) clearInterval(timer);

    // Acknowledgments: delivery → the issue's first comment.
    const firsts = firstComments(github.comments);
    const ackMs = [...sentAt].flatMap(([issue, at]) => (firsts.has(issue) ? [firsts.get(issue)! - at] : []));
    const jobs = (
      db.prepare("SELECT owner, repo, issue_number, stage, record FROM jobs").all() as unknown as JobRow[]
    ).map((row) => ({ ...row, record: JSON.parse(row.record) as { error?: string; failed_in?: string } }));
    const perIssue = countBy(jobs.map((j) => `${j.owner}/${j.repo}#${j.issue_number}`));
    const pullsPerIssue = countBy(github.pulls.map((p) => `${p.repository}:${p.head}`));
    const commentsPerIssue = countBy(github.comments.map((c) => c.issue));
    const ended = jobs.filter((j) => j.stage === "done" || j.stage === "failed");
    const failures = countBy(
      jobs
        .filter((j) => j.stage === "failed")
        .map((j) => `${j.record.failed_in}: ${(j.record.error ?? "").slice(0, 80)}`),
    );
    return {
      deliveries: deliveries.length,
      repositories: repositories.length,
      burstSeconds: round(burstSeconds),
      maxJobs: MAX_JOBS,
      workers: WORKERS,
      webhook: {
        p50Ms: round(percentile(responseMs, 50)),
        p99Ms: round(percentile(responseMs, 99)),
        maxMs: round(Math.max(...responseMs)),
        statuses,
      },
      acknowledgment: {
        acknowledged: ackMs.length,
        p50Ms: round(percentile(ackMs, 50)),
        p99Ms: round(percentile(ackMs, 99)),
        maxMs: round(Math.max(...ackMs)),
      },
      bot: {
        rssBeforeMb: round(rssBefore),
        rssPeakBurstMb: round(rssPeakBurst),
        rssPeakMb: round(rssPeak),
        cpuShareBurst: round(cpuBurst / burstSeconds, 2),
        cpuShareRun: round(cpuRun / wallRun, 2),
        cores: availableParallelism(),
      },
      jobs: {
        created: jobs.length,
        done: jobs.filter((j) => j.stage === "done").length,
        failed: jobs.filter((j) => j.stage === "failed").length,
        // An ended job reported itself on its issue: the acknowledgment, then at least one more comment.
        reported: ended.filter((j) => (commentsPerIssue.get(`${j.owner}/${j.repo}#${j.issue_number}`) ?? 0) >= 2)
          .length,
        unfinished: jobs.length - ended.length,
        pullRequests: github.pulls.length,
        maxRunningDb,
        maxRunningHealth,
        secondsToFinish: finishedAt === null ? null : round(runSeconds),
        deadlineSeconds,
        failures: Object.fromEntries(failures),
      },
      duplicates: {
        jobs: [...perIssue.values()].reduce((sum, n) => sum + n - 1, 0),
        pullRequests: [...pullsPerIssue.values()].reduce((sum, n) => sum + n - 1, 0),
        // Each issue hears twice at most: the acknowledgment (edited as the job goes) and the outcome.
        acknowledgments: [...commentsPerIssue.values()].reduce((sum, n) => sum + Math.max(0, n - 2), 0),
        redeliveryJobs,
      },
      githubRequests: Object.fromEntries(github.counts),
      githubWrites: {
        total: github.writes.length,
        perSecondRun: round(github.writes.filter((t) => t >= runStart).length / wallRun, 2),
        perSecondPeak10s: round(peakInWindow(github.writes, 10_000) / 10, 2),
      },
      unknownRoutes: [...new Set(github.unknown)],
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    db?.close();
    await stopAll(processes);
    await github.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

interface JobRow {
  owner: string;
  repo: string;
  issue_number: number;
  stage: string;
  record: string;
}

/** Workers first (SIGTERM releases their tasks), then the bot (SIGTERM saves its jobs); SIGKILL after 25 s. */
async function stopAll(processes: RunningProcess[]): Promise<void> {
  for (const group of [processes.slice(1), processes.slice(0, 1)]) {
    const trees = group.map((p) => (p.child.pid ? processTree(p.child.pid) : []));
    for (const p of group) if (p.child.exitCode === null) p.child.kill("SIGTERM");
    const timeout = new Promise((resolve) => setTimeout(resolve, 25_000).unref());
    await Promise.race([Promise.all(group.map((p) => p.exited)), timeout]);
    for (const pid of trees.flat().reverse())
      if (isRunning(pid))
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
  }
}

/** Each issue's first comment, as the time GitHub received it. */
function firstComments(comments: { issue: string; at: number }[]): Map<string, number> {
  const firsts = new Map<string, number>();
  for (const c of comments) if (!firsts.has(c.issue)) firsts.set(c.issue, c.at);
  return firsts;
}

/** Whether each job done or failed has its outcome commented (a second comment on its issue). */
function everyEndedReported(db: DatabaseSync, comments: { issue: string }[]): boolean {
  const perIssue = countBy(comments.map((c) => c.issue));
  const ended = db
    .prepare("SELECT owner, repo, issue_number FROM jobs WHERE stage IN ('done', 'failed')")
    .all() as unknown as { owner: string; repo: string; issue_number: number }[];
  return ended.every((j) => (perIssue.get(`${j.owner}/${j.repo}#${j.issue_number}`) ?? 0) >= 2);
}

function jobCount(db: DatabaseSync): number {
  return Number((db.prepare("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n);
}

function stageCounts(db: DatabaseSync): Record<string, number> {
  const rows = db.prepare("SELECT stage, COUNT(*) AS n FROM jobs GROUP BY stage").all() as {
    stage: string;
    n: number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.stage, Number(r.n)]));
}

/** CPU seconds the process and the children it has reaped used (/proc/<pid>/stat utime, stime, cutime, cstime). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the comm: state is field 3, so utime (14) … cstime (17) are at 11 … 14 here.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

/** The most times that fall in any window of `ms`. */
function peakInWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! > ms) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export function printLoad(f: LoadFigures): void {
  const goal = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log(
    `[load] ${f.deliveries} issues.labeled deliveries across ${f.repositories} repositories sent over 10 s; burst window ${f.burstSeconds} s (until each was answered and acknowledged, 10 s more at most) (DELLM_MAX_JOBS=${f.maxJobs}, ${f.workers} scripted workers)`,
  );
  console.log(
    `[load] webhook response p50 ${f.webhook.p50Ms} ms, p99 ${f.webhook.p99Ms} ms (goal < 100 ms: ${goal(f.webhook.p99Ms < 100)}), max ${f.webhook.maxMs} ms, statuses ${JSON.stringify(f.webhook.statuses)}`,
  );
  console.log(
    `[load] acknowledged ${f.acknowledgment.acknowledged}/${f.deliveries}; delivery → comment p50 ${f.acknowledgment.p50Ms} ms, p99 ${f.acknowledgment.p99Ms} ms (goal < 2 s: ${goal(f.acknowledgment.p99Ms < 2000)})`,
  );
  console.log(
    `[load] bot RSS ${f.bot.rssBeforeMb} MB before, peak ${f.bot.rssPeakBurstMb} MB in the burst, ${f.bot.rssPeakMb} MB overall (goal < 500 MB: ${goal(f.bot.rssPeakMb < 500)}); CPU ${f.bot.cpuShareBurst} cores over the burst, ${f.bot.cpuShareRun} over the run (of ${f.bot.cores})`,
  );
  console.log(
    `[load] jobs: ${f.jobs.created} created, ${f.jobs.done} done, ${f.jobs.failed} failed, ${f.jobs.reported} reported on their issue, ${f.jobs.unfinished} unfinished at ${f.jobs.secondsToFinish ?? `the ${f.jobs.deadlineSeconds} s deadline`}${f.jobs.secondsToFinish !== null ? " s" : ""}; ${f.jobs.pullRequests} pull requests`,
  );
  console.log(
    `[load] most jobs running at once: ${f.jobs.maxRunningDb} (state database), ${f.jobs.maxRunningHealth} (/health); limit ${f.maxJobs}: ${goal(Math.max(f.jobs.maxRunningDb, f.jobs.maxRunningHealth) <= f.maxJobs)}`,
  );
  const d = f.duplicates;
  console.log(
    `[load] duplicates: ${d.jobs} jobs, ${d.pullRequests} pull requests, ${d.acknowledgments} extra comments, ${d.redeliveryJobs} jobs from redeliveries (goal 0: ${goal(d.jobs + d.pullRequests + d.acknowledgments + d.redeliveryJobs === 0)})`,
  );
  console.log(
    `[load] GitHub received ${f.githubWrites.total} writes: ${f.githubWrites.perSecondRun}/s over the run, at most ${f.githubWrites.perSecondPeak10s}/s over 10 s`,
  );
  if (Object.keys(f.jobs.failures).length) console.log(`[load] failures: ${JSON.stringify(f.jobs.failures)}`);
  if (f.unknownRoutes.length) console.log(`[load] routes the fake GitHub did not know: ${f.unknownRoutes.join(", ")}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await benchLoad({ deadlineSeconds: Number(process.argv[2] ?? 540) });
  printLoad(figures);
  console.log(JSON.stringify(figures));
  process.exit(0);
}
