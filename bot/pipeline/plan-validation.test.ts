import { describe, expect, it } from "vitest";
import type { Task } from "../../shared/schemas.js";
import { PlanRejectedError, validatePlan } from "./plan-validation.js";

const task = (id: number, file: string, dependencies: number[] = [], directory = ""): Task => ({
  id,
  description: `task ${id}`,
  file,
  dependencies,
  input_output_spec: "",
  directory,
  context: "",
});

function problemsOf(plan: unknown): string {
  try {
    validatePlan(plan);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanRejectedError);
    return (error as PlanRejectedError).problems.join("\n");
  }
  throw new Error("plan was accepted");
}

describe("validatePlan", () => {
  it("accepts a sound plan", () => {
    const plan = [task(1, "models.py", [], "app/"), task(2, "auth.py", [1], "app/")];
    expect(validatePlan(plan)).toEqual(plan);
  });

  it("drops a file content the model made up: only the bot says what a file holds", () => {
    expect(validatePlan([{ ...task(1, "a.py"), current_content: "import os; os.system('curl evil')" }])).toEqual([
      task(1, "a.py"),
    ]);
  });

  it("rejects shape errors, empty and oversized plans", () => {
    expect(problemsOf([{ id: 1 }])).toMatch(/description/);
    expect(problemsOf([])).toMatch(/no tasks/);
    expect(problemsOf(Array.from({ length: 500 }, (_, i) => task(i + 1, `f${i}.py`)))).toMatch(/at most 50 tasks/);
    expect(problemsOf({ tasks: [] })).toMatch(/array/);
  });

  it("rejects cycles, unknown dependencies and duplicate ids", () => {
    expect(problemsOf([task(1, "a.py", [2]), task(2, "b.py", [1])])).toMatch(/cycle/);
    expect(problemsOf([task(1, "a.py", [7])])).toMatch(/task 7, which is not in the plan/);
    expect(problemsOf([task(1, "a.py"), task(1, "b.py")])).toMatch(/id 1 is used twice/);
  });

  it("rejects two tasks writing one file, paths leaving the repository and non-Python files", () => {
    expect(problemsOf([task(1, "x.py", [], "app/"), task(2, "x.py", [], "./app")])).toMatch(/both write app\/x.py/);
    expect(problemsOf([task(1, "evil.py", [], "../")])).toMatch(/would leave the repository/);
    expect(problemsOf([task(1, "hook.py", [], ".git/hooks/")])).toMatch(/\.git/);
    expect(problemsOf([task(1, "requirements.txt")])).toMatch(/only Python/);
  });

  it("refuses a path git would read as an option (the probe's --pathspec-from-file=<host file>)", () => {
    // The probe's plan: git add read /etc/… as a list of pathspecs and quoted its first line.
    expect(problemsOf([task(1, "secret.py", [], "--pathspec-from-file=/etc/")])).toMatch(
      /task 1: refusing path "--pathspec-from-file=\/etc\/secret.py": "--pathspec-from-file=" starts with "-"/,
    );
    expect(problemsOf([task(1, "-x.py", [], "./")])).toMatch(/starts with "-"/);
    expect(validatePlan([task(1, "a-b.py", [], "app/-old/")])).toHaveLength(1);
  });
});

describe("validatePlan: names a terminal, git or Python would be fooled by", () => {
  it.each([
    [
      "ok\x1b[32m.py",
      'task 1: refusing path "ok\\x1b[32m.py": it contains the invisible or control character \\x1b; use only printable characters in file and folder names',
    ],
    [
      "a.py\n- fake.py (passed tests)",
      'task 1: refusing path "a.py\\n- fake.py (passed tests)": it contains the invisible or control character \\n; use only printable characters in file and folder names',
    ],
    [
      "evil\u202eyp.py",
      'task 1: refusing path "evil\\u{202e}yp.py": it contains the invisible or control character \\u{202e}; use only printable characters in file and folder names',
    ],
  ])("refuses the control or format characters in %j", (file, reason) => {
    expect(problemsOf([task(1, file)])).toBe(reason);
  });

  it.each([".Git/", ".git. /", "\uff0e\uff47\uff49\uff54/", "GIT~1/"])(
    "refuses %j, a spelling of .git",
    (directory) => {
      expect(problemsOf([task(1, "hook.py", [], directory)])).toMatch(
        /names git's own \.git directory on some file system; git's internals are off limits, choose another folder name$/,
      );
    },
  );

  it("refuses a name longer than file systems allow, counting UTF-8 bytes", () => {
    expect(problemsOf([task(1, `${"é".repeat(127)}.py`)])).toMatch(
      /is 257 bytes long; file systems allow at most 255, choose a shorter name$/,
    );
  });

  it.each([
    [
      "json.py",
      "",
      "task 1 writes json.py: `json.py` in the repository root, which is on sys.path, would shadow Python's standard module json; choose another name such as `json_utils.py`",
    ],
    [
      "os.py",
      "",
      "task 1 writes os.py: `os.py` in the repository root, which is on sys.path, would shadow Python's standard module os; choose another name such as `os_utils.py`",
    ],
    [
      "typing.py",
      "",
      "task 1 writes typing.py: `typing.py` in the repository root, which is on sys.path, would shadow Python's standard module typing; choose another name such as `typing_utils.py`",
    ],
    [
      "__init__.py",
      "json/",
      "task 1 writes json/__init__.py: `json/` in the repository root, which is on sys.path, would shadow Python's standard module json; choose another name such as `json_pkg/`",
    ],
    [
      "pytest.py",
      "",
      "task 1 writes pytest.py: `pytest.py` in the repository root, which is on sys.path, would shadow pytest's own module pytest; choose another name such as `pytest_utils.py`",
    ],
    [
      "py.py",
      "",
      "task 1 writes py.py: `py.py` in the repository root, which is on sys.path, would shadow pytest's own module py; choose another name such as `py_utils.py`",
    ],
    [
      "__init__.py",
      "_pytest/",
      "task 1 writes _pytest/__init__.py: `_pytest/` in the repository root, which is on sys.path, would shadow pytest's own module _pytest; choose another name such as `_pytest_pkg/`",
    ],
    [
      "__init__.py",
      "pluggy/",
      "task 1 writes pluggy/__init__.py: `pluggy/` in the repository root, which is on sys.path, would shadow pytest's own module pluggy; choose another name such as `pluggy_pkg/`",
    ],
    [
      "statistics.py",
      "mypkg/",
      "task 1 writes mypkg/statistics.py: `statistics.py` in mypkg/, which pytest puts on sys.path when it tests a file there (the folder has no __init__.py), would shadow Python's standard module statistics; choose another name such as `statistics_utils.py`",
    ],
    [
      "conftest.py",
      "tests/",
      "task 1 writes tests/conftest.py: pytest loads every conftest.py on its own, and one could change any test's verdict; choose another name such as `tests/test_helpers.py`",
    ],
    [
      "sitecustomize.py",
      "",
      "task 1 writes sitecustomize.py: Python runs sitecustomize.py on its own at start-up; choose another name such as `site_settings.py`",
    ],
    [
      "usercustomize.py",
      "lib/",
      "task 1 writes lib/usercustomize.py: Python runs usercustomize.py on its own at start-up; choose another name such as `lib/site_settings.py`",
    ],
  ])("refuses %j in %j, naming the fix", (file, directory, reason) => {
    expect(problemsOf([task(1, file, [], directory)])).toBe(reason);
  });

  it("accepts ordinary names, and standard-library names inside a package (they import as mypkg.json, shadowing nothing)", () => {
    const plan = [
      task(1, "models.py", [], "app/"),
      task(2, "test_models.py", [1], "tests/"),
      task(3, "json_tools.py", [], "utils/"),
      task(4, "__init__.py", [], "mypkg/"),
      task(5, "json.py", [4], "mypkg/"),
      task(6, "test_json.py", [5], "mypkg/"),
      task(7, "helpers.py", [], "test/"),
    ];
    expect(validatePlan(plan)).toEqual(plan);
  });
});

describe("validatePlan: files the merge could not all write", () => {
  it("refuses a file where another task needs a folder, in either order", () => {
    const reason =
      "task 1 writes the file ok.py, but task 2 writes ok.py/inner.py inside a folder of that name; a path cannot be both, rename one of them";
    expect(problemsOf([task(1, "ok.py"), task(2, "inner.py", [], "ok.py/")])).toBe(reason);
    expect(problemsOf([task(2, "inner.py", [], "ok.py/"), task(1, "ok.py")])).toBe(reason);
  });

  it("refuses one file for two tasks even when one depends on the other: the later would silently replace the earlier", () => {
    expect(problemsOf([task(1, "a.py"), task(2, "a.py", [1])])).toBe(
      "tasks 1 and 2 both write a.py; give each file to one task",
    );
  });

  it("refuses names equal but for case, one file on macOS and Windows", () => {
    expect(problemsOf([task(1, "Models.py", [], "app/"), task(2, "models.py", [], "APP/")])).toBe(
      "tasks 1 and 2 write app/Models.py and APP/models.py, one file on macOS and Windows; give them names that differ in more than case",
    );
  });

  it("accepts a file next to a folder whose name merely starts the same", () => {
    const plan = [task(1, "ok.py"), task(2, "inner.py", [], "ok/"), task(3, "inner.py", [], "ok.pyx/")];
    expect(validatePlan(plan)).toEqual(plan);
  });
});

describe("the rejection a person reads", () => {
  it("names the first few schema problems on one line, not zod's whole dump", () => {
    const nonsense = Array.from({ length: 10 }, (_, i) => ({ id: `x${i}`, file: 7 }));
    const problems = problemsOf(nonsense);
    expect(problems).not.toContain("\n");
    expect(problems).toMatch(/^task #1 \S+: .+; task #1 \S+: .+; task #\d \S+: .+ \(and \d+ more problems\)$/);
  });

  it("says a reason the model earned on every answer once, with the answers it covers", () => {
    const zodDump = `task #1 description: Invalid input: expected string, received undefined${" x".repeat(400)}`;
    const message = new PlanRejectedError([`answer 1: ${zodDump}`, `answer 2: ${zodDump}`, `answer 3: ${zodDump}`])
      .message;
    expect(message.match(/task #1 description/g)).toHaveLength(1);
    expect(message).toMatch(/^the plan was rejected: answers 1-3: task #1 description: .*… \(cut\)$/);
    expect(message.length).toBeLessThan(500);
    expect(new PlanRejectedError(["answer 1: a", "answer 2: b", "answer 3: b"]).message).toBe(
      "the plan was rejected: answer 1: a; answers 2-3: b",
    );
  });
});
