// A CodeModel that replays scripted answers: the first rule whose pattern matches the prompt
// answers it. For tests of the pipeline's logic and for offline demos without model weights;
// it never pretends to be a real model (its name says "scripted").
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { CodeModel, CompletionOptions } from "../../shared/model/code-model.js";

export interface ScriptRule {
  /** Regular expression tested against the whole prompt. */
  when: string | RegExp;
  /** Answer text, or several answers given in turn (the last one repeats). */
  reply: string | string[];
  /** Wait this long before answering, like a slow model (tests of leases and timeouts). */
  delay_ms?: number;
}

const ScriptFileSchema = z.object({
  rules: z.array(
    z.object({ when: z.string().min(1), reply: z.union([z.string(), z.array(z.string()).min(1)]), delay_ms: z.number().int().min(0).max(3_600_000).optional() }),
  ),
});

export class ScriptedCodeModel implements CodeModel {
  readonly name: string;
  readonly contextSize: number;
  /** Every prompt received, in order, so tests can assert what the pipeline asked. */
  readonly prompts: string[] = [];
  private readonly uses = new Map<number, number>();

  constructor(
    private readonly rules: ScriptRule[],
    options: { name?: string; contextSize?: number } = {},
  ) {
    this.name = options.name ?? "scripted";
    this.contextSize = options.contextSize ?? 32_768;
  }

  /** Load rules from a JSON file: {"rules": [{"when": "regex", "reply": "text" | ["first", "then"]}]}. */
  static async fromFile(path: string): Promise<ScriptedCodeModel> {
    const raw = JSON.parse(await readFile(path, "utf8"));
    const parsed = ScriptFileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`script file ${path} is invalid: ${z.prettifyError(parsed.error)}; expected {"rules": [{"when": "regex", "reply": "text"}]}`);
    return new ScriptedCodeModel(parsed.data.rules, { name: `scripted:${path}` });
  }

  async complete(prompt: string, options: CompletionOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    this.prompts.push(prompt);
    const index = this.rules.findIndex((rule) => new RegExp(rule.when).test(prompt));
    if (index < 0) throw new Error(`scripted model has no rule for the prompt starting "${prompt.slice(0, 80)}"`);
    const { reply, delay_ms } = this.rules[index]!;
    if (delay_ms) await abortableDelay(delay_ms, options.signal);
    if (typeof reply === "string") return reply;
    const used = this.uses.get(index) ?? 0;
    this.uses.set(index, used + 1);
    return reply[Math.min(used, reply.length - 1)]!;
  }

  /** Roughly 4 characters a token, the usual rule of thumb for English and code. */
  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
