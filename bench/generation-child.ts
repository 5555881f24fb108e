// One generation measurement in a fresh process (so its peak RSS is the worker's alone):
// load the model through the worker's code-model path, evaluate a prompt, decode N tokens.
// Prints one JSON line. Usage: tsx bench/generation-child.ts '<json options>'
import { plainPrompt } from "../shared/prompts.js";
import { resourceUsage } from "node:process";
import { z } from "zod";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";

const OptionsSchema = z.object({
  model: z.string(),
  threads: z.number().int().positive(),
  contextSize: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().optional(),
  useMmap: z.boolean().optional(),
  kvCacheType: z.enum(["F16", "Q8_0"]).optional(),
  promptWords: z.number().int().positive(),
  decodeTokens: z.number().int().positive(),
});
const options = OptionsSchema.parse(JSON.parse(process.argv[2] ?? "{}"));

const loadStarted = performance.now();
const model = await LlamaCodeModel.load({
  model: options.model,
  threads: options.threads,
  contextSize: options.contextSize,
  batchSize: options.batchSize,
  useMmap: options.useMmap,
  kvCacheType: options.kvCacheType,
});
const loadSeconds = (performance.now() - loadStarted) / 1000;
const rssAfterLoad = process.memoryUsage().rss;
const prompt = "Write a Python function that returns the n-th fibonacci number, with pytest tests. ".repeat(
  Math.ceil(options.promptWords / 14),
);
await model.complete(plainPrompt(prompt), {
  maxTokens: options.decodeTokens,
  ignoreEos: true,
  temperature: 0.2,
  seed: 1,
});
const stats = model.lastStats!;
await model.dispose();
console.log(
  JSON.stringify({
    ...options,
    contextSize: model.contextSize,
    loadSeconds,
    promptTokens: stats.promptTokens,
    promptTokensPerSecond: stats.promptTokens / (stats.promptMs / 1000),
    generatedTokens: stats.generatedTokens,
    // The first token comes with the prompt; the rate is over the tokens after it.
    decodeTokensPerSecond: (stats.generatedTokens - 1) / (stats.decodeMs / 1000),
    rssAfterLoadBytes: rssAfterLoad,
    peakRssBytes: resourceUsage().maxRSS * 1024,
  }),
);
process.exit(0);
