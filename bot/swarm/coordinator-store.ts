// The coordinator's claims, leases and results in the bot's state database (bot/state/database.ts,
// table coordinator_jobs), so that a bot restart keeps them (issue 23: one file for all the bot's
// state). One row per open job holding its board's snapshot as JSON; every save writes the whole set
// in one transaction (changed rows upserted, jobs no longer on the board deleted), so a crash leaves
// either the old set or the new one. Saves coalesce and run one after another.
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { JobBoardSnapshotSchema, type JobBoardSnapshot } from "./job-board.js";

interface Row {
  job_id: string;
  snapshot: string;
}

export class CoordinatorStore {
  /** The database file (for messages); ":memory:" for an in-memory one. */
  readonly path: string;
  private writing: Promise<void> = Promise.resolve();
  private pending: JobBoardSnapshot[] | undefined;

  constructor(private readonly db: DatabaseSync) {
    const main = (db.prepare("PRAGMA database_list").all() as { name: string; file: string }[]).find(
      (database) => database.name === "main",
    );
    this.path = main?.file || ":memory:";
  }

  /** Whether no job is saved (an upgrade imports the old coordinator.json only into an empty table). */
  isEmpty(): boolean {
    return this.db.prepare("SELECT 1 FROM coordinator_jobs LIMIT 1").get() === undefined;
  }

  /**
   * The saved jobs, in the order they were put on the board. A damaged row (not JSON, not this
   * schema, another job's board) is an error naming it and the fix, never dropped or overwritten
   * silently: the bot stops rather than forget claims and results.
   */
  load(): JobBoardSnapshot[] {
    const rows = this.db
      .prepare("SELECT job_id, snapshot FROM coordinator_jobs ORDER BY position, job_id")
      .all() as unknown as Row[];
    return rows.map((row) => this.parse(row));
  }

  /** Queue a save of `jobs` (the whole board); saves coalesce, the latest state always lands. */
  save(jobs: JobBoardSnapshot[]): Promise<void> {
    const first = this.pending === undefined;
    this.pending = jobs;
    if (first) {
      // A failed save was reported to its callers; the next one still runs.
      this.writing = this.writing.catch(() => {}).then(() => this.nextTurn());
    }
    return this.writing;
  }

  /**
   * The commit (fsynced: it blocks the event loop) waits for the loop's current turn to end, so that
   * the changes of every request handled in it land in one transaction.
   */
  private nextTurn(): Promise<void> {
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        const snapshot = this.pending!;
        this.pending = undefined;
        try {
          this.write(snapshot);
          resolve();
        } catch (error) {
          reject(error as Error);
        }
      }),
    );
  }

  private write(jobs: JobBoardSnapshot[]): void {
    const now = Date.now() / 1000;
    // An unchanged board is not rewritten: most saves change one job's row.
    const upsert = this.db.prepare(
      `INSERT INTO coordinator_jobs (job_id, position, snapshot, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET position = excluded.position, snapshot = excluded.snapshot,
         updated_at = excluded.updated_at
       WHERE position <> excluded.position OR snapshot <> excluded.snapshot`,
    );
    this.db.exec("BEGIN IMMEDIATE");
    try {
      jobs.forEach((job, position) => upsert.run(job.job_id, position, JSON.stringify(job), now));
      this.db
        .prepare("DELETE FROM coordinator_jobs WHERE job_id NOT IN (SELECT value FROM json_each(?))")
        .run(JSON.stringify(jobs.map((job) => job.job_id)));
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  private parse({ job_id: jobId, snapshot }: Row): JobBoardSnapshot {
    const damaged = (detail: string, cause?: unknown) =>
      new Error(
        `the coordinator's saved board of job ${jobId} in the state database ${this.path} is damaged (${detail}); ` +
          `delete its row to drop that job's claims and results and start the bot again: ` +
          `sqlite3 ${this.path} "DELETE FROM coordinator_jobs WHERE job_id = '${jobId.replaceAll("'", "''")}'"`,
        { cause },
      );
    let raw: unknown;
    try {
      raw = JSON.parse(snapshot);
    } catch (error) {
      throw damaged(snapshot.trim() === "" ? "it is empty" : `not JSON: ${(error as Error).message}`, error);
    }
    const parsed = JobBoardSnapshotSchema.safeParse(raw);
    if (!parsed.success) throw damaged(z.prettifyError(parsed.error));
    if (parsed.data.job_id !== jobId) throw damaged(`it holds job ${parsed.data.job_id}'s board`);
    return parsed.data;
  }
}
