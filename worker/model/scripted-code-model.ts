// A CodeModel that replays scripted answers: the first rule that matches the prompt answers it.
// Rules match the prompt's name (kind) and the file its task writes, so rewording a prompt never
// breaks a script; `when` is for the rare rule that must look at the prompt's content. For tests
// of the pipeline's logic and for offline demos without model weights; it never pretends to be a
// real model (its name says "scripted"). For a task that changes an existing file the code and repair
// replies are edits (shared/edits/edit-answer.ts: SEARCH/REPLACE or @@@ blocks), as a model's would be.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { CodeModel, CompletionOptions } from "../../shared/model/code-model.js";
import type { Prompt, PromptKind } from "../../shared/prompts.js";

const PROMPT_KINDS = [
  "decompose",
  "can-solve",
  "split",
  "code",
  "repair",
  "summary",
  "baseline",
  "plain",
] as const satisfies readonly PromptKind[];

/** A rule matches when every condition it names holds (it must name at least one). */
export interface ScriptRule {
  /** The prompt's kind, or several ("code" and "repair" for every attempt at a file). */
  kind?: PromptKind | PromptKind[];
  /** The repository path the prompt's task writes. */
  file?: string;
  /** Regular expression tested against the prompt's text. */
  when?: string | RegExp;
  /** Answer text, or several answers given in turn (the last one repeats). */
  reply: string | string[];
  /** Wait this long before answering, like a slow model (tests of leases and timeouts). */
  delay_ms?: number;
}

const KindSchema = z.enum(PROMPT_KINDS);
const ScriptFileSchema = z.object({
  rules: z.array(
    z
      .object({
        kind: z.union([KindSchema, z.array(KindSchema).min(1)]).optional(),
        file: z.string().min(1).optional(),
        when: z.string().min(1).optional(),
        reply: z.union([z.string(), z.array(z.string()).min(1)]),
        delay_ms: z.number().int().min(0).max(3_600_000).optional(),
      })
      .refine(
        (rule) => rule.kind !== undefined || rule.file !== undefined || rule.when !== undefined,
        "a rule needs kind, file or when",
      ),
  ),
});

export class ScriptedCodeModel implements CodeModel {
  readonly name: string;
  readonly contextSize: number;
  /** Every prompt received, in order, so tests can assert what the pipeline asked. */
  readonly prompts: Prompt[] = [];
  private readonly uses = new Map<number, number>();

  constructor(
    private readonly rules: ScriptRule[],
    options: { name?: string; contextSize?: number } = {},
  ) {
    const vague = rules.findIndex(
      (rule) => rule.kind === undefined && rule.file === undefined && rule.when === undefined,
    );
    if (vague >= 0) throw new Error(`script rule ${vague + 1} needs kind, file or when`);
    this.name = options.name ?? "scripted";
    this.contextSize = options.contextSize ?? 32_768;
  }

  /** Load rules from a JSON file: {"rules": [{"kind": "code", "file": "a.py", "reply": "text" | ["first", "then"]}]}. */
  static async fromFile(path: string): Promise<ScriptedCodeModel> {
    const raw = JSON.parse(await readFile(path, "utf8"));
    const parsed = ScriptFileSchema.safeParse(raw);
    if (!parsed.success)
      throw new Error(
        `script file ${path} is invalid: ${z.prettifyError(parsed.error)}; expected {"rules": [{"kind": "code", "file": "a.py", "reply": "text"}]} (kinds: ${PROMPT_KINDS.join(", ")})`,
      );
    return new ScriptedCodeModel(parsed.data.rules, { name: `scripted:${path}` });
  }

  async complete(prompt: Prompt, options: CompletionOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    this.prompts.push(prompt);
    const index = this.rules.findIndex((rule) => matches(rule, prompt));
    if (index < 0)
      throw new Error(
        `scripted model has no rule for the ${prompt.kind} prompt${prompt.file ? ` of ${prompt.file}` : ""} starting "${prompt.text.slice(0, 80)}"`,
      );
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

function matches(rule: ScriptRule, prompt: Prompt): boolean {
  if (rule.kind !== undefined && ![rule.kind].flat().includes(prompt.kind)) return false;
  if (rule.file !== undefined && rule.file !== prompt.file) return false;
  return rule.when === undefined || new RegExp(rule.when).test(prompt.text);
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
