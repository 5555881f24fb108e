// Records the swarm keeps in the DHT (seed: task:, result:, status: keys, here namespaced by job,
// plus one board record per coordinator that lists its open jobs, since the DHT cannot list keys).
// Every record is an envelope signed with its author's Ed25519 libp2p key. The signature covers the
// DHT key too, so a record copied under another key (a replay) is rejected, and the signer is a
// peer id whose public key is inside it, so nobody can sign in another peer's name.
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";
import { z } from "zod";
import { JobIdSchema, JobStatusSchema, LIMITS, ResultSchema, TaskSchema } from "../schemas.js";

/** First key segment: kad-dht routes validators and selectors by it. */
export const RECORD_NAMESPACE = "dellm";
export const RECORD_KINDS = ["task", "result", "status", "board", "credit"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * Seed expiries in seconds: tasks 300, results 600, status 300 (the board like status); a
 * volunteer's credit a day (written again whenever it changes).
 */
export const RECORD_TTL_SECONDS: Record<RecordKind, number> = {
  task: 300,
  result: 600,
  status: 300,
  board: 300,
  credit: 86_400,
};
/** Records dated further ahead than this are refused (clock skew allowance). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** kad-dht's practical limit is ~4 MiB; results (code + logs) stay well below this. */
export const MAX_RECORD_BYTES = 2 * 1024 * 1024;

const PAYLOADS = {
  task: z.object({ job_id: JobIdSchema, task: TaskSchema }),
  result: ResultSchema,
  status: z.object({
    job_id: JobIdSchema,
    status: JobStatusSchema,
    done: z.array(z.number().int().positive()).max(LIMITS.maxTasks),
  }),
  board: z.object({
    jobs: z
      .array(z.object({ job_id: JobIdSchema, ready: z.array(z.number().int().positive()).max(LIMITS.maxTasks) }))
      .max(1_000),
  }),
  /** What a bot says of a volunteer's work for it (issue 22): the volunteer can show it to anyone. */
  credit: z.object({
    peer: z.string().min(1).max(128),
    credit: z.number().int().nonnegative(),
    verified_tokens: z.number().int().nonnegative(),
    tests_run: z.number().int().nonnegative(),
    checked: z.number().int().nonnegative(),
    failed_checks: z.number().int().nonnegative(),
    standing: z.enum(["new", "clean", "caught", "blocked", "trusted"]),
  }),
} satisfies Record<RecordKind, z.ZodType>;
export type RecordPayload<K extends RecordKind> = z.infer<(typeof PAYLOADS)[K]>;

const EnvelopeSchema = z.object({
  v: z.literal(1),
  key: z.string().max(512),
  signer: z.string().min(1).max(128),
  issued_at: z.number().int().nonnegative(),
  expires_at: z.number().int().positive(),
  payload: z.unknown(),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, "signature must be base64"),
});

export interface SignedRecord<K extends RecordKind = RecordKind> {
  key: string;
  kind: K;
  /** The job the record belongs to; for a board or credit record, the coordinator's peer id. */
  jobId: string;
  /** Peer id (base58) of the author. */
  signer: string;
  issuedAt: number;
  expiresAt: number;
  payload: RecordPayload<K>;
}

export class RecordRejectedError extends Error {
  override name = "RecordRejectedError";
}

/** "/dellm/<kind>/<job id>[/<task id>]" — task and result records per task, status per job. */
export function recordKey(kind: Exclude<RecordKind, "board" | "credit">, jobId: string, taskId?: number): string {
  JobIdSchema.parse(jobId);
  if (kind === "status") return `/${RECORD_NAMESPACE}/status/${jobId}`;
  if (!Number.isInteger(taskId) || (taskId as number) < 1)
    throw new Error(`a ${kind} record key needs a positive task id`);
  return `/${RECORD_NAMESPACE}/${kind}/${jobId}/${taskId}`;
}

/** "/dellm/board/<coordinator peer id>": the coordinator's list of jobs with ready tasks. */
export function boardKey(coordinatorPeerId: string): string {
  return `/${RECORD_NAMESPACE}/board/${coordinatorPeerId}`;
}

/** "/dellm/credit/<coordinator peer id>/<volunteer peer id>": only that coordinator signs it. */
export function creditKey(coordinatorPeerId: string, peer: string): string {
  return `/${RECORD_NAMESPACE}/credit/${coordinatorPeerId}/${peer}`;
}

function parseKey(key: string): { kind: RecordKind; jobId: string; taskId?: number; peer?: string } {
  const board = /^\/dellm\/board\/([1-9A-HJ-NP-Za-km-z]{40,60})$/.exec(key);
  if (board) return { kind: "board", jobId: board[1]! };
  const credit = /^\/dellm\/credit\/([1-9A-HJ-NP-Za-km-z]{40,60})\/([1-9A-HJ-NP-Za-km-z]{40,60})$/.exec(key);
  if (credit) return { kind: "credit", jobId: credit[1]!, peer: credit[2]! };
  const match = /^\/dellm\/(task|result|status)\/([a-z0-9-]+)(?:\/([1-9][0-9]{0,8}))?$/.exec(key);
  if (!match) throw new RecordRejectedError(`key ${JSON.stringify(key.slice(0, 100))} is not a dellm record key`);
  const kind = match[1] as RecordKind;
  const taskId = match[3] === undefined ? undefined : Number(match[3]);
  if ((kind === "status") !== (taskId === undefined))
    throw new RecordRejectedError(`key ${key} has the wrong shape for a ${kind} record`);
  return { kind, jobId: match[2]!, taskId };
}

// The signed bytes: every envelope field but the signature, in a fixed order.
function signedBytes(envelope: Omit<z.infer<typeof EnvelopeSchema>, "signature">): Uint8Array {
  const { v, key, signer, issued_at, expires_at, payload } = envelope;
  return new TextEncoder().encode(JSON.stringify([v, key, signer, issued_at, expires_at, payload]));
}

/** Sign `payload` for `key` with the author's libp2p private key; returns the bytes to store. */
export async function signRecord<K extends RecordKind>(
  privateKey: PrivateKey,
  key: string,
  payload: RecordPayload<K>,
  options: { now?: number; ttlSeconds?: number } = {},
): Promise<Uint8Array> {
  const { kind } = parseKey(key);
  const checked = PAYLOADS[kind].parse(payload);
  const issued = options.now ?? Date.now();
  const unsigned = {
    v: 1 as const,
    key,
    signer: peerIdFromPrivateKey(privateKey).toString(),
    issued_at: issued,
    expires_at: issued + (options.ttlSeconds ?? RECORD_TTL_SECONDS[kind]) * 1000,
    payload: checked,
  };
  const signature = await privateKey.sign(signedBytes(unsigned));
  const bytes = new TextEncoder().encode(
    JSON.stringify({ ...unsigned, signature: Buffer.from(signature).toString("base64") }),
  );
  if (bytes.length > MAX_RECORD_BYTES)
    throw new Error(`the ${kind} record is ${bytes.length} bytes; the limit is ${MAX_RECORD_BYTES}`);
  return bytes;
}

/**
 * Check a record read from (or sent to) the DHT: shape, key, expiry, signer, signature, payload.
 * Throws RecordRejectedError with the reason; never trusts anything inside before the signature.
 */
export async function openRecord(
  key: string,
  bytes: Uint8Array,
  options: { now?: number } = {},
): Promise<SignedRecord> {
  const now = options.now ?? Date.now();
  if (bytes.length > MAX_RECORD_BYTES)
    throw new RecordRejectedError(`record of ${bytes.length} bytes is over the ${MAX_RECORD_BYTES}-byte limit`);
  const { kind, jobId, taskId, peer } = parseKey(key);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new RecordRejectedError("record is not UTF-8 JSON");
  }
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new RecordRejectedError(`record envelope is invalid: ${z.prettifyError(parsed.error)}`);
  const envelope = parsed.data;
  if (envelope.key !== key)
    throw new RecordRejectedError(`record was signed for ${envelope.key}, not ${key} (replayed under another key)`);
  if (envelope.issued_at > now + MAX_CLOCK_SKEW_MS) throw new RecordRejectedError("record is dated in the future");
  if (envelope.expires_at <= now) throw new RecordRejectedError("record has expired");

  let publicKey;
  try {
    publicKey = peerIdFromString(envelope.signer).publicKey;
  } catch {
    throw new RecordRejectedError(`signer ${envelope.signer.slice(0, 60)} is not a peer id`);
  }
  if (!publicKey || publicKey.type !== "Ed25519")
    throw new RecordRejectedError("signer must be an Ed25519 peer id (its public key is in the id)");
  const signature = Buffer.from(envelope.signature, "base64");
  const { signature: _omit, ...unsigned } = envelope;
  if (
    !(await publicKey.verify(signedBytes({ ...unsigned, payload: (raw as { payload: unknown }).payload }), signature))
  ) {
    throw new RecordRejectedError(`signature does not match signer ${envelope.signer}`);
  }

  const payload = PAYLOADS[kind].safeParse(envelope.payload);
  if (!payload.success) throw new RecordRejectedError(`${kind} payload is invalid: ${z.prettifyError(payload.error)}`);
  if (kind === "board" || kind === "credit") {
    if (envelope.signer !== jobId)
      throw new RecordRejectedError(
        `${kind} record of ${jobId} signed by ${envelope.signer}; only a coordinator writes its own ${kind} records`,
      );
    if (kind === "credit" && (payload.data as { peer: string }).peer !== peer)
      throw new RecordRejectedError(`credit of ${(payload.data as { peer: string }).peer} stored under ${peer}`);
  } else {
    const named = payload.data as { job_id: string; task?: { id: number }; task_id?: number };
    if (named.job_id !== jobId)
      throw new RecordRejectedError(`payload job ${named.job_id} does not match key job ${jobId}`);
    const namedTask = named.task?.id ?? named.task_id;
    if (taskId !== undefined && namedTask !== taskId)
      throw new RecordRejectedError(`payload task ${namedTask} does not match key task ${taskId}`);
  }
  return {
    key,
    kind,
    jobId,
    signer: envelope.signer,
    issuedAt: envelope.issued_at,
    expiresAt: envelope.expires_at,
    payload: payload.data,
  } as SignedRecord;
}

/** kad-dht validator for the "dellm" namespace: every node rejects what openRecord rejects. */
export async function validateDhtRecord(key: Uint8Array, value: Uint8Array): Promise<void> {
  await openRecord(new TextDecoder().decode(key), value);
}

/** kad-dht selector: the newest valid record wins (invalid ones never win). */
export async function selectNewestRecord(key: Uint8Array, records: Uint8Array[]): Promise<number> {
  const textKey = new TextDecoder().decode(key);
  let best = 0;
  let bestIssued = -1;
  for (const [index, bytes] of records.entries()) {
    const record = await openRecord(textKey, bytes).catch(() => undefined);
    if (record && record.issuedAt > bestIssued) {
      best = index;
      bestIssued = record.issuedAt;
    }
  }
  return best;
}
