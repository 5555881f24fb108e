// A short, interleaved comparison of the worker with llama-bench on one prompt size and one decode
// depth: the worker's path (LlamaCodeModel, forced answer length) against every llama-bench build
// there is (bench/llama-bench.ts), round after round, so load from other processes hits all of
// them. Much quicker than `npm run bench -- task` (no Docker, no suite), for checking a change.
//
//   node bin/node22.cjs --import tsx bench/worker-vs-llama-bench.ts [model.gguf] [--prompt N] [--tokens N] [--rounds N] [--threads N]
//
// Default model: the benchmark's random-weight Qwen2.5-1.5B-shaped Q8_0 file (bench/generation.ts).
import { dirname, join } from "node:path";
import { stat } from "node:fs/promises";
import { LlamaCodeModel } from "../worker/model/llama-code-model.js";
import { benchmarkModel } from "./generation.js";
import {
  findLlamaBench,
  llamaBenchDecode,
  llamaBenchPrompt,
  type LlamaBenchBinary,
  type LlamaBenchSettings,
} from "./llama-bench.js";

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main() {
  const path = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : await benchmarkModel();
  const promptCharacters = argument("--prompt", 1024);
  const tokens = argument("--tokens", 64);
  const rounds = argument("--rounds", 2);
  const threads = argument("--threads", 2);
  const batchSize = 256;
  const peers: LlamaBenchBinary[] = [];
  for (const build of ["native", "node-llama-cpp"] as const) {
    const found = await findLlamaBench(build);
    if ("missing" in found) console.log(`[compare] ${build}: ${found.missing}`);
    else {
      peers.push(found);
      const bare = join(dirname(found.binary), "llama-bench-no-threadpool");
      if (
        build === "node-llama-cpp" &&
        (await stat(bare).then(
          () => true,
          () => false,
        ))
      )
        peers.push({ ...found, binary: bare });
    }
  }
  const label = (peer: LlamaBenchBinary) =>
    peer.binary.endsWith("no-threadpool")
      ? "llama-bench, node-llama-cpp's libraries, no thread pool"
      : `llama-bench, ${peer.build}`;
  const settings: LlamaBenchSettings = { model: path, threads, batchSize };
  const worker = await LlamaCodeModel.load({ model: path, threads, gpu: "off" });
  const rows = new Map<string, { prompt: number[]; decode: number[] }>();
  const add = (name: string, prompt: number, decode: number) => {
    const row = rows.get(name) ?? { prompt: [], decode: [] };
    row.prompt.push(prompt);
    row.decode.push(decode);
    rows.set(name, row);
    console.log(`[compare] ${name}: prompt ${prompt.toFixed(1)} tok/s, decode ${decode.toFixed(2)} tok/s`);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      // A fresh text each round: only the chat template's opening is reused from the cache.
      const text = `# round ${round}\n` + "value = compute(value) + 1\n".repeat(Math.ceil(promptCharacters / 27));
      await worker.complete({ kind: "code", text }, { maxTokens: tokens + 1, ignoreEos: true, seed: 1 });
      const s = worker.lastStats!;
      // The first token comes with the prompt: take one decode step off the prompt's time.
      const step = s.decodeMs / (s.generatedTokens - 1);
      add(
        "worker (LlamaCodeModel)",
        s.promptTokens / ((s.promptMs - step) / 1000),
        (1000 * (s.generatedTokens - 1)) / s.decodeMs,
      );
      const promptTokens = s.promptTokens;
      const depth = s.contextTokens - s.generatedTokens;
      console.log(`[compare]   llama-bench: pp${promptTokens} from an empty cache, tg${tokens} after ${depth} tokens`);
      for (const peer of peers) {
        const pp = (await llamaBenchPrompt(peer, settings, [promptTokens])).get(promptTokens)!;
        const tg = (await llamaBenchDecode(peer, settings, [depth], tokens, 1)).get(depth)!;
        add(label(peer), pp, tg);
      }
    }
  } finally {
    await worker.dispose();
  }
  const best = (values: number[]) => Math.max(...values);
  const workerRow = rows.get("worker (LlamaCodeModel)")!;
  console.log(
    `[compare] ${path}, ${threads} threads, batch ${batchSize}; best of ${rounds} rounds, tokens/s (worker ÷ it)`,
  );
  for (const [name, row] of rows) {
    console.log(
      `[compare] ${name.padEnd(58)} prompt ${best(row.prompt).toFixed(1).padStart(7)} (${(best(workerRow.prompt) / best(row.prompt)).toFixed(2)}×)` +
        `  decode ${best(row.decode).toFixed(2).padStart(7)} (${(best(workerRow.decode) / best(row.decode)).toFixed(2)}×)`,
    );
  }
}

await main();
