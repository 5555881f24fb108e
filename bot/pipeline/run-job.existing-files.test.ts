// `dellm run` on a repository that already has the file the task changes (real git, in-process
// worker, scripted model, REAL Docker sandbox): the worker is shown the file as at the job's base
// and its edits are merged; a model that answers with a whole file changes nothing, and the run
// summary says why.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { largeModule } from "../../test/large-module.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { inProcessWorkers } from "./in-process-workers.js";
import { Planner } from "./planner.js";
import { runJob } from "./run-job.js";

const base = largeModule();
const PLAN = JSON.stringify([
  {
    id: 1,
    description: "Add Store.count()",
    file: "inventory.py",
    dependencies: [],
    input_output_spec: "",
    directory: "",
    context: "",
  },
]);
const EDIT = `@@@ INSERT INTO Store
def count(self):
    return len(self.rows)
@@@ INSERT AFTER test_existing_4
def test_count():
    store = Store()
    store.add_0("a")
    assert store.count() == 1
@@@ END`;

async function run(reply: string) {
  const dir = await mkdtemp(join(tmpdir(), "dellm-run-existing-"));
  const git = simpleGit(dir);
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.email", "me@example.com").addConfig("user.name", "Me");
  await writeFile(join(dir, "inventory.py"), base);
  await git.add(".").commit("base");
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: PLAN },
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], reply },
    { kind: "summary", reply: "Added Store.count()." },
  ]);
  const executor = new TaskExecutor({
    model,
    sandbox: new DockerSandbox({ timeoutSeconds: 30 }),
    workerId: "local-1",
    repairAttempts: 0,
  });
  const outcome = await runJob({
    query: "Add Store.count()",
    repoPath: dir,
    planner: new Planner(model),
    distribution: inProcessWorkers([executor]),
  });
  return { dir, model, outcome };
}

describe("dellm run on an existing file", () => {
  it("shows the worker the base file and merges its edits", async () => {
    const { dir, model, outcome } = await run(EDIT);
    expect(model.prompts.find((p) => p.kind === "code")!.text).toContain("Its current content (all 2027 lines):");
    expect(outcome.job.files.filter((f) => f.change === "not written")).toEqual([]);
    const written = await simpleGit(dir).show([`${outcome.job.branch}:inventory.py`]);
    expect(written).toContain("\n    def count(self):\n        return len(self.rows)\n");
    expect(written.replace("\n    def count(self):\n        return len(self.rows)\n", "")).toContain(
      base.slice(0, base.indexOf("\n\n\ndef test_existing_4")),
    );
    expect(outcome.summary).toContain("- inventory.py (passed tests, edited (9 lines))");
  }, 90_000);

  it("leaves the file untouched when the model answers with a whole file, and says why", async () => {
    const { dir, outcome } = await run(
      "def count(rows):\n    return len(rows)\n\n\ndef test_count():\n    assert count([1]) == 1\n",
    );
    expect(outcome.job.commit).toBeUndefined();
    expect(outcome.summary).toMatch(
      /- inventory\.py \(NOT WRITTEN - no code: the edits were not applied: the answer has no edits: the file already exists/,
    );
    expect(await simpleGit(dir).show(["main:inventory.py"])).toBe(base);
  }, 90_000);
});
