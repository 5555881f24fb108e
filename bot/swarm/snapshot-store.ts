// The coordinator's repository snapshots, by content hash, kept while a job that uses one is open
// (a second job on the same commit shares the first one's). Served over the snapshot protocol only
// to peers allowed to see a job that uses it: anyone for a public job, trusted peers only when every
// job using it is private. Counts what it serves, per peer, for tests and the benchmark.
import type { PeerId } from "@libp2p/interface";
import { packSnapshot, type PackedSnapshot, type SnapshotManifest } from "../../shared/snapshot-manifest.js";
import type { RepositoryView } from "../../shared/sandbox/task-run.js";
import type { SnapshotSource } from "../../shared/swarm/snapshot-protocol.js";

interface Held {
  packed: PackedSnapshot;
  /** The repository's `setup`: none, offline, or with network (see SetupNeed). */
  setup: SetupNeed;
  /** The boards using it, and whether each is private (trusted-only). */
  users: Map<string, boolean>;
}

/**
 * What a repository's `setup` asks of a worker: nothing, commands run offline, or commands that
 * reach the network (setup_network: true). A worker is given only jobs its claims accept.
 */
export type SetupNeed = "none" | "offline" | "network";

export interface ServedCounts {
  manifests: number;
  chunks: number;
  bytes: number;
}

/**
 * Whole copies of one snapshot a peer may fetch while it is held: a worker keeps it (memory, disk
 * cache), refetches a corrupt chunk at most a few times, and starts afresh now and then; a peer
 * that asks for more is using the bot's bandwidth for something else.
 */
export const MAX_COPIES_PER_PEER = 4;

export class SnapshotStore implements SnapshotSource {
  private readonly held = new Map<string, Held>();
  private readonly served = new Map<string, ServedCounts>();
  /** Bytes of each snapshot sent to each peer ("<id> <peer>"), while the snapshot is held. */
  private readonly sent = new Map<string, number>();

  /** `mayReadPrivate`: whether a peer may see private (trusted-only) jobs. */
  constructor(private readonly mayReadPrivate: (peer: string) => boolean) {}

  /** Keep `view` for board `user`; returns the snapshot id (the same for the same content). */
  add(user: string, view: RepositoryView, { trustedOnly = false }: { trustedOnly?: boolean } = {}): string {
    const packed = packSnapshot(view);
    const held = this.held.get(packed.id) ?? {
      packed,
      setup: !view.setup?.commands.length ? "none" : view.setup.network ? "network" : "offline",
      users: new Map<string, boolean>(),
    };
    held.users.set(user, trustedOnly);
    this.held.set(packed.id, held);
    return packed.id;
  }

  /** Board `user` is gone: a snapshot no open board uses is dropped. */
  release(user: string): void {
    for (const [id, held] of this.held) {
      held.users.delete(user);
      if (held.users.size === 0) {
        this.held.delete(id);
        for (const key of this.sent.keys()) if (key.startsWith(`${id} `)) this.sent.delete(key);
      }
    }
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** What snapshot `id` (none given: "none") asks of a worker's setup. */
  setupOf(id: string | undefined): SetupNeed {
    return (id !== undefined && this.held.get(id)?.setup) || "none";
  }

  manifest(id: string, peer: PeerId): SnapshotManifest {
    const { manifest } = this.readable(id, peer).packed;
    this.count(peer).manifests++;
    return manifest;
  }

  chunk(id: string, index: number, peer: PeerId): Uint8Array {
    const { chunks, bytes } = this.readable(id, peer).packed;
    const chunk = chunks[index];
    if (!chunk) throw new Error(`snapshot ${id} has no chunk ${index} (it has ${chunks.length})`);
    const key = `${id} ${peer.toString()}`;
    const sent = this.sent.get(key) ?? 0;
    if (sent + chunk.length > MAX_COPIES_PER_PEER * Math.max(bytes.length, 1))
      throw new Error(
        `this peer has fetched snapshot ${id} ${MAX_COPIES_PER_PEER} times already; keep it between tasks (dellm-worker --cache-dir)`,
      );
    this.sent.set(key, sent + chunk.length);
    const counts = this.count(peer);
    counts.chunks++;
    counts.bytes += chunk.length;
    return chunk;
  }

  /** What was served so far: per peer id, and in total. */
  servedCounts(): { total: ServedCounts; byPeer: Map<string, ServedCounts> } {
    const total = { manifests: 0, chunks: 0, bytes: 0 };
    for (const c of this.served.values()) {
      total.manifests += c.manifests;
      total.chunks += c.chunks;
      total.bytes += c.bytes;
    }
    return { total, byPeer: new Map([...this.served].map(([peer, c]) => [peer, { ...c }])) };
  }

  private readable(id: string, peer: PeerId): Held {
    const held = this.held.get(id);
    if (!held) throw new Error(`unknown snapshot ${id}: no open job uses it`);
    const isPublic = [...held.users.values()].some((trustedOnly) => !trustedOnly);
    if (!isPublic && !this.mayReadPrivate(peer.toString()))
      throw new Error(`snapshot ${id} belongs to a private repository's job; this peer is not trusted with it`);
    return held;
  }

  private count(peer: PeerId): ServedCounts {
    const key = peer.toString();
    let counts = this.served.get(key);
    if (!counts) this.served.set(key, (counts = { manifests: 0, chunks: 0, bytes: 0 }));
    return counts;
  }
}
