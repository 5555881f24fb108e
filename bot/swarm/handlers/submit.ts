// "submit": a result counts only as a record signed by the peer holding the lease and naming its
// worker id; the bot then stores that worker-signed record in the DHT (seed: result records).
import type { Result, WorkItem } from "../../../shared/schemas.js";
import type { GenerationStatus } from "../../../shared/model/answer-transcript.js";
import type { CoordinatorRequest, CoordinatorResponse } from "../../../shared/swarm/coordinator-protocol.js";
import { openRecord, recordKey } from "../../../shared/swarm/signed-record.js";
import type { CoordinatorEvent } from "../coordinator.js";
import type { HeldLease } from "./current-lease.js";

export interface SubmitComponents {
  /** Stores a record in the DHT in the background. */
  publish(key: string, bytes: Uint8Array): void;
  onEvent(event: CoordinatorEvent): void;
  /** The bot's judgement before the board takes the result; "failed" refuses it and frees the task. */
  vet?(item: WorkItem, result: Result): Promise<GenerationStatus | undefined>;
}

export async function handleSubmit(
  request: Extract<CoordinatorRequest, { type: "submit" }>,
  { board, lease, peer }: HeldLease,
  { publish, onEvent, vet }: SubmitComponents,
): Promise<CoordinatorResponse> {
  const key = recordKey("result", request.job_id, request.task_id);
  const bytes = Buffer.from(request.record, "base64");
  const record = await openRecord(key, bytes).catch((error: Error) => error);
  if (record instanceof Error) return { type: "refused", reason: `result record rejected: ${record.message}` };
  if (record.signer !== peer)
    return { type: "refused", reason: `result record signed by ${record.signer}, but sent by ${peer}` };
  // What only the bot may say of a result is the bot's: the sender is the authenticated peer.
  const {
    producer: _claimedProducer,
    generation: _claimedGeneration,
    verdict: _claimedVerdict,
    ...sent
  } = record.payload as Result;
  let result: Result = { ...sent, producer: { peer } };
  if (result.worker_id !== lease.workerId) {
    return {
      type: "refused",
      reason: `result names worker ${result.worker_id}; the lease is held by ${lease.workerId}`,
    };
  }
  if (vet) {
    const generation = await vet(board.workItem(request.task_id), result);
    if (generation?.status === "failed") {
      // Never merged: the task goes back to the board for another volunteer.
      await board.release(request.job_id, request.task_id, lease.workerId, request.lease_id);
      return {
        type: "refused",
        reason: `result refused: not the model's answer (checked by ${generation.by}): ${generation.reason}`,
      };
    }
    // Undefined: a volunteer checks it later; the bot asks when it collects the job.
    if (generation) result = { ...result, generation };
  }
  await board.submit(result, request.lease_id);
  onEvent({
    kind: "result-accepted",
    jobId: request.job_id,
    taskId: request.task_id,
    workerId: lease.workerId,
    result,
  });
  publish(key, bytes);
  return { type: "accepted" };
}
