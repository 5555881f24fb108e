// Workers test inside the repository (issue 11): with the job's snapshot on the work item, a new
// module that imports an existing one passes, and the repository tests that import a changed module
// run too, their failures reaching the repair prompt. Scripted model, REAL Docker sandbox.
import { describe, expect, it } from "vitest";
import { newJobId, type Task } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import type { RepositoryView, WorkItemInRepository } from "../shared/sandbox/task-run.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel } from "./model/scripted-code-model.js";
import { SHOP_CART, SHOP_MODELS } from "../test/generated-repository.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
const repository: RepositoryView = {
  files: [
    { path: "shop/__init__.py", content: "" },
    { path: "shop/models.py", content: SHOP_MODELS },
    {
      path: "tests/test_models.py",
      content:
        "import pytest\nfrom shop.models import Item\n\n\ndef test_price():\n    assert Item('pen', 2).price == 2\n\n\ndef test_negative_price():\n    with pytest.raises(ValueError):\n        Item('pen', -1)\n",
    },
    { path: "tests/test_unrelated.py", content: "def test_unrelated():\n    assert False, 'not this module'\n" },
  ],
  tests: ["tests/test_models.py", "tests/test_unrelated.py"],
};

const task = (file: string, description: string): Task => ({
  id: 1,
  description,
  file,
  dependencies: [],
  input_output_spec: "",
  directory: "shop/",
  context: "",
});

function run(file: string, replies: string[], withRepository: boolean) {
  const model = new ScriptedCodeModel([
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], reply: replies },
  ]);
  const t = task(file, "work on the shop");
  const item: WorkItemInRepository = {
    jobId: newJobId(),
    userQuery: "shop",
    plan: [t],
    task: t,
    dependencyFiles: [],
    ...(withRepository ? { repository } : {}),
  };
  return { model, result: new TaskExecutor({ model, sandbox, workerId: "w", repairAttempts: 1 }).execute(item) };
}

describe("a worker testing inside the repository", () => {
  it("passes a new module that imports an existing one (which fails when tested alone)", async () => {
    const alone = await run("cart.py", [SHOP_CART], false).result;
    expect(alone.test_passed).toBe(false);
    expect(alone.test_logs).toMatch(/No module named 'shop'|ModuleNotFoundError/);

    const inside = await run("cart.py", [SHOP_CART], true).result;
    expect(inside.test_passed, inside.test_logs).toBe(true);
    expect(inside.attempts).toHaveLength(1);
    expect(inside.tests_passed).toBe(1);
  }, 60_000);

  it("runs the repository tests that import the changed module and repairs with their failure", async () => {
    const broken =
      "class Item:\n    def __init__(self, name, price, quantity=1):\n        self.name, self.price, self.quantity = name, price, quantity\n\n\ndef test_quantity():\n    assert Item('a', 1, 2).quantity == 2\n";
    const fixed = broken.replace(
      "        self.name,",
      "        if price < 0:\n            raise ValueError('negative')\n        self.name,",
    );
    const { model, result } = run("models.py", [broken, fixed], true);
    const done = await result;
    expect(done.attempts.map((a) => a.test.success)).toEqual([false, true]);
    const first = done.attempts[0]!.test;
    expect(first.test_outcomes).toContainEqual({ id: "tests/test_models.py::test_negative_price", outcome: "failed" });
    // Only the tests that import the module ran: the unrelated failing test did not.
    expect(first.test_outcomes?.map((t) => t.id)).not.toContain("tests/test_unrelated.py::test_unrelated");
    const repair = model.prompts.find((p) => p.kind === "repair")!;
    expect(repair.text).toContain("test_negative_price");
    expect(done.tests_passed).toBe(3);
  }, 60_000);
});
