// One way for every command (dellm run, serve, eval, bootstrap, dellm-worker) to read its options:
// node:util parseArgs for the flags, the command's own fallbacks from the environment (read once at
// the entry point), then zod; any problem becomes a UsageError that names the option to fix.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "./usage-error.js";

export type Flags = NonNullable<ParseArgsConfig["options"]>;

type Values<F extends Flags> = ReturnType<
  typeof parseArgs<{ options: F; allowPositionals: true; allowNegative: true }>
>["values"];

export interface CommandLine<F extends Flags, S extends z.ZodType> {
  /** The command as the user typed it, for messages ("dellm run"). */
  command: string;
  flags: F;
  schema: S;
  /** The schema's input from the flags and positionals, with the environment's fallbacks filled in. */
  input(values: Values<F>, positionals: string[]): unknown;
  /** Positional arguments the command takes (default: none, refused with a hint). */
  positionals?: "allowed" | "none";
}

export interface Parsed<F extends Flags, S extends z.ZodType> {
  options: z.output<S>;
  values: Values<F>;
  positionals: string[];
}

export function readCommandLine<F extends Flags, S extends z.ZodType>(
  argv: string[],
  spec: CommandLine<F, S>,
): Parsed<F, S> {
  let parsed: { values: Values<F>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: spec.flags,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`${spec.command}: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (spec.positionals !== "allowed" && positionals.length > 0)
    throw new UsageError(`${spec.command} takes no arguments, got "${positionals.join(" ")}"`);
  const result = spec.schema.safeParse(spec.input(values, positionals));
  if (!result.success)
    throw new UsageError(result.error.issues.map((issue) => namedProblem(issue, spec.flags)).join("\n"));
  return { options: result.data, values, positionals };
}

/** "--workers must be at least 1" rather than a bare "Too small" (unless the message names its flag already). */
function namedProblem(issue: z.core.$ZodIssue, flags: Flags): string {
  const key = issue.path[0];
  const flag = typeof key === "string" ? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : undefined;
  if (!flag || !(flag in flags) || /(^|\s)--[a-z]/.test(issue.message)) return issue.message;
  if (issue.code === "too_small" && typeof issue.minimum === "number")
    return `--${flag} must be ${issue.inclusive ? "at least" : "above"} ${issue.minimum}`;
  if (issue.code === "too_big" && typeof issue.maximum === "number")
    return `--${flag} must be ${issue.inclusive ? "at most" : "below"} ${issue.maximum}`;
  return `--${flag}: ${issue.message}`;
}
