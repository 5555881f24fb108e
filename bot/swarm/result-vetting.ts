// What the coordinator asks before a volunteer's result counts (issue 22): is the peer blocked, and
// is the file the named model's own answer? Checked as the result arrives, so a refused file's task
// goes straight back to the board for another volunteer and the job still finishes. How often a
// peer is checked follows its standing (Reputation: every time while new or caught, spot checks
// once clean); every check, lapse and re-test counts in its record.
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import type { Result, WorkItem } from "../../shared/schemas.js";
import type { RecordPayload } from "../../shared/swarm/signed-record.js";
import type { DatabaseSync } from "node:sqlite";
import type { DellmEnv } from "../../shared/config.js";
import { Reputation } from "./reputation.js";
import { keptAttempt, NO_MODEL_TO_CHECK } from "../../worker/verify/generation-verifier.js";
import { sameModel, type NamedModel } from "../../shared/swarm/coordinator-protocol.js";

/** The coordinator's view of vetting (SwarmCoordinator's `vetting` option). */
export interface ResultVetting {
  /** No grants, renewals or results for this peer. */
  isBlocked(peer: string): boolean;
  /**
   * The bot's judgement of a result before the board takes it (`item`: the task as granted). A
   * "failed" status refuses the result and hands the task out again; undefined: a volunteer checks
   * it later (the bot holds no copy of the model; see VolunteerChecks).
   */
  vet(
    item: WorkItem,
    result: Result,
    peer: string,
    host?: string,
    /** The model the job's code must come from (undefined: none named). */
    model?: NamedModel,
  ): Promise<GenerationStatus | undefined>;
  /** A lease the peer held ran out without a result. */
  leaseLapsed(peer: string): void;
  /** The peer's credit as the bot signs it into the DHT (`/dellm/credit/<bot>/<peer>`); undefined: none kept. */
  creditOf(peer: string): RecordPayload<"credit"> | undefined;
}

/** What checks a generation (worker/verify/generation-verifier.ts's GenerationVerifier). */
export interface GenerationChecker {
  check(item: WorkItem, result: Result): Promise<GenerationStatus>;
}

export interface VettingOptions {
  /** The bot's copy of the job's model; omitted = results are not checked (said with `unchecked`). */
  generation?: GenerationChecker;
  /** The model `generation` runs: answers another model must have written (a repository's pin) are not its to check. */
  generationModel?: NamedModel;
  /** Why results are not checked when `generation` is omitted. */
  unchecked?: string;
  /** Volunteers' standing; omitted = every result checked, nobody blocked. */
  reputation?: Reputation;
  /** Results the bot cannot check itself are left to a volunteer running the job's model. */
  volunteers?: boolean;
}

export function resultVetting({
  generation,
  generationModel,
  unchecked,
  reputation,
  volunteers,
}: VettingOptions): ResultVetting {
  return {
    isBlocked: (peer) => reputation?.isBlocked(peer) ?? false,
    leaseLapsed: (peer) => reputation?.recordLeaseLapsed(peer),
    creditOf(peer) {
      const record = reputation?.get(peer);
      return record
        ? {
            peer,
            credit: record.credit,
            verified_tokens: record.verifiedTokens,
            tests_run: record.testsRun,
            checked: record.checked,
            failed_checks: record.failedChecks,
            standing: record.standing,
          }
        : undefined;
    },
    async vet(item, result, peer, host, model) {
      reputation?.recordResult(peer, host);
      // The bot checks only answers of the model it holds; another (a repository's pin) goes to volunteers.
      const own =
        generation && (!model || !generationModel || sameModel(model, generationModel)) ? generation : undefined;
      if (!own && !(volunteers && model))
        return {
          status: "not_checked",
          reason:
            generation && model
              ? `the bot holds no copy of the model this job names (sha256 ${model.sha256.slice(0, 12)}…), and no volunteer checks are set up`
              : (unchecked ?? NO_MODEL_TO_CHECK),
        };
      const decision = reputation?.shouldCheck(peer);
      if (decision && !decision.check) return { status: "not_checked", reason: decision.why };
      if (!own) return undefined;
      const status = await own.check(item, result);
      if (status.status === "checked" || status.status === "failed")
        reputation?.recordCheck(peer, status.status === "checked", answerTokens(result));
      return status;
    },
  };
}

/** A volunteer's verdict counts in the producer's record as the bot's own check would. */
export function recordVerdict(
  reputation: Reputation,
): (producer: string, status: GenerationStatus, result: Result) => void {
  return (producer, status, result) => {
    if (status.status === "checked" || status.status === "failed")
      reputation.recordCheck(producer, status.status === "checked", answerTokens(result));
  };
}

/** Tokens of the answer behind the result's file (what a passed check verified). */
function answerTokens(result: Result): number {
  return keptAttempt(result)?.answer?.transcript.tokens.length ?? 0;
}

/** The bot's vetting from its settings: volunteers' standing in the state database `db`, the policy from the environment. */
export function vettingFrom(
  db: DatabaseSync,
  env: Pick<DellmEnv, "DELLM_SPOT_CHECK_RATE" | "DELLM_BLOCK_AFTER">,
  generation: GenerationChecker | undefined,
  unchecked: string,
  /** Volunteers running the job's model check the results the bot cannot (DELLM_JOB_MODEL, a repository's pin). */
  volunteers = false,
  /** The model `generation` runs. */
  generationModel?: NamedModel,
): { vetting: ResultVetting; reputation: Reputation } {
  const reputation = new Reputation(db, {
    spotCheckRate: env.DELLM_SPOT_CHECK_RATE,
    blockAfter: env.DELLM_BLOCK_AFTER,
  });
  return { vetting: resultVetting({ generation, generationModel, unchecked, reputation, volunteers }), reputation };
}
