// Short names for the models dellm is tested with, so the seed's model stays one flag away
// (`--model qwen2.5-1.5b`). A spec that looks like a short name but is not one is refused with the
// list, instead of being looked up as a file called "qwen2.5-coder" in the current folder.
import { z } from "zod";
import { DEFAULT_MODEL_URI } from "../../shared/config.js";

export const KNOWN_MODELS = {
  /** The default: Qwen2.5-Coder-1.5B-Instruct, HumanEval 70.7 (Qwen2.5-Coder technical report). */
  "qwen2.5-coder-1.5b": DEFAULT_MODEL_URI,
  /** The seed's model: Qwen2.5-1.5B-Instruct, HumanEval 61.6 (Qwen2.5 technical report); same shape. */
  "qwen2.5-1.5b": "hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q8_0.gguf",
} as const satisfies Record<string, string>;

export type KnownModelName = keyof typeof KNOWN_MODELS;

const SCRIPT_PREFIX = "script:";

/** No folder, no .gguf, no URI scheme, not a scripted model: meant as one of KNOWN_MODELS. */
function looksLikeShortName(spec: string): boolean {
  return !spec.includes("/") && !spec.includes("\\") && !/\.gguf$/i.test(spec) && !spec.includes(":");
}

/** The problem with a model spec, or undefined when it can be opened (a path, a URI, script:, a known name). */
export function modelSpecProblem(spec: string): string | undefined {
  if (spec.startsWith(SCRIPT_PREFIX) || Object.hasOwn(KNOWN_MODELS, spec) || !looksLikeShortName(spec))
    return undefined;
  const known = Object.entries(KNOWN_MODELS)
    .map(([name, uri]) => `  ${name}  (${uri})`)
    .join("\n");
  return `unknown model "${spec}"; give a .gguf path, an hf: URI, script:<file.json>, or one of:\n${known}`;
}

/** The GGUF path or URI a spec stands for: known short names become their URI, anything else is kept. */
export function resolveModelSpec(spec: string): string {
  const problem = modelSpecProblem(spec);
  if (problem) throw new Error(problem);
  return Object.hasOwn(KNOWN_MODELS, spec) ? KNOWN_MODELS[spec as KnownModelName] : spec;
}

/** The --model option of every command that opens a model: refused at parse time, before a long start. */
export const modelSpecSchema = z
  .string()
  .min(1)
  .superRefine((spec, context) => {
    const problem = modelSpecProblem(spec);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });
