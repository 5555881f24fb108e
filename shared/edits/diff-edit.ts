// One search/replace edit that turns `current` into `wanted`: the lines between their common head and
// tail, widened by neighbouring lines until the SEARCH text occurs once. For answers computed rather
// than generated (the reference model, token figures).
import type { Edit } from "../schemas.js";

export function searchReplaceBetween(current: string, wanted: string): Edit[] {
  if (current === wanted) return [];
  const a = current.split("\n");
  const b = wanted.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  let from = head;
  let to = a.length - tail; // exclusive, in `current`
  for (;;) {
    const search = a.slice(from, to).join("\n");
    if (search.trim() && current.split(search).length === 2) {
      const replace = b.slice(from, b.length - (a.length - to)).join("\n");
      return [{ kind: "search_replace", search, replace }];
    }
    if (from === 0 && to === a.length) return [{ kind: "search_replace", search: current, replace: wanted }];
    if (from > 0) from--;
    if (to < a.length) to++;
  }
}
