// "renew": the lease holder is still working; its lease runs another full term from now.
import type { CoordinatorRequest, CoordinatorResponse } from "../../../shared/swarm/coordinator-protocol.js";
import type { HeldLease } from "./current-lease.js";

export function handleRenew(
  request: Extract<CoordinatorRequest, { type: "renew" }>,
  { board }: HeldLease,
  leaseMs: number,
): CoordinatorResponse {
  return { type: "renewed", expires_at: board.renew(request.task_id, request.lease_id, leaseMs) };
}
