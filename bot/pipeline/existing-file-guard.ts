// What the bot writes for a task whose file already exists in the base. A worker's whole file is
// never taken for such a file unless its model saw the file in full: a model shown 16,000 of
// 27,000 characters (or nothing) would otherwise replace code it never read.
import type { Result, Task } from "../../shared/schemas.js";

export type ExistingFileDecision = { write: string } | { refused: string };

/** The content to write over `baseContent`, or why the result may not replace it. */
export function decideExistingFile(
  task: Task,
  result: Result,
  path: string,
  baseContent: string,
): ExistingFileDecision {
  if (task.current_content === baseContent) return { write: result.code };
  const seen =
    task.current_content === undefined
      ? "its worker was not shown the file"
      : "its worker was shown another version of the file";
  return {
    refused: `${path} exists in the base (${lineCount(baseContent)} lines) but ${seen}; writing the worker's whole file would replace code its model never saw`,
  };
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}
