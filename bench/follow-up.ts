// `npm run bench -- follow-up`: what a maintainer waits for after `/dellm <instruction>` on a dellm
// issue (issue 24). `dellm serve` runs as a process against the load bench's stand-in for GitHub
// (bench/load-github.ts, with the Git data API answered from a real bare remote), a scripted planner
// and one `dellm-worker` with the same script and the real Docker sandbox; the bot's re-test is off,
// so the figures are the App's. One labelled issue gets its pull request, then ROUNDS follow-ups
// are asked for one after another, each adding one module. Measured per follow-up: the signed
// delivery → the bot's acknowledgment on the issue (its first comment or comment edit after it),
// → the new commit on the branch (the remote's ref), and the GitHub API calls the job made.
import { fromRepository, postDelivery } from "../test/signed-delivery.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { simpleGit } from "simple-git";
import { stateDatabasePath } from "../bot/state/database.js";
import { bareRepository } from "../test/git-fixtures.js";
import { processTree, startCommand, startServe, testEnv, type RunningProcess } from "../test/processes.js";
import { startLoadGitHub } from "./load-github.js";

const SECRET = "bench-follow-up-secret";
const ROUNDS = 8;
const OWNER = "bench-org";
const REPO = "demo";
const INSTALLATION = 7;
/** @octokit/plugin-throttling spaces requests that notify (comments) 3 s apart per installation. */
const WRITE_SPACING_MS = 3_000;

const task = (file: string, description: string) => ({
  id: 1,
  description,
  file,
  dependencies: [],
  input_output_spec: "Input: none; Output: int",
  directory: "",
  context: "",
});

/** The first plan writes fibonacci.py; follow-up k ("round-k") adds round_k.py. */
const SCRIPT = {
  rules: [
    ...Array.from({ length: ROUNDS }, (_, i) => ({
      kind: "decompose",
      when: `round-${i + 1}`,
      reply: JSON.stringify([task(`round_${i + 1}.py`, `A module round_${i + 1} with VALUE = ${i + 1}`)]),
    })),
    {
      kind: "decompose",
      reply: JSON.stringify([task("fibonacci.py", "A fibonacci(n) function returning the n-th Fibonacci number")]),
    },
    { kind: "can-solve", reply: "yes" },
    {
      kind: ["code", "repair"],
      file: "fibonacci.py",
      reply:
        "def fibonacci(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n\n\ndef test_fibonacci():\n    assert fibonacci(5) == 5\n",
    },
    { kind: ["code", "repair"], reply: "VALUE = 1\n\n\ndef test_value():\n    assert VALUE == 1\n" },
    { kind: "summary", reply: "Done." },
  ],
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (x: number) => Math.round(x);

export async function benchFollowUp(log: (line: string) => void = console.log) {
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-follow-up-"));
  const remoteOf = (owner: string, repo: string) => join(dir, "remotes", owner, repo, "remote.git");
  const github = await startLoadGitHub(remoteOf);
  const processes: RunningProcess[] = [];
  try {
    await bareRepository(join(dir, "remotes", OWNER, REPO), { "README.md": "# demo\n" });
    const script = join(dir, "script.json");
    await writeFile(script, JSON.stringify(SCRIPT));
    await mkdir(join(dir, "state"), { recursive: true });
    const { serve, url } = await startServe(dir, {
      secret: SECRET,
      env: {
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        DELLM_GIT_URL: join(dir, "remotes", "{owner}", "{repo}", "remote.git"),
        DELLM_VERIFY_RESULTS: "false",
        MODEL_PATH: `script:${script}`,
      },
    });
    processes.push(serve);
    const [, bootstrap, coordinator] = (await serve.waitFor(/--bootstrap (\S+) --coordinator (\S+)/))!;
    const worker = startCommand(
      "worker/cli.ts",
      [
        ...["--bootstrap", bootstrap!, "--coordinator", coordinator!, "--worker-id", "bench-w"],
        ...["--model", `script:${script}`, "--repairs", "0", "--listen", "/ip4/127.0.0.1/tcp/0"],
      ],
      testEnv(),
    );
    processes.push(worker);
    await worker.waitFor(/waiting for tasks/, 120_000);
    const db = new DatabaseSync(stateDatabasePath(join(dir, "state")), { readOnly: true });
    const latestStage = () =>
      (db.prepare("SELECT stage FROM jobs ORDER BY rowid DESC LIMIT 1").get() as { stage: string } | undefined)?.stage;
    const jobCount = () => Number((db.prepare("SELECT COUNT(*) AS n FROM jobs").get() as { n: number }).n);
    const until = async (what: string, done: () => boolean, timeoutMs = 120_000) => {
      const deadline = performance.now() + timeoutMs;
      while (!done()) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const post = (event: string, payload: Record<string, unknown>) =>
      postDelivery(url, SECRET, {
        event,
        payload: { ...payload, ...fromRepository({ owner: OWNER, repo: REPO, installation: INSTALLATION }) },
      });
    const issue = { number: 1, title: "Add a fibonacci function", body: "In Python." };
    await post("issues", { action: "labeled", label: { name: "dellm" }, issue });
    // The first job ended, and its last word is on the issue (a follow-up meanwhile would be refused).
    const finishedComment = () => github.comments.some((c) => c.body.startsWith("dellm finished job"));
    await until("the first job's pull request", () => github.pulls.length === 1 && finishedComment());

    const branch = simpleGit(remoteOf(OWNER, REPO));
    const head = async () => (await branch.revparse(["dellm/issue-1"])).trim();
    const totalCalls = () => [...github.counts.values()].reduce((sum, n) => sum + n, 0);
    const ackMs: number[] = [];
    const commitMs: number[] = [];
    const calls: number[] = [];
    for (let k = 1; k <= ROUNDS; k++) {
      // A maintainer reads the pull request before asking: the App's write spacing per installation
      // (3 s between comments, @octokit/plugin-throttling) has passed since the bot's last comment.
      await new Promise((resolve) => setTimeout(resolve, WRITE_SPACING_MS + 500));
      const before = await head();
      const jobsBefore = jobCount();
      const callsBefore = totalCalls();
      const sentAt = performance.now();
      await post("issue_comment", {
        action: "created",
        comment: { id: 5000 + k, body: `/dellm add the round-${k} module`, user: { login: "alice", type: "User" } },
        issue,
      });
      const said = () =>
        [...github.comments, ...github.edits].filter((c) => c.issue === `${OWNER}/${REPO}#1` && c.at > sentAt);
      await until("the acknowledgment", () => said().length > 0, 30_000);
      ackMs.push(Math.min(...said().map((c) => c.at)) - sentAt);
      // The branch's ref on the remote, polled (GitHub's ref moves when the commit is published).
      let movedAt = 0;
      for (const deadline = performance.now() + 120_000; !movedAt && performance.now() < deadline;) {
        if ((await head()) !== before) movedAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (!movedAt)
        throw new Error(
          `follow-up ${k} landed no commit; the bot said:\n${serve.output().slice(-3_000)}\ncomments: ${JSON.stringify(github.comments.slice(-3).map((c) => c.body.slice(0, 300)))}`,
        );
      commitMs.push(movedAt - sentAt);
      // Its end, and its last word on the issue (the next follow-up would be refused before that).
      await until(
        "the follow-up job's end",
        () =>
          jobCount() > jobsBefore &&
          latestStage() === "done" &&
          said().some((c) => c.body.includes(`Follow-up of @alice ("add the round-${k} module")`)),
      );
      calls.push(totalCalls() - callsBefore);
      log(
        `[follow-up] ${k}: acknowledged in ${round(ackMs.at(-1)!)} ms, commit in ${round(commitMs.at(-1)!)} ms, ${calls.at(-1)} API calls`,
      );
    }
    db.close();
    const figures = {
      rounds: ROUNDS,
      acknowledgmentMs: { p50: round(percentile(ackMs, 50)), p99: round(percentile(ackMs, 99)) },
      commitMs: { p50: round(percentile(commitMs, 50)), p99: round(percentile(commitMs, 99)) },
      apiCallsPerFollowUp: { median: percentile(calls, 50), max: Math.max(...calls) },
      unknownRoutes: [...new Set(github.unknown)],
    };
    log(
      `[follow-up] /dellm <instruction> → acknowledgment p50 ${figures.acknowledgmentMs.p50} ms, p99 ${figures.acknowledgmentMs.p99} ms; ` +
        `→ new commit p50 ${figures.commitMs.p50} ms, p99 ${figures.commitMs.p99} ms; API calls per follow-up: median ${figures.apiCallsPerFollowUp.median}`,
    );
    return figures;
  } finally {
    for (const running of processes.reverse())
      for (const pid of processTree(running.child.pid!).reverse())
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
    await github.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
