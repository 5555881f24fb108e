// Random-weight GGUF models that node-llama-cpp can really load:
// - makeTinyModel: a 1-layer llama with a byte-level vocab, for fast tests (tens of KB);
// - makeQwenShapedModel: the exact shape of Qwen2.5-1.5B-Instruct in Q8_0 (~1.65 GB), for the
//   generation benchmark (speed depends on the shape and the quantization, not on the weights).
// Output is deterministic for a given seed.
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import {
  GgufWriter,
  Q8_0_BLOCK,
  float32ToFloat16Bits,
  type GgmlTensorTypeName,
  type GgufWriteSummary,
} from "./gguf-writer.js";

/** Small, fast, seedable PRNG (mulberry32). Returns uint32 values. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Mixes a base seed with a tensor index so every tensor gets its own stream. */
function tensorSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * GPT-2's byte-level alphabet: printable bytes stand for themselves, the other bytes are moved to
 * code points from 256 upwards (so the space byte is "Ġ" and newline is "Ċ").
 */
export function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const alphabet: string[] = [];
  let moved = 0;
  for (let b = 0; b < 256; b++) alphabet.push(String.fromCodePoint(printable(b) ? b : 256 + moved++));
  return alphabet;
}

const TOKEN_TYPE_NORMAL = 1;
const TOKEN_TYPE_CONTROL = 3;
const TOKEN_TYPE_UNUSED = 5;

function* uniformChunks(count: number, scale: number, seed: number, chunk = 1 << 16): Iterable<Float32Array> {
  const next = createRandom(seed);
  for (let done = 0; done < count; done += chunk) {
    const values = new Float32Array(Math.min(chunk, count - done));
    for (let i = 0; i < values.length; i++) values[i] = (next() / 0x100000000 - 0.5) * 2 * scale;
    yield values;
  }
}

function* constantChunks(count: number, value: number): Iterable<Float32Array> {
  yield new Float32Array(count).fill(value);
}

/**
 * Random Q8_0 blocks with one fixed fp16 scale: a fast stand-in for quantized weights.
 * `rowsPerChunk` rows are produced at a time so memory stays bounded.
 */
function* randomQ8_0Bytes(rowLength: number, rows: number, weightStd: number, seed: number): Iterable<Uint8Array> {
  const blocksPerRow = rowLength / Q8_0_BLOCK;
  const blockBytes = Q8_0_BLOCK + 2;
  const rowBytes = blocksPerRow * blockBytes;
  const rowsPerChunk = Math.max(1, Math.floor((8 * 1024 * 1024) / rowBytes));
  // uniform int8 in [-128, 127] has a standard deviation of about 73.9
  const scaleBits = float32ToFloat16Bits(weightStd / 73.9);
  const next = createRandom(seed);
  for (let row = 0; row < rows; row += rowsPerChunk) {
    const take = Math.min(rowsPerChunk, rows - row);
    const bytes = new Uint8Array(take * rowBytes + 3); // +3: room for the last 32-bit store
    const words = new Uint32Array(bytes.buffer, 0, Math.floor(bytes.length / 4));
    for (let i = 0; i < words.length; i++) words[i] = next();
    const blocks = take * blocksPerRow;
    for (let b = 0; b < blocks; b++) {
      bytes[b * blockBytes] = scaleBits & 0xff;
      bytes[b * blockBytes + 1] = scaleBits >>> 8;
    }
    yield bytes.subarray(0, take * rowBytes);
  }
}

export interface TinyModelOptions {
  seed?: number;
  contextLength?: number;
  /** Adds tokenizer.chat_template (a ChatML template). Optional; default false. */
  chatTemplate?: boolean;
  /** Leave out metadata keys, e.g. to build deliberately broken files for tests. */
  omitKeys?: readonly string[];
  /**
   * A random output matrix of this scale instead of the tied embedding. Tied, one layer mostly
   * repeats its last token ("\n\n\n…"); untied, greedy answers vary like text and the logits
   * spread over several units, as a trained model's do. Default: tied.
   */
  outputScale?: number;
}

export const TINY_MODEL_SHAPE = {
  embedding: 64,
  heads: 2, // head size 32: a whole Q8_0 block, so the quantized KV cache works
  headsKv: 2,
  feedForward: 128,
  blocks: 1,
} as const;

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Writes through a temporary name and renames, so a killed run never leaves a half file behind. */
async function writeAtomically(writer: GgufWriter, path: string): Promise<GgufWriteSummary> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.partial`;
  try {
    const summary = await writer.write(temporary);
    await rename(temporary, path);
    return { ...summary, path };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A 1-layer llama (F16 matrices, F32 norms) with 256 byte tokens + 1 merge + an end token. */
export async function makeTinyModel(
  path = "models/tiny-random.gguf",
  options: TinyModelOptions = {},
): Promise<GgufWriteSummary> {
  const seed = options.seed ?? 1;
  const { embedding, heads, headsKv, feedForward, blocks } = TINY_MODEL_SHAPE;
  const headDim = embedding / heads;
  const alphabet = byteLevelAlphabet();
  const merged = "Ġt";
  const tokens = [...alphabet, merged, "<|endoftext|>"];
  const endId = tokens.length - 1;
  const tokenTypes = tokens.map((_, id) => (id === endId ? TOKEN_TYPE_CONTROL : TOKEN_TYPE_NORMAL));

  const writer = new GgufWriter();
  const omit = new Set(options.omitKeys ?? []);
  const set = (key: string, entry: Parameters<GgufWriter["set"]>[1]) => {
    if (!omit.has(key)) writer.set(key, entry);
  };
  set("general.architecture", { type: "string", value: "llama" });
  set("general.name", { type: "string", value: "dellm-tiny-random" });
  set("general.file_type", { type: "uint32", value: 1 }); // mostly F16
  set("llama.context_length", { type: "uint32", value: options.contextLength ?? 8192 });
  set("llama.embedding_length", { type: "uint32", value: embedding });
  set("llama.block_count", { type: "uint32", value: blocks });
  set("llama.feed_forward_length", { type: "uint32", value: feedForward });
  set("llama.attention.head_count", { type: "uint32", value: heads });
  set("llama.attention.head_count_kv", { type: "uint32", value: headsKv });
  set("llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 });
  set("llama.rope.freq_base", { type: "float32", value: 10000 });
  set("llama.rope.dimension_count", { type: "uint32", value: headDim });
  set("tokenizer.ggml.model", { type: "string", value: "gpt2" });
  set("tokenizer.ggml.pre", { type: "string", value: "default" });
  set("tokenizer.ggml.tokens", { type: "string[]", value: tokens });
  set("tokenizer.ggml.token_type", { type: "int32[]", value: tokenTypes });
  set("tokenizer.ggml.merges", { type: "string[]", value: ["Ġ t"] });
  set("tokenizer.ggml.bos_token_id", { type: "uint32", value: endId });
  set("tokenizer.ggml.eos_token_id", { type: "uint32", value: endId });
  set("tokenizer.ggml.add_bos_token", { type: "bool", value: false });
  if (options.chatTemplate) set("tokenizer.chat_template", { type: "string", value: CHATML_TEMPLATE });

  let index = 0;
  const matrix = (name: string, dims: [number, number], scale: number) => {
    const s = tensorSeed(seed, index++);
    writer.addTensor({ name, dims, type: "F16", values: () => uniformChunks(dims[0] * dims[1], scale, s) });
  };
  const norm = (name: string, length: number) => {
    index++;
    writer.addTensor({ name, dims: [length], type: "F32", values: () => constantChunks(length, 1) });
  };
  matrix("token_embd.weight", [embedding, tokens.length], 1);
  norm("output_norm.weight", embedding);
  if (options.outputScale !== undefined) matrix("output.weight", [embedding, tokens.length], options.outputScale);
  for (let b = 0; b < blocks; b++) {
    norm(`blk.${b}.attn_norm.weight`, embedding);
    matrix(`blk.${b}.attn_q.weight`, [embedding, heads * headDim], 0.2);
    matrix(`blk.${b}.attn_k.weight`, [embedding, headsKv * headDim], 0.2);
    matrix(`blk.${b}.attn_v.weight`, [embedding, headsKv * headDim], 0.2);
    matrix(`blk.${b}.attn_output.weight`, [heads * headDim, embedding], 0.2);
    norm(`blk.${b}.ffn_norm.weight`, embedding);
    matrix(`blk.${b}.ffn_gate.weight`, [embedding, feedForward], 0.2);
    matrix(`blk.${b}.ffn_up.weight`, [embedding, feedForward], 0.2);
    matrix(`blk.${b}.ffn_down.weight`, [feedForward, embedding], 0.2);
  }
  return writeAtomically(writer, path);
}

/** The real Qwen2.5-1.5B-Instruct hyper-parameters. */
export const QWEN25_15B_SHAPE = {
  embedding: 1536,
  blocks: 28,
  feedForward: 8960,
  heads: 12,
  headsKv: 2,
  vocab: 151936,
  contextLength: 32768,
  ropeFreqBase: 1_000_000,
  rmsEpsilon: 1e-6,
} as const;

export interface QwenShapedModelOptions {
  seed?: number;
  /** Called after each chunk of matrix data with (matrix bytes written so far, approximate file size). */
  onProgress?: (written: number, total: number) => void;
}

/**
 * A random-weight model with the exact tensor shapes and types of qwen2.5-1.5b-instruct-q8_0.gguf:
 * every matrix (token_embd included, output tied to it) in Q8_0, norms and q/k/v biases in F32.
 */
export async function makeQwenShapedModel(
  path: string,
  options: QwenShapedModelOptions = {},
): Promise<GgufWriteSummary> {
  const seed = options.seed ?? 1;
  const { embedding, blocks, feedForward, heads, headsKv, vocab, contextLength, ropeFreqBase, rmsEpsilon } =
    QWEN25_15B_SHAPE;
  const headDim = embedding / heads;
  const kvWidth = headsKv * headDim;

  const endOfText = 151643;
  const specials = new Map<number, string>([
    [endOfText, "<|endoftext|>"],
    [151644, "<|im_start|>"],
    [151645, "<|im_end|>"],
  ]);
  const alphabet = byteLevelAlphabet();
  const tokens: string[] = new Array<string>(vocab);
  const tokenTypes = new Int32Array(vocab);
  for (let id = 0; id < vocab; id++) {
    const special = specials.get(id);
    if (id < 256) tokens[id] = alphabet[id]!;
    else if (id === 256) tokens[id] = "Ġt";
    else if (special) tokens[id] = special;
    else if (id > endOfText) tokens[id] = `[PAD${id}]`;
    else tokens[id] = `<filler_${id}>`;
    tokenTypes[id] = special ? TOKEN_TYPE_CONTROL : id > endOfText ? TOKEN_TYPE_UNUSED : TOKEN_TYPE_NORMAL;
  }

  const writer = new GgufWriter();
  writer
    .set("general.architecture", { type: "string", value: "qwen2" })
    .set("general.name", { type: "string", value: "Qwen2.5 1.5B Instruct shape (random weights)" })
    .set("general.file_type", { type: "uint32", value: 7 }) // mostly Q8_0
    .set("qwen2.context_length", { type: "uint32", value: contextLength })
    .set("qwen2.embedding_length", { type: "uint32", value: embedding })
    .set("qwen2.block_count", { type: "uint32", value: blocks })
    .set("qwen2.feed_forward_length", { type: "uint32", value: feedForward })
    .set("qwen2.attention.head_count", { type: "uint32", value: heads })
    .set("qwen2.attention.head_count_kv", { type: "uint32", value: headsKv })
    .set("qwen2.rope.freq_base", { type: "float32", value: ropeFreqBase })
    .set("qwen2.attention.layer_norm_rms_epsilon", { type: "float32", value: rmsEpsilon })
    .set("tokenizer.ggml.model", { type: "string", value: "gpt2" })
    .set("tokenizer.ggml.pre", { type: "string", value: "qwen2" })
    .set("tokenizer.ggml.tokens", { type: "string[]", value: tokens })
    .set("tokenizer.ggml.token_type", { type: "int32[]", value: tokenTypes })
    .set("tokenizer.ggml.merges", { type: "string[]", value: ["Ġ t"] })
    .set("tokenizer.ggml.eos_token_id", { type: "uint32", value: 151645 })
    .set("tokenizer.ggml.padding_token_id", { type: "uint32", value: endOfText })
    .set("tokenizer.ggml.bos_token_id", { type: "uint32", value: endOfText })
    .set("tokenizer.ggml.add_bos_token", { type: "bool", value: false })
    .set("tokenizer.chat_template", { type: "string", value: CHATML_TEMPLATE });

  let index = 0;
  let total = 0;
  let written = 0;
  const report = options.onProgress;
  function* withProgress(chunks: Iterable<Uint8Array>): Iterable<Uint8Array> {
    for (const chunk of chunks) {
      yield chunk;
      written += chunk.length;
      report?.(written, total);
    }
  }
  const q8 = (name: string, rowLength: number, rows: number) => {
    const s = tensorSeed(seed, index++);
    writer.addTensor({
      name,
      dims: [rowLength, rows],
      type: "Q8_0",
      bytes: () => withProgress(randomQ8_0Bytes(rowLength, rows, 0.02, s)),
    });
  };
  const f32 = (name: string, length: number, fill: "ones" | "random") => {
    const s = tensorSeed(seed, index++);
    const type: GgmlTensorTypeName = "F32";
    writer.addTensor({
      name,
      dims: [length],
      type,
      values: () => (fill === "ones" ? constantChunks(length, 1) : uniformChunks(length, 0.02, s)),
    });
  };
  q8("token_embd.weight", embedding, vocab);
  f32("output_norm.weight", embedding, "ones");
  for (let b = 0; b < blocks; b++) {
    f32(`blk.${b}.attn_norm.weight`, embedding, "ones");
    q8(`blk.${b}.attn_q.weight`, embedding, embedding);
    f32(`blk.${b}.attn_q.bias`, embedding, "random");
    q8(`blk.${b}.attn_k.weight`, embedding, kvWidth);
    f32(`blk.${b}.attn_k.bias`, kvWidth, "random");
    q8(`blk.${b}.attn_v.weight`, embedding, kvWidth);
    f32(`blk.${b}.attn_v.bias`, kvWidth, "random");
    q8(`blk.${b}.attn_output.weight`, embedding, embedding);
    f32(`blk.${b}.ffn_norm.weight`, embedding, "ones");
    q8(`blk.${b}.ffn_gate.weight`, embedding, feedForward);
    q8(`blk.${b}.ffn_up.weight`, embedding, feedForward);
    q8(`blk.${b}.ffn_down.weight`, feedForward, embedding);
  }
  total = writer.fileSize();
  return writeAtomically(writer, path);
}
