// A task that changes an existing file, through the real worker path: the executor shows the model
// an outline (the file is too big for the prompt), applies its scripted edits to the base, and the
// REAL Docker sandbox runs the module's tests. Figures for issue 17 are printed (output tokens of
// the edit answer against the whole file's).
import { describe, expect, it } from "vitest";
import { newJobId, type Task, type WorkItem } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { existingFile, largeModule } from "../test/large-module.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel, type ScriptRule } from "./model/scripted-code-model.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
const base = largeModule();
const task: Task = {
  id: 1,
  description: "Add Store.distinct(field): the distinct values of that field over the rows, in first-seen order",
  file: "inventory.py",
  dependencies: [],
  input_output_spec: "Input: field name; Output: list of values",
  directory: "shop/",
  context: "",
  existing_file: existingFile(base),
};
const item = (): WorkItem => ({
  jobId: newJobId(),
  userQuery: "Add Store.distinct",
  plan: [task],
  task,
  dependencyFiles: [],
});

const DISTINCT = `@@@ INSERT AFTER Store.names
def distinct(self, field):
    """Values of \`field\` over the rows, each once, in first-seen order."""
    seen = []
    for row in self.rows:
        if row[field] not in seen:
            seen.append(row[field])
    return seen
@@@ INSERT AFTER test_existing_4
def test_distinct():
    store = Store()
    store.add_1("a")
    store.add_2("b")
    store.add_3("a")
    assert store.distinct("name") == ["a", "b"]
@@@ END`;

function executor(reply: string[]) {
  // An 8k-token model: a 45,000-character file cannot be shown whole.
  const rules: ScriptRule[] = [
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], file: "shop/inventory.py", reply },
  ];
  const model = new ScriptedCodeModel(rules, { contextSize: 8_192 });
  return { model, executor: new TaskExecutor({ model, sandbox, workerId: "w-edit", repairAttempts: 1 }) };
}

describe("changing a large existing file with edits (scripted model, real sandbox)", () => {
  it("adds a method: the rest of the file is byte for byte the base, and its old and new tests pass", async () => {
    expect(base.length).toBeGreaterThan(30_000);
    const { model, executor: ex } = executor([DISTINCT]);
    const result = await ex.execute(item());
    expect(result.error).toBeUndefined();
    expect(result.test_passed).toBe(true);
    expect(result.tests_passed).toBe(6); // the module's 5 tests and the new one
    expect(result.base_sha256).toBe(task.existing_file!.sha256);
    expect(result.edits?.map((e) => e.kind)).toEqual(["insert_after", "insert_after"]);

    // Only the two inserted definitions differ: everything before, between and after is the base's.
    const namesLine = '        return [row["name"] for row in self.rows]\n';
    const namesEnd = base.indexOf(namesLine) + namesLine.length;
    expect(result.code.startsWith(base.slice(0, namesEnd))).toBe(true);
    expect(result.code.slice(namesEnd)).toMatch(/^\n {4}def distinct\(self, field\):\n/);
    const withoutInsertions = result.code
      .replace(/\n {4}def distinct\(self, field\):[\s\S]*?return seen\n/, "")
      .replace(/\n\n\ndef test_distinct\(\):[\s\S]*$/, "\n");
    expect(withoutInsertions).toBe(base);

    // The model saw an outline and the definitions the task names, not the 45,000 characters.
    const prompt = model.prompts.find((p) => p.kind === "code")!;
    expect(prompt.text).toMatch(/The file has 2\d{3} lines; you are shown its outline/);
    expect(prompt.text).toMatch(/class Store:\n.*def __init__\(self\):/s);
    expect(prompt.text).not.toContain("return round(value * 150 / 7, 3)");
    expect(prompt.text).toContain("<<<<<<< SEARCH");
    expect(result.notes.join("\n")).toMatch(/was shown outline and \d definition\(s\) of shop\/inventory\.py/);

    const answerTokens = await model.countTokens(DISTINCT);
    const wholeTokens = await model.countTokens(result.code);
    console.log(
      `[issue 17 figures] add a method to a ${base.length}-char module: edit answer ${answerTokens} tokens, whole file ${wholeTokens} tokens (4 chars/token)`,
    );
    expect(answerTokens * 20).toBeLessThan(wholeTokens);
  }, 60_000);

  it("fails an attempt whose anchor does not exist, quotes the reason in the repair prompt, and passes on repair", async () => {
    const missing = DISTINCT.replace("@@@ INSERT AFTER Store.names", "@@@ INSERT AFTER Store.list_names");
    const { model, executor: ex } = executor([missing, DISTINCT]);
    const result = await ex.execute(item());
    expect(result.attempts.map((a) => a.test.success)).toEqual([false, true]);
    expect(result.attempts[0]!.code).toBe("");
    expect(result.attempts[0]!.test.failure_reason).toMatch(/no function or class "Store\.list_names" in the file/);
    const repair = model.prompts.find((p) => p.kind === "repair")!;
    expect(repair.text).toContain(
      'the edits were not applied: edit 1 of 2: no function or class "Store.list_names" in the file; use a name from the outline',
    );
    expect(repair.text).toContain("@@@ INSERT AFTER Store.list_names");
    expect(result.test_passed).toBe(true);
  }, 60_000);

  it("does not take a whole-file answer for an existing file: the attempt fails and the result has no code", async () => {
    const { model, executor: ex } = executor([
      "def distinct(rows, field):\n    return list(dict.fromkeys(r[field] for r in rows))\n",
    ]);
    const result = await ex.execute(item());
    expect(result.test_passed).toBe(false);
    expect(result.code).toBe("");
    expect(result.edits).toBeUndefined();
    expect(result.error).toMatch(/the answer has no edits: the file already exists/);
    expect(model.prompts.find((p) => p.kind === "repair")!.text).toMatch(/the answer has no edits/);
  }, 60_000);
});
