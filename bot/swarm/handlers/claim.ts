// "claim": grant a ready task now, or hold the claim until one is ready (long poll), so a new task
// goes to the longest-waiting worker in one step instead of every idle worker racing for it.
import type {
  CoordinatorRequest,
  CoordinatorResponse,
  NamedModel,
} from "../../../shared/swarm/coordinator-protocol.js";

/** Who claims, and which jobs it may be given. */
export interface Claim {
  workerId: string;
  peer: string;
  /** Jobs the worker gave up. */
  skipJobs: ReadonlySet<string>;
  /** Whether the worker runs repository `setup` commands. */
  setup: boolean;
  /** Whether it lets them reach the network. */
  setupNetwork: boolean;
  /** Whether it checks other volunteers' answers with its model. */
  checks: boolean;
  /** The model it runs (undefined: none named): it is given only jobs whose code that model may write. */
  model?: NamedModel;
  /** The connection's host (a checker is never on its producer's host). */
  host: string;
}

/** Grants one ready task to this claim, or answers "none". */
export type Grant = (claim: Claim) => CoordinatorResponse;

/** A claim held open until a task is ready. */
interface Waiter {
  claim: Claim;
  resolve(response: CoordinatorResponse): void;
}

export class ClaimQueue {
  private readonly waiting: Waiter[] = [];
  private servingScheduled = false;

  constructor(private readonly grant: Grant) {}

  handleClaim(
    request: Extract<CoordinatorRequest, { type: "claim" }>,
    peer: string,
    gone: AbortSignal,
    host: string,
  ): Promise<CoordinatorResponse> | CoordinatorResponse {
    const claim: Claim = {
      workerId: request.worker_id,
      peer,
      skipJobs: new Set(request.skip_jobs),
      setup: request.setup,
      setupNetwork: request.setup_network,
      checks: request.checks,
      ...(request.model ? { model: request.model } : {}),
      host,
    };
    const now = this.grant(claim);
    if (now.type !== "none" || request.wait_ms === 0 || gone.aborted) return now;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        claim,
        resolve: (response) => {
          clearTimeout(timer);
          gone.removeEventListener("abort", giveUp);
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          resolve(response);
        },
      };
      const giveUp = () => waiter.resolve({ type: "none" });
      const timer = setTimeout(giveUp, request.wait_ms);
      gone.addEventListener("abort", giveUp, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * Hand newly ready tasks to waiting claims, oldest first, once the change that made them ready
   * has finished (so its own events, e.g. "result accepted", come before the new grants).
   */
  serveWaiting(): void {
    if (this.servingScheduled) return;
    this.servingScheduled = true;
    setImmediate(() => {
      this.servingScheduled = false;
      // A waiter that cannot take what is ready (a replica of its own task) lets the next one try.
      for (const waiter of [...this.waiting]) {
        const response = this.grant(waiter.claim);
        if (response.type !== "none") waiter.resolve(response);
      }
    });
  }

  /** Answer every held claim with "none" (the coordinator is stopping). */
  releaseAll(): void {
    for (const waiter of [...this.waiting]) waiter.resolve({ type: "none" });
  }
}
