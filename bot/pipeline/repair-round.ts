// A repair round's results against the ones they would replace: a repaired file is kept only when
// it passes its own tests or there was nothing before; otherwise the earlier result stays (nothing
// the job had is lost), and a note says why. Shared by `dellm run` and the GitHub App.
import type { Result } from "../../shared/schemas.js";

export function keepBetterResults(
  earlier: ReadonlyMap<number, Result>,
  repaired: ReadonlyMap<number, Result>,
  repairing: Iterable<number>,
  round: number,
): { results: Map<number, Result>; notes: string[] } {
  const results = new Map(earlier);
  const notes: string[] = [];
  for (const id of repairing) {
    const after = repaired.get(id);
    const before = earlier.get(id);
    if (before && (!after || (!after.test_passed && before.test_passed))) {
      notes.push(
        `Repair round ${round}: task ${id} ${after ? "came back failing its own tests" : "got no result in time"}; its earlier result is kept.`,
      );
      continue;
    }
    if (after) results.set(id, after);
  }
  return { results, notes };
}
