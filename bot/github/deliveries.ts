// Webhook deliveries the App has handled, by GitHub's X-GitHub-Delivery id, in the bot's state
// database: GitHub's "Redeliver" button (or a delivery it thinks timed out) sends the same id again,
// and that must not start a second job, open a second pull request or comment twice. Kept across
// restarts; ids older than `keepDays` are forgotten (GitHub redelivers from its last 30 days).
import type { DatabaseSync } from "node:sqlite";

export interface DeliveryLogOptions {
  /** Days a delivery id is remembered. Default 30. */
  keepDays?: number;
  now?: () => number;
}

export class DeliveryLog {
  private readonly keepMs: number;
  private readonly now: () => number;
  private lastPrune = 0;

  constructor(
    private readonly db: DatabaseSync,
    options: DeliveryLogOptions = {},
  ) {
    this.keepMs = (options.keepDays ?? 30) * 24 * 3600 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Records the delivery; true the first time its id is seen, false for a redelivery. */
  firstTime(id: string, event: string): boolean {
    const now = this.now();
    if (now - this.lastPrune > 3600 * 1000) {
      this.db.prepare("DELETE FROM deliveries WHERE received_at < ?").run(now - this.keepMs);
      this.lastPrune = now;
    }
    const inserted = this.db
      .prepare("INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)")
      .run(id.slice(0, 100), event.slice(0, 100), now);
    return inserted.changes === 1;
  }
}
