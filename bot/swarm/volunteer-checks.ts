// Generation checks done by volunteers (issue 22), for a bot that holds no copy of the job's model:
// a result that must be checked waits here until a worker running the job's model claims with
// `checks: true`; it gets the task as the producer was granted it and the producer's result, runs
// the same check the bot would (worker/verify/generation-verifier.ts) and sends a verdict. Never the
// producer itself, and (unless allowed, as on one test machine) never a peer on the producer's host.
// A check not answered before its lease ends goes to the next checker; one nobody takes in time
// ends "not checked", which the PR table says.
import { randomUUID } from "node:crypto";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { Result, WorkItem } from "../../shared/schemas.js";
import { sameModel, type CoordinatorResponse, type NamedModel } from "../../shared/swarm/coordinator-protocol.js";

/** Seconds a checker has for its verdict: a check costs about one prefill, far less than a task. */
export const CHECK_LEASE_MS = 120_000;

export interface VolunteerChecksOptions {
  /** Let a peer on the producer's host check it (a swarm on one machine, tests). Default false. */
  sameHost?: boolean;
  /** Each verdict that counts, for the producer's record (the reputation). */
  onVerdict?: (producer: string, status: GenerationStatus, result: Result) => void;
  /** Called when a check is waiting, so held claims can be answered with it. */
  onPending?: () => void;
}

interface Pending {
  id: string;
  item: WorkItem;
  result: Result;
  producer: { peer: string; host?: string };
  trustedOnly: boolean;
  /** The model the answer must come from: only a checker running it may check it. */
  model: NamedModel;
  /** Who holds the check now, and until when. */
  holder?: { peer: string; until: number };
  /** Peers that held it and let it lapse: not given it again. */
  lapsed: Set<string>;
  resolve(status: GenerationStatus): void;
  timer: NodeJS.Timeout;
}

export class VolunteerChecks {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: VolunteerChecksOptions = {}) {}

  /** How many checks wait or are held. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * A volunteer's check of `result` (its `producer` set by the coordinator); resolves with the
   * verdict, or "not checked" when no volunteer gave one within `timeoutMs`.
   */
  request(
    item: WorkItem,
    result: Result,
    /** The model the job's code must come from: checkers must run it. */
    model: NamedModel,
    timeoutMs: number,
    /** A private repository's job: only trusted peers may check it (they alone may read its code). */
    trustedOnly = false,
  ): Promise<GenerationStatus> {
    const producer = result.producer;
    if (!producer)
      return Promise.resolve({
        status: "not_checked",
        reason: "written by the bot's own workers (nobody else to check it)",
      });
    return new Promise((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          status: "not_checked",
          reason: `no volunteer with the job's model checked it within ${Math.round(timeoutMs / 1000)} s`,
        });
      }, timeoutMs);
      timer.unref?.();
      this.pending.set(id, { id, item, result, producer, trustedOnly, model, lapsed: new Set(), resolve, timer });
      this.options.onPending?.();
    });
  }

  /** A waiting check for this claimant (the job's model, not its own work, not its host), now held by it. */
  take(
    claimant: { peer: string; host: string },
    /** The model the claimant runs: it gets only checks of answers that model must have written. */
    model: NamedModel,
    /** Whether the claimant is trusted with private repositories' code. */
    trusted: boolean,
    now = Date.now(),
  ): CoordinatorResponse | undefined {
    for (const check of this.pending.values()) {
      if (!sameModel(check.model, model)) continue;
      if (check.trustedOnly && !trusted) continue;
      if (check.holder && check.holder.until > now) continue;
      if (check.holder) check.lapsed.add(check.holder.peer);
      if (check.producer.peer === claimant.peer || check.lapsed.has(claimant.peer)) continue;
      if (!this.options.sameHost && check.producer.host !== undefined && check.producer.host === claimant.host)
        continue;
      check.holder = { peer: claimant.peer, until: now + CHECK_LEASE_MS };
      const { producer: _producer, generation: _generation, verdict: _verdict, ...sent } = check.result;
      return {
        type: "check",
        check_id: check.id,
        expires_at: check.holder.until,
        job_id: check.item.jobId,
        user_query: check.item.userQuery,
        plan: check.item.plan,
        task: check.item.task,
        dependency_files: check.item.dependencyFiles,
        model: { sha256: check.model.sha256, context_size: check.model.context_size },
        result: sent,
      };
    }
    return undefined;
  }

  /** The holder's verdict: "checked" or "failed" settle the check; "not_checked" hands it on. */
  verdict(
    peer: string,
    request: { check_id: string; status: "checked" | "failed" | "not_checked"; reason: string },
  ): CoordinatorResponse {
    const check = this.pending.get(request.check_id);
    if (!check || check.holder?.peer !== peer)
      return { type: "refused", reason: "no such check is held by this peer (it may have expired)" };
    if (request.status === "not_checked") {
      // The checker could not decide (an undecided grammar position, a missing model): the next one tries.
      check.lapsed.add(peer);
      check.holder = undefined;
      this.options.onPending?.();
      return { type: "accepted" };
    }
    const status: GenerationStatus =
      request.status === "checked"
        ? { status: "checked", by: peer, ...(request.reason ? { caveat: request.reason.slice(0, 500) } : {}) }
        : { status: "failed", by: peer, reason: request.reason || "not the model's answer" };
    clearTimeout(check.timer);
    this.pending.delete(check.id);
    this.options.onVerdict?.(check.producer.peer, status, check.result);
    check.resolve(status);
    return { type: "accepted" };
  }

  /** A check grant that never reached its checker: free for the next one. */
  undelivered(checkId: string, peer: string): void {
    const check = this.pending.get(checkId);
    if (check?.holder?.peer === peer) {
      check.holder = undefined;
      this.options.onPending?.();
    }
  }

  /** Settle every waiting check as not checked (the coordinator is stopping). */
  stop(): void {
    for (const check of this.pending.values()) {
      clearTimeout(check.timer);
      check.resolve({ status: "not_checked", reason: "the bot stopped before a volunteer checked it" });
    }
    this.pending.clear();
  }
}
