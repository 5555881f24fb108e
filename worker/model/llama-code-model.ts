// The real CodeModel: a local GGUF model run by node-llama-cpp (llama.cpp), on a GPU when one is usable.
// Layering follows node-llama-cpp: Llama (backend) → LlamaModel (weights) → LlamaContext (KV cache)
// → LlamaContextSequences → a fresh LlamaChatSession per complete() call, so no history leaks
// between prompts. A session does not clear its sequence: node-llama-cpp keeps the longest prefix
// of the new prompt's tokens that the sequence already holds and evaluates only the rest, so a
// task's 5.2, 5.6 and repairs pay for their shared "Given:" block once. Each call goes to the
// sequence that last served its task (sequence-pool.ts).
import type { Prompt } from "../../shared/prompts.js";
import { availableParallelism } from "node:os";
import {
  LlamaChatSession,
  type LlamaLogLevel,
  resolveChatWrapper,
  TokenBias,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { backendName, sharedLlama, type GpuChoice } from "./llama-backend.js";
import { SequencePool } from "./sequence-pool.js";
import { promptLookupSettings, SwitchablePromptLookup } from "./prompt-lookup.js";
import { TOKEN_LIMITS } from "../../shared/token-budget.js";
import type { CodeModel, CompletionOptions } from "../../shared/model/code-model.js";
import type { AnswerTranscript, GenerationCheck } from "../../shared/model/answer-transcript.js";
import { checkAnswer } from "./generation-check.js";
import { grammarGate } from "./grammar-gate.js";
import { modelFileHash } from "./model-hash.js";
import {
  DEFAULT_MODEL_URI,
  modelDisplayName,
  resolveModelSource,
  validateGgufFile,
  type ModelSourceOptions,
} from "./model-source.js";

/** How node-llama-cpp's stop reasons are named in a transcript (others leave no transcript: aborted, a function call). */
const STOPS: Record<string, AnswerTranscript["stop"]> = {
  eogToken: "end",
  maxTokens: "max_tokens",
  stopGenerationTrigger: "stop_text",
};

export interface LlamaCodeModelOptions {
  /** A local GGUF path or a model URI (hf:…, https://…). Default: DEFAULT_MODEL_URI (the commands pass MODEL_PATH). */
  model?: string;
  /** Where URIs are looked up and downloaded to. Default "models". */
  modelsDirectory?: string;
  /** Download a missing URI model. Default true. */
  download?: boolean;
  /** CPU threads for evaluation. Default: all available cores. */
  threads?: number;
  /**
   * Context window in tokens. Default: min(8192, the model's training context), which keeps a
   * Qwen2.5-1.5B Q8_0 worker under 2 GiB; raise it (up to the seed's 32k) for long plans.
   */
  contextSize?: number;
  /**
   * Context sequences, each with its own KV cache of contextSize tokens (for Qwen2.5-1.5B with the
   * Q8_0 cache about 15 KB a token: 119 MiB per sequence at 8192 tokens).
   * Default 1: a volunteer's worker runs one task at a time. Give one per task that shares this
   * model at the same time (dellm run --workers), so interleaved tasks keep their evaluated prefix.
   */
  sequences?: number;
  /**
   * Prompt-lookup decoding for calls whose answer copies the prompt (CompletionOptions.copiesPrompt):
   * each step checks tokens guessed from the prompt with the next one, in one batch; how many
   * depends on the backend (promptLookupSettings: long runs on a CPU, where a batch costs several
   * tokens, node-llama-cpp's defaults on a GPU). "auto" (default) and "on": used; "off": never.
   */
  promptLookup?: "auto" | "on" | "off";
  /** Prompt-processing batch size. Default: min(256, contextSize) (a smaller compute buffer). */
  batchSize?: number;
  /**
   * Where to run: "auto" (default) offloads layers to CUDA, Vulkan or Metal when node-llama-cpp has a
   * working backend for this machine, else the CPU; "off" always the CPU; "cuda" / "vulkan" / "metal"
   * that backend or a GpuUnavailableError. Nothing is ever downloaded or built for it.
   */
  gpu?: GpuChoice;
  /**
   * Memory-map the model file. Default false: on CPUs where llama.cpp repacks weights into its own
   * layout (CPU_REPACK / AMX buffers) a mapped file would stay resident next to the repacked copy,
   * doubling the memory the weights take. Reading the file instead keeps a single copy.
   */
  useMmap?: boolean;
  /**
   * Element type of the KV cache. "Q8_0" (default) halves the cache, with flash attention, which
   * llama.cpp needs for a quantized V cache; "F16" is a few % faster and takes twice the memory.
   */
  kvCacheType?: "F16" | "Q8_0";
  /** Download and load progress. */
  onProgress?: (event: LoadProgress) => void;
  /** Hugging Face endpoint (mirror) for downloads; see ModelSourceOptions.endpoint. */
  endpoint?: string;
  /** Native log verbosity. Default "error" (llama.cpp warnings about random test models are noise). */
  logLevel?: "disabled" | "fatal" | "error" | "warn" | "info" | "debug";
}

export type LoadProgress =
  { phase: "download"; downloadedBytes: number; totalBytes: number } | { phase: "load"; fraction: number };

/** Extra knobs beyond the CodeModel contract, for benchmarks and diagnostics. */
export interface LlamaCompletionOptions extends CompletionOptions {
  /** Sampling temperature. Default 0: greedy, so that a verifier can check the answer (generation-check.ts). */
  temperature?: number;
  /** Never sample end-of-generation tokens (benchmarks: force exactly maxTokens tokens). */
  ignoreEos?: boolean;
  /** Sampling seed for reproducible output. */
  seed?: number;
  /** Called for each batch of generated tokens. */
  onTokens?: (tokens: readonly Token[]) => void;
}

/** Figures of the last finished complete() call. */
export interface CompletionStats {
  /** Tokens the model had to evaluate for the prompt (a reused cached prefix is not counted). */
  promptTokens: number;
  generatedTokens: number;
  /** Of generatedTokens, those that prompt-lookup guessed and the model accepted (copiesPrompt; else 0). */
  guessedTokens: number;
  /** From the call's start to the first generated token: prompt evaluation plus one sampling step. */
  promptMs: number;
  /** From the first to the last generated token. */
  decodeMs: number;
  /**
   * Tokens in the sequence when the call ended: the chat template, the prompt and the answer. The
   * answer was decoded at depths contextTokens - generatedTokens to contextTokens.
   */
  contextTokens: number;
}

/** Greedy decoding (the usual pass@1 setting): the answer is the model's top choice at every token, which a verifier can check. */
export const DEFAULT_TEMPERATURE = 0;
/** The seed's 2048 output tokens, from the token budget so both agree. */
export const DEFAULT_MAX_TOKENS = TOKEN_LIMITS.outputReserve;
/** Default context cap (see LlamaCodeModelOptions.contextSize). */
export const DEFAULT_CONTEXT_CAP = 8192;

/** The worker's default KV cache (kvCacheType "Q8_0"): 8-bit keys and values, which need flash attention. */
export const QUANTIZED_KV_CACHE = {
  experimentalKvCacheKeyType: "Q8_0",
  experimentalKvCacheValueType: "Q8_0",
  flashAttention: true,
} as const;

/** Runs tasks one at a time, in order; a task whose signal fires while it waits never starts. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const result = this.tail.then(() => {
      if (signal?.aborted) throw signal.reason;
      return task();
    });
    this.tail = result.catch(() => undefined);
    if (!signal) return result;
    // Reject a waiting caller as soon as it is aborted; the slot itself is skipped when reached.
    return new Promise<T>((resolvePromise, rejectPromise) => {
      const onAbort = () => rejectPromise(signal.reason);
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      result.then(resolvePromise, rejectPromise).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}

export class LlamaCodeModel implements CodeModel {
  readonly name: string;
  readonly contextSize: number;
  /** The file the weights came from. */
  readonly modelPath: string;
  /** Threads the context evaluates with. */
  readonly threads: number;
  /** The backend the model runs on: "cpu", "cuda", "vulkan" or "metal". */
  readonly backend: string;
  /** Layers offloaded to the GPU (0 on the CPU backend), of totalLayers. */
  readonly gpuLayers: number;
  /** The model's layers as node-llama-cpp counts them for offloading (its blocks plus the output layer). */
  readonly totalLayers: number;
  /** Whether calls with copiesPrompt use prompt-lookup decoding (LlamaCodeModelOptions.promptLookup). */
  readonly promptLookup: boolean;
  /** Figures of the last finished complete() call, if any. */
  lastStats: CompletionStats | undefined;
  /**
   * The last finished complete() call's answer as tokens, for a generation check (checkAnswer);
   * undefined when it ended some other way than an end token or the token limit (aborted, a stop text).
   */
  lastTranscript: AnswerTranscript | undefined;

  private readonly queue = new SerialQueue();
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private endBias: TokenBias | undefined;
  private ends: Set<Token> | undefined;
  private sha256: Promise<string> | undefined;
  /** One chat template for generating and for rebuilding prompts in a check, so both see the same tokens. */
  private readonly chatWrapper: ChatWrapper;
  private disposed = false;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequences: SequencePool<{ sequence: LlamaContextSequence; lookup: SwitchablePromptLookup }>,
    modelPath: string,
    promptLookup: NonNullable<LlamaCodeModelOptions["promptLookup"]>,
  ) {
    this.modelPath = modelPath;
    this.name = modelDisplayName(modelPath);
    this.contextSize = context.contextSize;
    this.threads = context.currentThreads;
    this.backend = backendName(llama.gpu);
    this.gpuLayers = model.gpuLayers;
    this.totalLayers = model.fileInsights.totalLayers;
    this.promptLookup = promptLookup !== "off";
    this.chatWrapper = resolveChatWrapper(model);
  }

  /** Resolves (downloading if needed), validates and loads the model, then creates its context. */
  static async load(options: LlamaCodeModelOptions = {}): Promise<LlamaCodeModel> {
    const source: ModelSourceOptions = {
      model: options.model ?? DEFAULT_MODEL_URI,
      modelsDirectory: options.modelsDirectory,
      download: options.download,
      endpoint: options.endpoint,
      onProgress: options.onProgress
        ? (status) =>
            options.onProgress?.({
              phase: "download",
              downloadedBytes: status.downloadedSize,
              totalBytes: status.totalSize,
            })
        : undefined,
    };
    const { path } = await resolveModelSource(source);
    const info = await validateGgufFile(path);

    const gpu = options.gpu ?? "auto";
    const llama = await sharedLlama(gpu, (options.logLevel ?? "error") as LlamaLogLevel);
    const model = await llama.loadModel({
      modelPath: path,
      // "auto": as many layers as fit in the GPU's free memory next to the context (0 on the CPU backend).
      gpuLayers: gpu === "off" ? 0 : "auto",
      useMmap: options.useMmap ?? false,
      onLoadProgress: options.onProgress ? (fraction) => options.onProgress?.({ phase: "load", fraction }) : undefined,
    });
    try {
      const trainContext =
        model.trainContextSize || Number(info.architectureMetadata.context_length ?? 0) || DEFAULT_CONTEXT_CAP;
      const contextSize = options.contextSize ?? Math.min(DEFAULT_CONTEXT_CAP, trainContext);
      const threads = options.threads ?? availableParallelism();
      const settings = {
        contextSize,
        batchSize: options.batchSize ?? Math.min(256, contextSize),
        threads,
        sequences: options.sequences ?? 1,
        ignoreMemorySafetyChecks: true, // sizes are explicit; node-llama-cpp's estimate is conservative on CPU
      };
      const wantsQuantizedCache = (options.kvCacheType ?? "Q8_0") === "Q8_0";
      // A Q8_0 cache needs head sizes that are whole 32-value blocks; other models keep F16.
      const context = wantsQuantizedCache
        ? await model.createContext({ ...settings, ...QUANTIZED_KV_CACHE }).catch(() => model.createContext(settings))
        : await model.createContext(settings);
      const sequences = Array.from({ length: options.sequences ?? 1 }, () => {
        const lookup = new SwitchablePromptLookup(promptLookupSettings(backendName(llama.gpu) !== "cpu"));
        return { sequence: context.getSequence({ tokenPredictor: lookup }), lookup };
      });
      return new LlamaCodeModel(
        llama,
        model,
        context,
        new SequencePool(sequences),
        path,
        options.promptLookup ?? "auto",
      );
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  complete(prompt: Prompt, options: LlamaCompletionOptions = {}): Promise<string> {
    if (this.disposed) return Promise.reject(new Error(`model ${this.name} is disposed`));
    return this.queue.run(() => this.completeNow(prompt, options), options.signal);
  }

  private async completeNow({ text: prompt, file }: Prompt, options: LlamaCompletionOptions): Promise<string> {
    if (this.disposed) throw new Error(`model ${this.name} is disposed`);
    const grammar = options.jsonSchema ? await this.grammarFor(options.jsonSchema) : undefined;
    const { sequence, lookup } = this.sequences.take(file);
    lookup.enabled = this.promptLookup && (options.copiesPrompt ?? false);
    const session = new LlamaChatSession({
      contextSequence: sequence,
      chatWrapper: this.chatWrapper,
      autoDisposeSequence: false,
    });
    const meter = sequence.tokenMeter;
    const inputBefore = meter.usedInputTokens;
    const outputBefore = meter.usedOutputTokens;
    const predictionsBefore = sequence.tokenPredictions;
    const started = performance.now();
    let firstTokenAt: number | undefined;
    let lastTokenAt = started;
    const answerTokens: Token[] = [];
    this.lastTranscript = undefined;
    const promptLength = this.promptTokens(prompt).length;
    try {
      const { responseText, stopReason } = await session.promptWithMeta(prompt, {
        maxTokens: this.answerRoom(promptLength, options.maxTokens ?? DEFAULT_MAX_TOKENS),
        temperature: options.temperature ?? DEFAULT_TEMPERATURE,
        seed: options.seed,
        grammar,
        signal: options.signal,
        // A TokenBias object, not a function: node-llama-cpp calls a function again for every token.
        tokenBias: options.ignoreEos ? this.endTokenBias() : undefined,
        // No repeat penalty (its default strength is 1, a no-op): false also spares the per-token
        // list of the last 64 tokens that node-llama-cpp would pass to the sampler for nothing.
        repeatPenalty: false,
        onToken: (tokens) => {
          const now = performance.now();
          firstTokenAt ??= now;
          lastTokenAt = now;
          answerTokens.push(...tokens);
          options.onTokens?.(tokens);
        },
      });
      this.lastStats = {
        promptTokens: meter.usedInputTokens - inputBefore,
        // The meter, not onToken: tokens held back while they might start a stop string are still generated.
        // It also counts the prompt-lookup guesses the model checked and turned down.
        generatedTokens:
          meter.usedOutputTokens - outputBefore - discardedGuesses(predictionsBefore, sequence.tokenPredictions),
        guessedTokens: sequence.tokenPredictions.used - predictionsBefore.used,
        promptMs: (firstTokenAt ?? lastTokenAt) - started,
        decodeMs: lastTokenAt - (firstTokenAt ?? lastTokenAt),
        contextTokens: sequence.nextTokenIndex,
      };
      const stop = STOPS[stopReason ?? ""];
      // Cut by the limit or stopped by a grammar's stop text: the tokens held back (and the text
      // trimmed) are part of the answer a verifier checks.
      const { tokens, text } =
        stop === "max_tokens" || stop === "stop_text"
          ? this.withHeldBackTokens(sequence, promptLength, answerTokens, responseText)
          : { tokens: answerTokens, text: responseText };
      this.lastTranscript = stop ? { tokens, stop } : undefined;
      if (this.lastTranscript) options.onTranscript?.(this.lastTranscript);
      return text;
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  /**
   * An answer the token limit cut, with the tokens node-llama-cpp held back at its end (waiting for
   * the rest of a UTF-8 character or of a possible stop text) and then dropped: the sequence holds
   * them, and a verifier must see every token the limit counted (a random-weight model emitting
   * broken UTF-8 had 175 held back). The answer's text is then the text of all its tokens.
   */
  private withHeldBackTokens(
    sequence: LlamaContextSequence,
    promptLength: number,
    shown: Token[],
    text: string,
  ): { tokens: Token[]; text: string } {
    const evaluated = sequence.contextTokens.slice(promptLength);
    if (evaluated.length < shown.length || shown.some((token, i) => evaluated[i] !== token))
      return { tokens: shown, text };
    return { tokens: evaluated, text: this.model.detokenize(evaluated) };
  }

  /**
   * The prompt's tokens as a session of this model evaluates them before answering: the chat
   * template with node-llama-cpp's default system prompt, the prompt, the assistant's turn opened.
   */
  promptTokens(text: string): Token[] {
    const chatHistory = [
      ...this.chatWrapper.generateInitialChatHistory({}),
      { type: "user" as const, text },
      { type: "model" as const, response: [] },
    ];
    return this.chatWrapper.generateContextState({ chatHistory }).contextText.tokenize(this.model.tokenizer);
  }

  /**
   * Tokens an answer may take after a prompt of `promptTokens` (chat template included): `maxTokens`,
   * or less where the prompt leaves less of the context. Past that node-llama-cpp would shift the context, dropping the
   * prompt's start: the model would answer a prompt nobody sent, which no check could confirm.
   */
  private answerRoom(promptTokens: number, maxTokens: number): number {
    // One slot stays free: a check evaluates prompt + answer, and llama.cpp crashed (SIGSEGV) on a
    // sequence filled to the last slot when it was erased and filled again.
    const room = this.contextSize - 1 - promptTokens;
    if (room < 1)
      throw new Error(
        `the prompt takes the whole ${this.contextSize}-token context of ${this.name}; load it with a larger context or split the task`,
      );
    return Math.min(maxTokens, room);
  }

  /**
   * The generation check: is `transcript` this model's greedy answer to `prompt`, generated with a
   * limit of `maxTokens` (and under the grammar of `jsonSchema`, as complete() was given it)? One
   * prefill over prompt + answer (generation-check.ts). Runs in turn with complete() calls, on the
   * sequence that serves the prompt's file.
   */
  checkAnswer(
    prompt: Prompt,
    transcript: AnswerTranscript,
    options: { maxTokens?: number; maxGap?: number; jsonSchema?: Record<string, unknown>; signal?: AbortSignal } = {},
  ): Promise<GenerationCheck> {
    if (this.disposed) return Promise.reject(new Error(`model ${this.name} is disposed`));
    return this.queue.run(async () => {
      const llamaGrammar = options.jsonSchema ? await this.grammarFor(options.jsonSchema) : undefined;
      const grammar = llamaGrammar ? grammarGate(this.llama, this.model, llamaGrammar) : undefined;
      const stopText = llamaGrammar?.stopGenerationTriggers.map((trigger) =>
        typeof trigger === "string" ? trigger : "toString" in trigger ? trigger.toString() : "",
      )[0];
      const { sequence } = this.sequences.take(prompt.file);
      const promptTokens = this.promptTokens(prompt.text);
      return checkAnswer(sequence, {
        promptTokens,
        transcript,
        maxTokens: this.answerRoom(promptTokens.length, options.maxTokens ?? DEFAULT_MAX_TOKENS),
        endTokens: this.endTokens(),
        maxGap: options.maxGap,
        ...(grammar ? { grammar } : {}),
        ...(stopText ? { stopText, detokenize: (tokens: readonly Token[]) => this.detokenize(tokens) } : {}),
      });
    }, options.signal);
  }

  /** The text of an answer's tokens (a verifier compares it with the answer the producer sent). */
  detokenize(tokens: readonly number[]): string {
    return this.model.detokenize(tokens as Token[]);
  }

  /** Every token that ends a generation: EOS, EOT, SEP and the usual chat end markers the vocabulary has. */
  private endTokens(): Set<Token> {
    if (this.ends) return this.ends;
    const tokens = this.model.tokens;
    const ends = new Set<Token>();
    for (const token of [tokens.eos, tokens.eot, tokens.sep]) if (token != null) ends.add(token);
    for (const text of ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>"]) {
      const ids = this.model.tokenize(text, true);
      if (ids.length === 1 && this.model.isSpecialToken(ids[0])) ends.add(ids[0]!);
    }
    this.ends = ends;
    return ends;
  }

  /** Bans every end-of-generation token (ignoreEos); built once per model. */
  private endTokenBias(): TokenBias {
    if (this.endBias) return this.endBias;
    const bias = new TokenBias(this.model.tokenizer);
    for (const token of this.endTokens()) bias.set(token, "never");
    this.endBias = bias;
    return bias;
  }

  private grammarFor(schema: Record<string, unknown>): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      type SchemaArgument = Parameters<Llama["createGrammarForJsonSchema"]>[0];
      grammar = this.llama.createGrammarForJsonSchema(schema as SchemaArgument) as Promise<LlamaGrammar>;
      grammar.catch(() => this.grammars.delete(key));
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** The weights file's SHA-256 (hashed once, then cached by path, size and mtime: model-hash.ts). */
  modelSha256(): Promise<string> {
    this.sha256 ??= modelFileHash(this.modelPath);
    return this.sha256;
  }

  /** The model's tokens for `text` (no chat template). */
  tokenize(text: string): number[] {
    if (this.disposed) throw new Error(`model ${this.name} is disposed`);
    return this.model.tokenize(text);
  }

  async countTokens(text: string): Promise<number> {
    if (this.disposed) throw new Error(`model ${this.name} is disposed`);
    return this.model.tokenize(text).length;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.context.dispose();
    await this.model.dispose();
  }
}

type PredictionCounts = LlamaContextSequence["tokenPredictions"];

/** Guessed tokens evaluated but not part of the answer: refuted, or validated and then not used. */
function discardedGuesses(before: PredictionCounts, after: PredictionCounts): number {
  return after.refuted - before.refuted + (after.unused - before.unused);
}
