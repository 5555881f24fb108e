// The App's job queue: at most `limit` jobs run at once, and when a slot frees the next job comes
// from the installation, then the repository, with the fewest jobs running, then the one served
// least recently (round-robin), then the one waiting longest; within a repository, first come
// first served. So one repository labelling 20 issues cannot starve the others. Pure bookkeeping:
// GitHubJobs starts what `next()` hands out and reports each end with `finished()`.

export interface QueueEntry {
  id: string;
  installation: number;
  /** owner/repo, lower-cased. */
  repository: string;
}

interface Waiting extends QueueEntry {
  /** Arrival order (the tie-break of last resort). */
  seq: number;
  /** A job that had started before a restart: it takes a slot before any job that had not. */
  resumed: boolean;
}

/** Running counts and the turn each was last served, per installation and per repository. */
interface Shares {
  running: Map<string, number>;
  served: Map<string, number>;
}

interface State {
  waiting: Waiting[];
  running: Map<string, QueueEntry>;
  installations: Shares;
  repositories: Shares;
  turn: number;
}

export class QueueFullError extends Error {}

export class JobQueue {
  private state: State = {
    waiting: [],
    running: new Map(),
    installations: { running: new Map(), served: new Map() },
    repositories: { running: new Map(), served: new Map() },
    turn: 0,
  };
  private seq = 0;

  /** `capacity`: jobs that may wait at once (beyond it `enqueue` throws QueueFullError). */
  constructor(
    readonly limit: number,
    readonly capacity = 500,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`the job limit must be a whole number above 0, not ${limit}`);
  }

  get queued(): number {
    return this.state.waiting.length;
  }

  get running(): number {
    return this.state.running.size;
  }

  /**
   * Adds the job at the back; returns how many queued jobs would start before it (nothing ending
   * meanwhile). `evenIfFull`: a job already saved (a restart) is never refused. `resumed`: the job
   * had started before the restart (its record says so): it starts before every job that had not,
   * in the order resumed, whatever the fair order says.
   */
  enqueue(entry: QueueEntry, { evenIfFull = false, resumed = false } = {}): number {
    if (this.has(entry.id)) throw new Error(`job ${entry.id} is already queued or running`);
    if (!evenIfFull && this.queued >= this.capacity)
      throw new QueueFullError(`${this.capacity} jobs are already waiting`);
    this.state.waiting.push({ ...entry, seq: this.seq++, resumed });
    return this.ahead(entry.id)!;
  }

  /** Takes a queued job off the queue (a stop); false when it is not queued. */
  remove(id: string): boolean {
    const index = this.state.waiting.findIndex((e) => e.id === id);
    if (index < 0) return false;
    this.state.waiting.splice(index, 1);
    this.forgetIdle();
    return true;
  }

  isQueued(id: string): boolean {
    return this.state.waiting.some((e) => e.id === id);
  }

  has(id: string): boolean {
    return this.isQueued(id) || this.state.running.has(id);
  }

  /** The next job to start, now counted as running; undefined when every slot is taken or none waits. */
  next(): QueueEntry | undefined {
    if (this.running >= this.limit) return undefined;
    return take(this.state);
  }

  /** A running job ended (done, failed, stopped): its slot is free. */
  finished(id: string): void {
    const entry = this.state.running.get(id);
    if (!entry) return;
    this.state.running.delete(id);
    count(this.state.installations.running, String(entry.installation), -1);
    count(this.state.repositories.running, entry.repository, -1);
    this.forgetIdle();
  }

  /** Queued jobs in the order they would start if nothing ended meanwhile. */
  order(): QueueEntry[] {
    const copy: State = {
      waiting: [...this.state.waiting],
      running: new Map(this.state.running),
      installations: copyShares(this.state.installations),
      repositories: copyShares(this.state.repositories),
      turn: this.state.turn,
    };
    const order: QueueEntry[] = [];
    for (let entry = take(copy); entry; entry = take(copy)) order.push(entry);
    return order;
  }

  /** How many queued jobs start before this one; undefined when it is not queued. */
  ahead(id: string): number | undefined {
    const index = this.order().findIndex((e) => e.id === id);
    return index < 0 ? undefined : index;
  }

  /** Bounded memory: installations and repositories with nothing running or waiting are forgotten. */
  private forgetIdle(): void {
    const waitingInstallations = new Set(this.state.waiting.map((e) => String(e.installation)));
    const waitingRepositories = new Set(this.state.waiting.map((e) => e.repository));
    forget(this.state.installations, waitingInstallations);
    forget(this.state.repositories, waitingRepositories);
  }
}

/** Removes the fairest waiting job from `state` and counts it as running. */
function take(state: State): QueueEntry | undefined {
  if (state.waiting.length === 0) return undefined;
  const chosen = state.waiting.find((e) => e.resumed) ?? fairestWaiting(state);
  const installation = String(chosen.installation);
  const repository = chosen.repository;
  state.waiting.splice(state.waiting.indexOf(chosen), 1);
  const { seq: _seq, resumed: _resumed, ...entry } = chosen;
  state.running.set(entry.id, entry);
  state.turn++;
  count(state.installations.running, installation, 1);
  count(state.repositories.running, repository, 1);
  state.installations.served.set(installation, state.turn);
  state.repositories.served.set(repository, state.turn);
  return entry;
}

/** The first waiting job of the fairest repository of the fairest installation. */
function fairestWaiting(state: State): Waiting {
  const installation = fairest(state.waiting, (e) => String(e.installation), state.installations);
  const inInstallation = state.waiting.filter((e) => String(e.installation) === installation);
  const repository = fairest(inInstallation, (e) => e.repository, state.repositories);
  return inInstallation.find((e) => e.repository === repository)!; // waiting is in arrival order
}

/** The group (by `key`) with the fewest running, then served least recently, then waiting longest. */
function fairest(waiting: Waiting[], key: (e: Waiting) => string, shares: Shares): string {
  let best: { group: string; rank: [number, number, number] } | undefined;
  for (const entry of waiting) {
    const group = key(entry);
    const rank: [number, number, number] = [shares.running.get(group) ?? 0, shares.served.get(group) ?? 0, entry.seq];
    if (!best || less(rank, best.rank)) best = { group, rank };
  }
  return best!.group;
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

function count(map: Map<string, number>, key: string, by: number): void {
  const value = (map.get(key) ?? 0) + by;
  if (value > 0) map.set(key, value);
  else map.delete(key);
}

function copyShares(shares: Shares): Shares {
  return { running: new Map(shares.running), served: new Map(shares.served) };
}

function forget(shares: Shares, waiting: Set<string>): void {
  for (const group of shares.served.keys())
    if (!waiting.has(group) && !shares.running.has(group)) shares.served.delete(group);
}
