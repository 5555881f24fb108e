// The swarm end to end, in separate processes: `dellm run --swarm` (bot + coordinator), real
// `dellm-worker` processes joining it over loopback, the real Docker sandbox and a real git
// repository. Models are scripted (canned answers, some deliberately slow); the network is real.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, describe, expect, it } from "vitest";
import type { ScriptRule } from "../worker/model/scripted-code-model.js";
import { generatedRepository, SHOP_CART } from "./generated-repository.js";
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
    description: "mean of a list using add",
    file: "stats.py",
    dependencies: [1],
    input_output_spec: "list -> float",
    directory: "calc/",
    context: "",
  },
  {
    id: 3,
    description: "format a number",
    file: "fmt.py",
    dependencies: [],
    input_output_spec: "float -> str",
    directory: "calc/",
    context: "",
  },
  {
    id: 4,
    description: "report the mean",
    file: "report.py",
    dependencies: [2, 3],
    input_output_spec: "list -> str",
    directory: "",
    context: "",
  },
];
const code: Record<string, string> = {
  "calc/core.py": "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
  "calc/stats.py":
    "from calc.core import add\n\n\ndef mean(xs):\n    total = 0\n    for x in xs:\n        total = add(total, x)\n    return total / len(xs)\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n",
  "calc/fmt.py": "def fmt(x):\n    return f'{x:.1f}'\n\n\ndef test_fmt():\n    assert fmt(2) == '2.0'\n",
  "report.py":
    "from calc.fmt import fmt\nfrom calc.stats import mean\n\n\ndef report(xs):\n    return 'mean=' + fmt(mean(xs))\n\n\ndef test_report():\n    assert report([2, 4]) == 'mean=3.0'\n",
};

/** A script file for the scripted model; `slow` delays every code answer (a worker that hangs). */
async function script(
  dir: string,
  name: string,
  options: { planDelayMs?: number; slow?: boolean; slowFiles?: string[]; tasks?: typeof plan } = {},
): Promise<string> {
  const rules: ScriptRule[] = [
    { kind: "decompose", reply: JSON.stringify(options.tasks ?? plan), delay_ms: options.planDelayMs ?? 0 },
    { kind: "can-solve", reply: "yes" },
    ...Object.entries(code).map(([path, body]): ScriptRule => ({
      kind: ["code", "repair"],
      file: path,
      reply: body,
      delay_ms: options.slow || options.slowFiles?.includes(path) ? 600_000 : 0,
    })),
    { kind: "summary", reply: "A calc package and a report." },
  ];
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ rules }));
  return path;
}

const running: RunningProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
});

async function startBot(
  dir: string,
  scriptPath: string,
  extra: string[] = [],
): Promise<{ bot: RunningProcess; address: string; coordinator: string; repo: string }> {
  const repo = join(dir, "repo");
  const bot = startCommand(
    "bot/cli.ts",
    [
      "run",
      "Create a calc package with a report",
      "--repo",
      repo,
      "--swarm",
      "--listen",
      "/ip4/127.0.0.1/tcp/0",
      "--model",
      `script:${scriptPath}`,
      ...extra,
    ],
    testEnv({ DELLM_STATE_DIR: join(dir, "state") }),
  );
  running.push(bot);
  const [, address, coordinator] = await bot.waitFor(
    /workers join with: dellm-worker --bootstrap (\S+) --coordinator (\S+)/,
  );
  return { bot, address: address!, coordinator: coordinator!, repo };
}

function startWorker(name: string, address: string, coordinator: string, scriptPath: string): RunningProcess {
  const worker = startCommand(
    "worker/cli.ts",
    [
      "--bootstrap",
      address,
      "--coordinator",
      coordinator,
      "--worker-id",
      name,
      "--model",
      `script:${scriptPath}`,
      "--listen",
      "/ip4/127.0.0.1/tcp/0",
    ],
    testEnv(),
  );
  running.push(worker);
  return worker;
}

describe("the swarm, one process per node", () => {
  it("runs a 4-task job with dependencies on 3 worker processes and merges the results in order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    // The planner answers after 8 s so that all three workers are listening when the tasks appear.
    const { bot, address, coordinator, repo } = await startBot(
      dir,
      await script(dir, "bot.json", { planDelayMs: 8_000 }),
    );
    const workerScript = await script(dir, "worker.json");
    const workers = ["w1", "w2", "w3"].map((name) => startWorker(name, address, coordinator, workerScript));
    for (const worker of workers) await worker.waitFor(/waiting for tasks/);
    // On one machine the bot can dial each worker back: they serve the DHT (behind a NAT they would
    // stay clients: test/swarm-nat.e2e.test.ts).
    for (const worker of workers)
      expect(worker.output()).toMatch(/\[worker\] DHT server \(dialled back at 127\.0\.0\.1 port \d+\)/);

    expect(await bot.exited).toBe(0);
    const out = bot.output();
    const at = (pattern: RegExp) => {
      const index = out.search(pattern);
      expect(index, `expected ${pattern} in:\n${out}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    // Dependencies: 2 only after 1's result, 4 only after 2's and 3's.
    expect(at(/task 1: result from w\d: passed/)).toBeLessThan(at(/task 2: claimed by/));
    expect(at(/task 2: result from w\d: passed/)).toBeLessThan(at(/task 4: claimed by/));
    expect(at(/task 3: result from w\d: passed/)).toBeLessThan(at(/task 4: claimed by/));
    expect(out).toContain("[collect] 4/4 results");
    // The bot did not take the workers' word for it.
    expect(out).toContain("[verify] re-tested 4 results in the bot's sandbox; all agree with the workers");
    // Tasks 1 and 3 were ready together: two different workers took them.
    const claimers = new Set([...out.matchAll(/task \d: claimed by (w\d)/g)].map((m) => m[1]));
    expect(claimers.size).toBeGreaterThanOrEqual(2);

    const branch = out.match(/Branch: (dellm\/job-[a-z0-9-]+)/)![1]!;
    const git = simpleGit(repo);
    for (const [path, body] of Object.entries(code)) expect(await git.show([`${branch}:${path}`])).toBe(body);
    // Worker processes keep serving after the job; Ctrl-C makes them leave cleanly.
    for (const worker of workers) worker.child.kill("SIGINT");
    for (const worker of workers) expect(await worker.exited).toBe(0);
    expect(workers[0]!.output()).toContain("[worker] left the swarm");
  }, 180_000);

  it("gives the task of a SIGKILLed worker to another worker once its lease expires", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    const single = [plan[0]!];
    const { bot, address, coordinator, repo } = await startBot(dir, await script(dir, "bot.json", { tasks: single }), [
      "--lease",
      "2",
    ]);
    const hanging = startWorker("hangs", address, coordinator, await script(dir, "slow.json", { slow: true }));
    await bot.waitFor(/task 1: claimed by hangs/);
    await hanging.waitFor(/generating code/);
    hanging.child.kill("SIGKILL");

    startWorker("rescuer", address, coordinator, await script(dir, "fast.json"));
    expect(await bot.exited).toBe(0);
    const out = bot.output();
    expect(out).toMatch(/task 1: lease expired/);
    expect(out).toMatch(/task 1: result from rescuer: passed/);
    expect(out.search(/task 1: lease expired/)).toBeLessThan(out.search(/task 1: claimed by rescuer/));
    const branch = out.match(/Branch: (dellm\/job-[a-z0-9-]+)/)![1]!;
    expect(await simpleGit(repo).show([`${branch}:calc/core.py`])).toBe(code["calc/core.py"]);
  }, 120_000);

  it("releases the task in hand on Ctrl-C, so another worker takes it at once (no lease wait)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    const { bot, address, coordinator } = await startBot(dir, await script(dir, "bot.json", { tasks: [plan[0]!] }), [
      "--lease",
      "300",
    ]);
    const leaving = startWorker("leaves", address, coordinator, await script(dir, "slow.json", { slow: true }));
    await leaving.waitFor(/generating code/);
    leaving.child.kill("SIGINT");
    expect(await leaving.exited).toBe(0);
    await bot.waitFor(/task 1: released by/);

    startWorker("next", address, coordinator, await script(dir, "fast.json"));
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toMatch(/task 1: result from next: passed/);
    expect(bot.output()).not.toMatch(/lease expired/);
  }, 120_000);

  it("reports and merges the results that arrived when the job times out, keeping the rest listed as missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    const tasks = [plan[0]!, plan[2]!]; // calc/core.py and calc/fmt.py, independent
    const { bot, address, coordinator, repo } = await startBot(dir, await script(dir, "bot.json", { tasks }), [
      "--task-timeout",
      "4",
    ]);
    startWorker("half", address, coordinator, await script(dir, "half.json", { slowFiles: ["calc/fmt.py"] }));
    startWorker("half-too", address, coordinator, await script(dir, "half2.json", { slowFiles: ["calc/fmt.py"] }));
    expect(await bot.exited).toBe(2); // finished, with failures
    const out = bot.output();
    expect(out).toContain("[collect] 1/2 results (timed out waiting for the rest; keeping what arrived)");
    expect(out).toMatch(/calc\/fmt\.py.*(not written|no result)/i);
    const branch = out.match(/Branch: (dellm\/job-[a-z0-9-]+)/)![1]!;
    expect(await simpleGit(repo).show([`${branch}:calc/core.py`])).toBe(code["calc/core.py"]);
  }, 120_000);

  it("tests a worker's file inside the repository: the worker fetches the job's snapshot (a new module importing an existing one passes)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    const repo = join(dir, "repo");
    for (const file of generatedRepository(0, "e2e").files) {
      await mkdir(join(repo, file.path, ".."), { recursive: true });
      await writeFile(join(repo, file.path), file.content);
    }
    const git = simpleGit(repo);
    await git.init().addConfig("user.email", "t@example.org").addConfig("user.name", "t").add(".").commit("shop");
    const cart = { ...plan[0]!, description: "a cart of shop items", file: "cart.py", directory: "shop/" };
    const rules: ScriptRule[] = [
      { kind: "decompose", reply: JSON.stringify([cart]) },
      { kind: "can-solve", reply: "yes" },
      { kind: ["code", "repair"], file: "shop/cart.py", reply: SHOP_CART },
      { kind: "summary", reply: "A cart." },
    ];
    const scriptPath = join(dir, "shop.json");
    await writeFile(scriptPath, JSON.stringify({ rules }));
    const { bot, address, coordinator } = await startBot(dir, scriptPath);
    const worker = startWorker("w1", address, coordinator, scriptPath);
    expect(await bot.exited).toBe(0);
    const out = bot.output();
    expect(out).toContain("task 1: result from w1: passed");
    expect(out).toContain("[verify] re-tested 1 results in the bot's sandbox; all agree with the workers");
    expect(worker.output()).toMatch(/\[worker\] repository snapshot [0-9a-f]{12}… fetched/);
    expect(await git.show([`${out.match(/Branch: (dellm\/job-[a-z0-9-]+)/)![1]!}:shop/cart.py`])).toBe(SHOP_CART);
    worker.child.kill("SIGINT");
    expect(await worker.exited).toBe(0);
  }, 120_000);

  it("fails fast and says what to fix for a bad or missing bootstrap address and a wrong coordinator id", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-swarm-"));
    const workerScript = await script(dir, "worker.json");
    const failWith = async (args: string[]) => {
      const worker = startCommand(
        "worker/cli.ts",
        [...args, "--model", `script:${workerScript}`, "--listen", "/ip4/127.0.0.1/tcp/0"],
        testEnv(),
      );
      running.push(worker);
      expect(await worker.exited).toBe(1);
      return worker.output();
    };
    const someId = "12D3KooWLBQcWUrSYqZyRYhqmMJsRVVFEUKuA6JZYGhTUMCmagaY";
    expect(await failWith(["--coordinator", someId])).toMatch(/give --bootstrap <multiaddr>/);
    expect(await failWith(["--bootstrap", "localhost:4001", "--coordinator", someId])).toMatch(/is not a multiaddr/);
    expect(await failWith(["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", someId])).toMatch(
      /no \/p2p\/<peer id> part/,
    );
    expect(await failWith(["--bootstrap", `/ip4/127.0.0.1/tcp/1/p2p/${someId}`, "--coordinator", someId])).toMatch(
      /cannot reach bootstrap peer/,
    );

    // A real bootstrap node that is not the coordinator named by the worker.
    const bootstrap = startCommand(
      "bot/cli.ts",
      ["bootstrap", "--listen", "/ip4/127.0.0.1/tcp/0"],
      testEnv({ DELLM_STATE_DIR: join(dir, "state") }),
    );
    running.push(bootstrap);
    const [, address] = await bootstrap.waitFor(/listening on (\S+)/);
    expect(await failWith(["--bootstrap", address!, "--coordinator", someId])).toMatch(
      /coordinator \S+ was not found in the swarm/,
    );
    expect(await failWith(["--bootstrap", address!, "--coordinator", "bot"])).toMatch(/is not a peer id/);
    bootstrap.child.kill("SIGINT");
    expect(await bootstrap.exited).toBe(0);
  }, 120_000);
});
