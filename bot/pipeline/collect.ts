// One pipeline step for every caller: collect the workers' results → re-test them in the bot's
// sandbox (volunteers' claims are not trusted) → choose among replicas. `dellm run`, `dellm eval`
// and the GitHub App all merge what this returns.
import type { Result } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { Collected, DistributeOptions, Distribution, DistributionRequest } from "./distribution.js";
import type { GenerationVerifier } from "./generation-verifier.js";
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
}

export interface CollectOutcome {
  results: Map<number, Result>;
  /** Tasks on which the bot's re-test overruled the workers. */
  disagreed: number[];
  timedOut: boolean;
}

export async function collectVerified(request: DistributionRequest, options: CollectOptions): Promise<CollectOutcome> {
  const { distribution, verifier, only, ...distribute } = options;
  const { generation, unchecked, ...distributeOptions } = distribute;
  const collected = dropWorkersGenerationClaims(await distribution.distribute(request, distributeOptions));
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
      checkGeneration: async (task, dependencyFiles, result) =>
        generation
          ? generation.check(
              { jobId: request.id, userQuery: request.query, plan: request.tasks, task, dependencyFiles },
              result,
            )
          : { status: "not_checked", reason: unchecked ?? "the bot holds no copy of the job's model" },
    });
    options.onEvent({ kind: "verified", checked: verification.results.size, disagreed: verification.disagreed });
    return { results: verification.results, disagreed: verification.disagreed, timedOut: collected.timedOut };
  }
  const results = collected.replicas ? chooseByClaims(collected.results, collected.replicas) : collected.results;
  return { results, disagreed: [], timedOut: collected.timedOut };
}

/** A generation status is the bot's to give: whatever a worker wrote there is dropped. */
function dropWorkersGenerationClaims(collected: Collected): Collected {
  const clean = (result: Result): Result => {
    const { generation: _claimed, ...rest } = result;
    return rest;
  };
  return {
    ...collected,
    results: new Map([...collected.results].map(([id, result]) => [id, clean(result)])),
    ...(collected.replicas
      ? { replicas: new Map([...collected.replicas].map(([id, results]) => [id, results.map(clean)])) }
      : {}),
  };
}
