// Per-task latency benchmark: what a volunteer waits for one task on the worker's real path
// (TaskExecutor + LlamaCodeModel + DockerSandbox), against the seed's targets (code generation
// < 30 s, a test run < 10 s), and the worker's tokens/s against llama.cpp's own `llama-bench` on the
// same GGUF (bench/llama-bench.ts). The model is the random-weight Qwen2.5-1.5B-shaped Q8_0 file
// (bench/generation.ts): random weights cost the same time per token as trained ones, but their
// answers are noise, so each answer is forced to a realistic length: query 5.2 one token, query 5.6
// as many tokens as the suite's reference file for the task (end-of-text suppressed until then).
// Random code fails its test, so one attempt is measured (no repairs).
//
// The peer figures are like for like: right after each task, llama-bench runs that task's sizes
// (pp of its 5.2 prompt from an empty cache, tg64 at its answer's mean depth in the cache), so the
// same noise hits both and the totals weigh the same prompts and answers the same way. A prompt's
// or an answer's tokens cost more the more tokens precede them (attention), so one figure at the
// median task's sizes, the method before, is no fair peer of a total over longer and shorter tasks
// (it is still reported, as "median"). llama-bench does not sample; the worker samples every token.
import { access, constants, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { loadSuite, type EvalIssue, type Tier } from "../bot/eval/suite.js";
import type { Prompt } from "../shared/prompts.js";
import type { CodeModel, CompletionOptions } from "../shared/model/code-model.js";
import { repoRelativePath } from "../shared/repo-path.js";
import { DEFAULT_SANDBOX_IMAGE } from "../shared/config.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import type { Sandbox, SandboxRun } from "../shared/sandbox/sandbox.js";
import { newJobId, type SourceFile, type Task, type TestResult } from "../shared/schemas.js";
import { TaskExecutor } from "../worker/executor.js";
import { LlamaCodeModel, type CompletionStats } from "../worker/model/llama-code-model.js";
import { benchmarkModel } from "./generation.js";
import {
  findLlamaBench,
  llamaBenchDecode,
  llamaBenchPrompt,
  type LlamaBenchBinary,
  type LlamaBenchSettings,
} from "./llama-bench.js";

/** Code generation (5.2 + 5.6) and one test run, per task: the seed's targets. */
export const TARGET_GENERATION_SECONDS = 30;
export const TARGET_TEST_SECONDS = 10;

/**
 * The default tasks: the last task of each issue (the one with the most dependencies); the complex
 * one writes a 1.7 KB file (the suite's complex last files run 1.3-6 KB) to keep the run near 10
 * minutes. DELLM_BENCH_TASKS (comma-separated issue ids) picks others.
 */
export const DEFAULT_TASK_ISSUES = [
  "simple/01-fibonacci",
  "simple/03-stack",
  "medium/02-csv-sales-report",
  "complex/03-url-shortener",
];

/**
 * The benchmark model's tokenizer is byte-level (about one token per character: test/gguf), Qwen2.5's
 * BPE gives about 3.5 characters per token on Python code and English prompts (an assumption: no
 * real tokenizer is on this machine). Answers are forced to the reference file's characters ÷ this,
 * and prompt times are also given for the prompt tokens Qwen would evaluate.
 */
export const QWEN_CHARS_PER_TOKEN = 3.5;

export interface CallFigure extends CompletionStats {
  kind: Prompt["kind"];
  forcedTokens: number;
  /** The prompt's characters per token of the benchmark model's byte-level tokenizer (about 1). */
  promptCharsPerToken: number;
  /** The prompt text's tokens, without the chat template's (promptTokens is what was evaluated of both). */
  promptTotalTokens: number;
}

/** llama-bench on one task's sizes, run right after the task. */
export interface PeerTaskFigure {
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
  /** The worker's ÷ llama-bench's on this task. */
  promptRatio: number;
  decodeRatio: number;
}

export interface TaskFigure {
  issue: string;
  tier: Tier;
  file: string;
  /** Tokens of the suite's reference file: the forced length of the 5.6 answer. */
  answerTokens: number;
  /** Prompt tokens evaluated over the task's calls (5.6 reuses the prefix it shares with 5.2). */
  promptTokens: number;
  /** Prompt evaluation (each call's time to its first token less one decode step). */
  promptSeconds: number;
  /** The prompt tokens Qwen2.5's tokenizer would give for the same text (QWEN_CHARS_PER_TOKEN), and their time at the measured rate. */
  qwenPromptTokens: number;
  qwenPromptSeconds: number;
  /** qwenPromptSeconds + decodeSeconds: the seed's "code generation" with Qwen's token counts. */
  qwenGenerationSeconds: number;
  /** Token generation, all calls. */
  decodeSeconds: number;
  /** The attempt's sandbox run (random code: fails at the syntax check, a container start and little more). */
  sandboxSeconds: number;
  /** The issue's reference files with its hidden tests through the same sandbox: a realistic test run. */
  referenceTestSeconds: number;
  referenceTestPassed: boolean;
  /** promptSeconds + decodeSeconds: the seed's "code generation". */
  generationSeconds: number;
  /** execute() from start to result. */
  wallSeconds: number;
  decodeTokensPerSecond: number;
  promptTokensPerSecond: number;
  /** Query 5.2's prompt: tokens evaluated from an (almost) empty cache, and the rate. */
  firstPromptTokens: number;
  firstPromptTokensPerSecond: number;
  /** The answers' depth in the cache (chat template, prompt and the answer so far), averaged over their tokens. */
  decodeDepth: number;
  /** Tokens the decode rate is measured over (each answer's tokens after its first). */
  decodeTokens: number;
  /** The native llama-bench on this task's sizes. */
  peer?: PeerTaskFigure | { missing: string };
  calls: CallFigure[];
}

/** One llama-bench build against the worker. */
export interface PeerSummary extends LlamaBenchBinary {
  /** Tasks the figures cover. */
  tasks: string[];
  /** Over the same 5.2 prompts and answer tokens as the worker's figures: Σ tokens ÷ Σ llama-bench's time for them. */
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
  /** The worker's ÷ llama-bench's, over the same tasks. */
  promptRatio: number;
  decodeRatio: number;
  /**
   * The previous method: llama-bench at the median task's sizes only, against the worker's figures
   * over all tasks (longer prompts and deeper answers run slower per token, so this understates the peer's time).
   */
  median?: {
    issue: string;
    promptTokens: number;
    promptTokensPerSecond: number;
    decodeDepth: number;
    decodeTokensPerSecond: number;
    promptRatio: number;
    decodeRatio: number;
  };
  /** tg64 from an empty cache (llama-bench's usual figure). */
  decodeTokensPerSecondEmpty?: number;
  /**
   * node-llama-cpp's build only: the same decode test without an attached ggml thread pool, as
   * node-llama-cpp runs (ggml then starts and joins its threads for every graph, every token).
   */
  withoutThreadPool?: { decodeTokensPerSecond: number; decodeRatio: number };
}

export interface TaskLatencyReport {
  model: string;
  modelBytes: number;
  threads: number;
  batchSize: number;
  contextSize: number;
  tasks: TaskFigure[];
  tiers: Record<
    string,
    { tasks: number; generationP50: number; generationP90: number; wallP50: number; wallP90: number }
  >;
  worker: {
    decodeTokensPerSecond: number;
    promptTokensPerSecond: number;
    allPromptTokensPerSecond: number;
    typicalPromptTokens: number;
    typicalDecodeDepth: number;
    /** The answers' mean depth in the cache, over all decoded tokens. */
    meanDecodeDepth: number;
  };
  /**
   * native: llama-bench built here (-march=native, OpenMP), on every task's sizes, the goal's peer.
   * nodeLlamaCpp: llama-bench on node-llama-cpp's own libraries, on the median task's sizes: the
   * worker ÷ it is what node-llama-cpp costs besides the kernels: its JS side, the sampling, and
   * running ggml without a thread pool (withoutThreadPool: the same llama-bench run that way).
   */
  peer: { native: PeerSummary | { missing: string }; nodeLlamaCpp: PeerSummary | { missing: string } };
}

/** Passes every call to the real model with its answer length forced, and keeps each call's figures. */
class ForcedLengthModel implements CodeModel {
  readonly calls: CallFigure[] = [];
  answerTokens = 1;

  constructor(private readonly inner: LlamaCodeModel) {}

  get name(): string {
    return this.inner.name;
  }
  get contextSize(): number {
    return this.inner.contextSize;
  }

  async complete(prompt: Prompt, options: CompletionOptions = {}): Promise<string> {
    const forcedTokens = prompt.kind === "can-solve" ? 1 : this.answerTokens;
    const text = await this.inner.complete(prompt, {
      ...options,
      maxTokens: forcedTokens,
      ignoreEos: true,
      seed: 1,
    });
    const stats = this.inner.lastStats!;
    const promptTotalTokens = await this.inner.countTokens(prompt.text);
    const promptCharsPerToken = prompt.text.length / promptTotalTokens;
    this.calls.push({ kind: prompt.kind, forcedTokens, promptCharsPerToken, promptTotalTokens, ...stats });
    return text;
  }

  countTokens(text: string): Promise<number> {
    return this.inner.countTokens(text);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

class TimedSandbox implements Sandbox {
  seconds: number[] = [];
  constructor(private readonly inner: Sandbox) {}
  async run(run: SandboxRun): Promise<TestResult> {
    const started = performance.now();
    try {
      return await this.inner.run(run);
    } finally {
      this.seconds.push((performance.now() - started) / 1000);
    }
  }
}

export async function benchTaskLatency(
  options: {
    threads?: number;
    issues?: string[];
    log?: (line: string) => void;
    /** Another GGUF than the benchmark model (a quick dry run of the method on a light model). */
    model?: string;
    /** Another sandbox than Docker (a dry run without Docker). */
    sandbox?: Sandbox;
  } = {},
): Promise<TaskLatencyReport> {
  const log = options.log ?? console.log;
  const threads = options.threads ?? 2;
  const modelPath = options.model ?? (await benchmarkModel(undefined, log));
  const modelBytes = (await stat(modelPath)).size;
  let docker = options.sandbox;
  if (!docker) {
    const image = process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
    const dockerSandbox = new DockerSandbox({ image });
    await dockerSandbox.check();
    docker = dockerSandbox;
  }
  const sandbox = new TimedSandbox(docker);

  const issues: EvalIssue[] = [];
  const chosen = options.issues ?? process.env.DELLM_BENCH_TASKS?.split(",").filter(Boolean) ?? DEFAULT_TASK_ISSUES;
  for (const id of chosen) issues.push(...(await loadSuite(undefined, id)));

  const llama = await LlamaCodeModel.load({ model: modelPath, threads, gpu: "off" });
  const batchSize = Math.min(256, llama.contextSize); // LlamaCodeModel's default
  const model = new ForcedLengthModel(llama);
  const executor = new TaskExecutor({ model, sandbox, workerId: "bench", repairAttempts: 0, decisionRetries: 0 });
  log(
    `[bench] random-weight model with the Qwen2.5-1.5B Q8_0 shape (${(modelBytes / 1e9).toFixed(2)} GB): ` +
      `random weights take the same time per token as trained ones; answers are forced to the reference file's length ` +
      `(characters ÷ ${QWEN_CHARS_PER_TOKEN}); its tokenizer is byte-level, so prompts run about ${QWEN_CHARS_PER_TOKEN}× the tokens Qwen's would`,
  );
  log(`[bench] ${threads} threads, context ${llama.contextSize}, batch ${batchSize}, CPU; one attempt per task`);
  const peerSettings: LlamaBenchSettings = { model: modelPath, threads, batchSize, log };
  const native = await findLlamaBench("native");
  if ("missing" in native) log(`[bench] llama-bench peer: ${native.missing}`);

  const tasks: TaskFigure[] = [];
  try {
    for (const issue of issues) {
      const task = issue.reference.plan.at(-1)!;
      const path = repoRelativePath(task.directory, task.file);
      const reference = issue.reference.files.find((f) => f.path === path)!;
      model.answerTokens = Math.round(reference.content.length / QWEN_CHARS_PER_TOKEN);
      model.calls.length = 0;
      sandbox.seconds = [];
      const started = performance.now();
      await executor.execute({
        jobId: newJobId(),
        userQuery: `${issue.title}\n\n${issue.body}`,
        plan: issue.reference.plan,
        task,
        dependencyFiles: dependencyFiles(issue, task),
      });
      const wallSeconds = (performance.now() - started) / 1000;
      const calls = [...model.calls];
      const sandboxSeconds = sandbox.seconds.reduce((a, b) => a + b, 0);
      const reference_ = await referenceTestRun(docker, issue);
      tasks.push(taskFigure(issue, path, model.answerTokens, calls, sandboxSeconds, wallSeconds, reference_));
      const t = tasks.at(-1)!;
      log(
        `[bench] ${issue.id} ${path}: prompt ${t.promptTokens} byte tokens in ${t.promptSeconds.toFixed(1)} s ` +
          `(as Qwen tokens ≈ ${t.qwenPromptTokens} in ${t.qwenPromptSeconds.toFixed(1)} s), ` +
          `answer ${t.answerTokens} tokens in ${t.decodeSeconds.toFixed(1)} s → generation ${t.qwenGenerationSeconds.toFixed(1)} s with Qwen token counts ` +
          `(target < ${TARGET_GENERATION_SECONDS} s${t.qwenGenerationSeconds < TARGET_GENERATION_SECONDS ? ", met" : ", MISSED"}; ` +
          `${t.generationSeconds.toFixed(1)} s as run); ` +
          `sandbox ${t.sandboxSeconds.toFixed(1)} s (reference tests ${t.referenceTestSeconds.toFixed(1)} s, ` +
          `${t.referenceTestPassed ? "passed" : "failed"}; target < ${TARGET_TEST_SECONDS} s); task ${t.wallSeconds.toFixed(1)} s`,
      );
      if (!("missing" in native)) {
        // Right after the task, so whatever else loads the machine now weighs on both.
        const peer = await peerOnTask(native, peerSettings, t);
        t.peer = peer;
        log(
          `[bench]   llama-bench on its sizes: pp${t.firstPromptTokens} ${peer.promptTokensPerSecond.toFixed(1)} tok/s ` +
            `(worker ${t.firstPromptTokensPerSecond.toFixed(1)}, ${peer.promptRatio.toFixed(2)}×), ` +
            `tg64 centred on depth ${t.decodeDepth} ${peer.decodeTokensPerSecond.toFixed(1)} tok/s ` +
            `(worker ${t.decodeTokensPerSecond.toFixed(1)}, ${peer.decodeRatio.toFixed(2)}×)`,
        );
      } else t.peer = native;
    }
  } finally {
    await model.dispose();
  }

  const tiers: TaskLatencyReport["tiers"] = {};
  for (const tier of new Set(tasks.map((t) => t.tier))) {
    const of = tasks.filter((t) => t.tier === tier);
    const generation = of.map((t) => t.qwenGenerationSeconds);
    const wall = of.map((t) => t.wallSeconds);
    tiers[tier] = {
      tasks: of.length,
      generationP50: quantile(generation, 0.5),
      generationP90: quantile(generation, 0.9),
      wallP50: quantile(wall, 0.5),
      wallP90: quantile(wall, 0.9),
    };
    const s = tiers[tier];
    log(
      `[bench] ${tier} (${of.length} task${of.length > 1 ? "s" : ""}): generation (Qwen token counts) p50 ${s.generationP50.toFixed(1)} s` +
        (of.length > 1 ? `, p90 ${s.generationP90.toFixed(1)} s` : "") +
        `; whole task p50 ${s.wallP50.toFixed(1)} s` +
        (of.length > 1 ? `, p90 ${s.wallP90.toFixed(1)} s` : ""),
    );
  }

  const all = tasks.flatMap((t) => t.calls);
  const long = all.filter((c) => c.generatedTokens > 1);
  const first = all.filter((c) => c.kind === "can-solve");
  const stepMs = (c: CallFigure) => 1000 / (tasks.find((t) => t.calls.includes(c))?.decodeTokensPerSecond ?? Infinity);
  const worker = {
    // Over the steps after each answer's first token (the first comes with the prompt).
    decodeTokensPerSecond:
      long.reduce((a, c) => a + c.generatedTokens - 1, 0) / (long.reduce((a, c) => a + c.decodeMs, 0) / 1000),
    // Query 5.2's prompts: evaluated from an (almost) empty cache, as llama-bench's pp is.
    promptTokensPerSecond:
      first.reduce((a, c) => a + c.promptTokens, 0) / (first.reduce((a, c) => a + c.promptMs - stepMs(c), 0) / 1000),
    // All prompt tokens of all calls (5.6's part after the prefix it shares with 5.2 is evaluated deep in the cache).
    allPromptTokensPerSecond:
      tasks.reduce((a, t) => a + t.promptTokens, 0) / tasks.reduce((a, t) => a + t.promptSeconds, 0),
    typicalPromptTokens: Math.round(
      quantile(
        first.map((c) => c.promptTokens),
        0.5,
      ),
    ),
    // Where in the cache the answers are decoded: after the 5.6 prompt, halfway through the answer.
    typicalDecodeDepth: Math.round(
      quantile(
        long.map((c) => c.contextTokens - c.generatedTokens / 2),
        0.5,
      ),
    ),
    meanDecodeDepth: Math.round(
      tasks.reduce((a, t) => a + t.decodeDepth * t.decodeTokens, 0) / tasks.reduce((a, t) => a + t.decodeTokens, 0),
    ),
  };
  log(
    `[bench] worker: decode ${worker.decodeTokensPerSecond.toFixed(1)} tok/s (typical depth ${worker.typicalDecodeDepth} tokens, mean ${worker.meanDecodeDepth}), ` +
      `prompt ${worker.promptTokensPerSecond.toFixed(1)} tok/s on 5.2 prompts (typical ${worker.typicalPromptTokens} tokens), ` +
      `${worker.allPromptTokensPerSecond.toFixed(1)} tok/s over all prompt tokens`,
  );

  const peer = {
    native: "missing" in native ? native : await nativeSummary(native, peerSettings, tasks, worker, log),
    nodeLlamaCpp: await nodeLlamaCppSummary(peerSettings, tasks, log),
  };
  return {
    model: modelPath,
    modelBytes,
    threads,
    batchSize,
    contextSize: llama.contextSize,
    tasks,
    tiers,
    worker,
    peer,
  };
}

/** llama-bench's decode test: this many tokens after the cache is filled to a depth. */
const PEER_DECODE_TOKENS = 64;

/** The depth to start llama-bench's decode test at, so its tokens centre on the task's mean depth. */
function peerDepth(task: TaskFigure): number {
  return Math.max(0, task.decodeDepth - PEER_DECODE_TOKENS / 2);
}

/** llama-bench (one run each) on one task's sizes: its 5.2 prompt from an empty cache, tg64 at its answers' mean depth. */
async function peerOnTask(
  peer: LlamaBenchBinary,
  settings: LlamaBenchSettings,
  task: TaskFigure,
): Promise<PeerTaskFigure> {
  const prompt = await llamaBenchPrompt(peer, settings, [task.firstPromptTokens]);
  const depth = peerDepth(task);
  const decode = await llamaBenchDecode(peer, settings, [depth], PEER_DECODE_TOKENS, 1);
  const promptTokensPerSecond = prompt.get(task.firstPromptTokens)!;
  const decodeTokensPerSecond = decode.get(depth)!;
  return {
    promptTokensPerSecond,
    decodeTokensPerSecond,
    promptRatio: task.firstPromptTokensPerSecond / promptTokensPerSecond,
    decodeRatio: task.decodeTokensPerSecond / decodeTokensPerSecond,
  };
}

/** The task whose 5.2 prompt is the median one (the previous method's sizes). */
function medianTask<T extends TaskFigure>(tasks: T[]): T {
  const sorted = [...tasks].sort((a, b) => a.firstPromptTokens - b.firstPromptTokens);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.5 * sorted.length) - 1)]!;
}

/** Σ tokens ÷ Σ time, each task's tokens at its own rate: the peer's figure over the worker's workload. */
function pooledRate(items: { tokens: number; tokensPerSecond: number }[]): number {
  return items.reduce((a, i) => a + i.tokens, 0) / items.reduce((a, i) => a + i.tokens / i.tokensPerSecond, 0);
}

async function nativeSummary(
  peer: LlamaBenchBinary,
  settings: LlamaBenchSettings,
  tasks: TaskFigure[],
  worker: TaskLatencyReport["worker"],
  log: (line: string) => void,
): Promise<PeerSummary | { missing: string }> {
  const paired = tasks.filter((t): t is TaskFigure & { peer: PeerTaskFigure } => !!t.peer && !("missing" in t.peer));
  if (!paired.length) return { missing: "no task was measured" };
  const promptTokensPerSecond = pooledRate(
    paired.map((t) => ({ tokens: t.firstPromptTokens, tokensPerSecond: t.peer.promptTokensPerSecond })),
  );
  const decodeTokensPerSecond = pooledRate(
    paired.map((t) => ({ tokens: t.decodeTokens, tokensPerSecond: t.peer.decodeTokensPerSecond })),
  );
  const middle = medianTask(paired);
  const empty = (await llamaBenchDecode(peer, settings, [0], PEER_DECODE_TOKENS, 2)).get(0)!;
  const median = {
    issue: middle.issue,
    promptTokens: middle.firstPromptTokens,
    promptTokensPerSecond: middle.peer.promptTokensPerSecond,
    decodeDepth: middle.decodeDepth,
    decodeTokensPerSecond: middle.peer.decodeTokensPerSecond,
    promptRatio: worker.promptTokensPerSecond / middle.peer.promptTokensPerSecond,
    decodeRatio: worker.decodeTokensPerSecond / middle.peer.decodeTokensPerSecond,
  };
  const summary: PeerSummary = {
    ...peer,
    tasks: paired.map((t) => t.issue),
    promptTokensPerSecond,
    decodeTokensPerSecond,
    promptRatio: worker.promptTokensPerSecond / promptTokensPerSecond,
    decodeRatio: worker.decodeTokensPerSecond / decodeTokensPerSecond,
    median,
    decodeTokensPerSecondEmpty: empty,
  };
  log(
    `[bench] llama-bench (native build, llama.cpp ${peer.commit.slice(0, 12)}, same GGUF, -t ${settings.threads} -b ${settings.batchSize}, ` +
      `Q8_0 KV cache, flash attention, no mmap) on each task's sizes: 5.2 prompts ${promptTokensPerSecond.toFixed(1)} tok/s, ` +
      `answers ${decodeTokensPerSecond.toFixed(1)} tok/s (tg64 from an empty cache ${empty.toFixed(1)})`,
  );
  log(
    `[bench] worker ÷ llama-bench, same prompts and answers: decode ${summary.decodeRatio.toFixed(2)}× ` +
      `(goal ≥ 0.95×${summary.decodeRatio >= 0.95 ? ", met" : ", MISSED"}), prompt ${summary.promptRatio.toFixed(2)}× ` +
      `(goal ≥ 0.9×${summary.promptRatio >= 0.9 ? ", met" : ", MISSED"}); llama-bench does not sample, the worker samples ` +
      `every token from all 151 936 logits`,
  );
  log(
    `[bench]   the previous method (llama-bench at the median task's sizes only, pp${median.promptTokens} and tg64 centred on depth ` +
      `${median.decodeDepth}): decode ${median.decodeRatio.toFixed(2)}×, prompt ${median.promptRatio.toFixed(2)}×`,
  );
  return summary;
}

/** llama-bench on node-llama-cpp's own libraries, on the median task's sizes, against the worker on that task. */
async function nodeLlamaCppSummary(
  settings: LlamaBenchSettings,
  tasks: TaskFigure[],
  log: (line: string) => void,
): Promise<PeerSummary | { missing: string }> {
  const peer = await findLlamaBench("node-llama-cpp");
  if ("missing" in peer) {
    log(`[bench] llama-bench on node-llama-cpp's libraries: ${peer.missing}`);
    return peer;
  }
  if (!tasks.length) return { missing: "no task was measured" };
  const middle = medianTask(tasks);
  const prompt = (await llamaBenchPrompt(peer, settings, [middle.firstPromptTokens])).get(middle.firstPromptTokens)!;
  const decode = await llamaBenchDecode(peer, settings, [0, peerDepth(middle)], PEER_DECODE_TOKENS, 2);
  const deep = decode.get(peerDepth(middle))!;
  const summary: PeerSummary = {
    ...peer,
    tasks: [middle.issue],
    promptTokensPerSecond: prompt,
    decodeTokensPerSecond: deep,
    promptRatio: middle.firstPromptTokensPerSecond / prompt,
    decodeRatio: middle.decodeTokensPerSecond / deep,
    decodeTokensPerSecondEmpty: decode.get(0)!,
  };
  const bare = join(dirname(peer.binary), "llama-bench-no-threadpool");
  if (
    await access(bare, constants.X_OK).then(
      () => true,
      () => false,
    )
  ) {
    const tg = (
      await llamaBenchDecode({ ...peer, binary: bare }, settings, [peerDepth(middle)], PEER_DECODE_TOKENS, 2)
    ).get(peerDepth(middle))!;
    summary.withoutThreadPool = { decodeTokensPerSecond: tg, decodeRatio: middle.decodeTokensPerSecond / tg };
  }
  const native = middle.peer && !("missing" in middle.peer) ? middle.peer : undefined;
  log(
    `[bench] llama-bench on node-llama-cpp's own libraries (its CPU variant, compiler and thread pool), ${middle.issue}'s sizes: ` +
      `pp${middle.firstPromptTokens} ${prompt.toFixed(1)} tok/s, tg64 centred on depth ${middle.decodeDepth} ${deep.toFixed(1)} tok/s; ` +
      `worker ÷ it on that task: decode ${summary.decodeRatio.toFixed(2)}×, prompt ${summary.promptRatio.toFixed(2)}× ` +
      `(node-llama-cpp's JS side, the sampling, no thread pool)` +
      (native
        ? `; native build ÷ it: decode ${(native.decodeTokensPerSecond / deep).toFixed(2)}×, ` +
          `prompt ${(native.promptTokensPerSecond / prompt).toFixed(2)}× (compiler, flags, OpenMP)`
        : ""),
  );
  if (summary.withoutThreadPool)
    log(
      `[bench]   the same llama-bench without an attached thread pool, as node-llama-cpp runs it: tg64 ` +
        `${summary.withoutThreadPool.decodeTokensPerSecond.toFixed(1)} tok/s; worker ÷ it: decode ` +
        `${summary.withoutThreadPool.decodeRatio.toFixed(2)}× (ggml starts and joins a thread for every token)`,
    );
  return summary;
}

function taskFigure(
  issue: EvalIssue,
  file: string,
  answerTokens: number,
  calls: CallFigure[],
  sandboxSeconds: number,
  wallSeconds: number,
  reference: { seconds: number; passed: boolean },
): TaskFigure {
  // One decode step, from the call that generated many tokens; each call's first token came with its prompt.
  const long = calls.filter((c) => c.generatedTokens > 1);
  const stepMs =
    long.reduce((a, c) => a + c.decodeMs, 0) /
    Math.max(
      1,
      long.reduce((a, c) => a + c.generatedTokens - 1, 0),
    );
  const promptMs = calls.reduce((a, c) => a + c.promptMs - stepMs, 0);
  const first = calls.find((c) => c.kind === "can-solve") ?? calls[0]!;
  const decodeTokens = long.reduce((a, c) => a + c.generatedTokens - 1, 0);
  // Each answer's tokens sit at depths contextTokens - generatedTokens … contextTokens.
  const decodeDepth = Math.round(
    long.reduce((a, c) => a + (c.generatedTokens - 1) * (c.contextTokens - c.generatedTokens / 2), 0) /
      Math.max(1, decodeTokens),
  );
  const decodeMs = calls.reduce((a, c) => a + c.decodeMs + stepMs, 0);
  const promptTokens = calls.reduce((a, c) => a + c.promptTokens, 0);
  const qwenPromptTokens = Math.round(
    calls.reduce((a, c) => a + (c.promptTokens * c.promptCharsPerToken) / QWEN_CHARS_PER_TOKEN, 0),
  );
  const qwenPromptSeconds = (promptMs / 1000) * (qwenPromptTokens / promptTokens);
  return {
    issue: issue.id,
    tier: issue.tier,
    file,
    answerTokens,
    promptTokens,
    promptSeconds: promptMs / 1000,
    qwenPromptTokens,
    qwenPromptSeconds,
    qwenGenerationSeconds: qwenPromptSeconds + decodeMs / 1000,
    decodeSeconds: decodeMs / 1000,
    sandboxSeconds,
    referenceTestSeconds: reference.seconds,
    referenceTestPassed: reference.passed,
    generationSeconds: (promptMs + decodeMs) / 1000,
    wallSeconds,
    decodeTokensPerSecond: 1000 / stepMs,
    promptTokensPerSecond: promptTokens / (promptMs / 1000),
    firstPromptTokens: first.promptTokens,
    firstPromptTokensPerSecond: first.promptTokens / ((first.promptMs - stepMs) / 1000),
    decodeDepth,
    decodeTokens,
    calls,
  };
}

/** Files of the task's dependencies, transitively, as a job board hands them to a worker. */
function dependencyFiles(issue: EvalIssue, task: Task): SourceFile[] {
  const byId = new Map(issue.reference.plan.map((t) => [t.id, t]));
  const seen = new Set<number>();
  const visit = (id: number) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of byId.get(id)?.dependencies ?? []) visit(dep);
  };
  for (const dep of task.dependencies) visit(dep);
  return [...seen].flatMap((id) => {
    const dep = byId.get(id)!;
    const path = repoRelativePath(dep.directory, dep.file);
    return issue.reference.files.filter((f) => f.path === path);
  });
}

/** The issue's reference files and hidden tests through the sandbox: how long a passing test run takes. */
async function referenceTestRun(sandbox: Sandbox, issue: EvalIssue): Promise<{ seconds: number; passed: boolean }> {
  const started = performance.now();
  const result = await sandbox.run({
    files: [...issue.reference.files, { path: "test_hidden.py", content: issue.hiddenTest }],
    testTargets: ["test_hidden.py"],
  });
  return { seconds: (performance.now() - started) / 1000, passed: result.success };
}

function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
