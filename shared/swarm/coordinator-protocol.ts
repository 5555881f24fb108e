// The claim/lease protocol between workers and the bot's coordinator: one length-prefixed JSON
// request and one response per libp2p stream. The coordinator learns who is asking from the
// connection (Noise authenticates the remote peer id), never from the message.
import type { Connection, PeerId } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { Libp2p } from "libp2p";
import { z } from "zod";
import { JobIdSchema, ResultSchema, TaskSchema } from "../schemas.js";
import { Sha256Schema } from "../snapshot-manifest.js";
import { decodeMessage, encodeMessage } from "./json-message.js";
import { hostOf } from "./peer-host.js";

export const COORDINATOR_PROTOCOL = "/dellm/coordinator/1.0.0";
/** Gossipsub topic where the coordinator announces that tasks became ready. */
export const TASKS_TOPIC = "/dellm/tasks/1.0.0";
/** A signed result record (≤ 2 MiB) in base64 plus the envelope fits in this. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** A claim may wait at the coordinator this long for a task (long poll); requests time out at 30 s. */
export const MAX_CLAIM_WAIT_MS = 25_000;
const REQUEST_TIMEOUT_MS = 30_000;

const leaseRef = { job_id: JobIdSchema, task_id: z.number().int().positive(), lease_id: z.string().uuid() };

/** A model as jobs name it (issue 22): its GGUF file's SHA-256 and the context it is loaded with. */
export const NamedModelSchema = z.object({
  sha256: Sha256Schema,
  context_size: z.number().int().positive().max(1_048_576),
});
export type NamedModel = z.infer<typeof NamedModelSchema>;

/** The model a job's code must come from, named for people too (said when a worker runs another). */
export interface JobModel extends NamedModel {
  /** For people: the file's name. */
  name: string;
}

/** Whether `model` is `wanted` (the same file, loaded with the same context); undefined is no model. */
export function sameModel(wanted: NamedModel, model: NamedModel | undefined): boolean {
  return model?.sha256 === wanted.sha256 && model.context_size === wanted.context_size;
}

export const CoordinatorRequestSchema = z.discriminatedUnion("type", [
  /** `wait_ms`: when nothing is ready, wait up to this long for a task instead of answering "none". */
  z.object({
    type: z.literal("claim"),
    worker_id: z.string().min(1).max(200),
    wait_ms: z.number().int().min(0).max(MAX_CLAIM_WAIT_MS).default(0),
    /** Jobs this worker gave up (their snapshot stayed corrupt): none of their tasks is granted to it. */
    skip_jobs: z.array(JobIdSchema).max(100).default([]),
    /** false: this worker runs no repository `setup` (dellm-worker --no-setup), so jobs with one are not granted to it. */
    setup: z.boolean().default(true),
    /** true: setup commands may reach the network here (dellm-worker --setup-network); else no job whose setup needs it. */
    setup_network: z.boolean().default(false),
    /** The model this worker runs (absent: a scripted model, or a worker before models were named). */
    model: NamedModelSchema.optional(),
    /** true: this worker also checks other volunteers' answers with its model (issue 22's "verify" work). */
    checks: z.boolean().default(false),
  }),
  z.object({ type: z.literal("renew"), ...leaseRef }),
  z.object({ type: z.literal("release"), ...leaseRef }),
  /** `record`: the worker's signed `/dellm/result/<job>/<task>` record, base64. */
  z.object({ type: z.literal("submit"), ...leaseRef, record: z.string().max(MAX_MESSAGE_BYTES) }),
  /** A checker's verdict on the answer it was given with a "check" grant. */
  z.object({
    type: z.literal("verdict"),
    check_id: z.string().uuid(),
    status: z.enum(["checked", "failed", "not_checked"]),
    reason: z.string().max(2_000).default(""),
  }),
]);
export type CoordinatorRequest = z.infer<typeof CoordinatorRequestSchema>;
export type CoordinatorRequestInput = z.input<typeof CoordinatorRequestSchema>;

export const CoordinatorResponseSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("granted"),
    ...leaseRef,
    expires_at: z.number(),
    user_query: z.string(),
    plan: z.array(TaskSchema),
    task: TaskSchema,
    dependency_files: z.array(z.object({ path: z.string(), content: z.string() })),
    /** The repository snapshot the task is tested in (fetched over /dellm/snapshot/1.0.0); absent = files alone. */
    snapshot: Sha256Schema.optional(),
    /** The model the job's code must come from, decoded greedily; absent = any (the bot checks no generation). */
    model: NamedModelSchema.extend({ temperature: z.literal(0) }).optional(),
    /**
     * The DHT key of the bot-signed task record (/dellm/task/<job>/<task>): the worker works from
     * that record, and from `task` only when the DHT read fails. Absent for private jobs (no records).
     */
    task_record: z.string().max(512).optional(),
  }),
  /**
   * Check another volunteer's answer (the worker claimed with checks: true and runs the job's model):
   * the task as its producer was granted it, and the producer's result with its transcripts. The
   * verdict is due before expires_at; the checker never gets its own work.
   */
  z.object({
    type: z.literal("check"),
    check_id: z.string().uuid(),
    expires_at: z.number(),
    job_id: JobIdSchema,
    user_query: z.string(),
    plan: z.array(TaskSchema),
    task: TaskSchema,
    dependency_files: z.array(z.object({ path: z.string(), content: z.string() })),
    model: NamedModelSchema,
    result: ResultSchema,
  }),
  z.object({ type: z.literal("none") }),
  z.object({ type: z.literal("renewed"), expires_at: z.number() }),
  z.object({ type: z.literal("released") }),
  z.object({ type: z.literal("accepted") }),
  z.object({ type: z.literal("refused"), reason: z.string() }),
]);
export type CoordinatorResponse = z.infer<typeof CoordinatorResponseSchema>;

export interface CoordinatorHandlers {
  /**
   * Answer a request; `remotePeer` is the authenticated peer, `gone` aborts when its stream closes,
   * `host` is the connection's remote host (hostOf: an IPv4 address or an IPv6 /64).
   */
  answer(
    request: CoordinatorRequest,
    remotePeer: PeerId,
    gone: AbortSignal,
    host: string,
  ): Promise<CoordinatorResponse>;
  /** The answer could not be sent (the peer left while it waited): undo what it granted. */
  undelivered(response: CoordinatorResponse, remotePeer: PeerId): void;
}

export async function serveCoordinator(node: Libp2p, handlers: CoordinatorHandlers): Promise<void> {
  await node.handle(COORDINATOR_PROTOCOL, async (stream, connection: Connection) => {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const gone = new AbortController();
    stream.addEventListener("close", () => gone.abort(), { once: true });
    let response: CoordinatorResponse | undefined;
    try {
      try {
        const request = decodeMessage(CoordinatorRequestSchema, (await lp.read({ signal })).subarray(), "request");
        response = await handlers.answer(
          request,
          connection.remotePeer,
          AbortSignal.any([gone.signal, signal]),
          hostOf(connection.remoteAddr),
        );
      } catch (error) {
        response = { type: "refused", reason: (error as Error).message };
      }
      if (gone.signal.aborted) throw new Error("the peer closed the stream");
      await lp.write(encodeMessage(response), { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error as Error);
      if (response) handlers.undelivered(response, connection.remotePeer);
    }
  });
}

/** Send one request to the coordinator and read its answer. */
export async function askCoordinator(
  node: Libp2p,
  coordinator: PeerId,
  request: CoordinatorRequestInput,
  signal?: AbortSignal,
): Promise<CoordinatorResponse> {
  const limit = AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(signal ? [signal] : [])]);
  const stream = await node.dialProtocol(coordinator, COORDINATOR_PROTOCOL, { signal: limit });
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    await lp.write(encodeMessage(request), { signal: limit });
    const response = decodeMessage(
      CoordinatorResponseSchema,
      (await lp.read({ signal: limit })).subarray(),
      "coordinator response",
    );
    await stream.close({ signal: limit });
    return response;
  } catch (error) {
    stream.abort(error as Error);
    throw error;
  }
}
