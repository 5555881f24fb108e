// The bot's DHT writes. A put is a DHT query plus a write to the closest peers (~20 RPCs), so puts
// go out in the background, two at a time, and yield to worker requests: they start only after
// 50 ms without one (records live for minutes), but never wait more than a second for that.
import type { PrivateKey } from "@libp2p/interface";
import { signRecord } from "../../shared/swarm/signed-record.js";
import type { SwarmNode } from "../../shared/swarm/swarm-node.js";

/** DHT puts in flight at once. */
const PUBLISH_CONCURRENCY = 2;
/** Puts start only after this long without a worker request (or after waiting 1 s). */
const PUBLISH_QUIET_MS = 50;
const PUBLISH_MAX_WAIT_MS = 1_000;

/** A payload the bot signs, or bytes someone else already signed (a worker's result). */
export type PublishedRecord = Parameters<typeof signRecord>[2] | Uint8Array;

export class RecordPublisher {
  private readonly queue: { key: string; record: PublishedRecord; stored: () => void }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private lastRequestAt = 0;
  private queuedSince = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Aborts puts still in flight when the publisher stops. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly node: SwarmNode,
    private readonly privateKey: PrivateKey,
    private readonly onFailure: (key: string, reason: string) => void,
  ) {}

  /** A worker request arrived: puts wait for a quiet moment. */
  noteRequest(): void {
    this.lastRequestAt = Date.now();
  }

  /**
   * Queue a record; failures are reported, never thrown. `now`: start its put at once, beside the
   * others (a task record a worker is about to read). Resolves once the bot's own DHT store holds
   * the record (kad-dht stores it locally before it writes to the closest peers), so the bot can
   * answer a read of it from then on; or once its put failed or was dropped.
   */
  publish(key: string, record: PublishedRecord, { now = false }: { now?: boolean } = {}): Promise<void> {
    return new Promise((stored) => {
      if (now) return this.start(key, record, stored);
      if (this.queue.length === 0) this.queuedSince = Date.now();
      this.queue.push({ key, record, stored });
      this.drain();
    });
  }

  /** Drop what is queued, abort what is in flight, and wait for it to settle. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const { stored } of this.queue.splice(0)) stored();
    clearTimeout(this.drainTimer);
    await Promise.allSettled([...this.inFlight]);
  }

  private drain(): void {
    const quietFor = Date.now() - this.lastRequestAt;
    if (this.queue.length > 0 && quietFor < PUBLISH_QUIET_MS && Date.now() - this.queuedSince < PUBLISH_MAX_WAIT_MS) {
      this.drainTimer ??= setTimeout(() => {
        this.drainTimer = undefined;
        this.drain();
      }, PUBLISH_QUIET_MS - quietFor);
      return;
    }
    while (this.inFlight.size < PUBLISH_CONCURRENCY && this.queue.length > 0) {
      this.queuedSince = Date.now();
      const { key, record, stored } = this.queue.shift()!;
      this.start(key, record, stored);
    }
  }

  private start(key: string, record: PublishedRecord, stored: () => void): void {
    const putting = this.put(key, record, stored).finally(() => {
      this.inFlight.delete(putting);
      if (!this.stopping.signal.aborted) this.drain();
    });
    this.inFlight.add(putting);
  }

  private async put(key: string, record: PublishedRecord, stored: () => void): Promise<void> {
    try {
      const bytes = record instanceof Uint8Array ? record : await signRecord(this.privateKey, key, record);
      const signal = AbortSignal.any([AbortSignal.timeout(30_000), this.stopping.signal]);
      // kad-dht's put stores the record locally before its first event; the rest is the network.
      for await (const _event of this.node.services.dht.put(new TextEncoder().encode(key), bytes, { signal })) stored();
    } catch (error) {
      if (!this.stopping.signal.aborted) this.onFailure(key, (error as Error).message);
    } finally {
      stored();
    }
  }
}
