// The coordinator's claims, leases and results on disk, so that a bot restart keeps them.
// One JSON file, replaced atomically and durably (see shared/atomic-file.ts) after every change, writes serialized.
import { basename, dirname } from "node:path";
import { z } from "zod";
import { readStateFile, removeLeftoverTemporaries, writeFileAtomic } from "../../shared/atomic-file.js";
import { JobBoardSnapshotSchema, type JobBoardSnapshot } from "./job-board.js";

const StateFileSchema = z.object({ version: z.literal(1), jobs: z.array(JobBoardSnapshotSchema) });

export class CoordinatorStore {
  private writing: Promise<void> = Promise.resolve();
  private pending: JobBoardSnapshot[] | undefined;

  constructor(readonly path: string) {}

  /**
   * The saved jobs; none when the file does not exist yet. A damaged file (truncated, not JSON, not
   * this schema) is an error naming it and the fix, never overwritten silently.
   */
  async load(): Promise<JobBoardSnapshot[]> {
    await removeLeftoverTemporaries(dirname(this.path), basename(this.path));
    const state = await readStateFile(this.path, StateFileSchema, {
      what: "coordinator state",
      fix: "move it aside to start with no saved jobs",
    });
    return state?.jobs ?? [];
  }

  /** Queue a save of `jobs`; saves coalesce, the latest state always lands. */
  save(jobs: JobBoardSnapshot[]): Promise<void> {
    const first = this.pending === undefined;
    this.pending = jobs;
    if (first) {
      this.writing = this.writing.then(async () => {
        const snapshot = this.pending!;
        this.pending = undefined;
        await writeFileAtomic(this.path, JSON.stringify({ version: 1, jobs: snapshot }));
      });
    }
    return this.writing;
  }
}
