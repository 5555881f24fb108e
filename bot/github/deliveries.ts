// Webhook deliveries the App has handled, by GitHub's X-GitHub-Delivery id, in the bot's state
// database: GitHub's "Redeliver" button (or a delivery it thinks timed out) sends the same id again,
// and that must not start a second job, open a second pull request or comment twice. Kept across
// restarts; ids past GitHub's redelivery window are forgotten by bot/state/pruning.ts.
import type { DatabaseSync } from "node:sqlite";

export class DeliveryLog {
  constructor(
    private readonly db: DatabaseSync,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the delivery; true the first time its id is seen, false for a redelivery. */
  firstTime(id: string, event: string): boolean {
    const inserted = this.db
      .prepare("INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)")
      .run(id.slice(0, 100), event.slice(0, 100), this.now());
    return inserted.changes === 1;
  }
}
