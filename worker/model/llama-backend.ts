// The node-llama-cpp backend (CPU, CUDA, Vulkan or Metal) the worker's model runs on. Only binaries
// that ship with node-llama-cpp are used: never a build from source, which would download llama.cpp
// and compile for minutes (a volunteer offline, or without a compiler, would wait for nothing).
import { getLlama, type Llama, type LlamaGpuType, type LlamaLogLevel } from "node-llama-cpp";
import { z } from "zod";
import { GPU_CHOICES, type GpuChoice } from "../../shared/config.js";

export type { GpuChoice };

/** The --gpu option of the commands that load a model. */
export const gpuOptionSchema = z.enum(GPU_CHOICES, { error: `--gpu must be one of ${GPU_CHOICES.join(", ")}` });

const BACKEND_NAMES: Record<Exclude<GpuChoice, "auto" | "off">, string> = {
  cuda: "CUDA",
  vulkan: "Vulkan",
  metal: "Metal",
};

/** A forced GPU backend cannot be used here; the message names the option and the fix. */
export class GpuUnavailableError extends Error {
  constructor(choice: Exclude<GpuChoice, "auto" | "off">, options?: { cause?: unknown }) {
    super(
      `--gpu ${choice}: no working ${BACKEND_NAMES[choice]} backend on this machine (its driver or runtime ` +
        `libraries are missing, or node-llama-cpp ships no ${BACKEND_NAMES[choice]} build for this platform); ` +
        "use --gpu auto (the best one available, else the CPU) or --gpu off (DELLM_GPU)",
      options,
    );
    this.name = "GpuUnavailableError";
  }
}

/** "cpu", "cuda", "vulkan" or "metal": what a loaded backend computes with. */
export function backendName(gpu: LlamaGpuType): string {
  return gpu === false ? "cpu" : gpu;
}

const instances = new Map<string, Promise<Llama>>();

/** One backend per (choice, log level) in the process; loading it twice only costs memory. */
export function sharedLlama(choice: GpuChoice, logLevel: LlamaLogLevel): Promise<Llama> {
  const key = `${choice}:${logLevel}`;
  let instance = instances.get(key);
  if (!instance) {
    instance = openLlama(choice, logLevel);
    instance.catch(() => instances.delete(key));
    instances.set(key, instance);
  }
  return instance;
}

async function openLlama(choice: GpuChoice, logLevel: LlamaLogLevel): Promise<Llama> {
  const options = { logLevel, progressLogs: false, build: "never", skipDownload: true } as const;
  // "auto" tries the GPU backends that ship with node-llama-cpp, best first, and ends with the CPU.
  if (choice === "auto" || choice === "off") return getLlama({ ...options, gpu: choice === "off" ? false : "auto" });
  let llama: Llama;
  try {
    llama = await getLlama({ ...options, gpu: choice });
  } catch (error) {
    throw new GpuUnavailableError(choice, { cause: error });
  }
  // node-llama-cpp quietly swaps a backend this platform lacks (Metal off macOS) for "auto".
  if (llama.gpu !== choice) {
    await llama.dispose();
    throw new GpuUnavailableError(choice);
  }
  return llama;
}
