// Turns job events into the lines `dellm run` prints, so a person sees the job moving.
import type { LoadProgress } from "../worker/llama-code-model.js";
import type { JobEvent } from "./job-runner.js";

export function describeJobEvent(event: JobEvent): string | null {
  switch (event.kind) {
    case "planning":
      return `[plan] job ${event.job.id}: decomposing the request`;
    case "planned":
      return [
        `[plan] ${event.job.tasks.length} tasks:`,
        ...event.job.tasks.map((t) => `         ${t.id}. ${t.directory}${t.file}${t.dependencies.length ? ` (after ${t.dependencies.join(", ")})` : ""}: ${t.description}`),
      ].join("\n");
    case "worker": {
      const e = event.event;
      if (e.kind === "claimed") return `[${e.workerId}] task ${e.item.task.id}: claimed`;
      if (e.kind === "submitted") {
        const r = e.result;
        const outcome = r.error ? `error: ${r.error}` : `${r.test_passed ? "passed" : "FAILED"} (${r.tests_passed} passed, ${r.tests_failed} failed)`;
        return `[${e.workerId}] task ${r.task_id}: ${outcome} after ${r.attempts.length} attempt(s), ${r.execution_time.toFixed(1)} s`;
      }
      if (e.kind === "submit-refused") return `[${e.workerId}] task ${e.taskId}: result refused: ${e.reason}`;
      const p = e.event;
      if (p.kind === "deciding") return `[${e.workerId}] task ${p.taskId}: asking the model whether it can solve it`;
      if (p.kind === "split") return `[${e.workerId}] task ${p.taskId}: split into ${p.subtasks} subtasks`;
      if (p.kind === "generating") return `[${e.workerId}] task ${p.taskId}: generating code (attempt ${p.attempt})`;
      if (p.kind === "tested") {
        const t = p.result;
        return `[${e.workerId}] task ${p.taskId}: attempt ${p.attempt} ${t.success ? "passed" : "failed"}: ${t.tests_passed} passed, ${t.tests_failed} failed${t.failure_reason ? ` (${t.failure_reason})` : ""}`;
      }
      return null;
    }
    case "collected":
      return `[collect] ${event.received}/${event.total} results${event.timedOut ? " (timed out waiting for the rest; keeping what arrived)" : ""}`;
    case "merged":
      return `[merge] ${event.merge.written.length} files on ${event.merge.branch}${event.merge.commit ? ` at ${event.merge.commit.slice(0, 12)}` : ""}${event.merge.skipped.length ? `, ${event.merge.skipped.length} not written` : ""}`;
    case "summary-failed":
      return `[summary] the planner could not write the summary (${event.reason}); printing the results only`;
  }
}

/** Model download/load progress as lines, at most one per 10 % step (the terminal bar is node-llama-cpp's). */
export function modelProgressPrinter(log: (line: string) => void): (event: LoadProgress) => void {
  const lastStep = new Map<string, number>();
  return (event) => {
    const fraction = event.phase === "load" ? event.fraction : event.totalBytes > 0 ? event.downloadedBytes / event.totalBytes : 0;
    const step = Math.floor(fraction * 10);
    if (step <= (lastStep.get(event.phase) ?? -1)) return;
    lastStep.set(event.phase, step);
    const size = event.phase === "download" ? ` of ${(event.totalBytes / 2 ** 20).toFixed(0)} MiB` : "";
    log(`[model] ${event.phase === "load" ? "loading" : "downloading"} ${step * 10}%${size}`);
  };
}
