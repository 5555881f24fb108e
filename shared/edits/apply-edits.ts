// Applies edits to a file deterministically, the same way on the worker (before testing) and on the
// bot (at merge, to its own copy of the base). Every edit either applies exactly as written or the
// whole application fails with a reason that names the fix. A SEARCH block that is off only in
// trailing spaces or a uniform indentation applies where it matches exactly one place; nothing else is guessed.
import type { Edit } from "../schemas.js";
import { locateSymbol, type ParsePython, type PythonOutline } from "./python-outline.js";

export class EditApplyError extends Error {
  override name = "EditApplyError";
}

/** The file after the edits, checked to parse; throws EditApplyError when an edit does not apply. */
export async function applyEdits(base: string, edits: Edit[], parse: ParsePython): Promise<string> {
  let content = base;
  for (const [index, edit] of edits.entries()) {
    const which = `edit ${index + 1} of ${edits.length}`;
    content =
      edit.kind === "search_replace"
        ? replaceOnce(content, edit.search, edit.replace, which)
        : await applySymbolEdit(content, edit, which, parse);
  }
  const parsed = await parse(content);
  if (!parsed.ok) throw new EditApplyError(`the file does not parse after the edits: ${parsed.error}`);
  return content;
}

function replaceOnce(content: string, search: string, replace: string, which: string): string {
  const start = JSON.stringify(search.split("\n")[0]!.slice(0, 80));
  const count = content.split(search).length - 1;
  if (count > 1)
    throw new EditApplyError(
      `${which}: the SEARCH text starting ${start} occurs ${count} times; add neighbouring lines so it occurs once`,
    );
  if (count === 1) {
    const first = content.indexOf(search);
    return content.slice(0, first) + replace + content.slice(first + search.length);
  }
  // Small models drop trailing spaces or shift a block's indentation; a block that matches exactly
  // one place line by line, up to that, is the place (the same rule on the worker and the bot).
  const loose = looseMatches(content, search);
  if (loose.length === 1) return spliceLoose(content, loose[0]!, replace);
  throw new EditApplyError(
    loose.length === 0
      ? `${which}: the SEARCH text starting ${start} is not in the file; copy the lines exactly as the file shows them`
      : `${which}: the SEARCH text starting ${start} occurs ${loose.length} times (ignoring indentation); add neighbouring lines so it occurs once`,
  );
}

interface LooseMatch {
  /** First and past-the-last line of the match in the file. */
  from: number;
  to: number;
  /** Spaces the file's block is indented beyond the SEARCH text's (negative: less). */
  shift: number;
}

/**
 * Where the SEARCH lines match whole file lines with trailing whitespace ignored and every non-blank
 * line indented by the same extra amount (blank lines match blank lines).
 */
function looseMatches(content: string, search: string): LooseMatch[] {
  const want = trimBlock(search.split("\n").map(trimEnd));
  if (want.every((line) => line === "")) return [];
  const lines = content.split("\n").map(trimEnd);
  const matches: LooseMatch[] = [];
  for (let from = 0; from + want.length <= lines.length; from++) {
    let shift: number | undefined;
    const fits = want.every((line, i) => {
      const have = lines[from + i]!;
      if (line === "" || have === "") return line === have;
      const delta = indent(have) - indent(line);
      shift ??= delta;
      return delta === shift && have.trimStart() === line.trimStart();
    });
    if (fits) matches.push({ from, to: from + want.length, shift: shift ?? 0 });
  }
  return matches;
}

function spliceLoose(content: string, match: LooseMatch, replace: string): string {
  const lines = content.split("\n");
  const replaced = trimBlock(replace.split("\n")).map((line) => {
    if (line.trim() === "") return "";
    return match.shift >= 0 ? " ".repeat(match.shift) + line : line.slice(Math.min(-match.shift, indent(line)));
  });
  return [...lines.slice(0, match.from), ...replaced, ...lines.slice(match.to)].join("\n");
}

/** Without the leading and trailing blank lines a model adds around a block. */
function trimBlock(lines: string[]): string[] {
  let first = 0;
  let last = lines.length;
  while (first < last && lines[first]!.trim() === "") first++;
  while (last > first && lines[last - 1]!.trim() === "") last--;
  return lines.slice(first, last);
}

const trimEnd = (line: string) => line.replace(/\s+$/, "");
const indent = (line: string) => line.length - line.trimStart().length;

async function applySymbolEdit(
  content: string,
  edit: Exclude<Edit, { kind: "search_replace" }>,
  which: string,
  parse: ParsePython,
): Promise<string> {
  const parsed = await parse(content);
  if (!parsed.ok)
    throw new EditApplyError(
      `${which}: the file does not parse (${parsed.error}), so definitions cannot be found by name; use SEARCH/REPLACE blocks`,
    );
  const lines = content.split("\n");
  if (edit.kind === "add_imports") return addImports(lines, edit.code, parsed.outline);
  let symbol;
  try {
    symbol = locateSymbol(parsed.outline, edit.symbol);
  } catch (error) {
    throw new EditApplyError(`${which}: ${(error as Error).message}`, { cause: error });
  }
  switch (edit.kind) {
    case "replace_symbol":
      return splice(lines, symbol.start - 1, symbol.end, reindent(edit.code, symbol.col));
    case "insert_after":
      return splice(lines, symbol.end, symbol.end, [...blankLines(symbol.col), ...reindent(edit.code, symbol.col)]);
    case "insert_into":
      if (symbol.kind !== "class")
        throw new EditApplyError(`${which}: "${symbol.name}" is a function; INSERT INTO takes a class`);
      return splice(lines, symbol.end, symbol.end, ["", ...reindent(edit.code, symbol.bodyCol)]);
  }
}

/** Import lines not already in the file, after the module's imports (or its docstring). */
function addImports(lines: string[], code: string, outline: PythonOutline): string {
  const present = new Set(lines.map((l) => l.trim()));
  const added = code
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !present.has(l));
  const at = outline.importsEnd || outline.docstringEnd;
  return splice(lines, at, at, added);
}

function splice(lines: string[], from: number, to: number, inserted: string[]): string {
  return [...lines.slice(0, from), ...inserted, ...lines.slice(to)].join("\n");
}

/** Top-level definitions are two lines apart (PEP 8), methods one. */
function blankLines(col: number): string[] {
  return col === 0 ? ["", ""] : [""];
}

/** The code moved to `col`: its common indentation removed, then `col` spaces added to each line. */
function reindent(code: string, col: number): string[] {
  const lines = code.replace(/\t/g, "    ").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const common = indents.length ? Math.min(...indents) : 0;
  const pad = " ".repeat(col);
  return lines.map((l) => (l.trim() ? pad + l.slice(common) : ""));
}
