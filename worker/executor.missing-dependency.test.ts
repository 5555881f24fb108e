// A test run that fails on a package the sandbox image lacks is the repository's setup to fix, not
// the code: the worker spends no repair attempt on it (issue 11). SCRIPTED code model, REAL sandbox.
import { describe, expect, it } from "vitest";
import { newJobId, type Task } from "../shared/schemas.js";
import type { WorkItemInRepository } from "../shared/sandbox/task-run.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel } from "./model/scripted-code-model.js";

const task: Task = {
  id: 1,
  description: "Parse a YAML document",
  file: "config.py",
  dependencies: [],
  input_output_spec: "",
  directory: "",
  context: "",
};
const USES_MISSING =
  "import tinypkg_not_installed\n\n\ndef load(text):\n    return tinypkg_not_installed.parse(text)\n\n\ndef test_load():\n    assert load('a: 1') == {'a': 1}\n";

describe("TaskExecutor and a missing dependency", () => {
  it("stops after the first attempt with the reason that names the module and the fix", async () => {
    const model = new ScriptedCodeModel([
      { kind: "can-solve", reply: "yes" },
      { kind: ["code", "repair"], reply: USES_MISSING },
    ]);
    const executor = new TaskExecutor({
      model,
      sandbox: new DockerSandbox({ timeoutSeconds: 20 }),
      workerId: "w-test",
      repairAttempts: 2,
    });
    // Inside the repository (a snapshot of it, without that module): the run can tell a package from a module.
    const repository = { files: [{ path: "README.md", content: "A config loader.\n" }], tests: [] };
    const item: WorkItemInRepository = {
      repository,
      jobId: newJobId(),
      userQuery: "config",
      plan: [task],
      task,
      dependencyFiles: [],
    };
    const result = await executor.execute(item);
    expect(result.test_passed).toBe(false);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]!.test.verdict).toBe("missing_dependency");
    expect(result.attempts[0]!.test.failure_reason).toMatch(
      /^missing dependency tinypkg_not_installed: add it to setup in \.github\/dellm\.yml/,
    );
    expect(model.prompts.filter((p) => p.kind === "repair")).toHaveLength(0);
  }, 60_000);
});
