// The coordinator's claims, leases and results on disk, so that a bot restart keeps them.
// One JSON file, replaced atomically (write + rename) after every change, writes serialized.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import { JobBoardSnapshotSchema, type JobBoardSnapshot } from "./job-board.js";

const StateFileSchema = z.object({ version: z.literal(1), jobs: z.array(JobBoardSnapshotSchema) });

export class CoordinatorStore {
  private writing: Promise<void> = Promise.resolve();
  private pending: JobBoardSnapshot[] | undefined;

  constructor(readonly path: string) {}

  /** The saved jobs; none when the file does not exist yet. A damaged file is an error, never overwritten silently. */
  async load(): Promise<JobBoardSnapshot[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const parsed = StateFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(
        `coordinator state ${this.path} is damaged (${z.prettifyError(parsed.error)}); move it aside to start with no saved jobs`,
      );
    }
    return parsed.data.jobs;
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
