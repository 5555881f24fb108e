// Applies edits to a file deterministically, the same way on the worker (before testing) and on the
// bot (at merge, to its own copy of the base). Every edit either applies exactly as written or the
// whole application fails with a reason that names the fix; nothing is guessed.
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
  const first = content.indexOf(search);
  if (first < 0)
    throw new EditApplyError(
      `${which}: the SEARCH text starting ${JSON.stringify(search.split("\n")[0]!.slice(0, 80))} is not in the file; copy the lines exactly as the file shows them`,
    );
  const count = content.split(search).length - 1;
  if (count > 1)
    throw new EditApplyError(
      `${which}: the SEARCH text starting ${JSON.stringify(search.split("\n")[0]!.slice(0, 80))} occurs ${count} times; add neighbouring lines so it occurs once`,
    );
  return content.slice(0, first) + replace + content.slice(first + search.length);
}

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
