// Shows a stream of states (a job's progress) through a slow remote write: only the latest state is
// written, at most every `intervalMs`, one write at a time and in order. The progress comment and
// the live check run both show a job this way, so GitHub sees a few writes per job, not one per event.

export class Throttle<T> {
  private timer: NodeJS.Timeout | undefined;
  private lastWrite = 0;
  private pending: { state: T } | undefined;
  private writing: Promise<void> = Promise.resolve();

  /** `write` must not throw: a failed write is its own to report (the chain goes on regardless). */
  constructor(
    private readonly intervalMs: number,
    private readonly write: (state: T) => Promise<void>,
  ) {}

  /** Write this state soon: at once when the last write is `intervalMs` old, else when it is. */
  update(state: T): void {
    this.pending = { state };
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Write the latest state (or `state`) now, after any write under way; resolves once it is written. */
  flush(...state: [] | [T]): Promise<void> {
    if (state.length) this.pending = { state: state[0] };
    const shown = this.pending;
    if (!shown) return this.writing;
    return this.enqueue(() => this.write(shown.state));
  }

  /** Run `operation` in the writes' order instead of the state waiting (a final state replaces it). */
  replace(operation: () => Promise<void>): Promise<void> {
    return this.enqueue(operation);
  }

  /** Forget the state waiting; a write under way finishes. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    this.cancel();
    this.writing = this.writing.then(() => {
      this.lastWrite = Date.now();
      return operation().catch(() => {});
    });
    return this.writing;
  }
}
