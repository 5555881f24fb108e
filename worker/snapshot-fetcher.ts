// A swarm worker's way to a repository snapshot named in a grant: from memory (the last one used),
// from the on-disk cache, else from the coordinator over the snapshot protocol, once per id however
// many tasks ask at the same time. The manifest must hash to the id and every chunk to its manifest
// entry; a chunk that does not is refused and asked for again, and after `attempts` bad copies the
// fetch fails with a SnapshotFetchError (the worker then leaves the job).
import type { PeerId } from "@libp2p/interface";
import type { Libp2p } from "libp2p";
import { chunkMatches, parseSnapshot, snapshotIdOf, type SnapshotManifest } from "../shared/snapshot-manifest.js";
import type { RepositoryView } from "../shared/sandbox/task-run.js";
import { askSnapshot } from "../shared/swarm/snapshot-protocol.js";
import type { SnapshotCache } from "./snapshot-cache.js";

export type SnapshotEvent =
  | { kind: "snapshot-cached"; snapshot: string; bytes: number }
  | { kind: "snapshot-fetched"; snapshot: string; bytes: number; chunks: number; seconds: number }
  | { kind: "chunk-refused"; snapshot: string; index: number; attempt: number; reason: string };

/** The snapshot could not be had intact: its chunks stayed corrupt, or the coordinator refused it. */
export class SnapshotFetchError extends Error {
  override name = "SnapshotFetchError";
}

export interface SnapshotFetcherOptions {
  node: Libp2p;
  coordinator: PeerId;
  /** Omitted: nothing is kept on disk (every new process fetches again). */
  cache?: SnapshotCache;
  /** Copies of one chunk tried before giving up (default 3). */
  attempts?: number;
  onEvent?: (event: SnapshotEvent) => void;
}

export class SnapshotFetcher {
  private readonly inFlight = new Map<string, Promise<RepositoryView>>();
  private last: { id: string; view: RepositoryView } | undefined;

  constructor(private readonly options: SnapshotFetcherOptions) {}

  /** The repository the snapshot `id` holds. */
  async view(id: string, signal?: AbortSignal): Promise<RepositoryView> {
    if (this.last?.id === id) return this.last.view;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.load(id, signal).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    const view = await pending;
    this.last = { id, view };
    return view;
  }

  private async load(id: string, signal?: AbortSignal): Promise<RepositoryView> {
    const onEvent = this.options.onEvent ?? (() => {});
    const cached = await this.options.cache?.get(id);
    if (cached) {
      onEvent({ kind: "snapshot-cached", snapshot: id, bytes: cached.length });
      return parseSnapshot(cached);
    }
    const started = performance.now();
    const manifest = await this.manifest(id, signal);
    const bytes = new Uint8Array(manifest.size);
    for (let index = 0; index < manifest.chunks.length; index++)
      bytes.set(await this.chunk(id, manifest, index, signal), index * manifest.chunk_size);
    const view = parseSnapshot(bytes);
    await this.options.cache?.put(id, bytes).catch(() => false);
    onEvent({
      kind: "snapshot-fetched",
      snapshot: id,
      bytes: bytes.length,
      chunks: manifest.chunks.length,
      seconds: (performance.now() - started) / 1000,
    });
    return view;
  }

  private async manifest(id: string, signal?: AbortSignal): Promise<SnapshotManifest> {
    const answer = await askSnapshot(
      this.options.node,
      this.options.coordinator,
      { type: "manifest", snapshot: id },
      signal,
    );
    if (answer.type === "refused")
      throw new SnapshotFetchError(`the coordinator refused snapshot ${id}: ${answer.reason}`);
    if (answer.type !== "manifest") throw new SnapshotFetchError(`snapshot ${id}: expected its manifest, got a chunk`);
    if (snapshotIdOf(answer.manifest) !== id)
      throw new SnapshotFetchError(`snapshot ${id}: the manifest the coordinator sent hashes to another id`);
    const expectedChunks = Math.ceil(answer.manifest.size / answer.manifest.chunk_size);
    if (answer.manifest.chunks.length !== expectedChunks)
      throw new SnapshotFetchError(
        `snapshot ${id}: the manifest lists ${answer.manifest.chunks.length} chunks for ${answer.manifest.size} bytes`,
      );
    return answer.manifest;
  }

  /** Chunk `index`, asked for again while a copy fails its hash (or the stream breaks), `attempts` times at most. */
  private async chunk(
    id: string,
    manifest: SnapshotManifest,
    index: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    const attempts = this.options.attempts ?? 3;
    let reason = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const answer = await askSnapshot(
          this.options.node,
          this.options.coordinator,
          { type: "chunk", snapshot: id, index },
          signal,
        );
        if (answer.type === "refused")
          throw new SnapshotFetchError(`the coordinator refused snapshot ${id}: ${answer.reason}`);
        if (answer.type === "chunk" && chunkMatches(manifest, index, answer.data)) return answer.data;
        reason = "its content does not match the manifest's sha256";
      } catch (error) {
        if (error instanceof SnapshotFetchError || signal?.aborted) throw error;
        reason = (error as Error).message;
      }
      this.options.onEvent?.({ kind: "chunk-refused", snapshot: id, index, attempt, reason });
    }
    throw new SnapshotFetchError(
      `chunk ${index + 1} of ${manifest.chunks.length} of repository snapshot ${id.slice(0, 12)}… failed ${attempts} times (${reason})`,
    );
  }
}
