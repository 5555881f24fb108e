// llama.cpp's own `llama-bench` as the peer of the worker's tokens/s, run on the same GGUF with the
// worker's settings (threads, batch size, Q8_0 KV cache with flash attention, weights read rather
// than memory-mapped). Two builds of it:
// - "native": scripts/build-llama-bench.sh, from the llama.cpp source node-llama-cpp ships, built
//   here with -march=native and OpenMP (cached in .tools/llama-bench/<commit>/);
// - "node-llama-cpp": bench/build-nlc-llama-bench.sh, the same source compiled against the
//   libraries node-llama-cpp runs the worker with (its CPU variant, compiler and thread pool), so the
//   worker ÷ it is what node-llama-cpp's JS side costs (.tools/llama-bench/nlc-<commit>/).
// Neither samples: llama-bench's tg feeds a random token to each step, the worker samples one from
// 151 936 logits.
import { execFile } from "node:child_process";
import { access, constants, readdir, readlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const LLAMA_BENCH_DIR = join(".tools", "llama-bench");
export const LLAMA_BENCH_PATH = join(LLAMA_BENCH_DIR, "llama-bench");

export type LlamaBenchBuildKind = "native" | "node-llama-cpp";

export interface LlamaBenchBinary {
  binary: string;
  build: LlamaBenchBuildKind;
  /** The llama.cpp commit it was built from (the bundle node-llama-cpp ships). */
  commit: string;
}

export interface LlamaBenchSettings {
  model: string;
  threads: number;
  batchSize: number;
  log?: (line: string) => void;
}

interface LlamaBenchRow {
  n_prompt: number;
  n_gen: number;
  n_depth?: number;
  avg_ts: number;
}

const executable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  );

/** The build's binary, or why there is none and how to make it. */
export async function findLlamaBench(
  build: LlamaBenchBuildKind,
  directory = LLAMA_BENCH_DIR,
): Promise<LlamaBenchBinary | { missing: string }> {
  if (build === "native") {
    const binary = join(directory, "llama-bench");
    if (!(await executable(binary)))
      return {
        missing: `no ${binary}; build it with \`bash scripts/build-llama-bench.sh\` (CPU only, several minutes)`,
      };
    const commit = basename(dirname(await readlink(binary).catch(() => "unknown/llama-bench")));
    return { binary, build, commit };
  }
  const entries = await readdir(directory).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith("nlc-")).sort()) {
    const binary = join(directory, entry, "llama-bench");
    if (await executable(binary)) return { binary, build, commit: entry.slice("nlc-".length) };
  }
  return {
    missing: `no ${directory}/nlc-*/llama-bench; build it with \`bash bench/build-nlc-llama-bench.sh\` (~10 s)`,
  };
}

async function llamaBench(
  peer: LlamaBenchBinary,
  settings: LlamaBenchSettings,
  tests: string[],
  repetitions: number,
): Promise<LlamaBenchRow[]> {
  const args = [
    ...tests,
    "-m",
    settings.model,
    "-t",
    String(settings.threads),
    "-b",
    String(settings.batchSize),
    "-ub",
    String(settings.batchSize),
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
    String(repetitions),
    "-o",
    "json",
  ];
  settings.log?.(`[bench] ${peer.binary} ${args.join(" ")}`);
  const { stdout } = await run(peer.binary, args, { maxBuffer: 16 << 20, timeout: 1_800_000 });
  return JSON.parse(stdout) as LlamaBenchRow[];
}

function pick(rows: LlamaBenchRow[], test: (row: LlamaBenchRow) => boolean): number {
  const row = rows.find(test);
  if (!row) throw new Error(`llama-bench printed no such test: ${JSON.stringify(rows).slice(0, 500)}`);
  return row.avg_ts;
}

/**
 * pp<n> from an empty cache for each prompt length, tokens/s. One run each and no warm-up run (a
 * warm-up would repeat the whole prompt): prompts of a thousand tokens or more take tens of seconds,
 * far longer than the first batch's buffer set-up.
 */
export async function llamaBenchPrompt(
  peer: LlamaBenchBinary,
  settings: LlamaBenchSettings,
  promptTokens: readonly number[],
): Promise<Map<number, number>> {
  const lengths = [...new Set(promptTokens)].sort((a, b) => a - b);
  const rows = await llamaBench(peer, settings, ["-p", lengths.join(","), "-n", "0", "--no-warmup"], 1);
  return new Map(lengths.map((n) => [n, pick(rows, (r) => r.n_prompt === n && r.n_gen === 0)]));
}

/** tg<decodeTokens> after each depth of tokens in the cache (llama-bench -d), tokens/s. */
export async function llamaBenchDecode(
  peer: LlamaBenchBinary,
  settings: LlamaBenchSettings,
  depths: readonly number[],
  decodeTokens = 64,
  repetitions = 2,
): Promise<Map<number, number>> {
  const unique = [...new Set(depths)].sort((a, b) => a - b);
  const rows = await llamaBench(
    peer,
    settings,
    ["-p", "0", "-n", String(decodeTokens), "-d", unique.join(",")],
    repetitions,
  );
  return new Map(
    unique.map((d) => [d, pick(rows, (r) => r.n_prompt === 0 && r.n_gen === decodeTokens && (r.n_depth ?? 0) === d)]),
  );
}
