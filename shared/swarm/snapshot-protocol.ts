// The repository snapshot protocol between workers and the bot's coordinator: one request and one
// answer per libp2p stream, length-prefixed like the coordinator protocol. A worker asks for a
// snapshot's manifest, then for each chunk; a chunk travels as a JSON header followed by one raw
// frame (≤ 3 MiB, inside MAX_MESSAGE_BYTES). The answerer learns who asks from the connection
// (Noise) and its host from the connection's address, and the asker checks every chunk against the
// manifest's hash (shared/snapshot-manifest.ts).
import type { Connection, PeerId } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import type { Libp2p } from "libp2p";
import { z } from "zod";
import { Sha256Schema, SnapshotManifestSchema, type SnapshotManifest } from "../snapshot-manifest.js";
import { MAX_MESSAGE_BYTES } from "./coordinator-protocol.js";
import { decodeMessage, encodeMessage } from "./json-message.js";
import { hostOf } from "./peer-host.js";

export const SNAPSHOT_PROTOCOL = "/dellm/snapshot/1.0.0";
const REQUEST_TIMEOUT_MS = 30_000;

export const SnapshotRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("manifest"), snapshot: Sha256Schema }),
  z.object({ type: z.literal("chunk"), snapshot: Sha256Schema, index: z.number().int().min(0) }),
]);
export type SnapshotRequest = z.infer<typeof SnapshotRequestSchema>;

const SnapshotHeaderSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("manifest"), manifest: SnapshotManifestSchema }),
  /** `size`: the bytes of the raw frame that follows. */
  z.object({
    type: z.literal("chunk"),
    index: z.number().int().min(0),
    size: z.number().int().min(0).max(MAX_MESSAGE_BYTES),
  }),
  z.object({ type: z.literal("refused"), reason: z.string() }),
]);

export type SnapshotAnswer =
  | { type: "manifest"; manifest: SnapshotManifest }
  | { type: "chunk"; index: number; data: Uint8Array }
  | { type: "refused"; reason: string };

/**
 * What the coordinator serves; a thrown error becomes a "refused" answer carrying its message.
 * `peer`: the peer Noise authenticated; `host`: where it connects from (hostOf).
 */
export interface SnapshotSource {
  manifest(snapshot: string, peer: PeerId, host: string): SnapshotManifest;
  chunk(snapshot: string, index: number, peer: PeerId, host: string): Uint8Array;
}

export async function serveSnapshots(node: Libp2p, source: SnapshotSource): Promise<void> {
  await node.handle(SNAPSHOT_PROTOCOL, async (stream, connection: Connection) => {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      let header: z.infer<typeof SnapshotHeaderSchema>;
      let data: Uint8Array | undefined;
      try {
        const request = decodeMessage(
          SnapshotRequestSchema,
          (await lp.read({ signal })).subarray(),
          "snapshot request",
        );
        const host = hostOf(connection.remoteAddr);
        if (request.type === "manifest")
          header = { type: "manifest", manifest: source.manifest(request.snapshot, connection.remotePeer, host) };
        else {
          data = source.chunk(request.snapshot, request.index, connection.remotePeer, host);
          header = { type: "chunk", index: request.index, size: data.length };
        }
      } catch (error) {
        header = { type: "refused", reason: (error as Error).message };
        data = undefined;
      }
      await lp.write(encodeMessage(header), { signal });
      if (data) await lp.write(data, { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error as Error);
    }
  });
}

/** Ask `peer` for a snapshot's manifest or one of its chunks (the caller checks the hashes). */
export async function askSnapshot(
  node: Libp2p,
  peer: PeerId,
  request: SnapshotRequest,
  signal?: AbortSignal,
): Promise<SnapshotAnswer> {
  const limit = AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(signal ? [signal] : [])]);
  const stream = await node.dialProtocol(peer, SNAPSHOT_PROTOCOL, { signal: limit });
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    await lp.write(encodeMessage(request), { signal: limit });
    const header = decodeMessage(
      SnapshotHeaderSchema,
      (await lp.read({ signal: limit })).subarray(),
      "snapshot answer",
    );
    let answer: SnapshotAnswer;
    if (header.type === "chunk") {
      if (request.type !== "chunk" || header.index !== request.index)
        throw new Error(`the snapshot answer is for chunk ${header.index}, not the one asked for`);
      const data = (await lp.read({ signal: limit })).subarray();
      if (data.length !== header.size)
        throw new Error(`chunk ${header.index} has ${data.length} bytes, its header says ${header.size}`);
      answer = { type: "chunk", index: header.index, data };
    } else answer = header;
    await stream.close({ signal: limit });
    return answer;
  } catch (error) {
    stream.abort(error as Error);
    throw error;
  }
}
