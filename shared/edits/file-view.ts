// What the model is shown of an existing file: all of it when it fits, else its outline (every
// class and function with its line numbers) and the definitions the task names, richest first;
// the worker takes the first view whose prompt fits the token budget.
import type { Task } from "../schemas.js";
import type { PythonOutline, PythonSymbol } from "./python-outline.js";

/** A region longer than this is shown by its head only (a 700-line class is mostly noise). */
const MAX_REGION_LINES = 120;
const CLASS_HEAD_LINES = 40;

export interface FileView {
  /** "whole", "outline and N definitions", "outline": for notes and figures. */
  label: string;
  text: string;
}

/** The candidate views of `content`, richest first; the last is the outline alone. */
export function fileViews(path: string, content: string, outline: PythonOutline | null, task: Task): FileView[] {
  const lines = content.split("\n");
  const total = lines.length - (content.endsWith("\n") ? 1 : 0);
  const views: FileView[] = [{ label: "whole", text: `Its current content (all ${total} lines):\n${content}` }];
  if (!outline) {
    // Not Python the parser reads: the head of the file is the most that can be shown in part.
    views.push({
      label: "head",
      text: `The file has ${total} lines; its first ${MAX_REGION_LINES}:\n${lines.slice(0, MAX_REGION_LINES).join("\n")}`,
    });
    return views;
  }
  const head = `The file has ${total} lines; you are shown its outline and the parts named below, not the whole file.\nOutline (first-last line: definition):\n${outlineText(outline)}`;
  const regions = namedRegions(outline, task).map((symbol) => regionText(lines, symbol));
  for (let count = regions.length; count >= 1; count--)
    views.push({
      label: `outline and ${count} definition(s)`,
      text: `${head}\n\n${regions.slice(0, count).join("\n\n")}`,
    });
  views.push({ label: "outline", text: head });
  return views;
}

/** One line per definition, indented by nesting: "  45-60     def search(self, cond):". */
export function outlineText(outline: PythonOutline): string {
  return outline.symbols
    .map((s) => `${`${s.start}-${s.end}`.padStart(9)}  ${"  ".repeat(s.name.split(".").length - 1)}${s.signature}`)
    .join("\n");
}

/** Definitions whose name the task mentions, most specific (methods, functions) first. */
function namedRegions(outline: PythonOutline, task: Task): PythonSymbol[] {
  const words = new Set(
    `${task.description} ${task.context} ${task.input_output_spec}`.match(/[A-Za-z_]\w{2,}/g) ?? [],
  );
  const named = outline.symbols.filter(
    (s) => s.name.split(".").some((part) => words.has(part)) && words.has(s.name.split(".").at(-1)!),
  );
  return [...named.filter((s) => s.kind === "function"), ...named.filter((s) => s.kind === "class")];
}

function regionText(lines: string[], symbol: PythonSymbol): string {
  const limit = symbol.kind === "class" ? CLASS_HEAD_LINES : MAX_REGION_LINES;
  const last = Math.min(symbol.end, symbol.start + limit - 1);
  const cut =
    last < symbol.end ? ` (first ${last - symbol.start + 1} of its ${symbol.end - symbol.start + 1} lines)` : "";
  return `Lines ${symbol.start}-${last}, ${symbol.name}${cut}:\n${lines.slice(symbol.start - 1, last).join("\n")}`;
}
