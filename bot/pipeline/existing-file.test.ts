// The bot's side of changing an existing file (real git, real worker path with the real sandbox):
// it writes only what its own copy of the base becomes under the worker's edits, and refuses a
// whole file its worker's model never saw, a file that disagrees with its edits, and edits made for
// another base. What was refused is said in the dellm run summary.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { newJobId, type Result, type Task } from "../../shared/schemas.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { existingFile, largeModule } from "../../test/large-module.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { mergeResults } from "./merger.js";
import { withCurrentContent } from "./repo-context.js";
import { resultsBlock } from "./summary.js";
import { fileReports } from "../engine/file-reports.js";
import { JobWorkspace } from "../engine/job-workspace.js";

const base = largeModule();
const ADD_COUNT = `@@@ INSERT INTO Store
def count(self):
    return len(self.rows)
@@@ INSERT AFTER test_existing_0
def test_count():
    store = Store()
    store.add_0("a")
    assert store.count() == 1
@@@ END`;

async function repoWithModule(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-existing-"));
  const git = simpleGit(dir);
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.email", "me@example.com").addConfig("user.name", "Me");
  await writeFile(join(dir, "inventory.py"), base);
  await git.add(".").commit("base");
  return dir;
}

const plannedTask: Task = {
  id: 1,
  description: "Add Store.count()",
  file: "inventory.py",
  dependencies: [],
  input_output_spec: "",
  directory: "",
  context: "",
};

async function solve(task: Task, reply: string): Promise<Result> {
  const model = new ScriptedCodeModel([
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], reply },
  ]);
  const executor = new TaskExecutor({
    model,
    sandbox: new DockerSandbox({ timeoutSeconds: 30 }),
    workerId: "w",
    repairAttempts: 0,
  });
  return executor.execute({ jobId: newJobId(), userQuery: "count", plan: [task], task, dependencyFiles: [] });
}

async function merge(dir: string, task: Task, result: Result) {
  const merged = await mergeResults({
    repoPath: dir,
    branch: `dellm/${newJobId()}`,
    message: "m",
    tasks: [task],
    results: new Map([[1, result]]),
  });
  const written = merged.commit ? await simpleGit(dir).show([`${merged.branch}:inventory.py`]) : null;
  const files = await fileReports([task], merged, new Map([[1, result]]), new JobWorkspace(dir, "main", "local:test"));
  const summary = resultsBlock({ repoPath: dir, branch: merged.branch, commit: merged.commit ?? undefined, files });
  return { merged, written, summary };
}

describe("an existing file at merge", () => {
  it("writes the worker's edits re-applied to the bot's own copy of the base", async () => {
    const dir = await repoWithModule();
    const [task] = (await withCurrentContent(dir, [plannedTask], "HEAD")).tasks;
    expect(task!.existing_file?.content).toBe(base);
    const result = await solve(task!, ADD_COUNT);
    expect(result.test_passed).toBe(true);
    const { merged, written } = await merge(dir, task!, result);
    expect(merged.skipped).toEqual([]);
    expect(written).toBe(result.code);
    expect(written!.replace(/\n {4}def count\(self\):\n {8}return len\(self\.rows\)\n/, "")).toContain(
      base.slice(0, base.indexOf("\n\n\ndef test_existing_1")),
    );
  }, 60_000);

  it("refuses a whole file for an existing file its worker's model did not see in full, and says so", async () => {
    const dir = await repoWithModule();
    // A worker before issue 17 (or a forged one): the whole file, no edits.
    const [task] = (await withCurrentContent(dir, [plannedTask], "HEAD")).tasks;
    expect(task!.current_content).toBeUndefined(); // 45,000 characters: too big to show whole
    const blind = { ...(await solve(task!, ADD_COUNT)), code: "def count(rows):\n    return len(rows)\n" };
    delete blind.edits;
    const { merged, written, summary } = await merge(dir, task!, blind);
    expect(written).toBeNull();
    expect(merged.skipped).toEqual([
      {
        taskId: 1,
        path: "inventory.py",
        reason: expect.stringMatching(/exists in the base \(2027 lines\) but its worker was not shown the file/),
      },
    ]);
    expect(summary).toMatch(
      /- inventory\.py \(NOT WRITTEN - inventory\.py exists in the base .* sent a whole file instead of edits/,
    );
    expect(await simpleGit(dir).show(["main:inventory.py"])).toBe(base);
  }, 60_000);

  it("refuses a worker whose file disagrees with its edits, edits made for another base, edits that do not apply", async () => {
    const dir = await repoWithModule();
    const [task] = (await withCurrentContent(dir, [plannedTask], "HEAD")).tasks;
    const honest = await solve(task!, ADD_COUNT);
    const smuggled = {
      ...honest,
      code: honest.code.replace("return len(self.rows)", "return __import__('os').system('x')"),
    };
    expect((await merge(dir, task!, smuggled)).merged.skipped[0]!.reason).toMatch(
      /the worker's file differs from its own edits applied to the base's inventory\.py, so neither is trusted/,
    );
    const otherBase = { ...honest, base_sha256: existingFile("x = 1\n").sha256 };
    expect((await merge(dir, task!, otherBase)).merged.skipped[0]!.reason).toMatch(
      /made for another version of inventory\.py/,
    );
    const unanchored = {
      ...honest,
      edits: [{ kind: "insert_into" as const, symbol: "Warehouse", code: "def count(self):\n    return 0" }],
    };
    expect((await merge(dir, task!, unanchored)).merged.skipped[0]!.reason).toMatch(
      /the worker's edits do not apply to the base's inventory\.py: edit 1 of 1: no function or class "Warehouse"/,
    );
    expect((await merge(dir, task!, honest)).written).toBe(honest.code);
  }, 60_000);
});
