// A burst of labelled issues across installations, `dellm serve` SIGKILLed in the middle of it and
// started again on the same state folder: every job GitHub saw acknowledged (its webhook answered
// 2xx) is in the state database once and finishes, redeliveries of the same X-GitHub-Delivery ids
// start nothing, each issue gets at most one pull request and one acknowledgment, the jobs running
// at once (read from the database) never exceed DELLM_MAX_JOBS, and the queue is fair across
// installations. Real processes: `dellm serve`, two scripted `dellm-worker`s, the Docker sandbox and
// git; GitHub is bench/load-github.ts (many repositories and installations, the Git data API
// answered from a bare remote per repository).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLoadGitHub, type LoadGitHub } from "../bench/load-github.js";
import { stateDatabasePath } from "../bot/state/database.js";
import { bareRepository } from "./git-fixtures.js";
import {
  freePort,
  isRunning,
  processTree,
  startCommand,
  startServe,
  testEnv,
  type RunningProcess,
} from "./processes.js";
import { fibonacciJobScript } from "./fibonacci-job.js";
import { fibonacciIssueLabeled, postDelivery, type IssueAt } from "./signed-delivery.js";

const SECRET = "burst-restart-secret";
const MAX_JOBS = 2;
const RUNNING_STAGES = ["planning", "distributing", "merging", "pushing"];
/**
 * Five issues under three installations (one owner each), labelled installation by installation:
 * org-a's three (in two repositories) first, then org-b's, then org-c's. Few, because the App's
 * GitHub client paces its writes (@octokit/plugin-throttling: one write a second, and 3 s between
 * comments and pull requests, shared by all jobs): each job costs about 8 s of those.
 */
const ISSUES = [
  { owner: "org-a", repo: "repo-0", number: 1, installation: 101 },
  { owner: "org-a", repo: "repo-0", number: 2, installation: 101 },
  { owner: "org-a", repo: "repo-1", number: 1, installation: 101 },
  { owner: "org-b", repo: "repo-0", number: 1, installation: 102 },
  { owner: "org-c", repo: "repo-0", number: 1, installation: 103 },
];
/** The planner thinks this long per job, so jobs are mid-flight when the bot is killed. */
const DECOMPOSE_DELAY_MS = 1_500;

const SCRIPT = fibonacciJobScript(DECOMPOSE_DELAY_MS);

interface Delivery extends IssueAt {
  id: string;
}

interface JobRow {
  id: string;
  owner: string;
  repo: string;
  issue_number: number;
  stage: string;
  record: string;
}

const issueOf = (j: { owner: string; repo: string; issue_number: number }) => `${j.owner}/${j.repo}#${j.issue_number}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The jobs table now, or [] before the bot has made it (read-only, opened and closed each time). */
function jobRows(stateDir: string): JobRow[] {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(stateDatabasePath(stateDir), { readOnly: true });
    return db
      .prepare("SELECT id, owner, repo, issue_number, stage, record FROM jobs ORDER BY created_at")
      .all() as unknown as JobRow[];
  } catch {
    return []; // no database or no jobs table yet, or busy for a moment: the next poll reads it
  } finally {
    db?.close();
  }
}

const processes: RunningProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Every process this test started and anything below it (sandbox runners), then GitHub and the folder.
  const pids = processes
    .splice(0)
    .flatMap((p) => (p.child.pid && isRunning(p.child.pid) ? processTree(p.child.pid) : []));
  for (const pid of pids.reverse())
    if (isRunning(pid))
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function start(script: "bot/cli.ts" | "worker/cli.ts", args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = startCommand(script, args, env);
  processes.push(child);
  return child;
}

describe("a burst of jobs across installations, the bot SIGKILLed in the middle", () => {
  it("finishes every acknowledged job once, within DELLM_MAX_JOBS, fairly, after a restart", async () => {
    const began = performance.now();
    const dir = await mkdtemp(join(tmpdir(), "dellm-burst-restart-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const remoteOf = (owner: string, repo: string) => join(dir, "remotes", owner, repo, "remote.git");
    const github: LoadGitHub = await startLoadGitHub(remoteOf);
    cleanups.push(() => github.stop());

    const deliveries: Delivery[] = ISSUES.map((issue) => ({ ...issue, id: crypto.randomUUID() }));
    for (const repository of new Set(ISSUES.map((i) => `${i.owner}/${i.repo}`)))
      await bareRepository(join(dir, "remotes", repository), { "README.md": `# ${repository}\n` });
    const installationOf = new Map(deliveries.map((d) => [`${d.owner}/${d.repo}#${d.number}`, d.installation]));

    const script = join(dir, "script.json");
    await writeFile(script, JSON.stringify(SCRIPT));
    const stateDir = join(dir, "state");
    // The same webhook and swarm ports after the restart: the workers keep dialling the same address.
    const [port, swarmPort] = [await freePort(), await freePort()];
    const launch = async () => {
      const { serve, url } = await startServe(dir, {
        secret: SECRET,
        port,
        swarmPort,
        env: {
          GHE_HOST: github.host,
          GHE_PROTOCOL: "http",
          DELLM_GIT_URL: join(dir, "remotes", "{owner}", "{repo}", "remote.git"),
          DELLM_MAX_JOBS: String(MAX_JOBS),
          // The bot's own re-test off (as in the load bench): the workers' sandbox runs still test each file.
          DELLM_VERIFY_RESULTS: "false",
          MODEL_PATH: `script:${script}`,
        },
      });
      processes.push(serve);
      const joinLine = await serve.waitFor(/--bootstrap (\S+) --coordinator (\S+)/);
      return { serve, url, bootstrap: joinLine[1]!, coordinator: joinLine[2]! };
    };

    const first = await launch();
    const { url } = first;
    let serve = first.serve;
    const { bootstrap, coordinator } = first;
    const workers = ["burst-w1", "burst-w2"].map((name) =>
      start(
        "worker/cli.ts",
        [
          ...["--bootstrap", bootstrap, "--coordinator", coordinator, "--worker-id", name],
          ...["--model", `script:${script}`, "--repairs", "0", "--listen", "/ip4/127.0.0.1/tcp/0"],
        ],
        testEnv(),
      ),
    );
    for (const worker of workers) await worker.waitFor(/waiting for tasks/, 60_000);

    // The sampler: every 100 ms (and every 50 ms while waiting for the kill), the rows in a running
    // stage (what the database says runs) and the queue's own count from GET /health, and the order
    // in which jobs first leave `queued`. It reads only while a `dellm serve` process is alive (while
    // the bot is dead its rows stand as the kill left them, and nothing runs). A poll misses states
    // shorter than its period, so the most rows seen at once is a lower bound, not a proof; two jobs
    // leaving `queued` between the same two polls share a poll (their order is not known).
    let alive = true;
    let polls = 0;
    let maxRunningDb = 0;
    let maxRunningDbRows: string[] = [];
    let pollsOverLimit = 0;
    let maxRunningHealth = 0;
    let lastHealth: number | undefined;
    const started: { issue: string; installation: number; poll: number; afterRestart: boolean }[] = [];
    const seenStarted = new Set<string>();
    let restarted = false;
    const sample = () => {
      if (!alive || !isRunning(serve.child.pid!)) return;
      polls++;
      const rows = jobRows(stateDir);
      const running = rows.filter((r) => RUNNING_STAGES.includes(r.stage));
      if (running.length > MAX_JOBS) pollsOverLimit++;
      if (running.length > maxRunningDb) {
        maxRunningDb = running.length;
        maxRunningDbRows = [
          ...running.map((r) => `${issueOf(r)} ${r.stage}`),
          `${restarted ? "after" : "before"} the restart, /health said ${lastHealth ?? "?"} running at the poll before`,
        ];
      }
      for (const row of rows)
        if (row.stage !== "queued" && !seenStarted.has(row.id)) {
          seenStarted.add(row.id);
          started.push({
            issue: issueOf(row),
            installation: installationOf.get(issueOf(row))!,
            poll: polls,
            afterRestart: restarted,
          });
        }
      fetch(`http://127.0.0.1:${port}/health`)
        .then(async (res) => {
          const health = (await res.json()) as { running?: number };
          lastHealth = health.running;
          maxRunningHealth = Math.max(maxRunningHealth, health.running ?? 0);
        })
        .catch(() => {});
    };
    const sampler = setInterval(sample, 100);
    cleanups.push(async () => clearInterval(sampler));

    // The burst: every delivery signed, each with its own delivery id (0: no answer, not acknowledged).
    const post = (d: Delivery) =>
      postDelivery(url, SECRET, { event: "issues", id: d.id, payload: fibonacciIssueLabeled(d) });
    // In order, each sent once the one before is answered: org-a's reach the queue before org-b's.
    const statuses: number[] = [];
    const responseMs: number[] = [];
    for (const d of deliveries) {
      const sent = performance.now();
      statuses.push(await post(d));
      responseMs.push(Math.round(performance.now() - sent));
    }
    const burstAt = performance.now();
    const acknowledged = deliveries.filter((_, i) => statuses[i]! >= 200 && statuses[i]! < 300);
    expect(statuses, "every delivery answered 2xx before the kill").toEqual(deliveries.map(() => 200));

    // Kill the bot while jobs run and others wait: both slots' rows in a running stage, others queued
    // (org-a's first two issues, which found the slots free).
    const killBy = performance.now() + 20_000;
    for (;;) {
      sample(); // this poll counts too
      const rows = jobRows(stateDir);
      if (
        rows.filter((r) => RUNNING_STAGES.includes(r.stage)).length >= MAX_JOBS &&
        rows.some((r) => r.stage === "queued")
      )
        break;
      if (performance.now() > killBy) throw new Error(`no job was running with others queued:\n${serve.output()}`);
      await sleep(50);
    }
    alive = false;
    const killAt = performance.now();
    serve.child.kill("SIGKILL");
    await serve.exited;
    const atKill = jobRows(stateDir).map((r) => `${issueOf(r)} ${r.stage}`);

    ({ serve } = await launch());
    const restartAt = performance.now();
    restarted = true;
    alive = true;
    // GitHub's "Redeliver" of three deliveries already handled (one per installation): nothing new.
    const redelivered = [deliveries[0]!, deliveries[3]!, deliveries[4]!];
    const redeliveryStatuses: number[] = [];
    for (const d of redelivered) redeliveryStatuses.push(await post(d));

    // Until every job has ended (done or failed), 90 s at most.
    const endBy = performance.now() + 90_000;
    let rows = jobRows(stateDir);
    while (
      performance.now() < endBy &&
      (rows.length < acknowledged.length || rows.some((r) => r.stage !== "done" && r.stage !== "failed"))
    ) {
      await sleep(200);
      rows = jobRows(stateDir);
    }
    clearInterval(sampler);
    const endedAt = performance.now();
    // Each ended job's outcome comment (paced by the App's write throttle): 15 s at most.
    const perIssueComments = () => countBy(github.comments.map((c) => c.issue));
    const commentsBy = performance.now() + 15_000;
    while (performance.now() < commentsBy && rows.some((r) => (perIssueComments().get(issueOf(r)) ?? 0) < 2))
      await sleep(100);

    const s = (t: number) => `${((t - began) / 1000).toFixed(1)} s`;
    const context = [
      `timeline: deliveries answered by ${s(burstAt)} (each ${responseMs.join(", ")} ms), killed at ${s(killAt)}, restarted at ${s(restartAt)}, jobs ended at ${s(endedAt)}`,
      `state at the kill: ${atKill.join(", ")}`,
      `state now: ${rows.map((r) => `${issueOf(r)} ${r.stage}`).join(", ")}`,
      `failures: ${rows
        .filter((r) => r.stage === "failed")
        .map((r) => `${issueOf(r)}: ${(JSON.parse(r.record) as { error?: string }).error ?? "?"}`)
        .join("; ")}`,
      `jobs leaving queued (poll, issue): ${started.map((s) => `${s.poll}${s.afterRestart ? "r" : ""} ${s.issue}`).join(", ")}`,
      `bot output after the restart:\n${serve.output().slice(-4000)}`,
    ].join("\n");
    console.log(
      `[burst-restart] ${((performance.now() - began) / 1000).toFixed(1)} s; ${polls} polls, ${pollsOverLimit} with more than ${MAX_JOBS} rows in a running stage; most rows in a running stage ${maxRunningDb} (${maxRunningDbRows.join(", ")}); /health most running ${maxRunningHealth}\n${context}`,
    );

    // Redeliveries were answered and started nothing.
    expect(redeliveryStatuses).toEqual([200, 200, 200]);
    // One job per issue, and every acknowledged issue has one.
    const jobsPerIssue = countBy(rows.map(issueOf));
    expect(
      [...jobsPerIssue].filter(([, n]) => n > 1),
      `duplicate jobs\n${context}`,
    ).toEqual([]);
    expect(
      acknowledged.map((d) => `${d.owner}/${d.repo}#${d.number}`).filter((issue) => !jobsPerIssue.has(issue)),
      `acknowledged issues without a job\n${context}`,
    ).toEqual([]);
    expect(rows).toHaveLength(deliveries.length);
    // Every job finished, and done (the scripted models always succeed).
    expect(
      rows.filter((r) => r.stage !== "done").map((r) => `${issueOf(r)} ${r.stage}`),
      `jobs not done\n${context}`,
    ).toEqual([]);
    // One pull request per issue (each issue's branch once) on GitHub.
    const pullsPerBranch = countBy(github.pulls.map((p) => `${p.repository}:${p.head}`));
    expect(
      [...pullsPerBranch].filter(([, n]) => n > 1),
      "duplicate pull requests",
    ).toEqual([]);
    expect(github.pulls).toHaveLength(deliveries.length);
    // Each issue hears at most twice: the acknowledgment (edited as the job goes) and the outcome;
    // neither the restart nor the redeliveries post a second acknowledgment.
    expect(
      [...perIssueComments()].filter(([, n]) => n > 2),
      `issues with more than two comments: ${JSON.stringify(github.comments.map((c) => [c.issue, c.body.slice(0, 100)]))}`,
    ).toEqual([]);
    expect(github.unknown, "routes the fake GitHub did not know").toEqual([]);

    // Fairness (bot/github/job-queue.ts): a free slot goes to the installation with the fewest jobs
    // running, then the one served least recently, then the job waiting longest. The restarted bot
    // rebuilds its queue from the database: org-a's two mid-flight jobs, then the queued ones in the
    // order they were saved (org-a's third, org-b's, org-c's). One org-a job takes a slot; the jobs
    // that leave `queued` next are org-b's and org-c's (no job running, never served), one each,
    // before org-a's third issue, although that was saved first.
    const firstAfterRestart = started.filter((s) => s.afterRestart).slice(0, 2);
    expect(
      firstAfterRestart.map((s) => s.installation).sort(),
      `first jobs out of the queue after the restart\n${context}`,
    ).toEqual([102, 103]);
    // Before the kill: the first two deliveries found free slots and started at once.
    expect(started.filter((s) => !s.afterRestart).map((s) => s.installation)).toEqual([101, 101]);

    // Concurrency: the queue's own count (GET /health) never above DELLM_MAX_JOBS, and neither the
    // rows the database shows in a running stage.
    expect(maxRunningHealth).toBeLessThanOrEqual(MAX_JOBS);
    // After the restart, the jobs that had started take the slots before any queued job (resume()),
    // so the database never shows more jobs in a running stage than there are slots.
    expect(
      maxRunningDb,
      `rows in a running stage at once: ${maxRunningDbRows.join(", ")}\n${context}`,
    ).toBeLessThanOrEqual(MAX_JOBS);
  }, 180_000);
});

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
