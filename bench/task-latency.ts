// Per-task latency benchmark: what a volunteer waits for one task on the worker's real path
// (TaskExecutor + LlamaCodeModel + DockerSandbox), against the seed's targets (code generation
// < 30 s, a test run < 10 s), and the worker's tokens/s against llama.cpp's own `llama-bench` on the
// same GGUF (bench/llama-bench.ts). The model is the random-weight Qwen2.5-1.5B-shaped Q8_0 file
// (bench/generation.ts): random weights cost the same time per token as trained ones, but their
// answers are noise, so each answer is forced to a realistic length: query 5.2 one token, query 5.6
// as many tokens as the suite's reference file for the task (end-of-text suppressed until then).
// Random code fails its test, so one attempt is measured (no repairs).
import { stat } from "node:fs/promises";
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
import { runLlamaBench, type LlamaBenchReport } from "./llama-bench.js";

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
  /** The whole prompt's tokens (promptTokens less a reused prefix): where in the cache decoding starts. */
  promptTotalTokens: number;
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
  calls: CallFigure[];
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
  };
  peer: (LlamaBenchReport & { decodeRatio: number; promptRatio: number }) | { missing: string };
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
  options: { threads?: number; issues?: string[]; log?: (line: string) => void } = {},
): Promise<TaskLatencyReport> {
  const log = options.log ?? console.log;
  const threads = options.threads ?? 2;
  const modelPath = await benchmarkModel(undefined, log);
  const modelBytes = (await stat(modelPath)).size;
  const image = process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
  const docker = new DockerSandbox({ image });
  await docker.check();
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
        long.map((c) => c.promptTotalTokens + c.generatedTokens / 2),
        0.5,
      ),
    ),
  };
  log(
    `[bench] worker: decode ${worker.decodeTokensPerSecond.toFixed(1)} tok/s (typical depth ${worker.typicalDecodeDepth} tokens), ` +
      `prompt ${worker.promptTokensPerSecond.toFixed(1)} tok/s on 5.2 prompts (typical ${worker.typicalPromptTokens} tokens), ` +
      `${worker.allPromptTokensPerSecond.toFixed(1)} tok/s over all prompt tokens`,
  );

  const peer = await peerFigures(modelPath, threads, batchSize, worker, log);
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

async function peerFigures(
  modelPath: string,
  threads: number,
  batchSize: number,
  worker: TaskLatencyReport["worker"],
  log: (line: string) => void,
): Promise<TaskLatencyReport["peer"]> {
  const promptTokens = Math.max(64, Math.round(worker.typicalPromptTokens / 64) * 64);
  const decodeDepth = Math.max(0, Math.round(worker.typicalDecodeDepth / 64) * 64);
  const peer = await runLlamaBench({
    model: modelPath,
    threads,
    batchSize,
    promptTokens,
    decodeDepth,
    decodeTokens: 64,
    log,
  });
  if ("missing" in peer) {
    log(`[bench] llama-bench peer: ${peer.missing}`);
    return peer;
  }
  const decodeRatio = worker.decodeTokensPerSecond / peer.decodeTokensPerSecond;
  const promptRatio = worker.promptTokensPerSecond / peer.promptTokensPerSecond;
  log(
    `[bench] llama-bench (llama.cpp ${peer.commit.slice(0, 12)}, same GGUF, -t ${threads} -b ${batchSize}, Q8_0 KV cache, flash attention, no mmap): ` +
      `pp${promptTokens} ${peer.promptTokensPerSecond.toFixed(1)} tok/s, tg64 at depth ${decodeDepth} ${peer.decodeTokensPerSecond.toFixed(1)} tok/s ` +
      `(at depth 0 ${peer.decodeTokensPerSecondEmpty.toFixed(1)})`,
  );
  log(
    `[bench] worker ÷ llama-bench: decode ${decodeRatio.toFixed(2)}× (goal ≥ 0.95×${decodeRatio >= 0.95 ? ", met" : ", MISSED"}), ` +
      `prompt ${promptRatio.toFixed(2)}× (goal ≥ 0.9×${promptRatio >= 0.9 ? ", met" : ", MISSED"})`,
  );
  return { ...peer, decodeRatio, promptRatio };
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
