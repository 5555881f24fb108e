// Prompt-lookup decoding must not change the answer: greedy output with it equals greedy output
// without it, also when guesses are accepted (the tiny model writes newlines, and this prompt holds
// a long run of them for the lookup to copy).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainPrompt } from "../../shared/prompts.js";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import { LlamaCodeModel } from "./llama-code-model.js";
import { promptLookupSettings } from "./prompt-lookup.js";

let dir: string;
let model: LlamaCodeModel;
const file = Array.from({ length: 20 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join("\n");
const copying = plainPrompt(`Copy this file exactly:${"\n".repeat(300)}${file}`);
const greedy = { maxTokens: 120, ignoreEos: true, temperature: 0, seed: 1 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-lookup-"));
  const path = join(dir, "tiny-random.gguf");
  await makeTinyModel(path, { seed: 3 });
  model = await LlamaCodeModel.load({ model: path, threads: 1, gpu: "off", contextSize: 2048, promptLookup: "on" });
}, 60_000);

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("prompt-lookup decoding (copiesPrompt)", () => {
  it("gives the same greedy answer as plain decoding and counts only the answer's tokens", async () => {
    const plain = await model.complete(copying, { ...greedy, copiesPrompt: false });
    expect(model.lastStats).toMatchObject({ generatedTokens: 120, guessedTokens: 0 });
    const guessed = await model.complete(copying, { ...greedy, copiesPrompt: true });
    expect(guessed).toBe(plain);
    expect(model.lastStats?.generatedTokens).toBe(120); // guesses turned down are not counted
    // More than one guess taken per check on average: node-llama-cpp follows the whole chain of
    // right guesses (unpatched, it takes only the first of a batch: at most half the answer).
    expect(model.lastStats?.guessedTokens).toBeGreaterThan(120 / 2);
    expect(await model.complete(copying, { ...greedy, copiesPrompt: false })).toBe(plain); // and off again
    expect(model.lastStats?.guessedTokens).toBe(0);
  });

  it("is on by default on the CPU too, guessing long runs only, with the same answer; off when told", async () => {
    expect(promptLookupSettings(false)).toEqual({
      pattern: 3,
      min: 7,
      max: 31,
      adaptive: { start: 15 },
      oneGuessWhenCut: false,
    });
    expect(promptLookupSettings(true)).toBeUndefined(); // node-llama-cpp's defaults on a GPU
    const onCpu = await LlamaCodeModel.load({ model: model.modelPath, threads: 1, gpu: "off", contextSize: 2048 });
    const off = await LlamaCodeModel.load({
      model: model.modelPath,
      threads: 1,
      gpu: "off",
      contextSize: 2048,
      promptLookup: "off",
    });
    try {
      expect(onCpu.promptLookup).toBe(true);
      const plain = await off.complete(copying, { ...greedy, copiesPrompt: true });
      expect(off.lastStats?.guessedTokens).toBe(0);
      expect(await onCpu.complete(copying, { ...greedy, copiesPrompt: true })).toBe(plain);
      expect(onCpu.lastStats?.guessedTokens).toBeGreaterThan(0);
    } finally {
      await Promise.all([onCpu.dispose(), off.dispose()]);
    }
  });
});
