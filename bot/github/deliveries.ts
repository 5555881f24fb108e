// Webhook deliveries the App has handled, by GitHub's X-GitHub-Delivery id, in the bot's state
// database: GitHub's "Redeliver" button (or a delivery it thinks timed out) sends the same id again,
// and that must not start a second job, open a second pull request or comment twice. Kept across
// restarts; ids past GitHub's redelivery window are forgotten by bot/state/pruning.ts. An id is
// recorded once its handler has ended (webhooks.ts): a bot killed while handling it acts on
// GitHub's redelivery.
import type { DatabaseSync } from "node:sqlite";

export class DeliveryLog {
  constructor(
    private readonly db: DatabaseSync,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a delivery with this id was handled before (by this bot, or before a restart). */
  handled(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM deliveries WHERE id = ?").get(id.slice(0, 100)) !== undefined;
  }

  /** Records the delivery as handled; true the first time its id is recorded. */
  record(id: string, event: string): boolean {
    const inserted = this.db
      .prepare("INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)")
      .run(id.slice(0, 100), event.slice(0, 100), this.now());
    return inserted.changes === 1;
  }
}
