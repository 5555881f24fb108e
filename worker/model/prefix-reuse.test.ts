// A task's prompts share their "Given:" block; the model evaluates it once per task, also when
// tasks interleave on a shared model. Greedy decoding (temperature 0) makes outputs comparable.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canSolvePrompt, codePrompt, repairPrompt, type Prompt } from "../../shared/prompts.js";
import type { Task } from "../../shared/schemas.js";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import { LlamaCodeModel } from "./llama-code-model.js";
import { SequencePool } from "./sequence-pool.js";

let dir: string;
let path: string;
const greedy = { maxTokens: 12, temperature: 0, seed: 7 };

function taskPrompts(id: number, description: string): { canSolve: Prompt; code: Prompt; repair: Prompt } {
  const task: Task = {
    id,
    description,
    file: `calc_${id}.py`,
    dependencies: [],
    input_output_spec: "add(a: int, b: int) -> int; sub(a: int, b: int) -> int; mul and div likewise",
    directory: "calc",
    context: "",
  };
  const input = {
    userQuery: "Build a calculator package with the four operations and tests",
    plan: "1. calc/add.py: addition\n2. calc/sub.py: subtraction\n3. calc/mul.py: multiplication\n4. calc/div.py: division",
    task,
  };
  return {
    canSolve: canSolvePrompt(input),
    code: codePrompt(input),
    repair: repairPrompt({ ...input, previousCode: "def add(a, b):\n    return a - b\n", failureLog: "assert 1 == 3" }),
  };
}

async function run(model: LlamaCodeModel, prompt: Prompt): Promise<{ text: string; promptTokens: number }> {
  const text = await model.complete(prompt, greedy);
  return { text, promptTokens: model.lastStats!.promptTokens };
}

async function withModel<T>(sequences: number, use: (model: LlamaCodeModel) => Promise<T>): Promise<T> {
  const model = await LlamaCodeModel.load({ model: path, threads: 1, gpu: "off", sequences, contextSize: 4096 });
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-prefix-"));
  path = join(dir, "tiny-random.gguf");
  await makeTinyModel(path, { seed: 5 });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("prompt prefix reuse", () => {
  it("evaluates only the part of 5.6 after what 5.2 already evaluated, with the same output", async () => {
    const { canSolve, code } = taskPrompts(1, "Implement addition");
    const cold = await withModel(1, (model) => run(model, code));
    const warm = await withModel(1, async (model) => {
      await run(model, canSolve);
      return run(model, code);
    });
    expect(warm.text).toBe(cold.text);
    expect(warm.promptTokens).toBeLessThan(cold.promptTokens / 2);
  });

  it("evaluates a task's prompts (5.2, 5.6, a repair) in at most 1.3x its longest prompt", async () => {
    const prompts = Object.values(taskPrompts(2, "Implement subtraction"));
    const { evaluated, longest } = await withModel(1, async (model) => {
      const cold = await Promise.all(prompts.map((prompt) => withModel(1, (fresh) => run(fresh, prompt))));
      let sum = 0;
      for (const prompt of prompts) sum += (await run(model, prompt)).promptTokens;
      return { evaluated: sum, longest: Math.max(...cold.map((c) => c.promptTokens)) };
    });
    expect(evaluated).toBeLessThanOrEqual(1.3 * longest);
  });

  it("keeps each task's prefix when two tasks interleave on a model with two sequences", async () => {
    const a = taskPrompts(3, "Implement multiplication");
    const b = taskPrompts(4, "Implement division, raising ZeroDivisionError on 0");
    const interleaved = async (sequences: number) =>
      withModel(sequences, async (model) => {
        await run(model, a.canSolve);
        await run(model, b.canSolve);
        return run(model, a.code);
      });
    const alone = await withModel(1, async (model) => {
      await run(model, a.canSolve);
      return run(model, a.code);
    });
    const oneSequence = await interleaved(1);
    const twoSequences = await interleaved(2);
    expect(twoSequences.text).toBe(alone.text);
    expect(twoSequences.promptTokens).toBe(alone.promptTokens); // as if task b had not run in between
    expect(oneSequence.promptTokens).toBeGreaterThan(alone.promptTokens); // b's 5.2 overwrote a's task lines
  });
});

describe("SequencePool", () => {
  it("sends a task's prompts to the sequence that served the task, others to the least recently used", () => {
    const pool = new SequencePool(["s0", "s1"]);
    expect(pool.take("calc/add.py")).toBe("s0");
    expect(pool.take("calc/sub.py")).toBe("s1");
    expect(pool.take("calc/add.py")).toBe("s0");
    expect(pool.take("calc/sub.py")).toBe("s1");
    expect(pool.take(undefined)).toBe("s0"); // least recently used
    expect(pool.take("calc/mul.py")).toBe("s1");
    expect(pool.take(undefined)).toBe("s0");
  });
});
