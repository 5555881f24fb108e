// The repository's own tests around a job (issue 11): real git, the real Docker sandbox, in-process
// workers with scripted answers, GitHub's API at the HTTP boundary (nock). A change that breaks an
// existing repository test is caught (regression with its log, draft PR said on the issue, failing
// check run; the base branch's run names only its own test files), a repair round hands the failing
// log back, and a repair that restores the test turns the PR green.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Task, WorkItem } from "../../shared/schemas.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { passingResult } from "../../test/fixtures.js";
import { bareRepository } from "../../test/git-fixtures.js";
import { gitDataApi } from "../../test/fake-git-data.js";
import { issueRequest, jobsFixture, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import type { TaskSolver } from "../../worker/worker-loop.js";
import { TaskExecutor } from "../../worker/executor.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { GitHubJobStore } from "./job-store.js";
import { SHOP_MODELS } from "../../test/generated-repository.js";

const MODEL_TESTS = `import pytest
from shop.models import Item


def test_item_keeps_price():
    assert Item("pen", 2).price == 2


def test_negative_price():
    with pytest.raises(ValueError):
        Item("pen", -1)
`;
/** Adds the field and drops the price check: its own test passes, the repository's does not. */
const QUANTITY_BROKEN = `class Item:
    def __init__(self, name, price, quantity=1):
        self.name = name
        self.price = price
        self.quantity = quantity


def test_quantity():
    assert Item("pen", 2, quantity=3).quantity == 3
`;
const QUANTITY_FIXED = QUANTITY_BROKEN.replace(
  "        self.name = name\n",
  '        if price < 0:\n            raise ValueError("price must not be negative")\n        self.name = name\n',
);

/** A new test file the job adds; it passes with the base's model and with the job's. */
const NAME_TEST = `from shop.models import Item


def test_item_keeps_name():
    assert Item("pen", 2).name == "pen"
`;

const quantityTask: Task = {
  id: 1,
  description: "Give Item a quantity field",
  file: "models.py",
  dependencies: [],
  input_output_spec: "",
  directory: "shop/",
  context: "",
};

const nameTestTask: Task = {
  ...quantityTask,
  id: 2,
  description: "Test Item's name",
  file: "test_names.py",
  directory: "tests/",
  dependencies: [1],
};

// Each test makes its own remote and store.
const fixture = jobsFixture({ prefix: "dellm-repo-tests-", files: null, store: false });

/** A worker whose answer depends on what its task says; `seen` keeps every task it was handed. */
function worker(answer: (item: WorkItem) => string): TaskSolver & { seen: Task[] } {
  const seen: Task[] = [];
  return {
    seen,
    execute: async (item: WorkItem) => {
      seen.push(item.task);
      return passingResult(item.jobId, item.task.id, "local-1", answer(item));
    },
  };
}

async function runJob(
  files: Record<string, string>,
  tasks: Task[],
  solver: TaskSolver,
  settings: Partial<AppSettings>,
) {
  const remote = await bareRepository(fixture.dir, files);
  gitDataApi(remote);
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: [JSON.stringify(tasks)] },
    { kind: "summary", reply: "Changed the shop." },
  ]);
  const bot = fixture.githubJobs({
    store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")),
    planner: async () => new Planner(model, { retries: 1 }),
    distribution: inProcessWorkers([solver]),
    remoteUrl: () => remote,
    verifier: new DockerSandbox({ timeoutSeconds: 30 }),
  });
  const request = { title: "Give Item a quantity field", body: "", settings: { ...DEFAULT_SETTINGS, ...settings } };
  return settled(await bot.start(issueRequest(request)), bot);
}

const shop = { "shop/__init__.py": "", "shop/models.py": SHOP_MODELS, "tests/test_models.py": MODEL_TESTS };

describe("the repository's own tests", () => {
  it("catches a change that breaks an existing test: regression with its log, draft PR said on the issue, failing check run", async () => {
    const api = pullRequestApi();
    const comments = captureComments();
    // The job also adds a test file: the base branch's run must not claim to have run it.
    const solver = worker((item) => (item.task.file === "test_names.py" ? NAME_TEST : QUANTITY_BROKEN));
    const job = await runJob(shop, [quantityTask, nameTestTask], solver, { integration_repairs: 0 });
    expect(job.stage, job.error).toBe("done");
    // The bot's re-test runs the repository tests that import the file too: it fails there already.
    expect(job.files.map((f) => [f.path, f.passed, f.repository_tests])).toEqual([
      ["shop/models.py", false, ["tests/test_models.py"]],
      ["tests/test_names.py", true, []],
    ]);
    expect(job.repository_tests).toMatchObject({
      status: "compared",
      regressions: [{ id: "tests/test_models.py::test_negative_price" }],
      passing: 2,
      before_run: { command: "pytest -q tests/test_models.py", test_files: 1, passed: 2, failed: 0 },
      after_run: { command: "pytest -q tests/test_models.py tests/test_names.py", test_files: 2, passed: 2, failed: 1 },
    });
    const pr = api.created[0]!;
    expect(pr.draft).toBe(true);
    const body = String(pr.body);
    expect(body).toContain("❌ The repository's tests");
    expect(body).toContain(
      "Ran on the base branch: `pytest -q tests/test_models.py`, 2 passed, 0 failed; on this branch: `pytest -q tests/test_models.py tests/test_names.py`, 2 passed, 1 failed.",
    );
    expect(body).toMatch(/Newly failing \(regressions\):\n- `tests\/test_models\.py::test_negative_price`/);
    expect(body).toMatch(/Regression: tests\/test_models\.py::test_negative_price[\s\S]*DID NOT RAISE/);
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "failure" });
    expect(solver.seen).toHaveLength(2);
    // The issue is told the PR is a draft, and which test regressed.
    expect(comments.bodies.at(-1)).toContain(
      "The pull request is a **draft**: 1 of the repository's own tests regressed (failing on its branch, not on the base branch): `tests/test_models.py::test_negative_price`.",
    );
  }, 120_000);

  it("hands the failing log back in a repair round; a repair that restores the test turns the PR green", async () => {
    const api = pullRequestApi();
    captureComments();
    const solver = worker((item) => (item.task.context.includes("DID NOT RAISE") ? QUANTITY_FIXED : QUANTITY_BROKEN));
    const job = await runJob(shop, [quantityTask], solver, {});
    expect(job.stage, job.error).toBe("done");
    expect(solver.seen).toHaveLength(2);
    expect(solver.seen[1]!.context).toContain("tests/test_models.py::test_negative_price");
    expect(job.repair_rounds).toBe(1);
    expect(job.repository_tests).toMatchObject({ status: "compared", regressions: [], passing: 2 });
    const pr = api.created[0]!;
    expect(pr.draft).toBeUndefined();
    const body = String(pr.body);
    expect(body).toContain("✅ The repository's tests");
    expect(body).toMatch(
      /Repair round 1: 1 repository test\(s\) regressed \(tests\/test_models\.py::test_negative_price\); task\(s\) 1/,
    );
    expect(body).toContain(
      "After repair round 1: no repository test regressed (before it: 1 repository test(s) regressed",
    );
    // No failure was concluded before the repair: the run on the base moved on, the pushed commit's is green.
    expect(api.checkRuns.map((r) => r.conclusion)).toEqual(["neutral", "success"]);
  }, 180_000);

  it("passes a new module that imports an existing one, tested by a real in-process worker inside the repository", async () => {
    const api = pullRequestApi();
    captureComments();
    const cart =
      "from shop.models import Item\n\n\nclass Cart:\n    def __init__(self):\n        self.items = []\n\n    def add(self, item: Item):\n        self.items.append(item)\n\n\ndef test_add():\n    cart = Cart()\n    cart.add(Item('pen', 2))\n    assert len(cart.items) == 1\n";
    const model = new ScriptedCodeModel([
      { kind: "can-solve", reply: "yes" },
      { kind: ["code", "repair"], reply: cart },
    ]);
    const executor = new TaskExecutor({
      model,
      sandbox: new DockerSandbox({ timeoutSeconds: 30 }),
      workerId: "local-1",
    });
    const job = await runJob(
      shop,
      [{ ...quantityTask, file: "cart.py", description: "Add a Cart of Item" }],
      executor,
      {},
    );
    expect(job.stage, job.error).toBe("done");
    expect(job.results[0]!.attempts).toHaveLength(1);
    expect(job.files.map((f) => [f.path, f.passed, f.change])).toEqual([["shop/cart.py", true, "created"]]);
    expect(job.repository_tests).toMatchObject({ status: "compared", regressions: [], passing: 2 });
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "success" });
  }, 120_000);

  it("reports a test_command that hangs (killed at the timeout) and still opens the PR", async () => {
    const api = pullRequestApi();
    captureComments();
    const files = {
      ...shop,
      "tests/test_slow.py": "import time\n\n\ndef test_waits_forever():\n    time.sleep(3600)\n",
    };
    const fine = `${SHOP_MODELS}\n\ndef test_still_fine():\n    assert Item("a", 1).name == "a"\n`;
    const job = await runJob(
      files,
      [quantityTask],
      worker(() => fine),
      {
        test_command: "pytest tests/test_slow.py",
        test_timeout_seconds: 5,
      },
    );
    expect(job.stage, job.error).toBe("done");
    expect(job.repository_tests).toMatchObject({ status: "compared", command: "pytest tests/test_slow.py" });
    expect(job.repository_tests?.before_broken).toMatch(/timed out after 5 s/);
    const body = String(api.created[0]!.body);
    expect(body).toMatch(/On the base branch they gave no verdict \(timed out after 5 s/);
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "neutral" });
  }, 120_000);

  it("says so in the PR when the repository has no Python tests", async () => {
    const api = pullRequestApi();
    captureComments();
    const job = await runJob(
      { "shop/__init__.py": "", "shop/models.py": SHOP_MODELS },
      [quantityTask],
      worker(() => QUANTITY_FIXED),
      {},
    );
    expect(job.stage, job.error).toBe("done");
    expect(String(api.created[0]!.body)).toContain("Not run: the repository has no Python test files");
    expect(api.checkRuns.at(-1)).toMatchObject({ conclusion: "success" });
  }, 120_000);
});
