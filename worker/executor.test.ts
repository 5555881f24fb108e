// Executor logic with a SCRIPTED code model (canned answers; see worker/model/scripted-code-model.ts)
// and the REAL Docker sandbox: every test outcome below comes from pytest in a container.
import { describe, expect, it } from "vitest";
import { newJobId, type Task, type WorkItem } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel, type ScriptRule } from "./model/scripted-code-model.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const task: Task = {
  id: 1,
  description: "Add two numbers",
  file: "adder.py",
  dependencies: [],
  input_output_spec: "Input: a, b ints; Output: int",
  directory: "lib/",
  context: "",
};
const item = (overrides: Partial<WorkItem> = {}): WorkItem => ({
  jobId: newJobId(),
  userQuery: "an adder",
  plan: [task],
  task,
  dependencyFiles: [],
  ...overrides,
});

const GOOD =
  "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_negative():\n    assert add(-1, 1) == 0\n";
const WRONG = "def add(a, b):\n    return a - b\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
const SYNTAX = "def add(a, b)\n    return a + b\n";
const canSolve = (reply: string | string[]): ScriptRule => ({ kind: "can-solve", reply });
const code = (reply: string | string[]): ScriptRule => ({ kind: ["code", "repair"], reply });

function executor(rules: ScriptRule[], repairAttempts = 2) {
  const model = new ScriptedCodeModel(rules);
  return { model, executor: new TaskExecutor({ model, sandbox, workerId: "w-test", repairAttempts }) };
}

describe("TaskExecutor (scripted model, real sandbox)", () => {
  it("solves a task on the first attempt and strips markdown fences", async () => {
    const { executor: ex } = executor([canSolve("Yes."), code("```python\n" + GOOD + "```\nThis adds numbers.")]);
    const result = await ex.execute(item());
    expect(result.test_passed).toBe(true);
    expect(result.tests_passed).toBe(2);
    expect(result.attempts).toHaveLength(1);
    expect(result.code).toBe(GOOD);
    expect(result.worker_id).toBe("w-test");
  });

  it("feeds the failing log back and keeps every attempt", async () => {
    const { model, executor: ex } = executor([canSolve("yes"), code([WRONG, SYNTAX, GOOD])]);
    const result = await ex.execute(item());
    expect(result.attempts.map((a) => a.test.success)).toEqual([false, false, true]);
    expect(result.attempts[1]!.test.failure_reason).toMatch(/syntax/i);
    expect(result.test_passed).toBe(true);
    expect(result.code).toBe(GOOD);
    const repairPrompts = model.prompts.filter((p) => p.kind === "repair").map((p) => p.text);
    expect(repairPrompts).toHaveLength(2);
    expect(repairPrompts[0]).toContain("return a - b");
    expect(repairPrompts[0]).toMatch(/assert -1 == 5|AssertionError|1 failed/);
  });

  it("shows the repository's instructions the task carries in the can-solve, code and repair prompts", async () => {
    const { model, executor: ex } = executor([canSolve("yes"), code([WRONG, GOOD])]);
    const rules = "Name every function in snake_case.";
    await ex.execute(item({ task: { ...task, repository_instructions: rules } }));
    const kinds = model.prompts.filter((p) => p.text.includes(`(follow them):\n${rules}`)).map((p) => p.kind);
    expect(kinds).toEqual(["can-solve", "code", "repair"]);
  });

  it("stops after the configured repair attempts and reports the failure", async () => {
    const { executor: ex } = executor([canSolve("yes"), code(WRONG)], 1);
    const result = await ex.execute(item());
    expect(result.attempts).toHaveLength(2);
    expect(result.test_passed).toBe(false);
    expect(result.tests_failed).toBe(1);
    expect(result.test_logs).toMatch(/failed/);
  });

  it("re-asks an unclear can-solve answer, then decides to solve it whole", async () => {
    const { model, executor: ex } = executor([canSolve(["maybe?", "I think so"]), code(GOOD)]);
    const result = await ex.execute(item());
    expect(model.prompts.filter((p) => p.kind === "can-solve").length).toBe(2);
    expect(result.notes.join("\n")).toMatch(/neither yes nor no.*solving the task whole/s);
    expect(result.test_passed).toBe(true);
  });

  it("splits a task the model cannot solve, retrying a malformed split, and solves the subtasks in one file", async () => {
    const split = JSON.stringify([
      { subtask_description: "write add", subtask_input_output: "a, b -> int", subtask_order: 1 },
      { subtask_description: "test add", subtask_input_output: "none", subtask_order: 2 },
    ]);
    const { model, executor: ex } = executor([
      canSolve("no"),
      { kind: "split", reply: ['[{"only": 1}]', split] },
      code(GOOD),
    ]);
    const result = await ex.execute(item());
    expect(result.subtasks?.map((s) => s.subtask_description)).toEqual(["write add", "test add"]);
    expect(result.notes.join("\n")).toMatch(/split answer 1 rejected/);
    expect(model.prompts.find((p) => p.kind === "code")?.text).toContain("1. write add (a, b -> int)");
    expect(result.test_passed).toBe(true);
  });

  it("reports a split that never parses and still produces code", async () => {
    const { executor: ex } = executor([canSolve("no"), { kind: "split", reply: "no json" }, code(GOOD)]);
    const result = await ex.execute(item());
    expect(result.subtasks).toBeUndefined();
    expect(result.notes.join("\n")).toMatch(/no valid split after 3 answers/);
    expect(result.test_passed).toBe(true);
  });

  it("gives the tests the code of the tasks it depends on", async () => {
    const dependent: Task = {
      ...task,
      id: 2,
      file: "calc.py",
      directory: "app/",
      dependencies: [1],
      description: "double with add",
    };
    const calc =
      "from lib.adder import add\n\n\ndef double(x):\n    return add(x, x)\n\n\ndef test_double():\n    assert double(4) == 8\n";
    const { executor: ex } = executor([canSolve("yes"), code(calc)]);
    const result = await ex.execute(
      item({ task: dependent, plan: [task, dependent], dependencyFiles: [{ path: "lib/adder.py", content: GOOD }] }),
    );
    expect(result.test_passed).toBe(true);
    expect(result.tests_passed).toBe(1); // only the target's tests run, not the dependency's
  });

  it("turns a model failure into a failed result instead of crashing", async () => {
    const { executor: ex } = executor([canSolve("yes")]); // no rule for code: the model throws
    const result = await ex.execute(item());
    expect(result.test_passed).toBe(false);
    expect(result.error).toMatch(/no rule/);
    expect(result.code).toBe("");
  });

  it("does not start a container for an empty answer", async () => {
    const { executor: ex } = executor([canSolve("yes"), code("")], 0);
    const result = await ex.execute(item());
    expect(result.attempts[0]!.test.failure_reason).toBe("the model returned no code");
  });
});
