// How a task's file is tested inside the repository (no Docker: the run description itself).
import { describe, expect, it } from "vitest";
import { packSnapshot, parseSnapshot } from "../snapshot-manifest.js";
import { taskSandboxRun, type RepositoryView } from "./task-run.js";

const repository: RepositoryView = {
  files: [
    { path: "shop/models.py", content: "class Item:\n    pass\n" },
    { path: "tests/test_models.py", content: "from shop.models import Item\n\n\ndef test_item():\n    Item()\n" },
  ],
  tests: ["tests/test_models.py"],
  testTimeoutSeconds: 240,
};

describe("taskSandboxRun", () => {
  it("gives a run that includes repository tests the repository's time limit, a file alone the sandbox's", () => {
    const models = taskSandboxRun("shop/models.py", "class Item:\n    pass\n", [], repository);
    expect(models.testTargets).toEqual(["shop/models.py", "tests/test_models.py"]);
    expect(models.timeoutSeconds).toBe(240);
    const cart = taskSandboxRun("shop/cart.py", "def test_cart():\n    pass\n", [], repository);
    expect(cart.testTargets).toEqual(["shop/cart.py"]);
    expect(cart.timeoutSeconds).toBeUndefined();
    expect(taskSandboxRun("shop/models.py", "x = 1\n", [], undefined).timeoutSeconds).toBeUndefined();
  });

  it("keeps the time limit through the snapshot a swarm worker receives", () => {
    expect(parseSnapshot(packSnapshot(repository).bytes).testTimeoutSeconds).toBe(240);
  });
});
