// Plan files that would take the place of a module Python, pytest or the sandbox itself imports, so a
// task could break (or fake) every test run, or the user's program, just by its name.
import { posix } from "node:path";
import { AUTO_RUN_FILES, PYTEST_MODULES, PYTHON_STDLIB_MODULES } from "../../shared/python-reserved-names.js";

export interface PlannedFile {
  taskId: number;
  /** Repository-relative, normalised (repoRelativePath). */
  path: string;
}

/** One problem per file whose name is reserved, with the fix the planner should make. */
export function shadowingProblems(files: PlannedFile[]): string[] {
  const planned = new Set(files.map((f) => f.path));
  const roots = importRoots(
    files.map((f) => f.path),
    planned,
  );
  const problems: string[] = [];
  for (const { taskId, path } of files) {
    const dir = dirOf(path);
    const name = posix.basename(path);
    if (AUTO_RUN_FILES.has(name)) {
      problems.push(
        `task ${taskId} writes ${path}: ${autoRunReason(name)}; choose another name such as \`${posix.join(dir, name === "conftest.py" ? "test_helpers.py" : "site_settings.py")}\``,
      );
      continue;
    }
    const module = topLevelModule(path, roots);
    if (module === null) continue;
    const owner = PYTHON_STDLIB_MODULES.has(module)
      ? "Python's standard module"
      : PYTEST_MODULES.has(module)
        ? "pytest's own module"
        : null;
    if (owner === null) continue;
    const isPackage = name === "__init__.py";
    const shown = isPackage ? `${module}/` : `${module}.py`;
    const container = isPackage ? dirOf(dir) : dir;
    const where =
      container === ""
        ? "in the repository root, which is on sys.path,"
        : `in ${container}/, which pytest puts on sys.path when it tests a file there (the folder has no __init__.py),`;
    const renamed = isPackage ? `${module}_pkg/` : `${module}_utils.py`;
    problems.push(
      `task ${taskId} writes ${path}: \`${shown}\` ${where} would shadow ${owner} ${module}; choose another name such as \`${renamed}\``,
    );
  }
  return problems;
}

function autoRunReason(name: string): string {
  return name === "conftest.py"
    ? "pytest loads every conftest.py on its own, and one could change any test's verdict"
    : `Python runs ${name} on its own at start-up`;
}

/**
 * The folders whose files import as top-level modules in the sandbox: the repository root
 * (PYTHONPATH=/code) and, as pytest's default "prepend" import mode inserts the first folder above
 * a tested file that has no __init__.py, that folder for every planned file (each task's file is
 * tested). Only the plan's own __init__.py files are known here; a folder the repository already
 * made a package is treated as a root too, which can only refuse a name, never let one through.
 * A name deeper inside a package (mypkg/json.py next to mypkg/__init__.py) imports as mypkg.json
 * and shadows nothing, so it is accepted.
 */
function importRoots(paths: string[], planned: ReadonlySet<string>): Set<string> {
  const roots = new Set([""]);
  for (const path of paths) {
    let dir = dirOf(path);
    while (dir !== "" && planned.has(posix.join(dir, "__init__.py"))) dir = dirOf(dir);
    roots.add(dir);
  }
  return roots;
}

/** The name the file imports as when it is a top-level module or package, else null. */
function topLevelModule(path: string, roots: ReadonlySet<string>): string | null {
  const dir = dirOf(path);
  if (posix.basename(path) === "__init__.py") return dir !== "" && roots.has(dirOf(dir)) ? posix.basename(dir) : null;
  return roots.has(dir) ? posix.basename(path, ".py") : null;
}

function dirOf(path: string): string {
  const dir = posix.dirname(path);
  return dir === "." ? "" : dir;
}
