// `dellm-worker doctor`'s checks of the volunteer's own machine: Node, Docker, the sandbox image,
// the model file, memory and disk. Each returns a CheckResult whose failure names its fix; none
// throws (a doctor that crashes on the problem it should describe helps nobody).
import { stat, statfs } from "node:fs/promises";
import { availableParallelism, freemem } from "node:os";
import { dirname, resolve } from "node:path";
import type Docker from "dockerode";
import { DEFAULT_SANDBOX_IMAGE } from "../../shared/config.js";
import { resolveModelSpec } from "../model/known-models.js";
import { modelFileHash } from "../model/model-hash.js";
import { ModelUnavailableError, resolveModelSource, validateGgufFile } from "../model/model-source.js";
import { DEFAULT_CONTEXT_CAP } from "../model/llama-code-model.js";
import { scriptCommand } from "./package-scripts.js";

export type CheckStatus = "ok" | "FAIL" | "warn" | "info" | "skip";

export interface CheckResult {
  /** Short name shown in the first column: "docker", "model", … */
  name: string;
  /** FAIL: a required check failed (exit 1); warn / info: worth knowing, never fatal; skip: needs a failed one. */
  status: CheckStatus;
  detail: string;
  /** What to do about a FAIL or warn. */
  fix?: string;
}

export const MIN_NODE: readonly [number, number] = [22, 12];
const MiB = 2 ** 20;
const GiB = 2 ** 30;

export function formatBytes(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(2)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;
}

export function checkNode(version: string = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: "node", status: "ok", detail: `Node.js ${version} (needs ${MIN_NODE.join(".")} or newer)` }
    : {
        name: "node",
        status: "FAIL",
        detail: `Node.js ${version} is too old; dellm needs ${MIN_NODE.join(".")} or newer`,
        fix: "install Node.js 22 (https://nodejs.org, or nvm install 22), or in a checkout: source scripts/node22.sh",
      };
}

/** Bounded: a daemon that accepts the connection but never answers must not hang the doctor. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function checkDocker(docker: Docker, timeoutMs: number): Promise<CheckResult> {
  try {
    await withTimeout(docker.ping(), timeoutMs, "the Docker daemon");
    const version = await withTimeout(docker.version(), timeoutMs, "the Docker daemon").catch(() => undefined);
    return {
      name: "docker",
      status: "ok",
      detail: `the daemon answers${version ? ` (Docker ${version.Version})` : ""}`,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = (docker.modem as { socketPath?: unknown }).socketPath;
    const detail = `the Docker daemon does not answer${typeof where === "string" ? ` at ${where}` : ""} (${(error as Error).message})`;
    if (code === "EACCES")
      return {
        name: "docker",
        status: "FAIL",
        detail,
        fix: "let your user talk to Docker: sudo usermod -aG docker $USER, then log out and in again",
      };
    return {
      name: "docker",
      status: "FAIL",
      detail,
      fix:
        `start the daemon: bash ${scriptCommand("start-docker.sh")} (or sudo systemctl start docker); ` +
        "not installed? https://docs.docker.com/engine/install/ (Debian/Ubuntu: apt-get install docker.io); " +
        "a remote daemon: set DOCKER_HOST",
    };
  }
}

/** The exact command that builds `image` (the script reads DELLM_SANDBOX_IMAGE for its name). */
export function buildImageCommand(image: string): string {
  const prefix = image === DEFAULT_SANDBOX_IMAGE ? "" : `DELLM_SANDBOX_IMAGE=${image} `;
  return `${prefix}bash ${scriptCommand("build-sandbox-image.sh")}`;
}

export async function checkImage(docker: Docker, image: string, timeoutMs: number): Promise<CheckResult> {
  try {
    const info = await withTimeout(docker.getImage(image).inspect(), timeoutMs, "the Docker daemon");
    return {
      name: "image",
      status: "ok",
      detail: `sandbox image ${image} is present (${formatBytes(info.Size)}, built ${info.Created.slice(0, 10)})`,
    };
  } catch (error) {
    const missing = (error as { statusCode?: number }).statusCode === 404;
    return {
      name: "image",
      status: "FAIL",
      detail: missing
        ? `the sandbox image ${image} is missing`
        : `cannot inspect the sandbox image ${image} (${(error as Error).message})`,
      fix: `build it (a few minutes, once): ${buildImageCommand(image)}; or run dellm-worker doctor --fix, which builds it; or give --image an image with python and pytest`,
    };
  }
}

export interface ModelFacts {
  path: string;
  size: number;
  /** Bytes of the KV cache at the context the worker opens (quantized Q8_0 cache), estimated from the header. */
  contextBytes: number;
  contextTokens: number;
}

export interface ModelCheck {
  result: CheckResult;
  /** Known when the file was found and readable. */
  facts?: ModelFacts;
}

/** The Q8_0 KV cache the worker opens: 34 bytes per 32 values, keys and values, every layer. */
export function kvCacheBytes(tokens: number, layers: number, headsKv: number, headDim: number): number {
  return Math.ceil(tokens * layers * 2 * headsKv * headDim * (34 / 32));
}

function numberField(metadata: Record<string, unknown>, key: string): number | undefined {
  const value = metadata[key];
  if (typeof value === "number" && value > 0) return value;
  if (Array.isArray(value) && typeof value[0] === "number") return Math.max(...(value as number[]));
  return undefined;
}

export async function checkModel(
  spec: string,
  options: { modelsDirectory: string; contextSize?: number; hashCacheFile?: string },
): Promise<ModelCheck> {
  if (spec.startsWith("script:"))
    return {
      result: { name: "model", status: "ok", detail: `scripted answers (${spec}): no weights needed` },
    };
  let path: string;
  try {
    path = (
      await resolveModelSource({
        model: resolveModelSpec(spec),
        modelsDirectory: options.modelsDirectory,
        download: false,
      })
    ).path;
  } catch (error) {
    // resolveModelSource's message: the problem, then "To fix, do one of:" and the ways.
    const [first = "", ...rest] = (error as Error).message.split("\n").filter((line) => !/^To fix, /.test(line));
    const downloadable = error instanceof ModelUnavailableError && /not in/.test(first);
    return {
      result: {
        name: "model",
        status: "FAIL",
        detail: first,
        fix: downloadable
          ? `the worker downloads it on its first start (about 1.6 GB for the default model), or do one of:\n${rest.join("\n")}`
          : `do one of:\n${rest.join("\n")}`,
      },
    };
  }
  try {
    const info = await validateGgufFile(path);
    const sha256 = await modelFileHash(path, options.hashCacheFile ? { cacheFile: options.hashCacheFile } : {});
    const metadata = info.architectureMetadata as Record<string, unknown>;
    const attention = (metadata.attention ?? {}) as Record<string, unknown>;
    const layers = numberField(metadata, "block_count") ?? 0;
    const embedding = numberField(metadata, "embedding_length") ?? 0;
    const heads = numberField(attention, "head_count") ?? 1;
    const headsKv = numberField(attention, "head_count_kv") ?? heads;
    const headDim = numberField(attention, "key_length") ?? embedding / heads;
    const trained = numberField(metadata, "context_length") ?? DEFAULT_CONTEXT_CAP;
    const contextTokens = options.contextSize ?? Math.min(DEFAULT_CONTEXT_CAP, trained);
    const facts: ModelFacts = {
      path,
      size: (await stat(path)).size,
      contextTokens,
      contextBytes: kvCacheBytes(contextTokens, layers, headsKv, headDim),
    };
    return {
      facts,
      result: {
        name: "model",
        status: "ok",
        detail: `${path}: ${formatBytes(facts.size)}, sha256 ${sha256}`,
      },
    };
  } catch (error) {
    return {
      result: {
        name: "model",
        status: "FAIL",
        detail: (error as Error).message,
        fix: "the file is damaged or not a model llama.cpp loads: delete it and let the worker download it again, or give --model another .gguf",
      },
    };
  }
}

/** What llama.cpp needs besides the weights and the KV cache (compute buffers, the runtime): a margin. */
export const MEMORY_MARGIN_BYTES = 512 * MiB;

/** Memory this process may still use: the cgroup limit where one applies (containers), else the system's free memory. */
export function availableMemoryBytes(): number {
  const constrained = (process as { availableMemory?: () => number }).availableMemory?.();
  return constrained && constrained > 0 ? Math.min(constrained, freemem() || constrained) : freemem();
}

export function checkMemory(facts: ModelFacts | undefined, available: number = availableMemoryBytes()): CheckResult {
  if (!facts) return { name: "memory", status: "skip", detail: "needs the model file (see above)" };
  const needed = facts.size + facts.contextBytes + MEMORY_MARGIN_BYTES;
  const detail = `${formatBytes(available)} free; the model needs about ${formatBytes(needed)} (weights ${formatBytes(facts.size)} + ${facts.contextTokens}-token context ${formatBytes(facts.contextBytes)} + ${formatBytes(MEMORY_MARGIN_BYTES)} working memory)`;
  return available >= needed
    ? { name: "memory", status: "ok", detail }
    : {
        name: "memory",
        status: "FAIL",
        detail,
        fix: "close programs to free memory, or use a smaller context (DELLM_CONTEXT_SIZE=4096) or a smaller model (--model)",
      };
}

/** Free bytes on the file system holding `path` (its nearest existing folder). */
async function freeBytes(path: string): Promise<number> {
  let folder = resolve(path);
  for (let depth = 0; depth < 64; depth++) {
    try {
      const fs = await statfs(folder);
      return fs.bavail * fs.bsize;
    } catch {
      const parent = dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
  throw new Error(`cannot read the free space of ${path}`);
}

/**
 * Room for what the worker writes: its snapshot cache up to --cache-mb, and where the model is
 * missing, the default model's download (1.6 GB) into the models folder.
 */
export async function checkDisk(options: {
  cacheDir: string;
  cacheMb: number;
  modelsDirectory: string;
  modelMissing: boolean;
}): Promise<CheckResult> {
  const needs: Array<{ where: string; bytes: number; what: string }> = [
    {
      where: options.cacheDir,
      bytes: options.cacheMb * MiB,
      what: `the snapshot cache (--cache-mb ${options.cacheMb})`,
    },
  ];
  if (options.modelMissing)
    needs.push({ where: options.modelsDirectory, bytes: 2 * GiB, what: "the model's download" });
  try {
    const lines: string[] = [];
    const short: string[] = [];
    for (const need of needs) {
      const free = await freeBytes(need.where);
      lines.push(`${formatBytes(free)} free at ${need.where} for ${need.what}, ${formatBytes(need.bytes)}`);
      if (free < need.bytes) short.push(need.where);
    }
    return short.length === 0
      ? { name: "disk", status: "ok", detail: lines.join("; ") }
      : {
          name: "disk",
          status: "FAIL",
          detail: lines.join("; "),
          fix: `free space at ${short.join(" and ")}, or lower --cache-mb / move the cache with --cache-dir`,
        };
  } catch (error) {
    return { name: "disk", status: "warn", detail: (error as Error).message };
  }
}

export function describeCores(threads: number, nice: number, cores: number = availableParallelism()): CheckResult {
  return {
    name: "cpu",
    status: "info",
    detail: `the model will use ${threads} of ${cores} cores at ${nice > 0 ? `nice ${nice} (lower priority)` : "normal priority"} (--threads, --nice, --normal-priority)`,
  };
}
