// The reference model's answer for an existing file: one search/replace edit per changed region
// (a line diff), so a change to one function of a long module costs that function, not the file.
// Each SEARCH text is widened by neighbouring lines until it occurs once where it is applied.
import type { Edit } from "../../shared/schemas.js";

interface Hunk {
  /** Lines [from, to) of `current` become lines [wantedFrom, wantedTo) of `wanted`. */
  from: number;
  to: number;
  wantedFrom: number;
  wantedTo: number;
}

/** Edits that, applied in order (shared/edits/apply-edits.ts), turn `current` into `wanted`. */
export function searchReplaceHunks(current: string, wanted: string): Edit[] {
  if (current === wanted) return [];
  const a = current.split("\n");
  const b = wanted.split("\n");
  const edits: Edit[] = [];
  // The text as the edits so far left it: wanted's lines up to the last hunk, then current's.
  let lines = [...a];
  let shift = 0;
  for (const hunk of diffHunks(a, b)) {
    let from = hunk.from + shift;
    let to = hunk.to + shift;
    const replacement = b.slice(hunk.wantedFrom, hunk.wantedTo);
    for (;;) {
      const search = lines.slice(from, to).join("\n");
      if (search.trim() && lines.join("\n").split(search).length === 2) break;
      if (from === 0 && to === lines.length) break;
      if (from > 0) from--;
      if (to < lines.length) to++;
    }
    const before = lines.slice(from, hunk.from + shift);
    const after = lines.slice(hunk.to + shift, to);
    const replace = [...before, ...replacement, ...after];
    edits.push({ kind: "search_replace", search: lines.slice(from, to).join("\n"), replace: replace.join("\n") });
    lines = [...lines.slice(0, from), ...replace, ...lines.slice(to)];
    shift += replacement.length - (hunk.to - hunk.from);
  }
  return edits;
}

/** The changed regions of a line diff (longest common subsequence), top to bottom. */
function diffHunks(a: string[], b: string[]): Hunk[] {
  // Common head and tail first: most edits touch a small middle of a long file.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // lcs[i][j]: length of the longest common subsequence of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--)
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const hunks: Hunk[] = [];
  let open: Hunk | null = null;
  let i = 0;
  let j = 0;
  const close = () => {
    if (open) hunks.push({ ...open, to: head + i, wantedTo: head + j });
    open = null;
  };
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { from: head + i, to: head + i, wantedFrom: head + j, wantedTo: head + j };
    if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) j++;
    else i++;
  }
  close();
  return hunks;
}
