// The brownfield tier: issues asked against an existing repository whose own tests must keep
// passing. The loader says what a broken issue lacks; the suite holds its ten issues, three of
// them changing a file longer than a worker's whole answer may be; the reference model changes
// such files with edits within that budget; and through the real pipeline (local swarm, Docker
// sandbox, git) the reference scores 100 %, the empty model 0 %, and a model whose code passes
// its own and the hidden tests but breaks a repository test scores 0, the regression named.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { applyEdits } from "../../shared/edits/apply-edits.js";
import { parseEditAnswer } from "../../shared/edits/edit-answer.js";
import { fileViews } from "../../shared/edits/file-view.js";
import { parsePython } from "../../shared/edits/python-outline.js";
import { codePrompt } from "../../shared/prompts.js";
import { repoRelativePath } from "../../shared/repo-path.js";
import { budgetFor } from "../../shared/token-budget.js";
import { DEFAULT_CONTEXT_CAP } from "../../worker/model/llama-code-model.js";
import { evalCommand } from "../commands/eval.js";
import { ReferenceModel } from "./reference-model.js";
import { searchReplaceHunks } from "./reference-edits.js";
import { describeReport, readReport } from "./report.js";
import { DEFAULT_SUITE_DIR, loadSuite } from "./suite.js";

const env = readEnv({});
/** A worker's answer budget at the default context, in characters (about 4 per token). */
const OUTPUT_CHARS = budgetFor(DEFAULT_CONTEXT_CAP).output * 4;

/** Existing files the reference plan changes: [path, base content, reference content]. */
function changedFiles(issue: Awaited<ReturnType<typeof loadSuite>>[number]): [string, string, string][] {
  return issue.reference.plan.flatMap((task) => {
    const path = repoRelativePath(task.directory, task.file);
    const base = issue.repository?.find((f) => f.path === path);
    const wanted = issue.reference.files.find((f) => f.path === path);
    return base && wanted ? [[path, base.content, wanted.content] as [string, string, string]] : [];
  });
}

describe("brownfield suite", () => {
  it("holds at least 10 issues with a repository and its tests, 3+ changing a file over the output budget", async () => {
    const issues = await loadSuite(DEFAULT_SUITE_DIR, "brownfield");
    expect(issues.length).toBeGreaterThanOrEqual(10);
    for (const issue of issues) {
      expect(issue.repository?.length, issue.id).toBeGreaterThan(0);
      expect(issue.repositoryTests?.length, issue.id).toBeGreaterThan(0);
    }
    const large = issues.filter((issue) => changedFiles(issue).some(([, base]) => base.length > OUTPUT_CHARS));
    expect(large.length).toBeGreaterThanOrEqual(3);
    // Most issues change code that is already there, not only add files next to it.
    expect(issues.filter((issue) => changedFiles(issue).length > 0).length).toBeGreaterThanOrEqual(8);
  });

  it("has the reference model change every existing file with edits that fit the output budget and give the reference", async () => {
    const issues = await loadSuite(DEFAULT_SUITE_DIR, "brownfield");
    const model = new ReferenceModel(issues);
    const maxTokens = budgetFor(model.contextSize).output;
    for (const issue of issues) {
      for (const [path, base, wanted] of changedFiles(issue)) {
        const task = issue.reference.plan.find((t) => repoRelativePath(t.directory, t.file) === path)!;
        const parsed = await parsePython(base);
        const [whole] = fileViews(path, base, parsed.ok ? parsed.outline : null, task);
        const prompt = codePrompt({
          userQuery: `${issue.title}\n\n${issue.body}`,
          plan: "",
          task: { ...task, existing_file: { content: base, sha256: "0".repeat(64) } },
          fileView: whole!.text,
        });
        const answer = await model.complete(prompt, { maxTokens });
        expect(await model.countTokens(answer), `${issue.id} ${path}`).toBeLessThanOrEqual(maxTokens);
        expect(await applyEdits(base, parseEditAnswer(answer), parsePython), `${issue.id} ${path}`).toBe(wanted);
      }
    }
  });

  it("computes one edit per changed region, each SEARCH text unique where it applies", async () => {
    const base = [
      "def a():",
      "    return 1",
      "",
      "",
      "def b():",
      "    return 1",
      "",
      "",
      "def c():",
      "    return 1",
      "",
    ];
    const wanted = [...base];
    wanted[1] = "    return 10";
    wanted[9] = "    return 30";
    wanted.push("", "def d():", "    return 4", "");
    const edits = searchReplaceHunks(base.join("\n"), wanted.join("\n"));
    expect(edits).toHaveLength(2);
    // "    return 1" occurs three times: each SEARCH took neighbouring lines along until it was unique.
    expect(edits[0]).toEqual({
      kind: "search_replace",
      search: "def a():\n    return 1\n",
      replace: "def a():\n    return 10\n",
    });
    expect(await applyEdits(base.join("\n"), edits, parsePython)).toBe(wanted.join("\n"));
    expect(searchReplaceHunks("x = 1\n", "x = 1\n")).toEqual([]);
  });

  it("refuses a whole-file answer a model held to the output budget could not give", async () => {
    const issue = (await loadSuite(DEFAULT_SUITE_DIR, "brownfield/08-units-time"))[0]!;
    const task = { ...issue.reference.plan[0]!, file: "new_units.py" };
    const model = new ReferenceModel([
      {
        ...issue,
        reference: { plan: [task], files: [{ path: "units/new_units.py", content: "x = 1\n".repeat(3_000) }] },
      },
    ]);
    await expect(
      model.complete(codePrompt({ userQuery: issue.title, plan: "", task }), { maxTokens: 2_048 }),
    ).rejects.toThrow(/units\/new_units\.py is 4500 tokens, over the 2048-token output budget/);
  });
});

describe("brownfield loader", () => {
  async function brokenIssue(change: (dir: string) => Promise<void>): Promise<string> {
    const suite = await mkdtemp(join(tmpdir(), "dellm-brownfield-"));
    const dir = join(suite, "brownfield", "01-x");
    await cp(join(DEFAULT_SUITE_DIR, "brownfield", "02-item-quantity"), dir, { recursive: true });
    await change(dir);
    return suite;
  }

  it("names what a brownfield issue lacks: the repository, its tests, or code instead of tests to change", async () => {
    const noRepository = await brokenIssue((dir) => rm(join(dir, "repository"), { recursive: true }));
    await expect(loadSuite(noRepository)).rejects.toThrow(
      /eval issue brownfield\/01-x .*repository\/ is missing \(a brownfield issue starts from one\)/,
    );
    const noTests = await brokenIssue((dir) => rm(join(dir, "repository", "tests"), { recursive: true }));
    await expect(loadSuite(noTests)).rejects.toThrow(/repository\/ has no test files \(test_\*\.py or \*_test\.py\)/);
    const changesTests = await brokenIssue(async (dir) => {
      const plan = JSON.parse(await readFile(join(dir, "plan.json"), "utf8"));
      plan[1].directory = "tests/";
      plan[1].file = "test_report.py";
      await writeFile(join(dir, "plan.json"), JSON.stringify(plan));
      await cp(join(dir, "reference", "inventory", "report.py"), join(dir, "reference", "tests", "test_report.py"));
    });
    await expect(loadSuite(changesTests)).rejects.toThrow(
      /plan\.json task 2 writes tests\/test_report\.py, one of the repository's own tests/,
    );
    // The other tiers may go without one: they start from an empty repository.
    const [simple] = await loadSuite(DEFAULT_SUITE_DIR, "simple/01-fibonacci");
    expect([simple!.repository, simple!.repositoryTests]).toEqual([[], []]);
  });
});

describe("dellm eval --only brownfield", () => {
  async function evaluate(suite: string, out: string, model: string): Promise<Awaited<ReturnType<typeof readReport>>> {
    expect(
      await evalCommand(["--suite", suite, "--out", out, "--workers", "2", "--model", model], {
        env,
        log: () => {},
        progress: { isTTY: false, write: () => true },
      }),
    ).toBe(0);
    return readReport(out);
  }

  it("scores the reference 100 % and the empty model 0 %, and catches a regression of a repository test", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-brownfield-eval-"));
    const suite = join(dir, "suite");
    // A small issue changing two modules, and one changing a module over the output budget.
    for (const name of ["02-item-quantity", "08-units-time"])
      await cp(join(DEFAULT_SUITE_DIR, "brownfield", name), join(suite, "brownfield", name), { recursive: true });

    const good = await evaluate(suite, join(dir, "reference.json"), "reference");
    expect(good.issues.map((i) => [i.id, i.passed, i.repository?.kept, i.files])).toEqual([
      ["brownfield/02-item-quantity", true, true, { total: 2, passed: 2 }],
      ["brownfield/08-units-time", true, true, { total: 1, passed: 1 }],
    ]);
    expect(good.summary.tiers.brownfield).toEqual({ issues: 2, passed: 2, success_rate: 1 });

    const empty = await evaluate(suite, join(dir, "empty.json"), "empty");
    expect(empty.summary).toMatchObject({ issues: 2, passed: 0, success_rate: 0 });

    // The regression harness: the reference solution of 02 without Item's negative-price check. Its
    // own tests and every hidden test pass; the repository's tests/test_item.py does not.
    const item = join(suite, "brownfield", "02-item-quantity", "reference", "inventory", "item.py");
    const regressed = (await readFile(item, "utf8")).replace(/ {8}if self\.price_cents < 0:\n.*\n/, "");
    expect(regressed).not.toContain("negative price");
    await writeFile(item, regressed);
    const broken = await evaluate(suite, join(dir, "regression.json"), "reference");
    const [issue] = broken.issues;
    expect(issue).toMatchObject({
      id: "brownfield/02-item-quantity",
      passed: false,
      hidden: { passed: 7, failed: 0 },
      repository: {
        kept: false,
        failed: 1,
        regressions: ["tests/test_item.py::test_negative_price_is_rejected"],
        reason: "regression: tests/test_item.py::test_negative_price_is_rejected",
      },
    });
    // (A worker that runs the repository's tests importing its file sees the failure too: files 1/2.)
    expect(issue!.files.total).toBe(2);
    expect(broken.issues[1]!.passed).toBe(true);
    expect(describeReport(broken)).toMatch(
      /FAIL brownfield\/02-item-quantity .* 6\/7 .*\(regression: tests\/test_item\.py::test_negative_price_is_rejected\)/,
    );
  }, 180_000);
});
