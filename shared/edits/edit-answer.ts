// The model's answer for an existing file: search/replace blocks (Aider's format) and symbol blocks
// ("@@@ INSERT INTO Table" + code), parsed strictly so a malformed answer fails with a reason the
// repair prompt can quote, and rendered back the same way for that prompt.
import type { Edit } from "../schemas.js";

export class EditAnswerError extends Error {
  override name = "EditAnswerError";
}

const SEARCH = /^<{5,9} ?SEARCH\s*$/;
const DIVIDER = /^={5,9}\s*$/;
const REPLACE = /^>{5,9} ?REPLACE\s*$/;
const SYMBOL_HEADER = /^@@@ *(REPLACE|INSERT AFTER|INSERT INTO|IMPORTS|END)\b *([A-Za-z_][\w.]*)? *(?:@@@)?\s*$/i;
/** Fences and the file name Aider puts above a block are not part of any edit. */
const FENCE = /^```[\w+-]*\s*$/;

const SYMBOL_KINDS = {
  REPLACE: "replace_symbol",
  "INSERT AFTER": "insert_after",
  "INSERT INTO": "insert_into",
} as const;

/** The edits in the answer, in order; throws EditAnswerError naming what is wrong. */
export function parseEditAnswer(answer: string): Edit[] {
  const lines = answer.replace(/\r\n/g, "\n").split("\n");
  const edits: Edit[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (SEARCH.test(line)) {
      const divider = findLine(lines, i + 1, DIVIDER);
      const end = divider < 0 ? -1 : findLine(lines, divider + 1, REPLACE);
      if (divider < 0 || end < 0)
        throw new EditAnswerError(
          `search/replace block ${edits.length + 1} is not closed: it needs a "=======" line and a ">>>>>>> REPLACE" line`,
        );
      const search = lines.slice(i + 1, divider).join("\n");
      if (!search.trim())
        throw new EditAnswerError(`search/replace block ${edits.length + 1} has an empty SEARCH part`);
      edits.push({ kind: "search_replace", search, replace: lines.slice(divider + 1, end).join("\n") });
      i = end + 1;
      continue;
    }
    const header = SYMBOL_HEADER.exec(line);
    if (header) {
      const word = header[1]!.toUpperCase().replace(/\s+/, " ");
      i++;
      if (word === "END") continue;
      let end = i;
      while (end < lines.length && !SEARCH.test(lines[end]!) && !SYMBOL_HEADER.test(lines[end]!)) end++;
      const code = trimBlankEdges(lines.slice(i, end).filter((l) => !FENCE.test(l)));
      if (!code.trim()) throw new EditAnswerError(`the "${line.trim()}" block has no code under it`);
      if (word === "IMPORTS") edits.push({ kind: "add_imports", code });
      else {
        const symbol = header[2];
        if (!symbol) throw new EditAnswerError(`"${line.trim()}" needs a name, as in "@@@ ${word} Table.search"`);
        edits.push({ kind: SYMBOL_KINDS[word as keyof typeof SYMBOL_KINDS], symbol, code });
      }
      i = end;
      continue;
    }
    i++;
  }
  if (edits.length === 0)
    throw new EditAnswerError(
      "the answer has no edits: the file already exists, so answer with SEARCH/REPLACE blocks or @@@ blocks, not the whole file",
    );
  return edits;
}

/** The edits as the model would write them (for the repair prompt's "your previous answer"). */
export function renderEdits(edits: Edit[]): string {
  return edits
    .map((edit) => {
      switch (edit.kind) {
        case "search_replace":
          return `<<<<<<< SEARCH\n${edit.search}\n=======\n${edit.replace}\n>>>>>>> REPLACE`;
        case "add_imports":
          return `@@@ IMPORTS\n${edit.code}\n@@@ END`;
        default: {
          const word = { replace_symbol: "REPLACE", insert_after: "INSERT AFTER", insert_into: "INSERT INTO" }[
            edit.kind
          ];
          return `@@@ ${word} ${edit.symbol}\n${edit.code}\n@@@ END`;
        }
      }
    })
    .join("\n");
}

function findLine(lines: string[], from: number, pattern: RegExp): number {
  for (let i = from; i < lines.length; i++) if (pattern.test(lines[i]!)) return i;
  return -1;
}

function trimBlankEdges(lines: string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start]!.trim()) start++;
  while (end > start && !lines[end - 1]!.trim()) end--;
  return lines.slice(start, end).join("\n");
}
