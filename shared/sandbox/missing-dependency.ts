// A test run that failed because the image lacks a package is not the code's fault: the repository
// has to install it (`setup` in .github/dellm.yml). A failed run inside the repository (the
// sandbox applies this only then: files alone cannot tell a repository module from a package) whose log shows
// `ModuleNotFoundError: No module named 'X'` for a top-level module that no file of the run
// provides (no `X.py`, no `X/` folder where the tests import from) becomes the verdict
// "missing_dependency", and its reason says what to add where. Repairs cannot fix it; the worker's
// repair loop stops on it.
import type { SourceFile, TestResult } from "../schemas.js";

const NO_MODULE = /ModuleNotFoundError: No module named '([A-Za-z_][\w.]*)'/g;

/** The first missing top-level module the run's log names that none of `files` provides, if any. */
export function missingModule(
  result: Pick<TestResult, "stdout" | "stderr">,
  files: readonly SourceFile[],
  testTargets: readonly string[] = [],
  sourceRoots: readonly string[] = [],
): string | undefined {
  const local = localModules(files, testTargets, sourceRoots);
  for (const text of [result.stdout, result.stderr]) {
    for (const match of text.matchAll(NO_MODULE)) {
      const top = match[1]!.split(".")[0]!;
      if (!local.has(top)) return top;
    }
  }
  return undefined;
}

/** The reason people and repair prompts are given. */
export function missingDependencyReason(module: string): string {
  return `missing dependency ${module}: add it to setup in .github/dellm.yml (a command that installs the package providing it); the sandbox image does not have it`;
}

/** `result` relabelled when a failure comes from a module the sandbox image lacks. */
export function withMissingDependency(
  result: TestResult,
  files: readonly SourceFile[],
  testTargets: readonly string[] = [],
  sourceRoots: readonly string[] = [],
): TestResult {
  if (result.success || (result.verdict !== "failed" && result.verdict !== "no_tests")) return result;
  const module = missingModule(result, files, testTargets, sourceRoots);
  if (!module) return result;
  return { ...result, verdict: "missing_dependency", failure_reason: missingDependencyReason(module) };
}

/**
 * Names importable from the run's files: each `X.py` and each folder `X/` at the root of /code (on
 * sys.path), in a source root (src/), or in a test target's folder or one above it (pytest puts
 * the test's folder there).
 */
function localModules(
  files: readonly SourceFile[],
  testTargets: readonly string[],
  sourceRoots: readonly string[],
): Set<string> {
  const roots = new Set(["", ...sourceRoots]);
  for (const target of testTargets) {
    const parts = target.split("/").slice(0, -1);
    for (let depth = 1; depth <= parts.length; depth++) roots.add(parts.slice(0, depth).join("/"));
  }
  const names = new Set<string>();
  for (const file of files)
    for (const root of roots) {
      if (root && !file.path.startsWith(`${root}/`)) continue;
      const rest = (root ? file.path.slice(root.length + 1) : file.path).split("/");
      if (rest.length > 1) names.add(rest[0]!);
      else if (/\.py$|\.(so|pyd)$/.test(rest[0]!)) names.add(rest[0]!.split(".")[0]!);
    }
  return names;
}
