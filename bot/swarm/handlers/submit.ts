// "submit": a result counts only as a record signed by the peer holding the lease and naming its
// worker id; the bot then stores that worker-signed record in the DHT (seed: result records).
import type { Result } from "../../../shared/schemas.js";
import type { CoordinatorRequest, CoordinatorResponse } from "../../../shared/swarm/coordinator-protocol.js";
import { openRecord, recordKey } from "../../../shared/swarm/signed-record.js";
import type { CoordinatorEvent } from "../coordinator.js";
import type { HeldLease } from "./current-lease.js";

export interface SubmitComponents {
  /** Stores a record in the DHT in the background. */
  publish(key: string, bytes: Uint8Array): void;
  onEvent(event: CoordinatorEvent): void;
}

export async function handleSubmit(
  request: Extract<CoordinatorRequest, { type: "submit" }>,
  { board, lease, peer }: HeldLease,
  { publish, onEvent }: SubmitComponents,
): Promise<CoordinatorResponse> {
  const key = recordKey("result", request.job_id, request.task_id);
  const bytes = Buffer.from(request.record, "base64");
  const record = await openRecord(key, bytes).catch((error: Error) => error);
  if (record instanceof Error) return { type: "refused", reason: `result record rejected: ${record.message}` };
  if (record.signer !== peer)
    return { type: "refused", reason: `result record signed by ${record.signer}, but sent by ${peer}` };
  const result = record.payload as Result;
  if (result.worker_id !== lease.workerId) {
    return {
      type: "refused",
      reason: `result names worker ${result.worker_id}; the lease is held by ${lease.workerId}`,
    };
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
