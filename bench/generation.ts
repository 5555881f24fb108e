// Generation benchmark: tokens/s of the worker's code-model path on a random-weight model with the
// real Qwen2.5-1.5B-Instruct shape in Q8_0 (random weights cost the same time per token as trained
// ones), with the share of the memory-bandwidth ceiling it uses (bandwidth ÷ model bytes: decoding
// reads every weight once per token). On the 2-vCPU development machine that ceiling is not the
// limit: decoding is compute-bound there (llama.cpp's own llama-bench reached about 54 % of it), so
// the figure to compare with is llama-bench's (npm run bench -- task). Each setting runs in its
// own process so its peak RSS is the worker's alone.
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeQwenShapedModel } from "../test/gguf/tiny-model.js";
import { bestReadBandwidth, type BandwidthResult } from "./memory-bandwidth.js";

const run = promisify(execFile);

/** Overrides of the worker's defaults (LlamaCodeModel); absent fields keep the default. */
export interface GenerationSetting {
  label: string;
  useMmap?: boolean;
  kvCacheType?: "F16" | "Q8_0";
  contextSize?: number;
  batchSize?: number;
}

export interface GenerationFigure extends GenerationSetting {
  decodeTokensPerSecond: number;
  promptTokensPerSecond: number;
  fractionOfLimit: number;
  peakRssBytes: number;
  rssAfterLoadBytes: number;
  loadSeconds: number;
}

export interface GenerationReport {
  modelBytes: number;
  threads: number;
  bandwidth: BandwidthResult;
  limitTokensPerSecond: number;
  figures: GenerationFigure[];
}

export const DEFAULT_SETTINGS: GenerationSetting[] = [
  { label: "worker defaults (mmap off, Q8_0 KV cache, 8k context, batch 256)" },
  { label: "same with mmap on", useMmap: true },
  { label: "32k context, F16 KV cache, batch 512", contextSize: 32768, kvCacheType: "F16", batchSize: 512 },
];

/** The benchmark model, generated once (about 1.65 GB) and kept in .tools/bench. */
export async function benchmarkModel(
  path = join(".tools", "bench", "qwen2.5-1.5b-shape-q8_0.gguf"),
  log = console.log,
): Promise<string> {
  if (
    await stat(path).then(
      (s) => s.size > 1e9,
      () => false,
    )
  )
    return path;
  log(`[bench] writing ${path} (random weights, Qwen2.5-1.5B shape, Q8_0) ...`);
  let lastTenth = -1;
  await makeQwenShapedModel(path, {
    onProgress: (written, total) => {
      const tenth = Math.floor((written / total) * 10);
      if (tenth > lastTenth) log(`[bench]   ${tenth * 10}%`);
      lastTenth = tenth;
    },
  });
  return path;
}

export async function benchGeneration(
  options: {
    threads?: number;
    settings?: GenerationSetting[];
    decodeTokens?: number;
    log?: (line: string) => void;
  } = {},
): Promise<GenerationReport> {
  const log = options.log ?? console.log;
  const threads = options.threads ?? 2;
  const model = await benchmarkModel(undefined, log);
  const modelBytes = (await stat(model)).size;
  const bandwidth = await bestReadBandwidth(3, { threads });
  const limitTokensPerSecond = (bandwidth.gigabytesPerSecond * 1e9) / modelBytes;
  log(
    `[bench] memory read bandwidth ${bandwidth.gigabytesPerSecond.toFixed(1)} GB/s on ${threads} threads → bandwidth ceiling ${limitTokensPerSecond.toFixed(1)} tok/s for ${(modelBytes / 1e9).toFixed(2)} GB ` +
      `(not the limit where decoding is compute-bound, as on a 2-vCPU CPU: compare with llama-bench, npm run bench -- task)`,
  );
  const figures: GenerationFigure[] = [];
  for (const setting of options.settings ?? DEFAULT_SETTINGS) {
    const child = {
      model,
      threads,
      useMmap: setting.useMmap,
      kvCacheType: setting.kvCacheType,
      contextSize: setting.contextSize,
      batchSize: setting.batchSize,
      promptWords: 200,
      decodeTokens: options.decodeTokens ?? 64,
    };
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", join("bench", "generation-child.ts"), JSON.stringify(child)],
      { maxBuffer: 1 << 20, timeout: 600_000 },
    );
    const measured = JSON.parse(stdout.trim().split("\n").at(-1)!) as Omit<
      GenerationFigure,
      "label" | "fractionOfLimit"
    >;
    const figure = {
      ...setting,
      ...measured,
      label: setting.label,
      fractionOfLimit: measured.decodeTokensPerSecond / limitTokensPerSecond,
    };
    figures.push(figure);
    log(
      `[bench] ${setting.label}: decode ${figure.decodeTokensPerSecond.toFixed(1)} tok/s (uses ${(figure.fractionOfLimit * 100).toFixed(0)} % of the bandwidth ceiling), ` +
        `prompt ${figure.promptTokensPerSecond.toFixed(0)} tok/s, RSS after load ${(figure.rssAfterLoadBytes / 2 ** 30).toFixed(2)} GiB, peak ${(figure.peakRssBytes / 2 ** 30).toFixed(2)} GiB, load ${figure.loadSeconds.toFixed(1)} s`,
    );
  }
  return { modelBytes, threads, bandwidth, limitTokensPerSecond, figures };
}
