// Turns job events into the lines `dellm run` prints, so a person sees the job moving. Every text a
// model, a worker or a peer chose goes through showUntrusted: it cannot colour, move or add lines.
import { showUntrusted } from "../../shared/display.js";
import { describeWorkerEvent } from "../../worker/progress-lines.js";
import type { EngineEvent } from "../engine/job-engine.js";
import type { CoordinatorEvent } from "../swarm/coordinator.js";

export function describeJobEvent(event: EngineEvent): string | null {
  switch (event.kind) {
    case "planning":
      return `[plan] job ${event.job.id}: decomposing the request`;
    case "planned":
      return [
        `[plan] ${event.job.tasks.length} tasks:`,
        ...event.job.tasks.map(
          (t) =>
            `         ${t.id}. ${showUntrusted(`${t.directory}${t.file}`)}${t.dependencies.length ? ` (after ${t.dependencies.join(", ")})` : ""}: ${showUntrusted(t.description)}`,
        ),
      ].join("\n");
    case "worker":
      return describeWorkerEvent(event.event);
    case "published":
      return `[swarm] job ${event.jobId}: ${event.tasks} tasks on the board of coordinator ${event.coordinator}; waiting for workers`;
    case "progress":
      return event.done > 0
        ? `[collect] ${event.done}/${event.total} results${event.failed ? ` (${event.failed} failed their tests)` : ""}`
        : null;
    case "collected":
      return `[collect] ${event.received}/${event.total} results${event.timedOut ? " (timed out waiting for the rest; keeping what arrived)" : ""}`;
    case "verified":
      return `[verify] re-tested ${event.checked} results in the bot's sandbox${event.disagreed.length ? `; overruled the workers on task(s) ${event.disagreed.join(", ")}` : "; all agree with the workers"}`;
    case "merged":
      return event.merge.commit
        ? `[merge] ${event.merge.written.length} files on ${event.merge.branch} at ${event.merge.commit.slice(0, 12)}${event.merge.skipped.length ? `, ${event.merge.skipped.length} not written` : ""}`
        : `[merge] no file could be written (${event.merge.skipped.length} not written); no branch was created`;
    case "repository-tests": {
      const { report } = event;
      if (report.status !== "compared")
        return `[repository] the repository's own tests: ${report.status === "no_tests" ? "none found" : `not run (${showUntrusted(report.reason ?? "")})`}`;
      return `[repository] the repository's own tests before and after: ${report.passing} passing, ${report.regressions.length} regressed${
        report.regressions.length
          ? ` (${report.regressions
              .slice(0, 5)
              .map((r) => showUntrusted(r.id))
              .join(", ")})`
          : ""
      }`;
    }
    case "repair-round":
      return `[repair] round ${event.round}: task(s) ${event.tasks.join(", ")} go back to the workers with the failing tests' log`;
    case "summary-failed":
      return `[summary] the planner could not write the summary (${showUntrusted(event.reason)}); printing the results only`;
    case "repository-tests-running":
      return "[repository] running the repository's own tests on the start and on the result";
    case "stage":
      // Each stage has its own lines above.
      return null;
  }
}

export function describeCoordinatorEvent(event: CoordinatorEvent): string {
  switch (event.kind) {
    case "claimed":
      return `[swarm] task ${event.taskId}: claimed by ${showUntrusted(event.workerId)}${event.workerId === event.peer ? "" : ` (peer ${showUntrusted(event.peer)})`}`;
    case "released":
      return `[swarm] task ${event.taskId}: released by ${showUntrusted(event.peer)}; back on the board`;
    case "lease-expired":
      return `[swarm] task ${event.taskId}: lease expired (worker gone or silent); back on the board`;
    case "result-accepted": {
      const r = event.result;
      return `[swarm] task ${event.taskId}: result from ${showUntrusted(event.workerId)}: ${r.error ? `error: ${showUntrusted(r.error)}` : `${r.test_passed ? "passed" : "FAILED"} (${r.tests_passed} passed, ${r.tests_failed} failed)`}`;
    }
    case "refused":
      return `[swarm] refused ${showUntrusted(event.request)} from ${showUntrusted(event.peer)}: ${showUntrusted(event.reason)}`;
    case "publish-failed":
      return `[swarm] could not publish ${showUntrusted(event.key)} (${showUntrusted(event.reason)}); claims still work, the record is retried`;
    case "save-failed":
      return `[swarm] could not save the coordinator state to ${event.path}: ${showUntrusted(event.reason)}`;
  }
}
