// The task a worker works on comes from the DHT, as the design card says (issue 25): the grant names
// the bot-signed task record's key, and the worker reads that record and checks that the
// coordinator it pinned signed it, for this job and task, before working. The grant's own copy is
// the fallback when the record cannot be read in time (counted and logged by the caller), never a
// silent default. The coordinator starts each task record's write before it grants the task, so a
// read normally finds it at the bot at once; a read retries briefly for a write still on its way.
import type { PeerId } from "@libp2p/interface";
import type { Task } from "../shared/schemas.js";
import type { CoordinatorResponse } from "../shared/swarm/coordinator-protocol.js";
import { openRecord, recordKey } from "../shared/swarm/signed-record.js";
import type { SwarmNode } from "../shared/swarm/swarm-node.js";

/** Reads of the record tried before the grant's copy is used, and how long each may take. */
const READ_ATTEMPTS = 3;
const READ_TIMEOUT_MS = 2_000;
const RETRY_PAUSE_MS = 150;

export type TaskSource =
  | { from: "dht"; task: Task; ms: number }
  /** `reason`: why the record was not used (unreadable, missing, not the coordinator's). */
  | { from: "grant"; task: Task; ms: number; reason: string }
  /** A private job: no record exists, the grant is the only copy. */
  | { from: "private-grant"; task: Task; ms: 0 };

type Grant = Extract<CoordinatorResponse, { type: "granted" }>;

export async function taskOfGrant(
  node: SwarmNode,
  coordinator: PeerId,
  grant: Grant,
  signal?: AbortSignal,
): Promise<TaskSource> {
  if (!grant.task_record) return { from: "private-grant", task: grant.task, ms: 0 };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const key = recordKey("task", grant.job_id, grant.task_id);
  if (grant.task_record !== key)
    return {
      from: "grant",
      task: grant.task,
      ms: 0,
      reason: `the grant names the record ${grant.task_record}, not ${key}`,
    };
  const taskOf = async (bytes: Uint8Array): Promise<Task> => {
    const record = await openRecord(key, bytes);
    if (record.signer !== coordinator.toString())
      throw new Error(`the record is signed by ${record.signer}, not by the coordinator`);
    const { task } = record.payload as { job_id: string; task: Task };
    if (task.id !== grant.task_id) throw new Error(`the record holds task ${task.id}, not ${grant.task_id}`);
    return task;
  };
  let reason = "";
  for (let attempt = 1; attempt <= READ_ATTEMPTS && !signal?.aborted; attempt++) {
    try {
      const task = await firstRecord(node, key, taskOf, signal);
      return { from: "dht", task, ms: elapsed() };
    } catch (error) {
      reason = (error as Error).message;
      if (attempt < READ_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * attempt));
    }
  }
  return { from: "grant", task: grant.task, ms: elapsed(), reason: `the DHT read failed: ${reason}` };
}

/**
 * The first copy of `key`'s record that `accept` takes, as soon as a peer answers with it. kad-dht's
 * own get walks the whole query and then picks the best copy (~200 ms among 20 DHT servers on
 * loopback); a record only its signer can write needs no vote, so the first good copy will do.
 */
async function firstRecord<T>(
  node: SwarmNode,
  key: string,
  accept: (bytes: Uint8Array) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let refused: Error | undefined;
  const limit = AbortSignal.any([AbortSignal.timeout(READ_TIMEOUT_MS), ...(signal ? [signal] : [])]);
  for await (const event of node.services.dht.get(new TextEncoder().encode(key), { signal: limit })) {
    const bytes =
      event.name === "VALUE" ? event.value : event.name === "PEER_RESPONSE" ? event.record?.value : undefined;
    if (!bytes) continue;
    try {
      return await accept(bytes);
    } catch (error) {
      refused = error as Error; // someone else's copy: keep asking
    }
  }
  throw refused ?? new Error("no DHT server holds the record");
}
