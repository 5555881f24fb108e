// A src-layout repository (its package under src/) tested inside the repository in the real sandbox:
// the task's file and the repository's tests import the package as pytest would with the
// repository's settings, which the sandbox itself never reads.
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "./docker-sandbox.js";
import { taskSandboxRun } from "./task-run.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const repository = {
  files: [
    { path: "pyproject.toml", content: '[project]\nname = "shop"\n' },
    { path: "src/shop/__init__.py", content: "" },
    {
      path: "src/shop/models.py",
      content: "class Item:\n    def __init__(self, price):\n        self.price = price\n",
    },
    {
      path: "tests/test_models.py",
      content: "from shop.models import Item\n\n\ndef test_price():\n    assert Item(3).price == 3\n",
    },
  ],
  tests: ["tests/test_models.py"],
};
// The task changes the package's module: its own test imports it top-level, as the repository's do.
const MODELS =
  "class Item:\n    def __init__(self, price, quantity=1):\n        self.price = price\n        self.quantity = quantity\n\n\ndef test_quantity():\n    from shop.models import Item as Imported\n    assert Imported(2, 3).quantity == 3\n";

describe("the src layout", () => {
  it("imports the repository's package from src/ in the task's file and in the repository tests", async () => {
    const run = taskSandboxRun("src/shop/models.py", MODELS, [], repository);
    expect(run.sourceRoots).toEqual(["src"]);
    expect(run.testTargets).toEqual(["src/shop/models.py", "tests/test_models.py"]);
    const result = await sandbox.run(run);
    expect(result, result.stdout).toMatchObject({ success: true, tests_passed: 2, tests_failed: 0 });
  }, 60_000);

  it("a repository test alone (as the bot's repository check runs them) imports it only through the source root", async () => {
    const run = {
      ...taskSandboxRun("src/shop/models.py", MODELS, [], repository),
      testTargets: ["tests/test_models.py"],
    };
    const withRoot = await sandbox.run(run);
    expect(withRoot, withRoot.stdout).toMatchObject({ success: true, tests_passed: 1 });
    const { sourceRoots: _omitted, ...withoutRoot } = run;
    const failed = await sandbox.run(withoutRoot);
    expect(failed.success).toBe(false);
    expect(failed.stdout + failed.stderr).toMatch(/No module named 'shop'/);
  }, 60_000);
});
