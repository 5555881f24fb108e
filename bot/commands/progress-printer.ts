// Turns job events into the lines `dellm run` prints, so a person sees the job moving.
import { describeWorkerEvent } from "../../worker/progress-lines.js";
import type { JobEvent } from "../pipeline/distribution.js";
import type { CoordinatorEvent } from "../swarm/coordinator.js";

export function describeJobEvent(event: JobEvent): string | null {
  switch (event.kind) {
    case "planning":
      return `[plan] job ${event.job.id}: decomposing the request`;
    case "planned":
      return [
        `[plan] ${event.job.tasks.length} tasks:`,
        ...event.job.tasks.map((t) => `         ${t.id}. ${t.directory}${t.file}${t.dependencies.length ? ` (after ${t.dependencies.join(", ")})` : ""}: ${t.description}`),
      ].join("\n");
    case "worker":
      return describeWorkerEvent(event.event);
    case "published":
      return `[swarm] job ${event.jobId}: ${event.tasks} tasks on the board of coordinator ${event.coordinator}; waiting for workers`;
    case "progress":
      return event.done > 0 ? `[collect] ${event.done}/${event.total} results${event.failed ? ` (${event.failed} failed their tests)` : ""}` : null;
    case "collected":
      return `[collect] ${event.received}/${event.total} results${event.timedOut ? " (timed out waiting for the rest; keeping what arrived)" : ""}`;
    case "verified":
      return `[verify] re-tested ${event.checked} results in the bot's sandbox${event.disagreed.length ? `; overruled the workers on task(s) ${event.disagreed.join(", ")}` : "; all agree with the workers"}`;
    case "merged":
      return `[merge] ${event.merge.written.length} files on ${event.merge.branch}${event.merge.commit ? ` at ${event.merge.commit.slice(0, 12)}` : ""}${event.merge.skipped.length ? `, ${event.merge.skipped.length} not written` : ""}`;
    case "summary-failed":
      return `[summary] the planner could not write the summary (${event.reason}); printing the results only`;
  }
}

export function describeCoordinatorEvent(event: CoordinatorEvent): string {
  switch (event.kind) {
    case "claimed":
      return `[swarm] task ${event.taskId}: claimed by ${event.workerId}${event.workerId === event.peer ? "" : ` (peer ${event.peer})`}`;
    case "released":
      return `[swarm] task ${event.taskId}: released by ${event.peer}; back on the board`;
    case "lease-expired":
      return `[swarm] task ${event.taskId}: lease expired (worker gone or silent); back on the board`;
    case "result-accepted": {
      const r = event.result;
      return `[swarm] task ${event.taskId}: result from ${event.workerId}: ${r.error ? `error: ${r.error}` : `${r.test_passed ? "passed" : "FAILED"} (${r.tests_passed} passed, ${r.tests_failed} failed)`}`;
    }
    case "refused":
      return `[swarm] refused ${event.request} from ${event.peer}: ${event.reason}`;
    case "publish-failed":
      return `[swarm] could not publish ${event.key} (${event.reason}); claims still work, the record is retried`;
    case "save-failed":
      return `[swarm] could not save the coordinator state to ${event.path}: ${event.reason}`;
  }
}
