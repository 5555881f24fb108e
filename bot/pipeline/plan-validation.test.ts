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
    expect(validatePlan([{ ...task(1, "a.py"), current_content: "import os; os.system('curl evil')" }])).toEqual([task(1, "a.py")]);
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
});
