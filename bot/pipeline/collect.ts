// One pipeline step for every caller: collect the workers' results → re-test them in the bot's
// sandbox (volunteers' claims are not trusted) → choose among replicas. `dellm run`, `dellm eval`
// and the GitHub App all merge what this returns.
import type { Result } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { DistributeOptions, Distribution, DistributionRequest } from "./distribution.js";
import { chooseByClaims, verifyResults } from "./result-verifier.js";

export interface CollectOptions extends DistributeOptions {
  distribution: Distribution;
  /** Re-tests the results before they count; omitted = the workers' verdicts are trusted. */
  verifier?: Sandbox;
  /** Tasks this run solves (a retry keeps the rest); default: all. Only these are re-tested. */
  only?: Set<number>;
}

export interface CollectOutcome {
  results: Map<number, Result>;
  /** Tasks on which the bot's re-test overruled the workers. */
  disagreed: number[];
  timedOut: boolean;
}

export async function collectVerified(request: DistributionRequest, options: CollectOptions): Promise<CollectOutcome> {
  const { distribution, verifier, only, ...distribute } = options;
  const collected = await distribution.distribute(request, distribute);
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
    });
    options.onEvent({ kind: "verified", checked: verification.results.size, disagreed: verification.disagreed });
    return { results: verification.results, disagreed: verification.disagreed, timedOut: collected.timedOut };
  }
  const results = collected.replicas ? chooseByClaims(collected.results, collected.replicas) : collected.results;
  return { results, disagreed: [], timedOut: collected.timedOut };
}
