// `dellm run` on a small repository whose own test (tests/test_models.py) the change breaks (real
// git, in-process worker, scripted model, REAL Docker sandbox): the repository's tests run before
// and after, the regression is named by its test id, a repair round hands the task back with the
// failure log, and the report says what a person needs: the failing test, where the log is, "edited
// (N lines)", and a "To run" line that runs the test that failed.
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel, type ScriptRule } from "../../worker/model/scripted-code-model.js";
import { inProcessWorkers } from "./in-process-workers.js";
import { Planner } from "./planner.js";
import { runJob } from "./run-job.js";
import { DISCOUNT_BREAKING, DISCOUNT_FIXED, DISCOUNT_REPOSITORY, DISCOUNT_TASK } from "../../test/discount-job.js";

const PLAN = JSON.stringify([DISCOUNT_TASK]);

async function run(rules: ScriptRule[]) {
  const dir = await mkdtemp(join(tmpdir(), "dellm-run-repository-"));
  const git = simpleGit(dir);
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.email", "me@example.com").addConfig("user.name", "Me");
  await mkdir(join(dir, "shop"));
  await mkdir(join(dir, "tests"));
  for (const [path, content] of Object.entries(DISCOUNT_REPOSITORY)) await writeFile(join(dir, path), content);
  await git.add(".").commit("base");
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: PLAN },
    { kind: "can-solve", reply: "yes" },
    ...rules,
    { kind: "summary", reply: "Applied the discount." },
  ]);
  const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
  const executor = new TaskExecutor({ model, sandbox, workerId: "local-1", repairAttempts: 0 });
  const logDir = join(dir, ".dellm", "jobs");
  const outcome = await runJob({
    query: "Apply a 10% discount in total()",
    repoPath: dir,
    planner: new Planner(model),
    distribution: inProcessWorkers([executor]),
    repositorySandbox: sandbox,
    logDir,
  });
  return { dir, model, outcome, logDir };
}

describe("dellm run: the repository's own tests", () => {
  it("names the regressed test, writes its log, says how much was edited and runs the failing test", async () => {
    const { model, outcome, logDir } = await run([{ kind: ["code", "repair"], reply: DISCOUNT_BREAKING }]);
    const report = outcome.repositoryTests!;
    expect(report.status).toBe("compared");
    expect(report.regressions.map((r) => r.id)).toEqual(["tests/test_models.py::test_total"]);
    const logPath = join(logDir, outcome.job.id, "shop__models.py.log");
    // The worker ran the repository test with the file: its verdict is failed, and says which test.
    expect(outcome.summary).toContain(
      `- shop/models.py (FAILED tests - see ${logPath}, edited (2 lines); failing: tests/test_models.py::test_total)`,
    );
    expect(await readFile(logPath, "utf8")).toContain("assert 2.7 == 3");
    expect(outcome.summary).toContain("python -m pytest shop/models.py tests/test_models.py");
    expect(outcome.summary).toMatch(
      /- Repository tests \(.*\): 0 passing; 1 REGRESSED \(passed before the job, fail after it\): tests\/test_models\.py::test_total/,
    );
    // The repair round ran (the model gave the same answer), and the summary was told what failed.
    expect(model.prompts.filter((p) => p.kind === "code")).toHaveLength(2);
    expect(
      model.prompts.find((p) => p.kind === "code" && p.text.includes("Keep what they test working")),
    ).toBeDefined();
    expect(model.prompts.find((p) => p.kind === "summary")!.text).toContain(
      "- Not done (say so, and do not claim these were added or work): shop/models.py (failed its tests); the repository's own tests regressed",
    );
  }, 180_000);

  it("repairs the regression in a repair round: the task goes back with the failing test's log", async () => {
    const { model, outcome } = await run([
      { kind: ["code", "repair"], when: "Keep what they test working", reply: DISCOUNT_FIXED },
      { kind: ["code", "repair"], reply: DISCOUNT_BREAKING },
    ]);
    expect(outcome.repositoryTests).toMatchObject({ status: "compared", regressions: [], passing: 1 });
    expect(outcome.summary).toContain("- shop/models.py (passed tests, edited (2 lines))");
    expect(outcome.summary).toContain("- Repository tests (");
    const repair = model.prompts.find((p) => p.text.includes("Keep what they test working"))!;
    expect(repair.text).toContain("tests/test_models.py::test_total");
    expect(model.prompts.find((p) => p.kind === "summary")!.text).not.toContain("Not done");
  }, 180_000);
});
