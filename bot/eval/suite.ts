// The evaluation suite on disk (eval/suite/<tier>/<issue>/): what a user asked, the hidden
// acceptance tests the generator never sees, and a known-good reference (plan + files) that
// proves the harness. Every file is checked when loaded, so a broken issue fails with its path.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { repoRelativePath } from "../../shared/repo-path.js";
import type { SourceFile, Task } from "../../shared/schemas.js";
import { validatePlan } from "../pipeline/plan-validation.js";

export const TIERS = ["simple", "medium", "complex"] as const;
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
  reference: { plan: Task[]; files: SourceFile[] };
}

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
  const referenceDir = join(dir, "reference");
  const files: SourceFile[] = [];
  for (const path of await listFiles(referenceDir).catch(() => fail("reference/ is missing"))) {
    files.push({ path: relative(referenceDir, path).split("\\").join("/"), content: await readFile(path, "utf8") });
  }
  for (const task of plan) {
    const path = repoRelativePath(task.directory, task.file);
    if (!files.some((f) => f.path === path))
      fail(`plan.json task ${task.id} writes ${path}, but reference/${path} is missing`);
  }
  return { id, tier, title: heading![1]!.trim(), body: heading![2]!.trim(), hiddenTest, reference: { plan, files } };
}

async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await listFiles(path)));
    else if (entry.isFile() && !entry.name.endsWith(".pyc")) found.push(path);
  }
  return found.sort();
}
