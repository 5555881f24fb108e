// What the bot's database forgets, so that it does not grow without end: finished jobs (done or
// failed) not updated for DELLM_KEEP_JOBS_DAYS, and webhook delivery ids older than 30 days. Jobs
// still queued or running are never pruned, whatever their age. `dellm serve` prunes at start and
// once a day. Freed pages are reused by later writes; the file itself does not shrink.
import type { DatabaseSync } from "node:sqlite";

/**
 * Delivery ids are remembered so that a redelivery starts no second job; github.com redelivers
 * from its last 3 days, GitHub Enterprise Server from its last 7: 30 days leaves a wide margin.
 */
export const KEEP_DELIVERIES_DAYS = 30;

const DAY_MS = 24 * 3600 * 1000;

export interface PrunePolicy {
  keepJobsDays: number;
  keepDeliveriesDays?: number;
}

export interface Pruned {
  jobs: number;
  deliveries: number;
}

/** Deletes what the policy no longer keeps, as of `now` (ms). */
export function pruneState(db: DatabaseSync, policy: PrunePolicy, now: number = Date.now()): Pruned {
  // Job times are seconds (as in the record), delivery times milliseconds. The stage condition is the
  // jobs_finished index's, so that index finds them.
  const jobs = db
    .prepare("DELETE FROM jobs WHERE stage IN ('done', 'failed') AND updated_at < ?")
    .run((now - policy.keepJobsDays * DAY_MS) / 1000).changes;
  const deliveries = db
    .prepare("DELETE FROM deliveries WHERE received_at < ?")
    .run(now - (policy.keepDeliveriesDays ?? KEEP_DELIVERIES_DAYS) * DAY_MS).changes;
  return { jobs: Number(jobs), deliveries: Number(deliveries) };
}

/** Prunes now, then every `intervalMs` (a day) until stopped; the timer keeps no process alive. */
export function schedulePruning(
  db: DatabaseSync,
  policy: PrunePolicy,
  log: (line: string) => void,
  intervalMs: number = DAY_MS,
): { stop(): void } {
  const prune = () => {
    try {
      const pruned = pruneState(db, policy);
      if (pruned.jobs || pruned.deliveries)
        log(
          `[state] forgot ${pruned.jobs} finished job(s) older than ${policy.keepJobsDays} days (DELLM_KEEP_JOBS_DAYS) and ${pruned.deliveries} webhook delivery id(s) older than ${policy.keepDeliveriesDays ?? KEEP_DELIVERIES_DAYS} days`,
        );
    } catch (error) {
      // A failed prune loses nothing; the next one tries again.
      log(`[state] pruning the state database failed (${(error as Error).message}); the next prune tries again`);
    }
  };
  prune();
  const timer = setInterval(prune, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
