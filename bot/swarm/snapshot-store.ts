// The coordinator's repository snapshots, by content hash, kept while a job that uses one is open
// (a second job on the same commit shares the first one's). Served over the snapshot protocol only
// to a peer holding a current lease on a job that uses it (the grant named the hash), and of a
// snapshot that only private jobs use, only to trusted peers. Peer ids are free to make, so copies
// are bounded per peer and per host (IP address), and a peer's counters are freed when its last
// lease on the snapshot's jobs ends. Counts what it serves, per peer, for tests and the benchmark.
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
 * Whole copies of one snapshot a peer may fetch under its leases: a worker keeps it (memory, disk
 * cache), refetches a corrupt chunk at most a few times, and starts afresh now and then; a peer
 * that asks for more is using the bot's bandwidth for something else.
 */
export const MAX_COPIES_PER_PEER = 4;

/**
 * Whole copies of one snapshot all lease-holding peers at one IP address (an IPv6 /64) may hold at
 * once: a volunteer's machine runs a few workers that share one disk cache, while one host minting
 * peer ids would otherwise get MAX_COPIES_PER_PEER copies per id.
 */
export const MAX_COPIES_PER_HOST = 8;

/** Whether `peer` holds a current lease on board `user` (the coordinator's boards answer). */
export type LeaseCheck = (user: string, peer: string) => boolean;

/** Bytes of one snapshot sent to one peer under its current leases, and the host it asked from. */
interface Sent {
  bytes: number;
  host: string;
}

export class SnapshotStore implements SnapshotSource {
  private readonly held = new Map<string, Held>();
  private readonly served = new Map<string, ServedCounts>();
  private readonly total: ServedCounts = { manifests: 0, chunks: 0, bytes: 0 };
  /** What each snapshot sent to each peer ("<id> <peer>"), while the peer holds a lease on one of its jobs. */
  private readonly sent = new Map<string, Sent>();
  private holdsLease: LeaseCheck;

  /**
   * `mayReadPrivate`: whether a peer may see private (trusted-only) jobs. `holdsLease`: who holds a
   * lease on which board (the coordinator sets it with useLeases; until then nobody does).
   */
  constructor(
    private readonly mayReadPrivate: (peer: string) => boolean,
    options: { holdsLease?: LeaseCheck } = {},
  ) {
    this.holdsLease = options.holdsLease ?? (() => false);
  }

  /** Serve snapshots to the holders of the leases `holdsLease` reports. */
  useLeases(holdsLease: LeaseCheck): void {
    this.holdsLease = holdsLease;
  }

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
    this.dropIdlePeers();
  }

  /**
   * `peer`'s lease on board `user` ended (call after the board let it go): what it was sent of a
   * snapshot is forgotten once it holds no lease on any job using that snapshot.
   */
  leaseEnded(user: string, peer: string): void {
    for (const [id, held] of this.held) {
      if (!held.users.has(user) || this.leaseOn(held, peer)) continue;
      this.sent.delete(`${id} ${peer}`);
    }
    this.dropIdlePeers();
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** What snapshot `id` (none given: "none") asks of a worker's setup. */
  setupOf(id: string | undefined): SetupNeed {
    return (id !== undefined && this.held.get(id)?.setup) || "none";
  }

  manifest(id: string, peer: PeerId, host: string): SnapshotManifest {
    const { manifest } = this.readable(id, peer).packed;
    const key = `${id} ${peer.toString()}`;
    if (!this.sent.has(key)) this.sent.set(key, { bytes: 0, host });
    this.count(peer).manifests++;
    this.total.manifests++;
    return manifest;
  }

  chunk(id: string, index: number, peer: PeerId, host: string): Uint8Array {
    const { chunks, bytes } = this.readable(id, peer).packed;
    const chunk = chunks[index];
    if (!chunk) throw new Error(`snapshot ${id} has no chunk ${index} (it has ${chunks.length})`);
    const copy = Math.max(bytes.length, 1);
    const key = `${id} ${peer.toString()}`;
    const sent = this.sent.get(key) ?? { bytes: 0, host };
    if (sent.bytes + chunk.length > MAX_COPIES_PER_PEER * copy)
      throw new Error(
        `this peer has fetched snapshot ${id} ${MAX_COPIES_PER_PEER} times already; keep it between tasks (dellm-worker --cache-dir)`,
      );
    let atHost = 0;
    for (const [other, s] of this.sent) if (s.host === host && other.startsWith(`${id} `)) atHost += s.bytes;
    if (atHost + chunk.length > MAX_COPIES_PER_HOST * copy)
      throw new Error(
        `the peers at ${host} hold ${MAX_COPIES_PER_HOST} copies of snapshot ${id} already; workers on one machine should share one cache folder (dellm-worker --cache-dir)`,
      );
    // The host a peer first asked from is kept: a peer cannot move its copies to a fresh address.
    sent.bytes += chunk.length;
    this.sent.set(key, sent);
    const counts = this.count(peer);
    counts.chunks++;
    counts.bytes += chunk.length;
    this.total.chunks++;
    this.total.bytes += chunk.length;
    return chunk;
  }

  /** What was served so far: per peer id still holding a lease, and in total. */
  servedCounts(): { total: ServedCounts; byPeer: Map<string, ServedCounts> } {
    return {
      total: { ...this.total },
      byPeer: new Map([...this.served].map(([peer, c]) => [peer, { ...c }])),
    };
  }

  /** How many per-peer counters are kept (for tests: none once every lease has ended). */
  countersKept(): number {
    return this.sent.size + this.served.size;
  }

  private readable(id: string, peer: PeerId): Held {
    const held = this.held.get(id);
    if (!held) throw new Error(`unknown snapshot ${id}: no open job uses it`);
    const isPublic = [...held.users.values()].some((trustedOnly) => !trustedOnly);
    if (!isPublic && !this.mayReadPrivate(peer.toString()))
      throw new Error(`snapshot ${id} belongs to a private repository's job; this peer is not trusted with it`);
    if (!this.leaseOn(held, peer.toString()))
      throw new Error(
        `snapshot ${id} goes only to a peer holding a lease on one of its jobs; claim a task first (its grant names the snapshot)`,
      );
    return held;
  }

  private leaseOn(held: Held, peer: string): boolean {
    return [...held.users.keys()].some((user) => this.holdsLease(user, peer));
  }

  /** Per-peer serving counts go with the peer's last counter, so fresh peer ids leave nothing behind. */
  private dropIdlePeers(): void {
    const active = new Set([...this.sent.keys()].map((key) => key.slice(key.indexOf(" ") + 1)));
    for (const peer of this.served.keys()) if (!active.has(peer)) this.served.delete(peer);
  }

  private count(peer: PeerId): ServedCounts {
    const key = peer.toString();
    let counts = this.served.get(key);
    if (!counts) this.served.set(key, (counts = { manifests: 0, chunks: 0, bytes: 0 }));
    return counts;
  }
}
