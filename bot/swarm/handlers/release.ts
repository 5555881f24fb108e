// "release": the lease holder gives the task back (Ctrl-C), so another worker takes it at once.
import type { CoordinatorRequest, CoordinatorResponse } from "../../../shared/swarm/coordinator-protocol.js";
import type { CoordinatorEvent } from "../coordinator.js";
import type { HeldLease } from "./current-lease.js";

export async function handleRelease(
  request: Extract<CoordinatorRequest, { type: "release" }>,
  { board, lease, peer }: HeldLease,
  onEvent: (event: CoordinatorEvent) => void,
): Promise<CoordinatorResponse> {
  await board.release(request.job_id, request.task_id, lease.workerId, request.lease_id);
  onEvent({ kind: "released", jobId: request.job_id, taskId: request.task_id, peer });
  return { type: "released" };
}
