// A tampering attempt is a failure like any other for the worker (issue 14): the sandbox names the
// construct, and that reason reaches the repair prompt. Scripted model, REAL Docker sandbox.
import { describe, expect, it } from "vitest";
import { newJobId, type Task } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel } from "./model/scripted-code-model.js";

const task: Task = {
  id: 1,
  description: "Add two numbers",
  file: "adder.py",
  dependencies: [],
  input_output_spec: "add(a, b) -> int",
  directory: "",
  context: "",
};
const TAMPERING =
  "import atexit, os\n\ndef add(a, b):\n    return a - b\n\natexit.register(lambda: os._exit(0))\n\ndef test_add():\n    assert add(2, 3) == 5\n";
const HONEST = "def add(a, b):\n    return a + b\n\ndef test_add():\n    assert add(2, 3) == 5\n";

describe("TaskExecutor and verdict tampering", () => {
  it("fails the tampering attempt with its reason and feeds that reason to the repair prompt", async () => {
    const model = new ScriptedCodeModel([
      { kind: "can-solve", reply: "yes" },
      { kind: "repair", reply: HONEST },
      { kind: "code", file: "adder.py", reply: TAMPERING },
    ]);
    const executor = new TaskExecutor({
      model,
      sandbox: new DockerSandbox({ timeoutSeconds: 20 }),
      workerId: "w-tamper",
      repairAttempts: 1,
    });
    const result = await executor.execute({
      jobId: newJobId(),
      userQuery: "an adder",
      plan: [task],
      task,
      dependencyFiles: [],
    });

    const [first, second] = result.attempts;
    expect(first!.test).toMatchObject({ success: false, verdict: "tampering" });
    expect(first!.test.failure_reason).toMatch(
      /^verdict tampering: atexit\.register at line 6 of adder\.py; os\._exit at line 6 of adder\.py$/,
    );
    const repair = model.prompts.find((prompt) => prompt.kind === "repair")?.text;
    expect(repair).toContain(
      "verdict tampering: atexit.register at line 6 of adder.py; os._exit at line 6 of adder.py",
    );
    expect(second!.test).toMatchObject({ success: true, verdict: "passed", tests_passed: 1 });
    expect(result.test_passed).toBe(true);
  });
});
