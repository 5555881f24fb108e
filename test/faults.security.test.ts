// Faults, each with real processes: the GitHub App killed (SIGKILL) in the middle of a job and
// started again resumes the job from disk and opens exactly one PR; the bootstrap node dying
// mid-job does not stop the job. GitHub is a local server speaking its API (the bot is its own
// process here, out of nock's reach); the swarm, sandbox and git are real.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { simpleGit } from "simple-git";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptRule } from "../worker/model/scripted-code-model.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { bareRepository } from "./git-fixtures.js";
import { stateDatabasePath } from "../bot/state/database.js";
import { labeledPayload } from "./github-webhooks.js";
import { freePort, startCommand, testEnv, type RunningProcess } from "./processes.js";

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
];
const core = "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";

async function script(dir: string, name: string, rules: ScriptRule[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ rules }));
  return path;
}

const plannerRules = (delayMs = 0): ScriptRule[] => [
  { kind: "decompose", reply: JSON.stringify(plan), delay_ms: delayMs },
  { kind: "summary", reply: "Added calc.core.add." },
];
const workerRules: ScriptRule[] = [
  { kind: "can-solve", reply: "yes" },
  { kind: ["code", "repair"], file: "calc/core.py", reply: core },
];

const running: RunningProcess[] = [];
let github: FakeGitHub | undefined;
afterEach(async () => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  await github?.stop();
  github = undefined;
});

function start(script: "bot/cli.ts" | "worker/cli.ts", args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = startCommand(script, args, env);
  running.push(child);
  return child;
}

/** The stage of the job the bot saved, read from its state database beside it (undefined before there is one). */
function jobStage(stateDir: string): string | undefined {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(stateDatabasePath(stateDir), { readOnly: true });
    return (db.prepare("SELECT stage FROM jobs LIMIT 1").get() as { stage: string } | undefined)?.stage;
  } catch {
    return undefined; // no database or no jobs table yet: the bot is still starting
  } finally {
    db?.close();
  }
}

describe("faults", () => {
  it("resumes a job after `dellm serve` is SIGKILLed mid-job, with exactly one pull request", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-fault-"));
    const remote = await bareRepository(dir, { "README.md": "# demo\n" }, "demo.git");
    github = await startFakeGitHub("octo", "demo", { alice: "write" }, remote);
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    await writeFile(join(dir, "app.pem"), privateKey);
    const [port, swarmPort] = [await freePort(), await freePort()];
    const stateDir = join(dir, "state");
    const env = testEnv({
      DELLM_STATE_DIR: stateDir,
      APP_ID: "1",
      PRIVATE_KEY_PATH: join(dir, "app.pem"),
      WEBHOOK_SECRET: "s3cret",
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      DELLM_GIT_URL: join(dir, "{repo}.git"),
      LOG_LEVEL: "warn",
    });
    const args = [
      "serve",
      "--listen",
      `/ip4/127.0.0.1/tcp/${swarmPort}`,
      "--model",
      `script:${await script(dir, "planner.json", plannerRules())}`,
    ];

    const first = start("bot/cli.ts", args, env);
    const [, joinAddress, coordinator] = await first.waitFor(
      /workers join with: dellm-worker --bootstrap (\S+) --coordinator (\S+)/,
    );
    await first.waitFor(/webhooks on http/);
    const body = JSON.stringify(labeledPayload("dellm"));
    const delivered = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign("s3cret", body),
      },
      body,
    });
    expect(delivered.status).toBe(200);
    // No worker yet: the job waits in the swarm. Kill the bot there.
    for (let i = 0; jobStage(stateDir) !== "distributing"; i++) {
      if (i > 200) throw new Error(`the job never reached the swarm:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.child.kill("SIGKILL");
    await first.exited;

    const second = start("bot/cli.ts", args, env);
    await second.waitFor(/resuming job \S+ \(octo\/demo#7\) at distributing/);
    await second.waitFor(/webhooks on http/);
    start(
      "worker/cli.ts",
      [
        "--bootstrap",
        joinAddress!,
        "--coordinator",
        coordinator!,
        "--worker-id",
        "w1",
        "--model",
        `script:${await script(dir, "worker.json", workerRules)}`,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
      ],
      testEnv(),
    );
    await second.waitFor(/\[github\] job \S+ done: https:\/\/github\.example\/octo\/demo\/pull\/100/, 120_000);

    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.body).toContain(
      "The bot restarted while this job was distributing; it resumed from there.",
    );
    expect(github.pulls[0]!.body).toMatch(/\| `calc\/core\.py` \| 1 \| `w1` \| 1 \| 0 \| 1 \| created \| ✅ passed \|/);
    expect(await simpleGit(remote).show(["dellm/issue-7:calc/core.py"])).toBe(core);
    // Committed through the Git data API (signed as the App on GitHub), once: the branch created once.
    expect(github.gitData!.of("commits")).toHaveLength(1);
    expect(github.gitData!.of("refs").map((c) => [c.method, c.status])).toEqual([["POST", 201]]);
    expect(github.comments.at(-1)!.body).toMatch(/all passing their tests/);
    expect(github.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"))).toHaveLength(1);
  }, 180_000);

  it("finishes the job when the bootstrap node dies after the workers joined through it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-fault-"));
    const bootstrap = start(
      "bot/cli.ts",
      ["bootstrap", "--listen", "/ip4/127.0.0.1/tcp/0"],
      testEnv({ DELLM_STATE_DIR: join(dir, "boot") }),
    );
    const [, bootAddress] = await bootstrap.waitFor(/listening on (\S+)/);
    const bot = start(
      "bot/cli.ts",
      [
        "run",
        "Create a calc package",
        "--repo",
        join(dir, "repo"),
        "--swarm",
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--bootstrap",
        bootAddress!,
        "--model",
        `script:${await script(dir, "bot.json", plannerRules(6_000))}`,
      ],
      testEnv({ DELLM_STATE_DIR: join(dir, "state") }),
    );
    const [, , coordinator] = await bot.waitFor(
      /workers join with: dellm-worker --bootstrap (\S+) --coordinator (\S+)/,
    );
    const workerScript = await script(dir, "worker.json", workerRules);
    // The workers know only the bootstrap node and the coordinator's id: they find the bot through the DHT.
    const workers = ["w1", "w2"].map((name) =>
      start(
        "worker/cli.ts",
        [
          "--bootstrap",
          bootAddress!,
          "--coordinator",
          coordinator!,
          "--worker-id",
          name,
          "--model",
          `script:${workerScript}`,
          "--listen",
          "/ip4/127.0.0.1/tcp/0",
        ],
        testEnv(),
      ),
    );
    for (const worker of workers) await worker.waitFor(/waiting for tasks/);
    bootstrap.child.kill("SIGKILL");
    await bootstrap.exited;

    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain("[collect] 1/1 results");
    expect(bot.output()).toMatch(/calc\/core\.py \(passed tests, new file\)/);
  }, 120_000);
});
