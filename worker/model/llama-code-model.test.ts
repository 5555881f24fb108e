import { plainPrompt } from "../../shared/prompts.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import { getLlamaGpuTypes } from "node-llama-cpp";
import { LlamaCodeModel, type LoadProgress } from "./llama-code-model.js";
import { GpuUnavailableError } from "./llama-backend.js";
import { describeBackend } from "./open-code-model.js";
import { InvalidModelFileError, ModelUnavailableError } from "./model-source.js";

let dir: string;
let model: LlamaCodeModel;
const progress: LoadProgress[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-llama-"));
  const path = join(dir, "tiny-random.gguf");
  await makeTinyModel(path, { seed: 3 });
  model = await LlamaCodeModel.load({ model: path, threads: 1, onProgress: (event) => progress.push(event) });
}, 60_000);

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("LlamaCodeModel", () => {
  it("loads the model with the training context by default", () => {
    expect(model.name).toBe("tiny-random");
    expect(model.contextSize).toBe(8192);
    expect(model.threads).toBe(1);
    expect(progress.some((event) => event.phase === "load")).toBe(true);
  });

  it("loads with --gpu auto by default and falls back to the CPU where no GPU backend works", async () => {
    const usableGpus = (await getLlamaGpuTypes("supported")).filter((gpu) => gpu !== false);
    if (usableGpus.length > 0) return; // a GPU machine: auto may rightly pick it
    expect(model.backend).toBe("cpu");
    expect(describeBackend(model)).toBe("[model] backend cpu, 0 of 2 layers on the GPU"); // 1 block + output
  });

  it("loads on the CPU with --gpu off", async () => {
    const onCpu = await LlamaCodeModel.load({ model: model.modelPath, threads: 1, gpu: "off" });
    try {
      expect([onCpu.backend, onCpu.gpuLayers, onCpu.totalLayers]).toEqual(["cpu", 0, 2]);
    } finally {
      await onCpu.dispose();
    }
  });

  it.runIf(process.platform !== "darwin")("refuses a forced backend the machine lacks, naming the option", async () => {
    const load = LlamaCodeModel.load({ model: model.modelPath, threads: 1, gpu: "metal" });
    await expect(load).rejects.toThrow(GpuUnavailableError);
    await expect(load).rejects.toThrow(/--gpu metal: .*use --gpu auto .* or --gpu off/);
  });

  it("generates text (a random model may stop at once) and records stats", async () => {
    const text = await model.complete(plainPrompt("Write a function that adds two numbers."), { maxTokens: 16 });
    expect(typeof text).toBe("string");
    expect(model.lastStats?.generatedTokens).toBeLessThanOrEqual(16);
    expect(model.lastStats?.promptTokens).toBeGreaterThan(0);
  });

  it("generates exactly maxTokens tokens when end tokens are banned", async () => {
    await model.complete(plainPrompt("count"), { maxTokens: 12, ignoreEos: true });
    expect(model.lastStats?.generatedTokens).toBe(12);
    // The same bias again (it is built once per model), and the depth the answer reached.
    await model.complete(plainPrompt("count again"), { maxTokens: 7, ignoreEos: true });
    const stats = model.lastStats!;
    expect(stats.generatedTokens).toBe(7);
    const promptTokens = await model.countTokens("count again");
    // The chat template adds its tokens (node-llama-cpp's default system prompt: about 320 byte tokens).
    expect(stats.contextTokens).toBeGreaterThan(promptTokens + 7);
    expect(stats.contextTokens).toBeLessThan(promptTokens + 7 + 500);
  });

  it("counts tokens with the model's tokenizer", async () => {
    const short = await model.countTokens("hello");
    const long = await model.countTokens("hello, world: a much longer piece of text");
    expect(short).toBeGreaterThan(0);
    expect(long).toBeGreaterThan(short);
    expect(await model.countTokens(" t t")).toBe(2); // the one merge: "Ġ t" → "Ġt"
  });

  it("constrains output to a JSON schema", async () => {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, name: { type: "string" } },
      required: ["ok", "name"],
    };
    const text = await model.complete(plainPrompt("Answer in JSON."), { jsonSchema: schema, maxTokens: 200 });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(typeof parsed.ok).toBe("boolean");
    expect(typeof parsed.name).toBe("string");
  });

  it("serializes concurrent completions on its single sequence", async () => {
    const order: string[] = [];
    const run = (id: string) =>
      model
        .complete(plainPrompt(`task ${id}`), { maxTokens: 8, ignoreEos: true, onTokens: () => order.push(id) })
        .then(() => order.push(`${id} done`));
    await Promise.all([run("a"), run("b")]);
    const aDone = order.indexOf("a done");
    expect(aDone).toBeGreaterThan(0);
    expect(order.slice(0, aDone).every((id) => id === "a")).toBe(true);
    expect(
      order
        .slice(aDone + 1)
        .filter((id) => id !== "b done")
        .every((id) => id === "b"),
    ).toBe(true);
  });

  it("stops on an abort signal, also while waiting in the queue", async () => {
    const controller = new AbortController();
    const running = model.complete(plainPrompt("long"), {
      maxTokens: 2000,
      ignoreEos: true,
      signal: controller.signal,
      onTokens: () => controller.abort(),
    });
    const waiting = new AbortController();
    const queued = model.complete(plainPrompt("queued"), { maxTokens: 4, signal: waiting.signal });
    const queuedOutcome = expect(queued).rejects.toThrow("stopped while queued"); // handled before it rejects
    waiting.abort(new Error("stopped while queued"));
    await expect(running).rejects.toThrow();
    await queuedOutcome;
    // still usable afterwards
    await model.complete(plainPrompt("again"), { maxTokens: 2 });
  });

  it("reports a missing model file with the fix", async () => {
    await expect(LlamaCodeModel.load({ model: join(dir, "missing.gguf") })).rejects.toThrow(ModelUnavailableError);
    await expect(LlamaCodeModel.load({ model: join(dir, "missing.gguf") })).rejects.toThrow(
      /npx node-llama-cpp pull --dir models/,
    );
  });

  it("rejects a GGUF without attention.head_count with an Error instead of aborting", async () => {
    const broken = join(dir, "no-heads.gguf");
    await makeTinyModel(broken, { omitKeys: ["llama.attention.head_count"] });
    await expect(LlamaCodeModel.load({ model: broken })).rejects.toThrow(InvalidModelFileError);
  });
});
