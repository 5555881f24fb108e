// Prompt-lookup decoding on a CPU (issue 12): is it worth turning on for answers that copy the
// prompt (edits of an existing file, repairs)? Two real measurements, combined:
// 1. What checking guesses costs here: node-llama-cpp evaluating a batch of k tokens with a sample
//    after every position (as its check does) at the depth of a typical edit prompt, on the
//    Qwen2.5-1.5B-shaped Q8_0 model with the worker's context settings (2 threads, Q8_0 KV cache,
//    flash attention), as a multiple of one decoded token.
// 2. How many guesses an edit's answer accepts: node-llama-cpp's own InputLookupTokenPredictor run
//    over the eval suite's brownfield changes (the repository's file in the prompt, the reference
//    file as the answer; the answer a model making that change writes), tokenized with a real BPE
//    (cl100k, a stand-in for Qwen's: the shape-only model has no real vocabulary).
// The modelled figure is answer tokens ÷ the summed cost of the steps the predictor would take. The
// answers that copy ≥ 80 % of their prompt are then also decoded for real, forced token by token
// (prompt-lookup-copy.ts): plain decoding against the worker's predictor, in wall-clock time. That
// run is the figure to trust; the model is for comparing sizings quickly.
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { encode } from "gpt-tokenizer/encoding/cl100k_base";
import { getLlama, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { DEFAULT_CONTEXT_CAP, QUANTIZED_KV_CACHE } from "../worker/model/llama-code-model.js";
import { promptLookupSettings, SwitchablePromptLookup, type LookupSizing } from "../worker/model/prompt-lookup.js";
import { benchmarkModel } from "./generation.js";
import { copyRuns, type CopyRun } from "./prompt-lookup-copy.js";

const BATCHES = [1, 2, 4, 8, 12, 16, 24, 32];

/** A sizing to compare (the worker's own is promptLookupSettings(false)). */
export interface LookupSetting {
  label: string;
  sizing: LookupSizing | undefined;
}

export const SETTINGS: LookupSetting[] = [
  { label: "node-llama-cpp's defaults (1–3 guesses after 1 matching token)", sizing: undefined },
  { label: "1–7 after 2", sizing: { pattern: 2, min: 1, max: 7 } },
  { label: "11–15 after 3", sizing: { pattern: 3, min: 11, max: 15 } },
  { label: "the worker's: 7–31 after 3, adaptive", sizing: promptLookupSettings(false) },
];

export interface PromptLookupReport {
  depth: number;
  threads: number;
  /** Seconds of one batch of k tokens at `depth`, and as a multiple of one token. */
  batches: { tokens: number; seconds: number; relative: number }[];
  traces: { issue: string; answerTokens: number; copied: number }[];
  settings: { setting: string; speedup: number; worst: number; byIssue: number[] }[];
  /** Wall-clock runs of the copying answers with the worker's sizing (absent with copyRuns: false). */
  copyRuns?: CopyRun[];
}

export async function benchPromptLookup(
  options: { depth?: number; repeats?: number; copyRuns?: boolean; log?: (line: string) => void } = {},
): Promise<PromptLookupReport> {
  const log = options.log ?? console.log;
  const depth = options.depth ?? 1_500;
  const threads = Math.min(2, availableParallelism());
  const { model, context, sequence, lookup } = await openWorkerContext(await benchmarkModel(undefined, log), threads);
  const batches = await batchCosts(sequence, depth, options.repeats ?? 5);
  for (const b of batches)
    log(
      `[bench] lookup: a batch of ${b.tokens} at depth ${depth} costs ${b.seconds.toFixed(3)} s = ${b.relative.toFixed(2)}× one token`,
    );
  const cost = (k: number) => interpolate(batches, k);
  const traces = await brownfieldTraces();
  const settings = SETTINGS.map((setting) => {
    const byIssue = traces.map((t) => simulate(t.prompt, t.answer, setting, cost));
    const total = traces.reduce((sum, t) => sum + t.answer.length, 0);
    const spent = traces.reduce((sum, t, i) => sum + t.answer.length / byIssue[i]!, 0);
    return { setting: setting.label, speedup: total / spent, worst: Math.min(...byIssue), byIssue };
  });
  for (const t of traces)
    log(
      `[bench] lookup: ${t.issue}: answer ${t.answer.length} tokens, ${(100 * t.copied).toFixed(0)} % copied from the prompt`,
    );
  for (const s of settings)
    log(
      `[bench] lookup: ${s.setting}: ` +
        `${s.speedup.toFixed(2)}× plain decoding over all answers (worst issue ${s.worst.toFixed(2)}×; ` +
        `copying ≥ 80 %: ${mean(s.byIssue.filter((_, i) => traces[i]!.copied >= 0.8)).toFixed(2)}×)`,
    );
  log(
    "[bench] lookup: the figures above are modelled: the answer's tokens ÷ the cost of the steps node-llama-cpp's predictor would take, at this machine's measured batch costs",
  );
  const copying = traces.filter((t) => t.copied >= 0.8);
  const runs = options.copyRuns === false ? undefined : await copyRuns(model, sequence, lookup, copying, log);
  if (runs) {
    const plain = runs.reduce((sum, r) => sum + r.plainSeconds, 0);
    const looked = runs.reduce((sum, r) => sum + r.lookupSeconds, 0);
    const tokens = runs.reduce((sum, r) => sum + r.answerTokens, 0);
    log(
      `[bench] lookup copy runs (wall clock, answers forced, the worker's sizing): ${tokens} tokens, ` +
        `plain ${(tokens / plain).toFixed(1)} tok/s, with lookup ${(tokens / looked).toFixed(1)} tok/s = ${(plain / looked).toFixed(2)}×`,
    );
  }
  await context.dispose();
  await model.dispose();
  return {
    depth,
    threads,
    batches,
    traces: traces.map((t) => ({ issue: t.issue, answerTokens: t.answer.length, copied: t.copied })),
    settings,
    copyRuns: runs,
  };
}

/**
 * The benchmark model in a context with the worker's settings (LlamaCodeModel's defaults on a CPU),
 * and its sequence with the worker's prompt-lookup predictor (off until a copy run turns it on).
 */
async function openWorkerContext(modelPath: string, threads: number) {
  const llama = await getLlama({ gpu: false, logLevel: "error" as never });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: false });
  const context = await model.createContext({
    contextSize: DEFAULT_CONTEXT_CAP,
    batchSize: 256,
    threads,
    ...QUANTIZED_KV_CACHE,
    ignoreMemorySafetyChecks: true,
  });
  const lookup = new SwitchablePromptLookup(promptLookupSettings(false));
  return { model, context, sequence: context.getSequence({ tokenPredictor: lookup }), lookup };
}

/** Seconds to check a batch of k tokens after `depth` tokens, through node-llama-cpp (median of `repeats`). */
async function batchCosts(sequence: LlamaContextSequence, depth: number, repeats: number) {
  await sequence.clearHistory();
  const token = (i: number) => (1_000 + ((i * 7_919) % 100_000)) as Token;
  await sequence.evaluateWithoutGeneratingNewTokens(Array.from({ length: depth }, (_, i) => token(i)));
  const rows: { tokens: number; seconds: number; relative: number }[] = [];
  for (const k of BATCHES) {
    const times: number[] = [];
    // One token's time is the unit of every ratio: measured three times as often.
    for (let r = 0; r < (k === 1 ? 3 * repeats : repeats) + 1; r++) {
      const started = performance.now();
      // A check samples a next token after every position (each guess is compared with the model's
      // choice there), so every position gets logits and a sample, as in node-llama-cpp's check.
      await sequence.controlledEvaluate(
        Array.from({ length: k }, (_, i) => [token(depth + r * 31 + i), { generateNext: { token: true } }] as const),
      );
      if (r > 0) times.push((performance.now() - started) / 1000); // the first is a warm-up
      await sequence.eraseContextTokenRanges([{ start: depth, end: sequence.nextTokenIndex }]);
    }
    times.sort((a, b) => a - b);
    rows.push({ tokens: k, seconds: times[Math.floor(times.length / 2)]!, relative: 0 });
  }
  for (const row of rows) row.relative = row.seconds / rows[0]!.seconds;
  return rows;
}

/** Cost of a batch of k tokens, in token-times, from the measured sizes (linear between them). */
function interpolate(rows: { tokens: number; relative: number }[], k: number): number {
  let below = rows[0]!;
  for (const row of rows) {
    if (row.tokens === k) return row.relative;
    if (row.tokens > k) {
      const share = (k - below.tokens) / (row.tokens - below.tokens);
      return below.relative + share * (row.relative - below.relative);
    }
    below = row;
  }
  return below.relative * (k / below.tokens);
}

/** The brownfield issues' changed files: the repository's version is the prompt, the reference the answer. */
async function brownfieldTraces() {
  const root = "eval/suite/brownfield";
  const traces: { issue: string; prompt: Token[]; answer: Token[]; copied: number }[] = [];
  for (const issue of (await readdir(root)).sort()) {
    const reference = join(root, issue, "reference");
    for (const path of await listFiles(reference)) {
      const before = await readFile(join(root, issue, "repository", relative(reference, path)), "utf8").catch(
        () => null,
      );
      if (before === null) continue; // a new file: nothing to copy
      const prompt = encode(before) as Token[];
      const answer = encode(await readFile(path, "utf8")) as Token[];
      traces.push({
        issue: `${issue}/${relative(reference, path)}`,
        prompt,
        answer,
        copied: copiedShare(prompt, answer),
      });
    }
  }
  return traces;
}

/** The answer tokens inside runs of ≥ 4 tokens that also occur in the prompt. */
function copiedShare(prompt: Token[], answer: Token[]): number {
  const grams = new Set<string>();
  for (let i = 0; i + 4 <= prompt.length; i++) grams.add(prompt.slice(i, i + 4).join(","));
  const copied = new Array<boolean>(answer.length).fill(false);
  for (let i = 0; i + 4 <= answer.length; i++)
    if (grams.has(answer.slice(i, i + 4).join(","))) for (let j = i; j < i + 4; j++) copied[j] = true;
  return copied.filter(Boolean).length / Math.max(1, answer.length);
}

/** Plain decoding's cost ÷ the predictor's: each step checks its guesses with the next token in one batch. */
function simulate(prompt: Token[], answer: Token[], setting: LookupSetting, cost: (k: number) => number): number {
  // The worker's own predictor class, sized as the setting says.
  const predictor = new SwitchablePromptLookup(setting.sizing);
  predictor.enabled = true;
  // Outside a sequence: the input lookup reads only the state's tokens.
  predictor.reset({ stateTokens: prompt } as Parameters<SwitchablePromptLookup["reset"]>[0]);
  predictor.updateInputTokens(prompt);
  let at = 0;
  let spent = 0;
  while (at < answer.length) {
    const guesses = predictor.predictTokens();
    let accepted = 0;
    while (accepted < guesses.length && at + accepted < answer.length && guesses[accepted] === answer[at + accepted])
      accepted++;
    const produced = Math.min(accepted + 1, answer.length - at);
    spent += cost(1 + guesses.length);
    predictor.pushTokens(answer.slice(at, at + produced));
    at += produced;
  }
  predictor.dispose();
  return answer.length / spent;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else files.push(path);
  }
  return files;
}

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
