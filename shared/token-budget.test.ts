import { describe, expect, it } from "vitest";
import { canSolvePrompt } from "./prompts.js";
import type { Task } from "./schemas.js";
import { budgetFor, fitPrompt, TOKEN_LIMITS, truncateToTokens } from "./token-budget.js";

// A deterministic stand-in tokenizer (one token per word); the real-model path is tested in
// worker/model/llama-code-model.test.ts with node-llama-cpp's own tokenizer.
const count = async (text: string) => text.split(/\s+/).filter(Boolean).length;
const words = (n: number, word = "word") => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

const task: Task = {
  id: 7,
  description: "Write the parser",
  file: "parser.py",
  dependencies: [3],
  input_output_spec: "Input: str, Output: AST",
  directory: "src/",
  context: "the task itself",
};
const plan: Task[] = Array.from({ length: 40 }, (_, i) => ({
  ...task,
  id: i + 1,
  file: `m${i + 1}.py`,
  description: i + 1 === 7 ? task.description : words(900, `step${i + 1}_`),
  dependencies: i + 1 === 7 ? [3] : [],
}));

describe("token budget (seed: 32k context, 2048 output, 29k prompt, 28k query+plan)", () => {
  it("uses the seed's numbers at full size and scales down for small models", () => {
    expect(budgetFor(32_768)).toEqual({ output: 2048, prompt: 29_000, queryPlusPlan: 28_000 });
    const small = budgetFor(4096);
    expect(small.output).toBe(2048);
    expect(small.prompt).toBe(2048);
    expect(budgetFor(1024).output).toBe(512);
    expect(() => budgetFor(64)).toThrow(/too small/);
  });

  it("leaves a prompt that fits alone", async () => {
    const fitted = await fitPrompt({
      userQuery: "short",
      plan: plan.slice(0, 2),
      task,
      build: (q, p) => canSolvePrompt({ userQuery: q, plan: p, task }),
      contextSize: 32_768,
      count,
    });
    expect(fitted.planSummarised).toBe(false);
    expect(fitted.queryTruncated).toBe(false);
    expect(fitted.prompt.text).toContain("m2.py");
  });

  it("summarises a plan that pushes query + plan over 28k, keeping the task and its dependencies", async () => {
    const fitted = await fitPrompt({
      userQuery: words(500),
      plan,
      task,
      build: (q, p) => canSolvePrompt({ userQuery: q, plan: p, task }),
      contextSize: 32_768,
      count,
    });
    expect(fitted.planSummarised).toBe(true);
    expect(fitted.queryTruncated).toBe(false);
    expect(fitted.tokens).toBeLessThanOrEqual(TOKEN_LIMITS.maxPrompt);
    expect(fitted.prompt.text).toContain("- Task: Write the parser (context: the task itself)");
    expect(fitted.prompt.text).toContain("- Input/Output: Input: str, Output: AST");
    expect(fitted.prompt.text).toContain("3. src/m3.py: step3_0"); // the dependency's line survives
    expect(fitted.prompt.text).toContain(words(500)); // the query is kept whole
  });

  it("cuts the user query only when it alone overflows, never the task", async () => {
    const fitted = await fitPrompt({
      userQuery: words(40_000),
      plan,
      task,
      build: (q, p) => canSolvePrompt({ userQuery: q, plan: p, task }),
      contextSize: 32_768,
      count,
    });
    expect(fitted.queryTruncated).toBe(true);
    expect(fitted.tokens).toBeLessThanOrEqual(29_000);
    expect(fitted.tokens).toBeGreaterThan(28_000); // the query gets all the room that is left
    expect(fitted.prompt.text).toContain("[truncated]");
    expect(fitted.prompt.text).toContain("- Task: Write the parser");
  });

  it("refuses a task that cannot fit at all", async () => {
    const huge = { ...task, description: words(3_000) };
    await expect(
      fitPrompt({
        userQuery: "q",
        plan: [huge],
        task: huge,
        build: (q, p) => canSolvePrompt({ userQuery: q, plan: p, task: huge }),
        contextSize: 4096,
        count,
      }),
    ).rejects.toThrow(/task 7 alone needs/);
  });

  it("truncates to a token count", async () => {
    const cut = await truncateToTokens(words(100), 10, count);
    expect(await count(cut)).toBeLessThanOrEqual(10);
    expect(cut.startsWith("word0 word1")).toBe(true);
  });
});
