// A test run that failed because the image lacks a package is not the code's fault: the repository
// has to install it (`setup` in .github/dellm.yml). A failed run whose log shows
// `ModuleNotFoundError: No module named 'X'` for a top-level module that no file of the run
// provides (no `X.py`, no `X/` folder anywhere under /code) becomes the verdict
// "missing_dependency", and its reason says what to add where. Repairs cannot fix it; the worker's
// repair loop stops on it.
import type { SourceFile, TestResult } from "../schemas.js";

const NO_MODULE = /ModuleNotFoundError: No module named '([A-Za-z_][\w.]*)'/g;

/** The first missing top-level module the run's log names that none of `files` provides, if any. */
export function missingModule(
  result: Pick<TestResult, "stdout" | "stderr">,
  files: readonly SourceFile[],
): string | undefined {
  const local = localModules(files);
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
  return `missing dependency ${module}: add it to setup in .github/dellm.yml (e.g. pip install ${module}) so the tests run in an image that has it`;
}

/** `result` relabelled when a failure comes from a module the sandbox image lacks. */
export function withMissingDependency(result: TestResult, files: readonly SourceFile[]): TestResult {
  if (result.success || (result.verdict !== "failed" && result.verdict !== "no_tests")) return result;
  const module = missingModule(result, files);
  if (!module) return result;
  return { ...result, verdict: "missing_dependency", failure_reason: missingDependencyReason(module) };
}

/** Names importable from the run's files: each `X.py` and each folder `X/`, at any depth (pytest may add test folders to sys.path). */
function localModules(files: readonly SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/");
    for (const folder of parts.slice(0, -1)) names.add(folder);
    const last = parts.at(-1)!;
    if (last.endsWith(".py")) names.add(last.slice(0, -3));
    else if (/\.(so|pyd)$/.test(last)) names.add(last.split(".")[0]!);
  }
  return names;
}
