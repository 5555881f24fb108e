// The GitHub App's full path: a signed `issues.labeled` webhook into the real Probot server → the
// bot's swarm node and coordinator → two `dellm-worker` processes (scripted model, real Docker
// sandbox) → merge in a fresh clone of a real bare repository → branch pushed → PR request with
// the per-file table. Then `/dellm retry` on the PR re-runs only the task that failed.
// GitHub's API is nock at the HTTP boundary; everything else is real.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { simpleGit } from "simple-git";
import { afterEach, describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { ScriptedCodeModel } from "../worker/model/scripted-code-model.js";
import { dellmApp } from "../bot/github/webhooks.js";
import { GitHubJobStore } from "../bot/github/job-store.js";
import { GitHubJobs } from "../bot/github/jobs.js";
import { swarmWorkers } from "../bot/swarm/swarm-workers.js";
import { Planner } from "../bot/pipeline/planner.js";
import { startCoordinator, type RunningCoordinator } from "../bot/commands/start-coordinator.js";
import { openStateDatabase, stateDatabasePath } from "../bot/state/database.js";
import {
  captureComments,
  commentPayload,
  installationTokens,
  labeledPayload,
  permission,
  pullRequestApi,
  settingsFile,
  startWebhookServer,
} from "./github-webhooks.js";
import { bareRepository } from "./git-fixtures.js";
import { gitDataApi } from "./fake-git-data.js";
import { startCommand, testEnv, type RunningProcess } from "./processes.js";

const plan = [
  {
    id: 1,
    description: "add two numbers",
    file: "core.py",
    dependencies: [],
    input_output_spec: "a, b -> a + b",
    directory: "calc/",
    context: "",
  },
  {
    id: 2,
    description: "add mul next to sub",
    file: "existing.py",
    dependencies: [],
    input_output_spec: "a, b -> a * b",
    directory: "calc/",
    context: "",
  },
  {
    id: 3,
    description: "report a sum",
    file: "report.py",
    dependencies: [1],
    input_output_spec: "a, b -> str",
    directory: "",
    context: "",
  },
];
const existing = "def sub(a, b):\n    return a - b\n";
const code = {
  "calc/core.py": "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
  "calc/existing.py":
    "def sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n\n\ndef test_mul():\n    assert mul(2, 3) == 6 and sub(3, 2) == 1\n",
  "report.py":
    "from calc.core import add\n\n\ndef report(a, b):\n    return f'sum={add(a, b)}'\n\n\ndef test_report():\n    assert report(2, 3) == 'sum=5'\n",
};
const brokenReport =
  "from calc.core import add\n\n\ndef report(a, b):\n    return f'total={add(a, b)}'\n\n\ndef test_report():\n    assert report(2, 3) == 'sum=5'\n";

/** The existing file changed by an edit (the worker's answer for a file it was shown), not rewritten. */
const existingEdit = `<<<<<<< SEARCH\n${existing}=======\n${code["calc/existing.py"]}>>>>>>> REPLACE\n`;

/** A worker script; the rule for the existing file only matches when its current content is in the prompt. */
async function workerScript(dir: string, name: string, report: string): Promise<string> {
  const rules = [
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], file: "calc/core.py", reply: code["calc/core.py"] },
    {
      kind: ["code", "repair"],
      file: "calc/existing.py",
      when: "def sub\\(a, b\\):\\n    return a - b",
      reply: existingEdit,
    },
    { kind: ["code", "repair"], file: "report.py", reply: report },
  ];
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ rules }));
  return path;
}

const processes: RunningProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  nock.cleanAll();
});

function startWorker(name: string, swarm: RunningCoordinator, script: string): RunningProcess {
  const [, address, coordinator] = swarm.joinCommand.match(/--bootstrap (\S+) --coordinator (\S+)/)!;
  const worker = startCommand(
    "worker/cli.ts",
    [
      "--bootstrap",
      address!,
      "--coordinator",
      coordinator!,
      "--worker-id",
      name,
      "--model",
      `script:${script}`,
      "--repairs",
      "0",
      "--listen",
      "/ip4/127.0.0.1/tcp/0",
    ],
    testEnv(),
  );
  processes.push(worker);
  return worker;
}

describe("the GitHub App, webhook to pull request", () => {
  it("answers a labeled issue with a pushed branch and a PR, then `/dellm retry` fixes only the failed task", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-app-"));
    const remote = await bareRepository(dir, { "README.md": "# demo\n", "calc/existing.py": existing });
    const lines: string[] = [];
    // One state database, as `dellm serve` opens: the coordinator's boards and the App's jobs.
    const database = await openStateDatabase(stateDatabasePath(join(dir, "state")));
    cleanups.push(() => Promise.resolve(database.close())); // after the coordinator stops (cleanups run in reverse)
    const swarm = await startCoordinator(
      {
        listen: ["/ip4/127.0.0.1/tcp/0"],
        keyFile: join(dir, "bot.key"),
        bootstrap: [],
        leaseSeconds: 60,
        database,
      },
      readEnv({ DELLM_STATE_DIR: join(dir, "state") }),
      (line) => lines.push(line),
    );
    cleanups.push(() => swarm.stop());
    const plannerModel = new ScriptedCodeModel([
      { kind: "decompose", reply: JSON.stringify(plan) },
      { kind: "summary", reply: "Added calc.core.add, calc.existing.mul and report.report; run python -m pytest." },
    ]);
    const store = await GitHubJobStore.open(join(dir, "state", "dellm.db"));
    let jobs!: GitHubJobs;
    const server = await startWebhookServer((app, options) => {
      jobs = new GitHubJobs({
        store,
        workDir: join(dir, "clones"),
        planner: async () => new Planner(plannerModel),
        distribution: swarmWorkers(swarm.coordinator),
        auth: (id) => app.auth(id),
        remoteUrl: () => remote,
        commentIntervalMs: 100,
        joinHint: swarm.joinCommand,
        verifier: new DockerSandbox(),
      });
      return dellmApp(jobs)(app, options);
    });
    cleanups.push(() => server.stop());

    const firstScript = await workerScript(dir, "first.json", brokenReport);
    const workers = [startWorker("w1", swarm, firstScript), startWorker("w2", swarm, firstScript)];
    for (const worker of workers) await worker.waitFor(/waiting for tasks/);

    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    const comments = captureComments();
    const api = pullRequestApi();
    const gitData = gitDataApi(remote);
    expect((await server.deliver("issues", labeledPayload("dellm"))).status).toBe(200);
    const [first] = await store.all();
    expect(first).toBeDefined();
    const done = await jobs.settled(first!.id)!;
    expect(done.stage, done.error).toBe("done");

    // The planner saw the repository: its files and the content of the file it changes.
    expect(plannerModel.prompts[0]?.text).toContain("Add a fibonacci function\n\nIn Python, with tests.");
    expect(plannerModel.prompts[0]?.text).toMatch(/already contains these files:\nREADME\.md\ncalc\/existing\.py/);
    expect(plannerModel.prompts[0]?.text).toContain(`--- calc/existing.py ---\n${existing}`);

    // The branch was pushed to the remote with every file, the failing one included (marked in the PR).
    const git = simpleGit(remote);
    const head = (await git.revparse(["dellm/issue-7"])).trim();
    expect(await git.show(["dellm/issue-7:calc/core.py"])).toBe(code["calc/core.py"]);
    expect(await git.show(["dellm/issue-7:calc/existing.py"])).toBe(code["calc/existing.py"]);
    expect(await git.show(["dellm/issue-7:report.py"])).toBe(brokenReport);
    expect(await git.raw(["log", "-1", "--format=%s", "dellm/issue-7"])).toMatch(
      /^Auto-generated by DELLM: Add a fibonacci function \(#7\)/,
    );
    // Made through GitHub's API, so GitHub signed it as the App: 3 blobs, a tree, a commit, a new ref.
    expect(done.commit).toBe(head);
    expect(await git.raw(["log", "-1", "--format=%an", "dellm/issue-7"])).toMatch(/^dellm\[bot\]\n/);
    expect(gitData.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      "POST git/blobs 201",
      "POST git/blobs 201",
      "POST git/blobs 201",
      "POST git/trees 201",
      "POST git/commits 201",
      "POST git/refs 201",
    ]);
    gitData.calls.length = 0;

    // The PR: against main, from the branch, the 5.7 summary, then one row per file.
    expect(api.created).toHaveLength(1);
    const pr = api.created[0] as { title: string; head: string; base: string; body: string };
    expect(pr).toMatchObject({ head: "dellm/issue-7", base: "main", title: "dellm: Add a fibonacci function" });
    expect(pr.body).toMatch(/^Closes #7\n\nAdded calc\.core\.add/);
    expect(pr.body).toMatch(/\| `calc\/core\.py` \| 1 \| `w[12]` \| 1 \| 0 \| 1 \| created \| ✅ passed \|/);
    expect(pr.body).toMatch(/\| `calc\/existing\.py` \| 2 \| `w[12]` \| 1 \| 0 \| 1 \| modified \| ✅ passed \|/);
    expect(pr.body).toMatch(/\| `report\.py` \| 3 \| `w[12]` \| 0 \| 1 \| 1 \| created \| ❌ failed \|/);
    expect(pr.body).toMatch(
      /<details><summary>Test log of report\.py \(task 3\)<\/summary>[\s\S]*AssertionError[\s\S]*<\/details>/,
    );
    expect(api.checkRuns.at(-1)).toMatchObject({
      name: "dellm",
      head_sha: head,
      status: "completed",
      conclusion: "failure",
      external_id: first!.id,
    });

    // The issue heard about it: the job's comment (edited as it went), then the outcome.
    expect(comments.bodies[0]).toContain(`job \`${first!.id}\``);
    expect(api.edits.some((body) => /- \[x\] plan: 3 tasks/.test(body))).toBe(true);
    expect(api.edits.at(-1)).toMatch(/- \[x\] pull request: https:\/\/github\.com\/octo\/demo\/pull\/12/);
    expect(comments.bodies.at(-1)).toMatch(/with problems: `report\.py` \(tests failed\).*`\/dellm retry`/);

    // Retry with fixed workers, said on the pull request.
    for (const worker of workers) worker.child.kill("SIGKILL");
    const fixed = await workerScript(dir, "fixed.json", code["report.py"]);
    for (const worker of [startWorker("w3", swarm, fixed), startWorker("w4", swarm, fixed)])
      await worker.waitFor(/waiting for tasks/);
    lines.length = 0;
    permission("alice", "write");
    settingsFile(null);
    expect((await server.deliver("issue_comment", commentPayload("/dellm retry", "alice", 12))).status).toBe(200);
    const retryJob = (await store.all()).at(-1)!;
    expect(retryJob.retry_of).toBe(first!.id);
    const retried = await jobs.settled(retryJob.id)!;
    expect(retried.stage, retried.error).toBe("done");

    // Only task 3 went out again; the branch got one commit on top that changes only report.py.
    expect(lines.filter((l) => /claimed by/.test(l))).toEqual([expect.stringMatching(/task 3: claimed by w[34]/)]);
    const newHead = (await git.revparse(["dellm/issue-7"])).trim();
    expect((await git.raw(["rev-parse", `${newHead}^`])).trim()).toBe(head);
    expect((await git.raw(["diff", "--name-only", head, newHead])).trim()).toBe("report.py");
    expect(await git.show(["dellm/issue-7:report.py"])).toBe(code["report.py"]);
    expect(retried.commit).toBe(newHead);
    // On the existing branch: checked where the job left it, then fast-forwarded (never forced).
    expect(gitData.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET git/ref/heads/dellm/issue-7",
      "POST git/blobs",
      "POST git/trees",
      "POST git/commits",
      "PATCH git/refs/heads/dellm/issue-7",
    ]);
    expect(gitData.of("refs")[0]!.body).toEqual({ sha: newHead, force: false });

    // The same PR was updated (no second one), all rows passing now; the check run is green.
    expect(api.created).toHaveLength(1);
    const updatedBody = (api.updated.at(-1) as { body: string }).body;
    expect(updatedBody).toMatch(/\| `report\.py` \| 3 \| `w[34]` \| 1 \| 0 \| 1 \| created \| ✅ passed \|/);
    expect(updatedBody).toMatch(/\| `calc\/core\.py` \| 1 \| `w[12]` \|/);
    expect(updatedBody).not.toContain("❌");
    expect(api.checkRuns.at(-1)).toMatchObject({ head_sha: newHead, conclusion: "success" });
    // The retry's run started on the PR's head, where the PR showed it, and moved to the commit it pushed.
    expect(api.checkRuns.filter((r) => r.external_id === retryJob.id).map((r) => [r.head_sha, r.conclusion])).toEqual([
      [head, "neutral"],
      [newHead, "success"],
    ]);
    expect(comments.bodies.at(-1)).toMatch(/all passing their tests/);
  }, 240_000);
});
