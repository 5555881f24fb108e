// Planner logic with a scripted model (labelled: the answers are canned, the parsing is real).
import { describe, expect, it } from "vitest";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { PlanRejectedError } from "./plan-validation.js";
import { Planner } from "./planner.js";

const goodPlan = JSON.stringify([
  {
    id: 1,
    description: "fib",
    file: "fib.py",
    dependencies: [],
    input_output_spec: "n -> int",
    directory: "",
    context: "",
  },
]);

describe("Planner with a scripted model", () => {
  it("returns a validated plan from fenced JSON", async () => {
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: "```json\n" + goodPlan + "\n```" }]);
    const tasks = await new Planner(model).decompose("fibonacci");
    expect(tasks.map((t) => t.file)).toEqual(["fib.py"]);
    expect(model.prompts[0]?.text).toContain("Given fibonacci:");
  });

  it("re-asks with the reason after an invalid plan", async () => {
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: ["not json at all", '[{"id": 1}]', goodPlan] }]);
    const tasks = await new Planner(model, { retries: 2 }).decompose("fibonacci");
    expect(tasks).toHaveLength(1);
    expect(model.prompts).toHaveLength(3);
    expect(model.prompts[1]?.text).toContain(
      "Your previous answer was rejected: answer 1: the answer contains no JSON",
    );
    expect(model.prompts[2]?.text).toContain("answer 2:");
  });

  it("gives up with every reason after the retries", async () => {
    const cyclic = JSON.stringify([
      { id: 1, description: "a", file: "a.py", dependencies: [2], input_output_spec: "", directory: "", context: "" },
      { id: 2, description: "b", file: "b.py", dependencies: [1], input_output_spec: "", directory: "", context: "" },
    ]);
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: cyclic }]);
    const error = await new Planner(model, { retries: 1 }).decompose("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRejectedError);
    expect((error as PlanRejectedError).problems).toHaveLength(2);
    expect((error as Error).message).toMatch(/cycle/);
  });
});
