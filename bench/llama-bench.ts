// llama.cpp's own `llama-bench` as the peer of the worker's tokens/s: built from the llama.cpp source
// node-llama-cpp ships (bash scripts/build-llama-bench.sh, cached in .tools/llama-bench/), run on
// the same GGUF with the worker's settings (threads, batch size, Q8_0 KV cache with flash attention,
// weights read rather than memory-mapped).
import { execFile } from "node:child_process";
import { access, constants, readlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const LLAMA_BENCH_PATH = join(".tools", "llama-bench", "llama-bench");

export interface LlamaBenchReport {
  binary: string;
  /** The llama.cpp commit it was built from (the bundle node-llama-cpp ships). */
  commit: string;
  promptTokens: number;
  decodeTokens: number;
  /** pp<promptTokens> from an empty cache. */
  promptTokensPerSecond: number;
  /** Tokens already in the cache for the decode figure (the worker decodes after its prompt). */
  decodeDepth: number;
  /** tg<decodeTokens> after decodeDepth tokens in the cache. */
  decodeTokensPerSecond: number;
  /** tg<decodeTokens> from an empty cache (llama-bench's usual figure). */
  decodeTokensPerSecondEmpty: number;
}

interface LlamaBenchRow {
  n_prompt: number;
  n_gen: number;
  n_depth?: number;
  avg_ts: number;
}

export async function runLlamaBench(options: {
  model: string;
  threads: number;
  batchSize: number;
  promptTokens: number;
  decodeTokens: number;
  /** Tokens in the cache before the decode test (llama-bench -d). */
  decodeDepth: number;
  repetitions?: number;
  binary?: string;
  log?: (line: string) => void;
}): Promise<LlamaBenchReport | { missing: string }> {
  const binary = options.binary ?? LLAMA_BENCH_PATH;
  if (
    !(await access(binary, constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    return { missing: `no ${binary}; build it with \`bash scripts/build-llama-bench.sh\` (CPU only, several minutes)` };
  const commit = basename(dirname(await readlink(binary).catch(() => "unknown/llama-bench")));
  const common = [
    "-m",
    options.model,
    "-t",
    String(options.threads),
    "-b",
    String(options.batchSize),
    "-ub",
    String(options.batchSize),
    "-fa",
    "1",
    "-ctk",
    "q8_0",
    "-ctv",
    "q8_0",
    "-lm",
    "none",
    "-ngl",
    "0",
    "-r",
    String(options.repetitions ?? 2),
    "-o",
    "json",
  ];
  const bench = async (args: string[]): Promise<LlamaBenchRow[]> => {
    options.log?.(`[bench] ${binary} ${[...args, ...common].join(" ")}`);
    const { stdout } = await run(binary, [...args, ...common], { maxBuffer: 16 << 20, timeout: 900_000 });
    return JSON.parse(stdout) as LlamaBenchRow[];
  };
  const p = options.promptTokens;
  const n = options.decodeTokens;
  const prompt = await bench(["-p", String(p), "-n", String(n)]);
  const d = options.decodeDepth;
  const deep = await bench(["-p", "0", "-n", String(n), "-d", String(d)]);
  const find = (rows: LlamaBenchRow[], test: (row: LlamaBenchRow) => boolean) => {
    const row = rows.find(test);
    if (!row) throw new Error(`llama-bench printed no such test: ${JSON.stringify(rows).slice(0, 500)}`);
    return row.avg_ts;
  };
  return {
    binary,
    commit,
    promptTokens: p,
    decodeTokens: n,
    decodeDepth: d,
    promptTokensPerSecond: find(prompt, (r) => r.n_prompt === p && r.n_gen === 0),
    decodeTokensPerSecondEmpty: find(prompt, (r) => r.n_prompt === 0 && r.n_gen === n),
    decodeTokensPerSecond: find(deep, (r) => r.n_gen === n && (r.n_depth ?? 0) === d),
  };
}
