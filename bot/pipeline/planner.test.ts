// Planner logic with a scripted model (labelled: the answers are canned, the parsing is real).
import { describe, expect, it } from "vitest";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { PlanRejectedError } from "./plan-validation.js";
import {
  ClarificationNeeded,
  Planner,
  planJsonSchema,
  planOrQuestionsJsonSchema,
  REFUSED_PLAN_QUESTIONS,
} from "./planner.js";

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

describe("Planner questions (issue 24)", () => {
  it("may answer a vague request with questions, where asking is allowed, and is told so", async () => {
    const model = new ScriptedCodeModel([
      { kind: "decompose", reply: 'Here: {"questions": ["Which file?", "Raise or return None?"]}' },
    ]);
    const error = await new Planner(model, { retries: 1 })
      .decompose("make it better", { questions: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClarificationNeeded);
    expect(error).toMatchObject({ questions: ["Which file?", "Raise or return None?"], refused: undefined });
    expect(model.prompts).toHaveLength(1);
    expect(model.prompts[0]!.text).toContain('{"questions": [');
    expect(model.prompts[0]!.text).toContain("1 to 3 short, specific questions");
  });

  it("re-asks questions that break the bounds (more than 3, too long) and plans where asking is not allowed", async () => {
    const four = JSON.stringify({ questions: ["a?", "b?", "c?", "d?"] });
    const long = JSON.stringify({ questions: ["x".repeat(501)] });
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: [four, long, goodPlan] }]);
    const tasks = await new Planner(model, { retries: 2 }).decompose("x", { questions: true }).catch((e) => e);
    // Two refused answers (the questions were out of bounds) count as a plan refused twice: generic questions.
    expect(tasks).toBeInstanceOf(ClarificationNeeded);
    expect((tasks as ClarificationNeeded).refused?.join("\n")).toMatch(
      /answer 1: the questions: .*\n.*answer 2: the questions:/s,
    );

    const planning = new ScriptedCodeModel([
      { kind: "decompose", reply: [JSON.stringify({ questions: ["a?"] }), goodPlan] },
    ]);
    const plan = await new Planner(planning, { retries: 1 }).decompose("x", { questions: "no-more" });
    expect(plan).toHaveLength(1);
    expect(planning.prompts[0]!.text).toContain("Questions cannot be asked any more");
    expect(planning.prompts[1]!.text).toContain("questions cannot be asked now; return the plan as a JSON array");
    // Without the option the prompt is the seed's, and local models' grammar allows only a plan.
    const plain = new ScriptedCodeModel([{ kind: "decompose", reply: goodPlan }]);
    await new Planner(plain).decompose("x");
    expect(plain.prompts[0]!.text).not.toMatch(/questions/i);
  });

  it("turns a plan refused twice into generic questions carrying the reasons", async () => {
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: ["no plan here", "[]", goodPlan] }]);
    const error = await new Planner(model, { retries: 2 }).decompose("x", { questions: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ClarificationNeeded);
    expect(error).toMatchObject({ questions: REFUSED_PLAN_QUESTIONS });
    expect((error as ClarificationNeeded).refused).toHaveLength(2);
    expect(model.prompts).toHaveLength(2); // not a third guess
  });

  it("gives local models a grammar that allows questions only where they may be asked", async () => {
    const schemas: unknown[] = [];
    const model = {
      name: "grammar-recorder",
      complete: async (_prompt: unknown, options?: { jsonSchema?: unknown }) => {
        schemas.push(options?.jsonSchema);
        return goodPlan;
      },
    };
    await new Planner(model).decompose("x", { questions: true });
    await new Planner(model).decompose("x");
    expect(schemas).toEqual([planOrQuestionsJsonSchema, planJsonSchema]);
  });
});
