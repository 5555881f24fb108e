// Where a decoded token's time goes besides the model's layers: the worker's path (LlamaCodeModel:
// LlamaChatSession, node-llama-cpp's evaluation loop, sampling over all logits) against node-llama-
// cpp's raw sequence.evaluate (same sampler, no chat session), the same greedy, and llama-bench on
// node-llama-cpp's own libraries (bench/build-nlc-llama-bench.sh: same kernels and threads, no
// sampling, no JS), with its thread pool attached as usual and without one, as node-llama-cpp runs
// (ggml then starts a thread per graph, i.e. per token). Rounds are interleaved so that load from
// other processes hits every variant.
//
//   node bin/node22.cjs --import tsx bench/decode-overhead.ts [model.gguf|--light] [--tokens N] [--prompt N] [--rounds N] [--threads N]
//
// --light writes and uses a model with Qwen2.5's 151 936-token vocabulary but a single 128-wide
// layer (25 MB): its layers cost next to nothing, so each variant's time per token is that
// variant's overhead plus the output layer, which llama-bench computes too.
import { stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { getLlama, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { GgufWriter, float32ToFloat16Bits } from "../test/gguf/gguf-writer.js";
import { byteLevelAlphabet, CHATML_TEMPLATE, createRandom } from "../test/gguf/tiny-model.js";
import { LlamaCodeModel, QUANTIZED_KV_CACHE } from "../worker/model/llama-code-model.js";
import { findLlamaBench, llamaBenchDecode } from "./llama-bench.js";

const VOCAB = 151936;
export const LIGHT_MODEL_PATH = join(".tools", "bench", "qwen-vocab-light-q8_0.gguf");

function* randomQ8_0(rowLength: number, rows: number, seed: number): Iterable<Uint8Array> {
  const blockBytes = 34;
  const rowBytes = (rowLength / 32) * blockBytes;
  const next = createRandom(seed);
  const scale = float32ToFloat16Bits(0.02 / 73.9);
  const rowsPerChunk = Math.max(1, Math.floor((4 << 20) / rowBytes));
  for (let row = 0; row < rows; row += rowsPerChunk) {
    const take = Math.min(rowsPerChunk, rows - row);
    const bytes = new Uint8Array(take * rowBytes);
    for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
    for (let b = 0; b < take * (rowLength / 32); b++) {
      bytes[b * blockBytes] = scale & 0xff;
      bytes[b * blockBytes + 1] = scale >>> 8;
    }
    yield bytes;
  }
}

/** A qwen2 model with the real vocabulary (byte-level tokens, as the benchmark model) and one small layer. */
export async function writeLightModel(path = LIGHT_MODEL_PATH, embedding = 128): Promise<string> {
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return path;
  const headsKv = 2;
  const kvWidth = headsKv * 32;
  const feedForward = embedding * 2;
  const alphabet = byteLevelAlphabet();
  const specials = new Map([
    [151643, "<|endoftext|>"],
    [151644, "<|im_start|>"],
    [151645, "<|im_end|>"],
  ]);
  const tokens: string[] = [];
  const types = new Int32Array(VOCAB);
  for (let id = 0; id < VOCAB; id++) {
    const special = specials.get(id);
    tokens.push(id < 256 ? alphabet[id]! : (special ?? (id > 151643 ? `[PAD${id}]` : `<filler_${id}>`)));
    types[id] = special ? 3 : id > 151643 ? 5 : 1;
  }
  const writer = new GgufWriter()
    .set("general.architecture", { type: "string", value: "qwen2" })
    .set("qwen2.context_length", { type: "uint32", value: 32768 })
    .set("qwen2.embedding_length", { type: "uint32", value: embedding })
    .set("qwen2.block_count", { type: "uint32", value: 1 })
    .set("qwen2.feed_forward_length", { type: "uint32", value: feedForward })
    .set("qwen2.attention.head_count", { type: "uint32", value: embedding / 32 })
    .set("qwen2.attention.head_count_kv", { type: "uint32", value: headsKv })
    .set("qwen2.rope.freq_base", { type: "float32", value: 1e6 })
    .set("qwen2.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-6 })
    .set("tokenizer.ggml.model", { type: "string", value: "gpt2" })
    .set("tokenizer.ggml.pre", { type: "string", value: "qwen2" })
    .set("tokenizer.ggml.tokens", { type: "string[]", value: tokens })
    .set("tokenizer.ggml.token_type", { type: "int32[]", value: types })
    .set("tokenizer.ggml.merges", { type: "string[]", value: ["Ġ t"] })
    .set("tokenizer.ggml.eos_token_id", { type: "uint32", value: 151645 })
    .set("tokenizer.ggml.padding_token_id", { type: "uint32", value: 151643 })
    .set("tokenizer.ggml.bos_token_id", { type: "uint32", value: 151643 })
    .set("tokenizer.ggml.add_bos_token", { type: "bool", value: false })
    .set("tokenizer.chat_template", { type: "string", value: CHATML_TEMPLATE });
  let seed = 1;
  const matrix = (name: string, columns: number, rows: number) =>
    writer.addTensor({ name, dims: [columns, rows], type: "Q8_0", bytes: () => randomQ8_0(columns, rows, seed++) });
  const vector = (name: string, length: number, value: number) =>
    writer.addTensor({ name, dims: [length], type: "F32", values: () => [new Float32Array(length).fill(value)] });
  matrix("token_embd.weight", embedding, VOCAB);
  vector("output_norm.weight", embedding, 1);
  vector("blk.0.attn_norm.weight", embedding, 1);
  matrix("blk.0.attn_q.weight", embedding, embedding);
  vector("blk.0.attn_q.bias", embedding, 0.01);
  matrix("blk.0.attn_k.weight", embedding, kvWidth);
  vector("blk.0.attn_k.bias", kvWidth, 0.01);
  matrix("blk.0.attn_v.weight", embedding, kvWidth);
  vector("blk.0.attn_v.bias", kvWidth, 0.01);
  matrix("blk.0.attn_output.weight", embedding, embedding);
  vector("blk.0.ffn_norm.weight", embedding, 1);
  matrix("blk.0.ffn_gate.weight", embedding, feedForward);
  matrix("blk.0.ffn_up.weight", embedding, feedForward);
  matrix("blk.0.ffn_down.weight", feedForward, embedding);
  await writer.write(path);
  return path;
}

/** ms per token after the first, over `count` tokens of sequence.evaluate. */
async function rawDecode(sequence: LlamaContextSequence, prompt: Token[], count: number, options: object) {
  let generated = 0;
  let first = 0;
  for await (const _token of sequence.evaluate(prompt, options)) {
    if (generated === 0) first = performance.now();
    if (++generated >= count) break;
  }
  return (performance.now() - first) / (generated - 1);
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main() {
  const target = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "--light";
  const path = target === "--light" ? await writeLightModel() : target;
  const tokens = argument("--tokens", target === "--light" ? 200 : 48);
  const promptLength = argument("--prompt", 256);
  const rounds = argument("--rounds", 3);
  const threads = argument("--threads", 2);
  const peer = await findLlamaBench("node-llama-cpp");

  const worker = await LlamaCodeModel.load({ model: path, threads, gpu: "off" });
  const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath: path, useMmap: false });
  const context = await model.createContext({
    contextSize: worker.contextSize,
    batchSize: 256,
    threads,
    ...QUANTIZED_KV_CACHE,
  });
  const text = (round: number) => `# round ${round}\n` + "x = 1\n".repeat(Math.ceil(promptLength / 6));
  const results = new Map<string, number[]>();
  const add = (label: string, ms: number) => results.set(label, [...(results.get(label) ?? []), ms]);
  let depth = 0;

  for (let round = 0; round < rounds; round++) {
    for (const temperature of [0.2, 0]) {
      await worker.complete(
        { kind: "code", text: text(round * 2 + (temperature ? 0 : 1)) },
        {
          maxTokens: tokens,
          ignoreEos: true,
          temperature,
          seed: 1,
        },
      );
      const stats = worker.lastStats!;
      depth = stats.contextTokens - stats.generatedTokens / 2;
      add(`worker (LlamaChatSession), temperature ${temperature}`, stats.decodeMs / (stats.generatedTokens - 1));
    }
    const prompt = model.tokenize(text(100 + round));
    for (const [label, options] of [
      ["sequence.evaluate, temperature 0.2 top-k 40 top-p 0.95", { temperature: 0.2, seed: 1 }],
      ["sequence.evaluate, greedy", { temperature: 0 }],
    ] as const) {
      const sequence = context.getSequence();
      add(label, await rawDecode(sequence, prompt, tokens, options));
      sequence.dispose();
    }
    if (!("missing" in peer)) {
      const d = Math.max(0, Math.round(depth - tokens / 2));
      const variants = [
        ["llama-bench on node-llama-cpp's libraries (no sampling)", peer.binary],
        [
          "  same, without an attached thread pool (as node-llama-cpp)",
          join(dirname(peer.binary), "llama-bench-no-threadpool"),
        ],
      ] as const;
      for (const [label, binary] of variants) {
        if (
          !(await stat(binary).then(
            () => true,
            () => false,
          ))
        )
          continue;
        const decode = await llamaBenchDecode(
          { ...peer, binary },
          { model: path, threads, batchSize: 256 },
          [d],
          tokens,
          1,
        );
        add(`${label}, depth ${d}`, 1000 / decode.get(d)!);
      }
    }
  }
  console.log(
    `[overhead] ${path}, ${threads} threads, ${tokens} tokens after a ${promptLength}-character prompt, ${rounds} rounds (ms per token: best, then each round)`,
  );
  for (const [label, values] of results)
    console.log(
      `[overhead] ${label.padEnd(72)} ${Math.min(...values)
        .toFixed(2)
        .padStart(7)}   ${values.map((v) => v.toFixed(2)).join(" ")}`,
    );
  await context.dispose();
  await model.dispose();
  await worker.dispose();
}

if (process.argv[1]?.endsWith("decode-overhead.ts")) await main();
