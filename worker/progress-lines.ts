// The lines a worker prints (in `dellm-worker` and for the in-process workers of `dellm run`). Task
// text comes from a planner model, results and reasons from workers and the sandbox: all of it goes
// through showUntrusted, so none of it can colour the terminal or add a line of its own.
import { showUntrusted } from "../shared/display.js";
import type { LoadProgress } from "./model/llama-code-model.js";
import type { WorkerEvent } from "./worker-loop.js";

/** An event handler that prints each event's line (events without one print nothing). */
export function printLines<E>(describe: (event: E) => string | null, log: (line: string) => void): (event: E) => void {
  return (event) => {
    const line = describe(event);
    if (line) log(line);
  };
}

export function describeWorkerEvent(e: WorkerEvent): string | null {
  const who = `[${showUntrusted(e.workerId)}]`;
  if (e.kind === "claimed")
    return `${who} task ${e.item.task.id}: claimed (${showUntrusted(`${e.item.task.directory}${e.item.task.file}`)}: ${showUntrusted(e.item.task.description.slice(0, 100))})`;
  if (e.kind === "submitted") {
    const r = e.result;
    const outcome = r.error
      ? `error: ${showUntrusted(r.error)}`
      : `${r.test_passed ? "passed" : "FAILED"} (${r.tests_passed} passed, ${r.tests_failed} failed)`;
    return `${who} task ${r.task_id}: ${outcome} after ${r.attempts.length} attempt(s), ${r.execution_time.toFixed(1)} s`;
  }
  if (e.kind === "submit-refused") return `${who} task ${e.taskId}: result refused: ${showUntrusted(e.reason)}`;
  const p = e.event;
  if (p.kind === "deciding") return `${who} task ${p.taskId}: asking the model whether it can solve it`;
  if (p.kind === "split") return `${who} task ${p.taskId}: split into ${p.subtasks} subtasks`;
  if (p.kind === "generating") return `${who} task ${p.taskId}: generating code (attempt ${p.attempt})`;
  if (p.kind === "tested") {
    const t = p.result;
    return `${who} task ${p.taskId}: attempt ${p.attempt} ${t.success ? "passed" : "failed"}: ${t.tests_passed} passed, ${t.tests_failed} failed${t.failure_reason ? ` (${showUntrusted(t.failure_reason)})` : ""}`;
  }
  return null;
}

/** Model download/load progress as lines, at most one per 10 % step (the terminal bar is node-llama-cpp's). */
export function modelProgressPrinter(log: (line: string) => void): (event: LoadProgress) => void {
  const lastStep = new Map<string, number>();
  return (event) => {
    const fraction =
      event.phase === "load" ? event.fraction : event.totalBytes > 0 ? event.downloadedBytes / event.totalBytes : 0;
    const step = Math.floor(fraction * 10);
    if (step <= (lastStep.get(event.phase) ?? -1)) return;
    lastStep.set(event.phase, step);
    const size = event.phase === "download" ? ` of ${(event.totalBytes / 2 ** 20).toFixed(0)} MiB` : "";
    log(`[model] ${event.phase === "load" ? "loading" : "downloading"} ${step * 10}%${size}`);
  };
}
