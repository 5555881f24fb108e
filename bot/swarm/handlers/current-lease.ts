// renew, release and submit act on a lease: each is answered only for the current lease of the
// task, by the peer it was granted to (the Noise-authenticated connection, never the message).
import type { CoordinatorRequest, CoordinatorResponse } from "../../../shared/swarm/coordinator-protocol.js";
import type { JobBoard, Lease } from "../job-board.js";

export type LeaseRequest = Exclude<CoordinatorRequest, { type: "claim" } | { type: "verdict" }>;

export interface HeldLease {
  board: JobBoard;
  lease: Lease;
  peer: string;
}

export function currentLease(
  board: JobBoard | undefined,
  request: LeaseRequest,
  peer: string,
): HeldLease | Extract<CoordinatorResponse, { type: "refused" }> {
  board?.expireLeases();
  const lease = board?.leaseOf(request.task_id);
  if (!board || !lease || lease.leaseId !== request.lease_id) {
    return {
      type: "refused",
      reason: `lease ${request.lease_id} on ${request.job_id} task ${request.task_id} is not current (expired, released or never granted)`,
    };
  }
  if (lease.holder !== peer)
    return { type: "refused", reason: `lease ${request.lease_id} was granted to another peer` };
  return { board, lease, peer };
}
