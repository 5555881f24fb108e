import { describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { UsageError } from "../../shared/usage-error.js";
import { parseRunArgs } from "../../bot/commands/run.js";
import { parseWorkerArgs } from "../worker-command.js";
import { KNOWN_MODELS, modelSpecProblem, resolveModelSpec } from "./known-models.js";

const env = readEnv({});
const workerArgs = ["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", "12D3KooWpeer"];

describe("known model names", () => {
  it("defaults to the Coder model, with the seed's model one short name away", () => {
    expect(env.MODEL_PATH).toBe("hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q8_0.gguf");
    expect(resolveModelSpec("qwen2.5-coder-1.5b")).toBe(env.MODEL_PATH);
    expect(resolveModelSpec("qwen2.5-1.5b")).toBe("hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q8_0.gguf");
  });

  it("keeps paths, URIs and scripted models as they are", () => {
    for (const spec of [
      "models/tiny-random.gguf",
      "tiny.GGUF",
      "hf:user/repo/file.gguf",
      "script:demo.json",
      "/abs/model",
    ])
      expect(resolveModelSpec(spec)).toBe(spec);
  });

  it("refuses an unknown short name, listing the known ones", () => {
    const problem = modelSpecProblem("qwen2.5-coder-7b");
    expect(problem).toMatch(/unknown model "qwen2.5-coder-7b"/);
    for (const name of Object.keys(KNOWN_MODELS)) expect(problem).toContain(name);
    expect(modelSpecProblem("toString")).toBeDefined(); // not an inherited property of the table
    expect(() => resolveModelSpec("llama")).toThrow(/qwen2.5-1.5b/);
  });

  it("is checked when the options are read, for dellm-worker and dellm run", () => {
    expect(parseWorkerArgs([...workerArgs, "--model", "qwen2.5-1.5b"], env).model).toBe("qwen2.5-1.5b");
    expect(() => parseWorkerArgs([...workerArgs, "--model", "qwen-coder"], env)).toThrow(UsageError);
    expect(() => parseWorkerArgs([...workerArgs, "--model", "qwen-coder"], env)).toThrow(/--model: unknown model/);
    expect(() => parseRunArgs(["hi", "--repo", "r", "--model", "coder"], env)).toThrow(/qwen2.5-coder-1.5b/);
    expect(parseRunArgs(["hi", "--repo", "r", "--model", "qwen2.5-coder-1.5b"], env).model).toBe("qwen2.5-coder-1.5b");
  });
});

describe("--gpu", () => {
  it("defaults to DELLM_GPU, else auto, and refuses other values naming the option", () => {
    expect(parseWorkerArgs(workerArgs, env).gpu).toBe("auto");
    expect(parseWorkerArgs(workerArgs, readEnv({ DELLM_GPU: "off" })).gpu).toBe("off");
    expect(parseWorkerArgs([...workerArgs, "--gpu", "vulkan"], env).gpu).toBe("vulkan");
    expect(() => parseWorkerArgs([...workerArgs, "--gpu", "yes"], env)).toThrow(/--gpu must be one of auto, off/);
    expect(() => parseRunArgs(["hi", "--repo", "r", "--gpu", "rocm"], env)).toThrow(/--gpu must be one of/);
    expect(() => readEnv({ DELLM_GPU: "true" })).toThrow(/DELLM_GPU must be one of/);
  });
});
