// One pipeline step for every caller: collect the workers' results → re-test them in the bot's
// sandbox (volunteers' claims are not trusted) → choose among replicas. `dellm run`, `dellm eval`
// and the GitHub App all merge what this returns.
import type { Result } from "../../shared/schemas.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { WorkItemInRepository } from "../../shared/sandbox/task-run.js";
import type { DistributeOptions, Distribution, DistributionRequest } from "./distribution.js";
import type { Reputation } from "../swarm/reputation.js";
import {
  forgedFailureLog,
  NO_MODEL_TO_CHECK,
  repairChain,
  type GenerationVerifier,
} from "../../worker/verify/generation-verifier.js";
import { parsePython } from "../../shared/edits/python-outline.js";
import { chooseByClaims, verifyResults } from "./result-verifier.js";

export interface CollectOptions extends DistributeOptions {
  distribution: Distribution;
  /** Re-tests the results before they count; omitted = the workers' verdicts are trusted. */
  verifier?: Sandbox;
  /** Tasks this run solves (a retry keeps the rest); default: all. Only these are re-tested. */
  only?: Set<number>;
  /**
   * Checks that each result is the named model's own answer, with the bot's copy of the model
   * (issue 22; with the re-test only). Omitted: every file says "not checked" and why (`unchecked`).
   */
  generation?: GenerationVerifier;
  /** Why results are not checked when `generation` is omitted (the PR table shows it). */
  unchecked?: string;
  /** Volunteers' standing: each re-test counts in its peer's record (tests run, claims overruled). */
  reputation?: Pick<Reputation, "recordRetest" | "recordCheck">;
  /**
   * A volunteer's check of a swarm result the coordinator left to one (SwarmCoordinator.volunteerCheck);
   * used where `generation` is omitted.
   */
  volunteerCheck?: (result: Result) => Promise<GenerationStatus> | undefined;
}

export interface CollectOutcome {
  results: Map<number, Result>;
  /** Tasks on which the bot's re-test overruled the workers. */
  disagreed: number[];
  timedOut: boolean;
}

export async function collectVerified(request: DistributionRequest, options: CollectOptions): Promise<CollectOutcome> {
  const { distribution, verifier, only, ...distribute } = options;
  const { generation, unchecked, reputation, volunteerCheck, ...distributeOptions } = distribute;
  const collected = await distribution.distribute(request, distributeOptions);
  options.onEvent({
    kind: "collected",
    received: collected.results.size,
    total: request.tasks.length,
    timedOut: collected.timedOut,
  });
  if (verifier) {
    const verification = await verifyResults(request.tasks, collected.results, verifier, {
      only,
      replicas: collected.replicas,
      repository: request.repository,
      // The coordinator checked swarm results as they arrived (and dropped any status a worker wrote).
      checkGeneration: async (task, dependencyFiles, result) => {
        if (result.generation) return result.generation;
        // As the worker was granted it, in the repository a repair's failure log is replayed in.
        const item: WorkItemInRepository = {
          jobId: request.id,
          userQuery: request.query,
          plan: request.tasks,
          task,
          dependencyFiles,
          repository: request.repository,
        };
        const byVolunteer = volunteerCheck?.(result);
        // A volunteer checked the tokens but has no sandbox with the repository: the bot replays the
        // failure logs the repair prompts quote itself (no model needed), whatever the checker said of them.
        if (byVolunteer) return replayRepairLogs(await byVolunteer, item, result, verifier, reputation);
        if (!generation) return { status: "not_checked", reason: unchecked ?? NO_MODEL_TO_CHECK };
        // A repository that pins another model: the bot's copy of its own would refuse every honest file.
        if (request.model && !(await generation.holds(request.model)))
          return {
            status: "not_checked",
            reason: `the bot holds no copy of the model this repository names (sha256 ${request.model.sha256.slice(0, 12)}…)`,
          };
        return generation.check(item, result);
      },
      onRetested: (claimed, judged) => {
        if (claimed.producer)
          reputation?.recordRetest(
            claimed.producer.peer,
            judged.tests_passed + judged.tests_failed,
            claimed.test_passed !== judged.test_passed,
          );
      },
    });
    options.onEvent({ kind: "verified", checked: verification.results.size, disagreed: verification.disagreed });
    return { results: verification.results, disagreed: verification.disagreed, timedOut: collected.timedOut };
  }
  const results = collected.replicas ? chooseByClaims(collected.results, collected.replicas) : collected.results;
  return { results, disagreed: [], timedOut: collected.timedOut };
}

/**
 * A volunteer's "checked" of a repair round, with the quoted failure logs replayed in the bot's
 * sandbox: a log the bot cannot reproduce fails the file and counts against its producer.
 */
async function replayRepairLogs(
  status: GenerationStatus,
  item: WorkItemInRepository,
  result: Result,
  sandbox: Sandbox,
  reputation: Pick<Reputation, "recordCheck"> | undefined,
): Promise<GenerationStatus> {
  if (status.status !== "checked" || repairChain(result).length < 2) return status;
  const forged = await forgedFailureLog(item, result, { sandbox, parse: parsePython });
  if (!forged) return { status: "checked", by: status.by };
  if (result.producer) reputation?.recordCheck(result.producer.peer, false, 0);
  return { status: "failed", by: "the bot", reason: forged };
}
