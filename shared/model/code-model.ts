// The one interface the worker (and the local planner) use to talk to a language model.
// Implementations: LlamaCodeModel (node-llama-cpp, the real one) and ScriptedCodeModel (replays answers).
import type { Prompt } from "../prompts.js";
import type { AnswerTranscript } from "./answer-transcript.js";

export interface CompletionOptions {
  /** Upper bound on generated tokens (seed: 2048). */
  maxTokens?: number;
  /** Constrain the answer to this JSON schema (a grammar for local models). */
  jsonSchema?: Record<string, unknown>;
  /** Cancels generation, e.g. when a job is stopped. */
  signal?: AbortSignal;
  /**
   * The answer copies long runs of the prompt (edits to a file shown in it, a repair of shown code):
   * a local model may guess ahead from the prompt (prompt-lookup decoding, where checking guesses is
   * cheap: LlamaCodeModelOptions.promptLookup; the answer is the same).
   * Default false.
   */
  copiesPrompt?: boolean;
  /**
   * Receives this call's answer as tokens, when the model can show it (a local model decoding
   * greedily), before complete() resolves; a verifier with the same model checks it. Scripted models
   * never call it.
   */
  onTranscript?: (transcript: AnswerTranscript) => void;
}

export interface CodeModel {
  /** A short human name for logs and result records, e.g. "qwen2.5-1.5b-instruct-q8_0". */
  readonly name: string;
  /** Context window in tokens that prompts must fit in, output included. */
  readonly contextSize: number;
  /** Answer one stand-alone prompt (no history kept between calls); the prompt's kind names it. */
  complete(prompt: Prompt, options?: CompletionOptions): Promise<string>;
  /** The SHA-256 of the model's weights file, which names the model (absent: no file, e.g. scripted). */
  modelSha256?(): Promise<string>;
  /** Count tokens with the model's own tokenizer. */
  countTokens(text: string): Promise<number>;
  /** Free native memory; the model is unusable afterwards. */
  dispose(): Promise<void>;
}
