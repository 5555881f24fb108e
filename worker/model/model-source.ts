// Where the worker's model comes from: a local GGUF path, or a Hugging Face URI resolved into
// models/ with node-llama-cpp's own resolver and downloader. A file already in models/ is used
// without touching the network. Every failure says how to fix it, and a GGUF is checked before it
// is handed to llama.cpp (whose asserts would abort the whole process on missing keys).
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { readGgufFileInfo, resolveModelFile, type GgufFileInfo } from "node-llama-cpp";
import { DEFAULT_MODEL_URI, DEFAULT_MODELS_DIR } from "../../shared/config.js";

export { DEFAULT_MODEL_URI };
const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";

export interface ModelSourceOptions {
  /** A GGUF path or a model URI (hf:… or https://…). Default: $MODEL_PATH, else DEFAULT_MODEL_URI. */
  model?: string;
  /** Where URIs are resolved from and downloaded to. Default "models". */
  modelsDirectory?: string;
  /** Download a missing URI model. Default true. */
  download?: boolean;
  /** Show node-llama-cpp's progress bar on the terminal while downloading. Default: stderr is a TTY. */
  progressBar?: boolean;
  /** Download progress, in bytes. */
  onProgress?: (status: { totalSize: number; downloadedSize: number }) => void;
  /** Hugging Face endpoint (a mirror; the commands pass MODEL_ENDPOINT or HF_ENDPOINT). Default: huggingface.co. */
  endpoint?: string;
  /** How long the reachability check before a download may take. Default 15 s. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ResolvedModel {
  path: string;
  /** "file": a path given directly; "cache": found in models/; "download": fetched just now. */
  origin: "file" | "cache" | "download";
  uri?: string;
}

/** The model is not on disk and could not be fetched; the message says what to do. */
export class ModelUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelUnavailableError";
  }
}

/** The file is not a GGUF that llama.cpp can load safely. */
export class InvalidModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidModelFileError";
  }
}

export function isModelUri(model: string): boolean {
  return /^(hf:|hf\.co\/|huggingface:|huggingface\.co\/|https?:\/\/)/i.test(model);
}

/** The fix list shown whenever the model is missing. */
export function modelFixHint(uri: string = DEFAULT_MODEL_URI, modelsDirectory: string = DEFAULT_MODELS_DIR): string {
  return [
    "To fix, do one of:",
    // Offline ways first: the download below spins without end when there is no network.
    "  - offline, no weights: canned model answers, the same pipeline: --model script:scripts/demo-fibonacci.script.json",
    "  - offline, the plumbing only: a tiny random-weight model (writes nonsense): npm run model:tiny, then --model models/tiny-random.gguf",
    "  - use a GGUF file you already have: set MODEL_PATH=/path/to/model.gguf or pass --model /path/to/model.gguf",
    `  - online (huggingface.co or HF_ENDPOINT), download it once: npx node-llama-cpp pull --dir ${modelsDirectory} ${uri}`,
    "  - for planning only, set ANTHROPIC_API_KEY so the planner uses Claude (workers still need a local model)",
  ].join("\n");
}

function endpointFor(options: ModelSourceOptions): string {
  const candidate = options.endpoint;
  if (candidate && /^https?:\/\//.test(candidate)) return candidate.endsWith("/") ? candidate : `${candidate}/`;
  return DEFAULT_HF_ENDPOINT;
}

/** The plain file name an hf URI points at, e.g. "qwen2.5-1.5b-instruct-q8_0.gguf" (none for hf:user/model:quant). */
function uriFileName(uri: string): string | undefined {
  const withoutBranch = uri.split("#")[0]!.split("?")[0]!;
  const last = withoutBranch.split("/").pop() ?? "";
  return last.toLowerCase().endsWith(".gguf") ? decodeURIComponent(last) : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Fails fast (instead of the downloader's minutes of retries) when the server cannot be reached. */
async function checkReachable(url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { method: "HEAD", redirect: "manual", signal: combined });
    await response.body?.cancel();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const reason = timeout.aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : describe(error);
    throw new Error(`cannot reach ${url} (${reason})`, { cause: error });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/**
 * Finds (or downloads) the model file. Order: an existing path; a file of that name in models/;
 * for URIs, node-llama-cpp's own name in models/ (hf_<user>_<file>) or the plain file name; then a
 * download with node-llama-cpp's downloader.
 */
export async function resolveModelSource(options: ModelSourceOptions = {}): Promise<ResolvedModel> {
  const model = options.model ?? DEFAULT_MODEL_URI;
  const directory = resolve(options.modelsDirectory ?? DEFAULT_MODELS_DIR);

  if (!isModelUri(model)) {
    for (const candidate of [resolve(model), resolve(directory, model)]) {
      if (await isFile(candidate)) return { path: candidate, origin: "file" };
    }
    throw new ModelUnavailableError(
      `Model file not found: ${resolve(model)}\n${modelFixHint(DEFAULT_MODEL_URI, options.modelsDirectory)}`,
    );
  }

  const endpoints = { huggingFace: endpointFor(options) };
  const plainName = uriFileName(model);
  if (plainName && (await isFile(resolve(directory, plainName))))
    return { path: resolve(directory, plainName), origin: "cache", uri: model };
  try {
    const path = await resolveModelFile(model, { directory, download: false, cli: false, endpoints });
    return { path, origin: "cache", uri: model };
  } catch {
    // not in models/ yet
  }

  const missing = `Model ${model} is not in ${directory}`;
  if (options.download === false) {
    throw new ModelUnavailableError(
      `${missing} and downloading is turned off.\n${modelFixHint(model, options.modelsDirectory)}`,
    );
  }
  try {
    const probeUrl = /^https?:\/\//i.test(model) ? model : endpoints.huggingFace;
    await checkReachable(probeUrl, options.connectTimeoutMs ?? 15_000, options.signal);
    const path = await resolveModelFile(model, {
      directory,
      download: "auto",
      cli: options.progressBar ?? Boolean(process.stderr.isTTY),
      onProgress: options.onProgress,
      endpoints,
      signal: options.signal,
    });
    return { path, origin: "download", uri: model };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new ModelUnavailableError(
      `${missing} and could not be downloaded: ${describe(error)}\n${modelFixHint(model, options.modelsDirectory)}`,
      {
        cause: error,
      },
    );
  }
}

/** A short human name for logs: the file name without ".gguf" and without node-llama-cpp's "hf_<user>_" prefix. */
export function modelDisplayName(path: string): string {
  return basename(path)
    .replace(/\.gguf$/i, "")
    .replace(/^hf_[^_]+_/, "");
}

function lookup(metadata: unknown, dottedKey: string): unknown {
  let node: unknown = metadata;
  for (const part of dottedKey.split(".")) {
    if (node == null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const BYTES_PER_BLOCK: Record<number, [values: number, bytes: number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  8: [32, 34], // Q8_0
  2: [32, 18], // Q4_0
  12: [256, 144], // Q4_K
  14: [256, 210], // Q6_K
  30: [1, 2], // BF16
};

/**
 * Reads the GGUF header and checks what llama.cpp would otherwise assert on (a native abort kills
 * the process): the architecture's hyper-parameters, a usable tokenizer, and tensor data that lies
 * inside the file. Returns the parsed header.
 */
export async function validateGgufFile(path: string): Promise<GgufFileInfo> {
  let info: GgufFileInfo;
  try {
    info = await readGgufFileInfo(path, { sourceType: "filesystem", readTensorInfo: true, logWarnings: false });
  } catch (error) {
    throw new InvalidModelFileError(`${path} is not a readable GGUF model: ${describe(error)}`);
  }
  const metadata = info.metadata as unknown;
  const problems: string[] = [];
  const architecture = lookup(metadata, "general.architecture");
  if (typeof architecture !== "string" || architecture === "") {
    problems.push("general.architecture is missing");
  } else {
    const positive = [
      "context_length",
      "embedding_length",
      "block_count",
      "feed_forward_length",
      "attention.head_count",
    ];
    for (const key of positive) {
      const value = lookup(metadata, `${architecture}.${key}`);
      const ok = (typeof value === "number" && value > 0) || (Array.isArray(value) && value.length > 0);
      if (!ok) problems.push(`${architecture}.${key} is missing or not positive`);
    }
    const rms = lookup(metadata, `${architecture}.attention.layer_norm_rms_epsilon`);
    const layerNorm = lookup(metadata, `${architecture}.attention.layer_norm_epsilon`);
    if (typeof rms !== "number" && typeof layerNorm !== "number")
      problems.push(`${architecture}.attention.layer_norm_rms_epsilon is missing`);
  }
  const tokenizerModel = lookup(metadata, "tokenizer.ggml.model");
  const tokens = lookup(metadata, "tokenizer.ggml.tokens");
  if (typeof tokenizerModel !== "string") problems.push("tokenizer.ggml.model is missing");
  if (!Array.isArray(tokens) || tokens.length === 0) problems.push("tokenizer.ggml.tokens is missing or empty");
  if (tokenizerModel === "gpt2") {
    const merges = lookup(metadata, "tokenizer.ggml.merges");
    if (!Array.isArray(merges) || merges.length === 0)
      problems.push("tokenizer.ggml.merges is missing or empty (a gpt2 tokenizer needs merges)");
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  if (tensors.length === 0) problems.push("the file has no tensors");
  if (!tensors.some((tensor) => tensor.name === "token_embd.weight"))
    problems.push("tensor token_embd.weight is missing");

  if (info.splicedParts === 1) {
    const fileSize = (await stat(path)).size;
    for (const tensor of tensors) {
      const start = Number(tensor.fileOffset);
      const layout = BYTES_PER_BLOCK[tensor.ggmlType as number];
      const count = tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
      const end = layout ? start + (count / layout[0]) * layout[1] : start;
      if (end > fileSize) {
        problems.push(`tensor ${tensor.name} lies past the end of the file (${fileSize} bytes): the file is truncated`);
        break;
      }
    }
  }
  if (problems.length > 0) throw new InvalidModelFileError(`${path} cannot be loaded: ${problems.join("; ")}`);
  return info;
}
