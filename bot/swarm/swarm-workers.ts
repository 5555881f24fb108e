// Volunteer workers through the swarm: the coordinator serves the job's tasks (and, with
// replicas, independent copies of them) until the results are in or the deadline passes. A job with
// a repository has its snapshot served to the workers, which test inside it (issue 11).
import { reportProgress, type Collected, type Distribution } from "../pipeline/distribution.js";
import type { Result } from "../../shared/schemas.js";
import type { SwarmCoordinator } from "./coordinator.js";

export function swarmWorkers(coordinator: SwarmCoordinator): Distribution {
  return {
    async distribute(request, { timeoutMs, onEvent, signal, kept, replicas = 1 }) {
      // A job restored from the coordinator's saved state (bot restart) keeps its boards, claims and results.
      let boards = coordinator.group(request.id);
      if (boards.length === 0) boards = coordinator.addReplicatedJob(request, { kept, replicas });
      else if (request.repository)
        for (const board of boards) coordinator.useRepository(board.jobId, request.repository, board.trustedOnly);
      onEvent({
        kind: "published",
        jobId: request.id,
        tasks: request.tasks.length * boards.length,
        coordinator: coordinator.peerId.toString(),
      });
      const stopProgress = reportProgress(boards[0]!, onEvent);
      try {
        const outcomes = await Promise.all(boards.map((board) => board.waitForResults(timeoutMs, signal)));
        return combineReplicas(outcomes);
      } finally {
        stopProgress();
        // An aborted wait (the bot stopping) leaves the job on the board: its saved state resumes it.
        if (!signal?.aborted) for (const board of boards) coordinator.removeJob(board.jobId);
      }
    },
  };
}

/** One result per task (the first replica that has one) and, with several replicas, all of them. */
function combineReplicas(outcomes: Collected[]): Collected {
  const results = new Map<number, Result>();
  const replicas = new Map<number, Result[]>();
  for (const outcome of outcomes) {
    for (const [taskId, result] of outcome.results) {
      if (!results.has(taskId)) results.set(taskId, result);
      replicas.set(taskId, [...(replicas.get(taskId) ?? []), result]);
    }
  }
  return { results, ...(outcomes.length > 1 ? { replicas } : {}), timedOut: outcomes.some((o) => o.timedOut) };
}
