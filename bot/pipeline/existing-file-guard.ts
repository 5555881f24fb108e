// What the bot writes for a task whose file already exists in the base. A worker's file is never
// taken on trust for such a file: its edits are re-applied to the bot's own copy of the base, and
// the result must be exactly what the worker tested. A whole file is taken only from a worker whose
// model saw the file in full (workers before issue 17); a model shown 16,000 of 27,000 characters,
// or nothing, would otherwise replace code it never read.
import { createHash } from "node:crypto";
import { applyEdits } from "../../shared/edits/apply-edits.js";
import type { ParsePython } from "../../shared/edits/python-outline.js";
import type { Result, Task } from "../../shared/schemas.js";

export type ExistingFileDecision = { write: string } | { refused: string };

/** The content to write over `baseContent`, or why the result may not replace it. */
export async function decideExistingFile(
  task: Task,
  result: Result,
  path: string,
  baseContent: string,
  parse: ParsePython,
): Promise<ExistingFileDecision> {
  if (result.edits) {
    if (result.base_sha256 !== sha256(baseContent))
      return { refused: `the worker's edits were made for another version of ${path} than the base's` };
    let edited: string;
    try {
      edited = await applyEdits(baseContent, result.edits, parse);
    } catch (error) {
      return { refused: `the worker's edits do not apply to the base's ${path}: ${(error as Error).message}` };
    }
    if (edited !== result.code)
      return {
        refused: `the worker's file differs from its own edits applied to the base's ${path}, so neither is trusted (the bot tested the worker's file, not the edits)`,
      };
    return { write: edited };
  }
  if (task.current_content === baseContent) return { write: result.code };
  const seen =
    task.current_content === undefined
      ? "its worker was not shown the file"
      : "its worker was shown another version of the file";
  return {
    refused: `${path} exists in the base (${lineCount(baseContent)} lines) but ${seen} and sent a whole file instead of edits; writing it would replace code its model never saw`,
  };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}
