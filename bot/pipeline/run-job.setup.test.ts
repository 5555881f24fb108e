// `dellm run` on a repository whose .github/dellm.yml has `setup` (real git, real Docker sandbox and
// setup image, a REAL in-process worker with a scripted model): the image is built from the start
// point before planning and the worker tests in it; a failing setup stops the run before any model
// is asked, with its log in the error.
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { SetupFailedError, SetupImages } from "../../shared/sandbox/setup-image.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { inProcessWorkers } from "./in-process-workers.js";
import { Planner } from "./planner.js";
import { runJob } from "./run-job.js";
import { committedRepository, TINYPKG_INSTALL } from "../../test/setup-fixtures.js";
import { passingResult } from "../../test/fixtures.js";
import { repositoryOf, type RepositoryView } from "../../shared/sandbox/task-run.js";

const runId = randomBytes(6).toString("hex");
const labels = { "dellm.test": runId };

afterAll(async () => {
  const docker = new Docker();
  for (const image of await docker.listImages({ filters: { label: [`dellm.test=${runId}`] } }))
    await docker.getImage(image.Id).remove({ force: true });
});

const INSTALL = TINYPKG_INSTALL;
const PLAN = JSON.stringify([
  {
    id: 1,
    description: "Add triple()",
    file: "triple.py",
    dependencies: [],
    input_output_spec: "",
    directory: "",
    context: "",
  },
]);
const TRIPLE =
  "import tinypkg\n\n\ndef triple(x):\n    return tinypkg.times(x, 3)\n\n\ndef test_triple():\n    assert triple(2) == 6\n";

async function run(setup: string[]) {
  const dir = await committedRepository({
    ".github/dellm.yml": `# run ${runId}\nsetup:\n${setup.map((c) => `  - ${JSON.stringify(c)}`).join("\n")}\n`,
    "vendor/tinypkg/tinypkg/__init__.py": "def times(x, n):\n    return x * n\n",
    "vendor/tinypkg/pyproject.toml": '[project]\nname = "tinypkg"\nversion = "1.0"\n',
  });
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: PLAN },
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], reply: TRIPLE },
    { kind: "summary", reply: "Added triple()." },
  ]);
  const executor = new TaskExecutor({
    model,
    sandbox: new DockerSandbox({ timeoutSeconds: 30 }),
    workerId: "local-1",
    repairAttempts: 0,
  });
  const outcome = runJob({
    query: "Add triple()",
    repoPath: dir,
    planner: new Planner(model),
    distribution: inProcessWorkers([executor]),
    setupImages: new SetupImages({ labels }),
  });
  return { model, outcome };
}

describe("dellm run with a repository setup", () => {
  it("builds the image before planning and the worker's tests import what setup installed", async () => {
    const { outcome } = await run([INSTALL]);
    const done = await outcome;
    expect(done.results.get(1)!.attempts.map((a) => a.test.verdict)).toEqual(["passed"]);
    expect(done.job.files.map((f) => [f.path, f.change, f.passed])).toEqual([["triple.py", "created", true]]);
  }, 120_000);

  it("stops before any model is asked when the setup fails, with the log", async () => {
    const { model, outcome } = await run(["echo resolving packages", "exit 4"]);
    const error = await outcome.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SetupFailedError);
    expect((error as Error).message).toMatch(
      /^the repository's setup \(\.github\/dellm\.yml\) failed: setup failed with exit status 4; fix the commands and run again\n--- setup log ---\n\$ echo resolving packages\nresolving packages\n\$ exit 4$/,
    );
    expect(model.prompts).toHaveLength(0);
  }, 60_000);

  it("reads which repository tests run, and their time limit, from .github/dellm.yml as the App does", async () => {
    const dir = await committedRepository({
      ".github/dellm.yml": "test_command: pytest tests/test_fast.py\ntest_timeout_seconds: 77\n",
      "tests/test_fast.py": "def test_fast():\n    pass\n",
      "tests/test_slow.py": "def test_slow():\n    pass\n",
    });
    const seen: (RepositoryView | undefined)[] = [];
    const model = new ScriptedCodeModel([
      { kind: "decompose", reply: PLAN },
      { kind: "summary", reply: "Added triple()." },
    ]);
    await runJob({
      query: "Add triple()",
      repoPath: dir,
      planner: new Planner(model),
      distribution: inProcessWorkers([
        {
          execute: async (item) => {
            seen.push(repositoryOf(item));
            return passingResult(item.jobId, item.task.id, "local-1", "def triple(x):\n    return 3 * x\n");
          },
        },
      ]),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ tests: ["tests/test_fast.py"], testTimeoutSeconds: 77 });
  }, 60_000);
});
