// The repository's own conftest.py (its fixtures) is loaded when a run is inside the owner's
// repository (the real sandbox), and never when the job wrote a conftest.py or the run is a lone file.
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "./docker-sandbox.js";
import { taskSandboxRun } from "./task-run.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const MODELS = "class Item:\n    def __init__(self, price):\n        self.price = price\n";
const CONFTEST = "import pytest\nfrom shop.models import Item\n\n\n@pytest.fixture\ndef item():\n    return Item(3)\n";
const MODEL_TESTS = "from shop.models import Item\n\n\ndef test_price(item):\n    assert item.price == 3\n";
const repository = {
  files: [
    { path: "shop/models.py", content: MODELS },
    { path: "tests/conftest.py", content: CONFTEST },
    { path: "tests/test_models.py", content: MODEL_TESTS },
  ],
  tests: ["tests/test_models.py"],
};
const CART =
  "from shop.models import Item\n\n\ndef total(items):\n    return sum(i.price for i in items)\n\n\ndef test_total():\n    assert total([Item(2), Item(3)]) == 5\n";

describe("a repository's conftest.py", () => {
  it("gives its fixtures to the repository tests run inside the repository", async () => {
    const run = taskSandboxRun(
      "shop/models.py",
      MODELS + "\n\ndef test_item():\n    assert Item(1).price == 1\n",
      [],
      repository,
    );
    expect(run.testTargets).toEqual(["shop/models.py", "tests/test_models.py"]);
    const result = await sandbox.run(run);
    expect(result, result.stdout).toMatchObject({ success: true, tests_passed: 2, tests_failed: 0 });
  }, 60_000);

  it("is not loaded when the job wrote a conftest.py, nor in a run without the repository flag", async () => {
    // A repository without a conftest of its own, and a job that writes one providing the fixture:
    // loaded, the repository test would pass on code the owner never wrote.
    const withoutConftest = { ...repository, files: repository.files.filter((f) => f.path !== "tests/conftest.py") };
    const written = { path: "conftest.py", content: CONFTEST };
    const run = {
      ...taskSandboxRun("shop/cart.py", CART, [written], withoutConftest),
      testTargets: ["tests/test_models.py"],
    };
    expect(run.repositoryConftest).toBe(true);
    const byTheJob = await sandbox.run(run);
    expect(byTheJob.success).toBe(false);
    expect(byTheJob.stdout).toMatch(/fixture 'item' not found/);
    const plain = await sandbox.run({ files: repository.files, testTargets: ["tests/test_models.py"] });
    expect(plain.success).toBe(false);
    expect(plain.stdout).toMatch(/fixture 'item' not found/);
  }, 60_000);
});
