// Picks the CodeModel implementation from one model spec string (CLI --model, MODEL_PATH):
// "script:<file.json>" replays scripted answers (offline demos and tests); a known short name
// (known-models.ts) stands for its URI; anything else is a GGUF path or URI loaded with node-llama-cpp.
import type { DellmEnv, GpuChoice } from "../../shared/config.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import { LlamaCodeModel, type LoadProgress } from "./llama-code-model.js";
import { modelProgressPrinter } from "../progress-lines.js";
import { ScriptedCodeModel } from "./scripted-code-model.js";
import { resolveModelSpec } from "./known-models.js";

export interface OpenCodeModelOptions {
  modelsDirectory?: string;
  threads?: number;
  contextSize?: number;
  /** Where the model runs (LlamaCodeModelOptions.gpu). Default "auto". */
  gpu?: GpuChoice;
  /** Context sequences, one per task using the model at once (LlamaCodeModelOptions.sequences). Default 1. */
  sequences?: number;
  /** Where hf: URIs are downloaded from (MODEL_ENDPOINT; default Hugging Face). */
  endpoint?: string;
  onProgress?: (event: LoadProgress) => void;
}

const SCRIPT_PREFIX = "script:";

export async function openCodeModel(spec: string, options: OpenCodeModelOptions = {}): Promise<CodeModel> {
  if (spec.startsWith(SCRIPT_PREFIX)) return ScriptedCodeModel.fromFile(spec.slice(SCRIPT_PREFIX.length));
  return LlamaCodeModel.load({
    model: resolveModelSpec(spec),
    modelsDirectory: options.modelsDirectory,
    threads: options.threads,
    contextSize: options.contextSize,
    gpu: options.gpu,
    sequences: options.sequences,
    endpoint: options.endpoint,
    onProgress: options.onProgress,
  });
}

/**
 * The model a command asked for, with the settings from the environment and progress as lines;
 * then where it runs: "[model] backend cpu, 0 of 29 layers on the GPU".
 */
export async function openCodeModelForCommand(
  spec: string,
  threads: number,
  env: DellmEnv,
  log: (line: string) => void,
  /** gpu: --gpu (default DELLM_GPU); sequences: the in-process workers sharing the model (default 1). */
  { gpu = env.DELLM_GPU, sequences }: Pick<OpenCodeModelOptions, "gpu" | "sequences"> = {},
): Promise<CodeModel> {
  const resolved = resolveModelSpec(spec);
  log(`[model] loading ${resolved === spec ? spec : `${spec} (${resolved})`}`);
  const model = await openCodeModel(spec, {
    modelsDirectory: env.DELLM_MODELS_DIR,
    threads,
    contextSize: env.DELLM_CONTEXT_SIZE,
    gpu,
    sequences,
    endpoint: env.MODEL_ENDPOINT ?? env.HF_ENDPOINT,
    onProgress: modelProgressPrinter(log),
  });
  if (model instanceof LlamaCodeModel) log(describeBackend(model));
  return model;
}

export function describeBackend(model: Pick<LlamaCodeModel, "backend" | "gpuLayers" | "totalLayers">): string {
  return `[model] backend ${model.backend}, ${model.gpuLayers} of ${model.totalLayers} layers on the GPU`;
}
