// The evaluation suite on disk (eval/suite/<tier>/<issue>/): what a user asked, the hidden
// acceptance tests the generator never sees, a known-good reference (plan + files) that proves
// the harness, and for brownfield issues the existing repository the issue is asked against (its
// own tests must still pass after the change). Every file is checked when loaded, so a broken
// issue fails with its path.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { repoRelativePath } from "../../shared/repo-path.js";
import type { SourceFile, Task } from "../../shared/schemas.js";
import { validatePlan } from "../pipeline/plan-validation.js";
import { isTestFile } from "../pipeline/repository-tests.js";

export const TIERS = ["simple", "medium", "complex", "brownfield"] as const;
export type Tier = (typeof TIERS)[number];
export const TierSchema = z.enum(TIERS);

export const DEFAULT_SUITE_DIR = "eval/suite";

export interface EvalIssue {
  /** `<tier>/<directory>`, e.g. `simple/01-fibonacci`. */
  id: string;
  tier: Tier;
  title: string;
  body: string;
  /** pytest file run against the merged branch; never shown to the models. */
  hiddenTest: string;
  /**
   * The repository the job starts from (repository/, required for brownfield issues; absent or
   * empty: a repository holding only a README). Its own tests (`repositoryTests`) must pass on the
   * merged result as they do on it.
   */
  repository?: SourceFile[];
  /** Test files of `repository` (pytest's naming rule), run as they are there against the result. */
  repositoryTests?: string[];
  /** The plan's tasks write these files (reference/): new ones and changed files of the repository. */
  reference: { plan: Task[]; files: SourceFile[] };
}

/** The tiers whose issues start from an existing repository (repository/ required). */
export const BROWNFIELD_TIERS: readonly Tier[] = ["brownfield"];

/** Issues of the suite in tier then name order; `only` picks a tier (`medium`) or one issue (`medium/02-csv-report`). */
export async function loadSuite(dir = DEFAULT_SUITE_DIR, only?: string): Promise<EvalIssue[]> {
  if (only !== undefined && !TIERS.some((t) => only === t || only.startsWith(`${t}/`))) {
    throw new Error(`"${only}" is neither a tier (${TIERS.join(", ")}) nor an issue id like simple/01-fibonacci`);
  }
  const issues: EvalIssue[] = [];
  for (const tier of TIERS) {
    const names = (await readdir(join(dir, tier), { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    for (const name of names) {
      const id = `${tier}/${name}`;
      if (only !== undefined && only !== tier && only !== id) continue;
      issues.push(await loadIssue(join(dir, tier, name), id, tier));
    }
  }
  if (issues.length === 0)
    throw new Error(
      only
        ? `no issue "${only}" in ${dir}`
        : `no issues in ${dir} (expected ${TIERS.map((t) => `${t}/<issue>/`).join(", ")})`,
    );
  return issues;
}

async function loadIssue(dir: string, id: string, tier: Tier): Promise<EvalIssue> {
  const fail = (what: string): never => {
    throw new Error(`eval issue ${id} (${dir}): ${what}`);
  };
  const text = await readFile(join(dir, "issue.md"), "utf8").catch(() => fail("issue.md is missing"));
  const heading = text.match(/^# (.+)\n+([\s\S]*)$/);
  if (!heading) fail('issue.md must start with "# <title>" and a blank line, then the body');
  const hiddenTest = await readFile(join(dir, "hidden_test.py"), "utf8").catch(() => fail("hidden_test.py is missing"));
  let plan: Task[] = [];
  try {
    plan = validatePlan(JSON.parse(await readFile(join(dir, "plan.json"), "utf8")));
  } catch (error) {
    fail(`plan.json: ${(error as Error).message}`);
  }
  const files = await readTree(join(dir, "reference")).catch(() => fail("reference/ is missing"));
  for (const task of plan) {
    const path = repoRelativePath(task.directory, task.file);
    if (!files.some((f) => f.path === path))
      fail(`plan.json task ${task.id} writes ${path}, but reference/${path} is missing`);
  }
  const brownfield = BROWNFIELD_TIERS.includes(tier);
  const repository = await readTree(join(dir, "repository")).catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" && !brownfield ? [] : fail(`repository/ is missing (a ${tier} issue starts from one)`),
  );
  const repositoryTests = repository.map((f) => f.path).filter(isTestFile);
  if (brownfield && repositoryTests.length === 0)
    fail("repository/ has no test files (test_*.py or *_test.py): a brownfield issue keeps an existing test suite");
  for (const task of plan) {
    const path = repoRelativePath(task.directory, task.file);
    if (repositoryTests.includes(path))
      fail(
        `plan.json task ${task.id} writes ${path}, one of the repository's own tests; they are run as repository/ has them, so change code, not them`,
      );
  }
  return {
    id,
    tier,
    title: heading![1]!.trim(),
    body: heading![2]!.trim(),
    hiddenTest,
    repository,
    repositoryTests,
    reference: { plan, files },
  };
}

/** The files under `dir` by repository-relative path (compiled Python left out). */
async function readTree(dir: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  for (const path of await listFiles(dir)) {
    files.push({ path: relative(dir, path).split("\\").join("/"), content: await readFile(path, "utf8") });
  }
  return files;
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Python's and pytest's caches, from running an issue's tests by hand, are no part of it.
      if (entry.name !== "__pycache__" && entry.name !== ".pytest_cache") found.push(...(await listFiles(path)));
    } else if (entry.isFile() && !entry.name.endsWith(".pyc")) found.push(path);
  }
  return found.sort();
}
