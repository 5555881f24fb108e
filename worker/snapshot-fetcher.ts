// A swarm worker's way to a repository snapshot named in a grant: from memory (the last one used),
// from the on-disk cache, else from the coordinator over the snapshot protocol, once per id however
// many tasks ask at the same time. The manifest must hash to the id and every chunk to its manifest
// entry; a chunk that does not is refused and asked for again, and after `attempts` bad copies the
// fetch fails with a SnapshotFetchError (the worker then leaves the job). A coordinator is not
// trusted with the volunteer's machine: a manifest over the volunteer's size cap is refused before
// anything is allocated, a snapshot whose test runs ask more time than the volunteer allows or whose
// paths leave the repository is refused, and a snapshot that failed a check is never fetched again.
import type { PeerId } from "@libp2p/interface";
import type { Libp2p } from "libp2p";
import { z } from "zod";
import { RepoPathSchema } from "../shared/schemas.js";
import { chunkMatches, parseSnapshot, snapshotIdOf, type SnapshotManifest } from "../shared/snapshot-manifest.js";
import type { RepositoryView } from "../shared/sandbox/task-run.js";
import { askSnapshot } from "../shared/swarm/snapshot-protocol.js";
import type { SnapshotCache } from "./snapshot-cache.js";

/** A volunteer's default caps (dellm-worker --max-snapshot-mb, --max-test-timeout). */
export const DEFAULT_MAX_SNAPSHOT_MB = 256;
/** The bot's default test_timeout_seconds, so a repository that keeps it runs on a default worker. */
export const DEFAULT_MAX_TEST_TIMEOUT_SECONDS = 300;

const BAD_HASH = "its content does not match the manifest's sha256";
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** Snapshot ids remembered as failed (a malicious coordinator could name endless new ones). */
const FAILED_REMEMBERED = 256;

export type SnapshotEvent =
  | { kind: "snapshot-cached"; snapshot: string; bytes: number }
  | { kind: "snapshot-fetched"; snapshot: string; bytes: number; chunks: number; seconds: number }
  | { kind: "chunk-refused"; snapshot: string; index: number; attempt: number; reason: string };

/** The snapshot could not be had intact: its chunks stayed corrupt, it failed a check, or the coordinator refused it. */
export class SnapshotFetchError extends Error {
  override name = "SnapshotFetchError";
}

/**
 * Not the content's fault (the coordinator refused it, perhaps for now: a lease that lapsed; or the
 * streams kept breaking): the job is left, but the snapshot is not remembered as failed.
 */
class TransientSnapshotError extends SnapshotFetchError {}

export interface SnapshotFetcherOptions {
  node: Libp2p;
  coordinator: PeerId;
  /** Omitted: nothing is kept on disk (every new process fetches again). */
  cache?: SnapshotCache;
  /** Copies of one chunk tried before giving up (default 3). */
  attempts?: number;
  /** The largest snapshot this worker takes, in bytes (default DEFAULT_MAX_SNAPSHOT_MB MiB): its memory and disk. */
  maxBytes?: number;
  /** The longest repository test run this worker accepts, in seconds (default DEFAULT_MAX_TEST_TIMEOUT_SECONDS). */
  maxTestTimeoutSeconds?: number;
  onEvent?: (event: SnapshotEvent) => void;
}

/** The paths of a snapshot, each of which must stay inside the repository. */
const SnapshotPathsSchema = z.object({
  files: z.array(z.object({ path: RepoPathSchema })),
  tests: z.array(RepoPathSchema),
  setup: z.object({ binaries: z.array(z.object({ path: RepoPathSchema })).optional() }).optional(),
});

export class SnapshotFetcher {
  private readonly inFlight = new Map<string, Promise<RepositoryView>>();
  private last: { id: string; view: RepositoryView } | undefined;
  /** Snapshots that failed a check here, with why: asked again, they fail at once without a fetch. */
  private readonly failed = new Map<string, string>();
  private readonly maxBytes: number;
  private readonly maxTestTimeoutSeconds: number;

  constructor(private readonly options: SnapshotFetcherOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_SNAPSHOT_MB * 2 ** 20;
    this.maxTestTimeoutSeconds = options.maxTestTimeoutSeconds ?? DEFAULT_MAX_TEST_TIMEOUT_SECONDS;
  }

  /** The repository the snapshot `id` holds. */
  async view(id: string, signal?: AbortSignal): Promise<RepositoryView> {
    if (this.last?.id === id) return this.last.view;
    const failure = this.failed.get(id);
    if (failure !== undefined)
      throw new SnapshotFetchError(`snapshot ${id.slice(0, 12)}… failed here before, not fetched again: ${failure}`);
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.load(id, signal)
        .catch((error: unknown) => {
          if (error instanceof SnapshotFetchError && !(error instanceof TransientSnapshotError)) {
            this.failed.set(id, error.message);
            if (this.failed.size > FAILED_REMEMBERED) this.failed.delete(this.failed.keys().next().value!);
          }
          throw error;
        })
        .finally(() => this.inFlight.delete(id));
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
      this.checkSize(id, cached.length);
      const view = this.checked(id, cached);
      onEvent({ kind: "snapshot-cached", snapshot: id, bytes: cached.length });
      return view;
    }
    const started = performance.now();
    const manifest = await this.manifest(id, signal);
    const bytes = new Uint8Array(manifest.size);
    for (let index = 0; index < manifest.chunks.length; index++)
      bytes.set(await this.chunk(id, manifest, index, signal), index * manifest.chunk_size);
    const view = this.checked(id, bytes);
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

  private checkSize(id: string, size: number): void {
    if (size > this.maxBytes)
      throw new SnapshotFetchError(
        `repository snapshot ${id.slice(0, 12)}… is ${mib(size)} MiB, over this worker's ${mib(this.maxBytes)} MiB (raise it with dellm-worker --max-snapshot-mb)`,
      );
  }

  /** The view in `bytes`, refused when it is not one, leaves the repository or asks too long a test run. */
  private checked(id: string, bytes: Uint8Array): RepositoryView {
    const short = `repository snapshot ${id.slice(0, 12)}…`;
    let view: RepositoryView;
    try {
      view = parseSnapshot(bytes);
    } catch (error) {
      throw new SnapshotFetchError(`${short}: ${(error as Error).message}`);
    }
    const paths = SnapshotPathsSchema.safeParse(view);
    if (!paths.success) {
      const issue = paths.error.issues[0]!;
      throw new SnapshotFetchError(
        `${short} names a path outside the repository at ${issue.path.map(String).join(".")}: ${issue.message}`,
      );
    }
    if ((view.testTimeoutSeconds ?? 0) > this.maxTestTimeoutSeconds)
      throw new SnapshotFetchError(
        `${short} asks for test runs of up to ${view.testTimeoutSeconds} s, over this worker's ${this.maxTestTimeoutSeconds} s (raise it with dellm-worker --max-test-timeout)`,
      );
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
      throw new TransientSnapshotError(`the coordinator refused snapshot ${id}: ${answer.reason}`);
    if (answer.type !== "manifest") throw new SnapshotFetchError(`snapshot ${id}: expected its manifest, got a chunk`);
    if (snapshotIdOf(answer.manifest) !== id)
      throw new SnapshotFetchError(`snapshot ${id}: the manifest the coordinator sent hashes to another id`);
    // Before anything is allocated for it: the manifest's size is the coordinator's word.
    this.checkSize(id, answer.manifest.size);
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
          throw new TransientSnapshotError(`the coordinator refused snapshot ${id}: ${answer.reason}`);
        if (answer.type === "chunk" && chunkMatches(manifest, index, answer.data)) return answer.data;
        reason = BAD_HASH;
      } catch (error) {
        if (error instanceof SnapshotFetchError || signal?.aborted) throw error;
        reason = (error as Error).message;
      }
      this.options.onEvent?.({ kind: "chunk-refused", snapshot: id, index, attempt, reason });
    }
    const Failure = reason === BAD_HASH ? SnapshotFetchError : TransientSnapshotError;
    throw new Failure(
      `chunk ${index + 1} of ${manifest.chunks.length} of repository snapshot ${id.slice(0, 12)}… failed ${attempts} times (${reason})`,
    );
  }
}
