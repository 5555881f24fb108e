// Query 5.7 for every caller: a planner that cannot summarise must not cost the job its results,
// so the failure comes back as a reason to report next to the results.
import { showUntrustedLines } from "../../shared/display.js";
import type { Task } from "../../shared/schemas.js";
import type { Planner } from "./planner.js";

export async function summarizeJob(
  planner: Planner,
  query: string,
  tasks: Task[],
  signal?: AbortSignal,
  /** What did not work out (files that failed or were not written), told to the model so it never claims them. */
  problems: string[] = [],
): Promise<{ text: string; failure?: string }> {
  try {
    // Model text: its lines stay, anything that would drive the terminal is escaped.
    return { text: showUntrustedLines(await planner.summarize(query, tasks, signal, problems)) };
  } catch (error) {
    return { text: "", failure: (error as Error).message };
  }
}
